"""Each worker's annotations in a worker-response file (docs/ground-truth.md §2), one row per unit.

`answerContent` is keyed by the template element's name, which a custom template chooses freely,
so an answer is read by its shape, not its key: `label` (classification), `labels` (multi-label),
`boundingBoxes`, `labeledImage` (segmentation: the PNG is decoded and measured), `entities` (NER),
or a video answer. A shape we do not know is a note naming the key, never dropped silently.

The answer file does not say which task it answers; `task_type` (from the job) tells a label
verification verdict from a classification, and marks adjustment jobs.
"""

from __future__ import annotations

from ..gt.responses import Answer, read_worker_response
from . import audit
from .masks import decode_png_data, hex_color, mask_areas
from .model import WORKER, Annotations, MaskImage, Note, Row, derive
from .units import box, span
from .values import Malformed, text
from .video import frames_rows

# Video answers: the frames inline (SeqLabel shape) or, as observed in public scripts, only a
# `frameData.s3Prefix` pointing at files this reader does not fetch (**UNCONFIRMED** layout, S22).
_VIDEO_KEYS = {"trackingAnnotations": "video-object-tracking", "tracking-annotations": "video-object-tracking",
               "detectionAnnotations": "video-object-detection", "detection-annotations": "video-object-detection"}


def read_answers(data: bytes, job: str, object_id: str, where: str = "", task_type: str | None = None) -> Annotations:
    """Rows of every answer in one worker-response file. Raises BadFile for a file that is not a
    worker response; an answer or unit that cannot be read is a note."""
    answers, answer_notes = read_worker_response(data)
    where = where or f"{job}/{object_id}"
    out = Annotations(notes=[Note("malformed", "answer", where, n) for n in answer_notes])
    for answer in answers:
        at = f"{where} answers[{answer.index}]"
        if not answer.content:
            out.notes.append(Note("malformed", "answer", at, "no answerContent object"))
            continue
        for key, value in answer.content.items():
            out.extend(_read_content(answer, key, value, job, object_id, f"{at}.{key}", task_type))
    return out


def _read_content(answer: Answer, key: str, value, job, object_id, at, task_type) -> Annotations:
    base = Row(job=job, object_id=object_id, source=WORKER, task_type=task_type or "unknown", kind="",
               worker_id=answer.worker_id, attribute=key, answer=answer.index, submitted=answer.submission_time,
               time_spent_s=answer.time_spent_s)
    if key in _VIDEO_KEYS:
        return _video(value, derive(base, task_type=task_type or _VIDEO_KEYS[key]), at)
    if not isinstance(value, dict):
        return Annotations(notes=[Note("unknown-answer-key", key, at, "answer value is not an object")])
    modified = value.get("initialValueModified")
    if isinstance(modified, bool):  # adjustment tasks only (crowd-bounding-box, crowd-semantic-segmentation)
        base = derive(base, adjustment="adjusted" if modified else "unadjusted")
    comment = text(value.get("workerComment")) or text(value.get("comment"))
    base = derive(base, feedback=(comment,) if comment else ())
    for shape, reader in _SHAPES:
        if shape in value:
            try:
                return reader(value, base, at)
            except Malformed as exc:
                return Annotations(notes=[Note("malformed", key, at, str(exc))])
    return Annotations(notes=[Note("unknown-answer-key", key, at, f"answer with keys {sorted(value)[:6]} not read")])


def _task(base: Row, task: str) -> str:
    """The job's task type when the caller gave one, else what the answer's shape says."""
    return base.task_type if base.task_type != "unknown" else task


def _classification(value, base: Row, at: str) -> Annotations:
    label = value.get("label")
    if not isinstance(label, str):
        raise Malformed("label is not text")
    if base.task_type == "label-verification":
        verdict = audit.verdict(label)
        out = Annotations(rows=[derive(base, kind="verdict", unit=0, label=label, verdict=verdict)])
        if verdict is None:
            out.notes.append(Note("unknown-verdict", label, at, "label is neither a pass nor a fail word"))
        return out
    return Annotations(rows=[derive(base, task_type=_task(base, "classification"), kind="class", unit=0, label=label)])


def _multi_label(value, base: Row, at: str) -> Annotations:
    labels = value.get("labels")
    if not isinstance(labels, list):
        raise Malformed("labels is not a list")
    out = Annotations()
    task = _task(base, "multi-label")
    for i, label in enumerate(labels):
        if isinstance(label, str):
            out.rows.append(derive(base, task_type=task, kind="class", unit=i, label=label))
        else:
            out.notes.append(Note("malformed", "class", f"{at}.labels[{i}]", f"{label!r} is not a label"))
    return out


def _units(units, base: Row, at: str, read, kind: str, task: str) -> Annotations:
    out = Annotations()
    if not isinstance(units, list):
        raise Malformed("units are not a list")
    for i, unit in enumerate(units):
        try:
            out.rows.append(derive(base, task_type=_task(base, task), kind=kind, unit=i, **read(unit)))
        except Malformed as exc:
            out.notes.append(Note("malformed", kind, f"{at}[{i}]", str(exc)))
    return out


def _boxes(value, base: Row, at: str) -> Annotations:
    # `boundingBoxes` may be empty or null: a worker who drew nothing (§2).
    return _units(value.get("boundingBoxes") or [], base, f"{at}.boundingBoxes", box, "box", "bounding-box")


def _entities(value, base: Row, at: str) -> Annotations:
    return _units(value.get("entities") or [], base, f"{at}.entities", span, "span", "ner")


def _mask(value, base: Row, at: str) -> Annotations:
    """One row per mapped label with its area in pixels, read from the inline PNG."""
    image, mappings = value.get("labeledImage"), value.get("labelMappings")
    if not isinstance(image, dict) or not isinstance(mappings, dict):
        raise Malformed("needs labeledImage and labelMappings objects")
    colors = {label: m.get("color") for label, m in mappings.items() if isinstance(m, dict)}
    png = decode_png_data(image.get("pngImageData"))
    areas = mask_areas(png, colors)
    task = _task(base, "semantic-segmentation")
    out = Annotations(rows=[derive(base, task_type=task, kind="mask-class", unit=i, label=label,
                                   color=hex_color(colors[label]), area=areas.areas[label])
                            for i, label in enumerate(colors)],
                      masks=[MaskImage(base.job, base.object_id, base.worker_id, png, colors)])
    if areas.unmatched:
        out.notes.append(Note("unmapped-color", None, at, f"{areas.unmatched} pixels of colours no label maps"))
    return out


def _video(value, base: Row, at: str) -> Annotations:
    if isinstance(value, list):
        return frames_rows(value, base, {}, at)
    frame_data = value.get("frameData") if isinstance(value, dict) else None
    prefix = text(frame_data.get("s3Prefix")) if isinstance(frame_data, dict) else None
    if prefix:
        return Annotations(notes=[Note("external", base.attribute, at, f"frames are stored under {prefix}")])
    return Annotations(notes=[Note("unknown-answer-key", base.attribute, at, "video answer of an unknown shape")])


_SHAPES = (("boundingBoxes", _boxes), ("labeledImage", _mask), ("entities", _entities),
           ("labels", _multi_label), ("label", _classification))
