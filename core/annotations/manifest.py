"""Consolidated annotations of output manifest lines (docs/ground-truth.md §3), one row per unit.

Each `<attr>-metadata` object names its task by `type`; the label `<attr>` holds the units, or an S3
URI the caller fetches: a segmentation mask (rows carry `mask_uri`, one per class of the colour map)
or a `SeqLabel.json` (returned in `Annotations.sequences`, read by `video.read_seq_label`).
The same `read_line` reads a consolidation-response `content` (§4), which has the same keys.
"""

from __future__ import annotations

from ..gt.jsonio import JsonError, decode_text, fast_loads, finite_float, json_lines, loads
from ..gt.manifest import GOLD_KEY, human_annotated, job_name
from . import audit
from .masks import color_map_of
from .model import CONSOLIDATED, Annotations, Note, Row, SeqRef, derive
from .units import box, cuboid, span
from .values import Malformed, attributes, class_map, index, text

METADATA = "-metadata"
TYPES = {
    "groundtruth/image-classification": "classification",
    "groundtruth/text-classification": "classification",
    "groundtruth/image-classification-multilabel": "multi-label",
    "groundtruth/text-classification-multilabel": "multi-label",
    "groundtruth/object-detection": "bounding-box",
    "groundtruth/label-verification": "label-verification",
    "groundtruth/semantic-segmentation": "semantic-segmentation",
    "groundtruth/text-span": "ner",
    "groundtruth/video-object-detection": "video-object-detection",
    "groundtruth/video-object-tracking": "video-object-tracking",
    "groundtruth/point_cloud_object_detection": "point-cloud",
    "groundtruth/point_cloud_object_tracking": "point-cloud",
    "groundtruth/point_cloud_single_frame_semantic_segmentation": "point-cloud",
}
# Input-side metadata, not labels: 3D point cloud lines describe their frame in `source-ref-metadata`.
_INPUT_KEYS = {"source-ref", "source"}


def read_output_manifest(data: bytes, job: str, where: str = "output.manifest") -> Annotations:
    """Rows of every labeled attribute of every line; a line that is not a JSON object is a note
    and keeps its place, so line numbers stay datasetObjectIds. `job` names rows whose metadata
    has no `job-name`."""
    out = Annotations()
    for i, line in enumerate(json_lines(decode_text(data))):
        at = f"{where} line {i + 1}"
        if not line.strip():
            continue
        try:
            obj = fast_loads(line.encode())
            obj = loads(line) if obj is None else obj
        except JsonError as exc:
            out.notes.append(Note("malformed", None, at, f"invalid JSON ({exc.where(with_line=False)})"))
            continue
        if not isinstance(obj, dict):
            out.notes.append(Note("malformed", None, at, "not a JSON object"))
            continue
        if isinstance(tag := obj.get(GOLD_KEY), str) and tag.strip():  # gold mixed into the queue
            out.gold[str(i)] = tag.strip()
        out.extend(read_line(obj, job, str(i), at))
    return out


def read_line(line: dict, job: str, object_id: str, where: str, audits: dict[str, str] | None = None) -> Annotations:
    """Rows of one manifest line (or consolidation-response content). `audits` maps an audit
    job's attribute to the attribute it checks, when known (`auditLabelAttributeName`, §6)."""
    out = Annotations()
    for key, meta in line.items():
        if not key.endswith(METADATA) or not isinstance(meta, dict):
            continue
        attribute = key[: -len(METADATA)]
        if attribute in _INPUT_KEYS:
            continue
        at = f"{where} {attribute}"
        if attribute not in line:
            out.notes.append(_absent(meta, at))
            continue
        kind = meta.get("type")
        task = TYPES.get(kind)
        if task is None:
            detail = "a label type not read" if isinstance(kind, str) else "metadata has no type"
            out.notes.append(Note("unknown-type", text(kind), at, detail))
            continue
        template = _template(line, attribute, meta, task, job, object_id, (audits or {}).get(attribute))
        if isinstance(line.get("source"), str):  # text objects are inline (§3): kept for showing the item
            out.texts[(template.job, object_id)] = line["source"]
        try:
            out.extend(_READERS[kind](line[attribute], meta, template, at))
        except Malformed as exc:
            out.notes.append(Note("malformed", kind, at, str(exc)))
    return out


def _absent(meta: dict, at: str) -> Note:
    failure = text(meta.get("failure-reason"))
    if failure:
        return Note("failed", text(meta.get("type")), at, failure)
    return Note("no-label", text(meta.get("type")), at, "metadata without a label")


def _template(line, attribute, meta, task, job, object_id, hint) -> Row:
    status = audit.adjustment(meta)
    audited = status is not None or task == "label-verification"
    audited_attribute, audited_job = audit.audited(line, attribute, meta, hint) if audited else (None, None)
    return Row(
        job=job_name(meta.get("job-name")) or job, object_id=object_id, source=CONSOLIDATED,
        task_type="adjustment" if status else task, kind="", attribute=attribute,
        human_annotated=human_annotated(meta.get("human-annotated")), source_ref=text(line.get("source-ref")),
        source_text=line["source"] if isinstance(line.get("source"), str) else None,
        adjustment=status, audited_attribute=audited_attribute, audited_job=audited_job,
        frame_attributes=attributes(meta.get("dataset-object-attributes")),
    )


