"""The two files a job reads besides its manifest: the label category file and the worker template.

Label category files (§6): `document-version` 2018-11-28 for image, text and custom tasks (NER
adds `instructions`); `documentVersion` 2020-03-01 for video frame and 3D point cloud tasks, with
`instructions`, `annotationType` (video frames) and `auditLabelAttributeName` (their adjustment jobs).

Worker templates are Liquid + crowd HTML elements wrapped in `<crowd-form>` (§7). Each element's
`name` is the answerContent key of §2, so the readers read what workers submit. Tasks with a
built-in HumanTaskUi (NER, video frames, 3D point clouds) have no template.
"""

from __future__ import annotations

import html
import json
import re

from ..gt import tasks
from ..gt.rules import NAME, NAME_WORDS
from ..gt.tasks import TaskType
from .config import LaunchConfig

ATTRIBUTE = re.compile(NAME, re.ASCII)  # LabelAttributeName's pattern (§6): safe inside Liquid paths
CROWD_JS = '<script src="https://assets.crowd.aws/crowd-html-elements.js"></script>'
LABELS = "{{ task.input.labels | to_json | escape }}"
IMAGE = "{{ task.input.taskObject | grant_read_access }}"
# Element and answerContent key per task (§2). Verification jobs answer with a class, like IC.
ELEMENT = {
    "ImageMultiClass": "crowd-image-classifier",
    "ImageMultiClassMultiLabel": "crowd-image-classifier-multi-select",
    "TextMultiClass": "crowd-classifier",
    "TextMultiClassMultiLabel": "crowd-classifier-multi-select",
    "VideoMultiClass": "crowd-classifier",
    "BoundingBox": "boundingBox",
    "AdjustmentBoundingBox": "boundingBox",
    "SemanticSegmentation": "crowd-semantic-segmentation",
    "AdjustmentSemanticSegmentation": "crowd-semantic-segmentation",
    "VerificationBoundingBox": "crowd-image-classifier",
    "VerificationSemanticSegmentation": "crowd-image-classifier",
    "PassThrough": "crowd-classifier",
}
AUDITS = ("VerificationBoundingBox", "AdjustmentBoundingBox", "VerificationSemanticSegmentation",
          "AdjustmentSemanticSegmentation")
ANNOTATION_DEFAULT = "BoundingBox"  # the video frame tool when none is chosen
_VIDEO_FRAMES = ("VideoObjectDetection", "VideoObjectTracking", "AdjustmentVideoObjectDetection",
                 "AdjustmentVideoObjectTracking")


def needs_template(task: TaskType) -> bool:
    """True where the job gives UiTemplateS3Uri (no built-in HumanTaskUi, §7)."""
    return task.human_task_ui is None


def needs_audit_attribute(task: TaskType) -> bool:
    """Verification/adjustment jobs show the labels of an earlier attribute (§8): image ones in
    their template, video/3D adjustment ones through `auditLabelAttributeName` (§6)."""
    frames = task.label_config_version == tasks.FRAME_LABELS
    return task.name in AUDITS or (task.name.startswith("Adjustment") and frames)


def uses_annotation_type(task: TaskType) -> bool:
    return task.name in _VIDEO_FRAMES


# --- the label category file --------------------------------------------------------------------------


def label_category_file(config: LaunchConfig) -> bytes:
    """The label category file of the config's labels, in the task's document version (§6)."""
    task = config.task
    labels = [{"label": name} for name in config.labels]
    instructions = {k: v for k, v in (("shortInstruction", config.short_instructions),
                                      ("fullInstruction", config.full_instructions)) if v}
    doc: dict
    if task.label_config_version == tasks.FRAME_LABELS:
        doc = {"documentVersion": tasks.FRAME_LABELS, "labels": labels}
        if uses_annotation_type(task):
            doc["annotationType"] = config.annotation_type or ANNOTATION_DEFAULT
        if instructions:
            doc["instructions"] = instructions
        if needs_audit_attribute(task) and config.audit_attribute:
            doc["auditLabelAttributeName"] = config.audit_attribute
    else:
        doc = {"document-version": tasks.CLASSIC_LABELS, "labels": labels}
        if task.human_task_ui and instructions:  # NER reads its instructions here (§6)
            doc["instructions"] = instructions
    return (json.dumps(doc, indent=2, ensure_ascii=False) + "\n").encode()



# --- worker templates ----------------------------------------------------------------------------------


def _text(value: str) -> str:
    """User text inside the template: HTML-escaped, and with braces that Liquid cannot read as tags."""
    return html.escape(value).replace("{", "&#123;").replace("}", "&#125;")


def _instructions(short: str, full: str) -> str:
    short_html = _text(short) or "Read the task carefully, then choose the answer that fits best."
    full_html = _text(full) or short_html
    return (f"    <full-instructions header=\"Instructions\"><p>{full_html}</p></full-instructions>\n"
            f"    <short-instructions><p>{short_html}</p></short-instructions>\n")


def _boxes_from(attribute: str) -> str:
    # The boxes of an earlier job, as AWS's crowd-bounding-box documentation builds them (§8).
    return (
        f"[{{% for box in task.input.manifestLine.{attribute}.annotations %}}"
        f"{{% capture class_id %}}{{{{ box.class_id }}}}{{% endcapture %}}"
        f"{{% assign label = task.input.manifestLine.{attribute}-metadata.class-map[class_id] %}}"
        f"{{ label: {{{{ label | to_json | escape }}}}, left: {{{{ box.left }}}}, top: {{{{ box.top }}}}, "
        f"width: {{{{ box.width }}}}, height: {{{{ box.height }}}} }},{{% endfor %}}]"
    )


def _mask_from(attribute: str) -> str:
    # The mask and colours of an earlier job, as AWS's crowd-semantic-segmentation documentation builds them.
    return (
        f"{{ 'src': '{{{{ task.input.manifestLine.{attribute} | grant_read_access }}}}', 'labelMappings': {{"
        f"{{% for c in task.input.manifestLine.{attribute}-metadata.internal-color-map %}}"
        f"{{% if c[1]['class-name'] != 'BACKGROUND' %}}{{{{ c[1]['class-name'] | to_json | escape }}}}: "
        f"{{ 'color': {{{{ c[1]['hex-color'] | to_json | escape }}}} }},{{% endif %}}{{% endfor %}} }} }}"
    )


def _element(task: TaskType, header: str, audit: str) -> tuple[str, str, str]:
    """(opening tag with attributes, inner content before the instructions, closing tag)."""
    name = task.name
    key = ELEMENT[name]
    if name in ("ImageMultiClass", "ImageMultiClassMultiLabel"):
        return (f'<{key} name="{key}" src="{IMAGE}" header="{header}" categories="{LABELS}">', "", f"</{key}>")
    if name in ("TextMultiClass", "TextMultiClassMultiLabel", "PassThrough"):
        target = "    <classification-target>{{ task.input.taskObject | escape }}</classification-target>\n"
        return (f'<{key} name="{key}" header="{header}" categories="{LABELS}">', target, f"</{key}>")
    if name == "VideoMultiClass":
        target = (f'    <classification-target><video width="100%" controls><source src="{IMAGE}" '
                  'type="video/mp4"></video></classification-target>\n')
        return (f'<crowd-classifier name="{key}" header="{header}" categories="{LABELS}">', target,
                "</crowd-classifier>")
    if name in ("BoundingBox", "AdjustmentBoundingBox"):
        initial = f'\n    initial-value="{_boxes_from(audit)}"' if name.startswith("Adjustment") else ""
        return (f'<crowd-bounding-box name="{key}" src="{IMAGE}" header="{header}" labels="{LABELS}"{initial}>', "",
                "</crowd-bounding-box>")
    if name in ("SemanticSegmentation", "AdjustmentSemanticSegmentation"):
        initial = f'\n    initial-value="{_mask_from(audit)}"' if name.startswith("Adjustment") else ""
        return (f'<crowd-semantic-segmentation name="{key}" src="{IMAGE}" header="{header}" labels="{LABELS}"'
                f"{initial}>", "", "</crowd-semantic-segmentation>")
    if name == "VerificationBoundingBox":
        overlay = f"{{ \"boundingBox\": {{ labels: {LABELS}, value: {_boxes_from(audit)} }} }}"
    else:  # VerificationSemanticSegmentation
        overlay = (f"{{ \"semanticSegmentation\": {{ labels: {LABELS}, "
                   f"src: \"{{{{ task.input.manifestLine.{audit} | grant_read_access }}}}\" }} }}")
    return (f"<crowd-image-classifier name=\"{key}\" src=\"{IMAGE}\" header=\"{header}\" categories=\"{LABELS}\"\n"
            f"    overlay='{overlay}'>", "", "</crowd-image-classifier>")


def worker_template(task: TaskType | str, *, header: str = "", short_instructions: str = "",
                    full_instructions: str = "", audit_attribute: str | None = None) -> str:
    """The worker template of a template-based built-in task. `audit_attribute` is the attribute
    whose labels a verification/adjustment job shows (required for those tasks)."""
    t = tasks.task(task) if isinstance(task, str) else task
    if not needs_template(t):
        raise ValueError(f"{t.name} jobs use the built-in worker UI human-task-ui/{t.human_task_ui}, not a template")
    if t.name in AUDITS and not audit_attribute:
        raise ValueError(f"{t.name} jobs show an earlier job's labels: give the attribute that holds them")
    if audit_attribute and not ATTRIBUTE.fullmatch(audit_attribute):
        raise ValueError(f"audit attribute {audit_attribute!r} is not a label attribute name ({NAME_WORDS})")
    opening, content, closing = _element(t, _text(header or t.title), audit_attribute or "")
    notes = []
    if t.name in AUDITS:
        notes.append(f"<!-- Shows the labels under '{audit_attribute}' from the input manifest, in the shapes of "
                     "AWS's crowd element documentation; try it on a few objects before a big job. -->")
    if t.custom:
        notes.append("<!-- A minimal starting point for a custom task: replace the element with your own. -->")
    return "\n".join([CROWD_JS, *notes, "<crowd-form>", f"  {opening}", content
                      + _instructions(short_instructions, full_instructions) + f"  {closing}", "</crowd-form>", ""])


def config_template(config: LaunchConfig) -> str:
    """The worker template for a config (title as header, its instructions and audit attribute)."""
    return worker_template(config.task, header=config.title, short_instructions=config.short_instructions,
                           full_instructions=config.full_instructions, audit_attribute=config.audit_attribute)