def _one(rows: list[Row]) -> Annotations:
    return Annotations(rows=rows)


def _classification(value, meta, t: Row, at: str) -> Annotations:
    class_id, name = index(value), text(meta.get("class-name"))
    if class_id is None and name is None:
        raise Malformed(f"label {value!r} is not a class index and there is no class-name")
    return _one([derive(t, kind="class", unit=0, class_id=class_id, label=name,
                        confidence=finite_float(meta.get("confidence")))])


def _multi_label(value, meta, t: Row, at: str) -> Annotations:
    if not isinstance(value, list):
        raise Malformed("label is not a list of class indexes")
    names, confidences = class_map(meta), meta.get("confidence-map")
    confidences = {index(k) or str(k): v for k, v in confidences.items()} if isinstance(confidences, dict) else {}
    out = Annotations()
    for i, raw in enumerate(value):
        class_id = index(raw)
        if class_id is None:
            out.notes.append(Note("malformed", "class", f"{at}[{i}]", f"{raw!r} is not a class index"))
            continue
        out.rows.append(derive(t, kind="class", unit=i, class_id=class_id, label=names.get(class_id),
                               confidence=finite_float(confidences.get(class_id))))
    return out


def _per_unit_confidence(meta: dict, key: str) -> list:
    items = meta.get(key)
    return [finite_float(o.get("confidence")) if isinstance(o, dict) else None
            for o in items] if isinstance(items, list) else []


def _units(units, t: Row, at: str, read, kind: str, names: dict, confidences: list) -> Annotations:
    """Rows of a list of units read by `read` (box, span, cuboid); a bad unit is a note."""
    out = Annotations()
    if not isinstance(units, list):
        raise Malformed("units are not a list")
    for i, unit in enumerate(units):
        try:
            fields = read(unit)
        except Malformed as exc:
            out.notes.append(Note("malformed", kind, f"{at}[{i}]", str(exc)))
            continue
        fields["label"] = fields.get("label") or names.get(fields.get("class_id") or "")
        confidence = confidences[i] if i < len(confidences) else None
        out.rows.append(derive(t, kind=kind, unit=i, confidence=confidence, **fields))
    return out


def _boxes(value, meta, t: Row, at: str) -> Annotations:
    if not isinstance(value, dict):
        raise Malformed("label is not an object with annotations")
    return _units(value.get("annotations") or [], t, f"{at}.annotations", box, "box", class_map(meta),
                  _per_unit_confidence(meta, "objects"))


def _entities(value, meta, t: Row, at: str) -> Annotations:
    inner = value.get("annotations") if isinstance(value, dict) else None
    if not isinstance(inner, dict):
        raise Malformed("label has no annotations object")
    return _units(inner.get("entities") or [], t, f"{at}.annotations.entities", span, "span", {},
                  _per_unit_confidence(meta, "entities"))


def _verification(value, meta, t: Row, at: str) -> Annotations:
    name = text(meta.get("class-name"))
    verdict = audit.verdict(name)
    out = _one([derive(t, kind="verdict", unit=0, class_id=index(value), label=name, verdict=verdict,
                       confidence=finite_float(meta.get("confidence")), feedback=audit.feedback(meta))])
    if verdict is None:
        out.notes.append(Note("unknown-verdict", name, at, "class-name is neither a pass nor a fail word"))
    return out


def _mask(value, meta, t: Row, at: str) -> Annotations:
    """One row per class of the colour map, the mask's URI on each: areas need the PNG (masks.py)."""
    uri = text(value)
    if not uri:
        raise Malformed("label is not a mask URI")
    return _one([derive(t, kind="mask-class", unit=int(k) if k.isdigit() else None, class_id=k, label=name,
                        color=color, confidence=confidence, mask_uri=uri)
                 for k, (name, color, confidence) in color_map_of(meta).items()])


def _sequence(value, meta, t: Row, at: str) -> Annotations:
    uri = text(value)
    if not uri:
        raise Malformed("label is not a SeqLabel.json URI")
    return Annotations(sequences=[SeqRef(uri=uri, template=t, class_map=class_map(meta))])


def _cuboids(value, meta, t: Row, at: str) -> Annotations:
    if not isinstance(value, dict):
        raise Malformed("label is not an object with annotations")
    return _units(value.get("annotations") or [], t, f"{at}.annotations", cuboid, "cuboid", class_map(meta), [])


_READERS = {
    "groundtruth/image-classification": _classification,
    "groundtruth/text-classification": _classification,
    "groundtruth/image-classification-multilabel": _multi_label,
    "groundtruth/text-classification-multilabel": _multi_label,
    "groundtruth/object-detection": _boxes,
    "groundtruth/label-verification": _verification,
    "groundtruth/semantic-segmentation": _mask,
    "groundtruth/text-span": _entities,
    "groundtruth/video-object-detection": _sequence,
    "groundtruth/video-object-tracking": _sequence,
    "groundtruth/point_cloud_object_detection": _cuboids,
    "groundtruth/point_cloud_object_tracking": _sequence,
    "groundtruth/point_cloud_single_frame_semantic_segmentation": _mask,
}
