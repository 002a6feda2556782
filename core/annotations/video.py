"""Video frame and 3D point cloud sequence labels: `SeqLabel.json` (docs/ground-truth.md §3).

`detection-annotations` (video object detection) or `tracking-annotations` (video or 3D object
tracking) is a list of frames; each frame has its number (`frame-no` in video, `frame-number` in 3D;
real files write "0" as a string), its file (`frame` / `frame-name`), `frame-attributes`, and its
units in `annotations`: boxes (`left`, `top`, `width`, `height`, `class-id`) or cuboids (`center-x`,
...). Tracking units carry `object-id` (the same across frames) and `object-name` ("car:1").
The docs name other unit lists (`polylines`, `polygons`, `keypoints`): they are noted, not read.
"""

from __future__ import annotations

from ..gt.errors import BadFile
from ..gt.jsonio import load_json
from .model import Annotations, Note, Row, SeqRef, derive
from .units import box, cuboid, is_cuboid
from .values import Malformed, attributes, integer, text

SEQUENCE_KEYS = {"detection-annotations": "video-object-detection", "tracking-annotations": "video-object-tracking"}
UNREAD_LISTS = ("polylines", "polygons", "keypoints")


def read_seq_label(data: bytes, ref: SeqRef, where: str | None = None) -> Annotations:
    """The rows of one SeqLabel.json: one per box or cuboid per frame. Raises BadFile when the file
    is not JSON or holds neither list."""
    where = where or ref.uri
    doc = load_json(data)
    if not isinstance(doc, dict):
        raise BadFile("not a SeqLabel.json: expected a JSON object")
    keys = [k for k in SEQUENCE_KEYS if isinstance(doc.get(k), list)]
    if not keys:
        raise BadFile("not a SeqLabel.json: no detection-annotations or tracking-annotations list")
    out = Annotations()
    for key in keys:
        # A video label's file says detection or tracking; 3D and adjustment rows keep their type.
        video = ref.template.task_type in SEQUENCE_KEYS.values()
        template = derive(ref.template, task_type=SEQUENCE_KEYS[key]) if video else ref.template
        out.extend(frames_rows(doc[key], template, ref.class_map, f"{where} {key}"))
    for key in doc:
        if key not in SEQUENCE_KEYS:
            out.notes.append(Note("unknown-key", key, where, "a SeqLabel.json key not read"))
    return out


def frames_rows(frames, template: Row, class_map: dict[str, str], where: str) -> Annotations:
    """Rows of a list of frames, every row starting from `template` (job, object, source, ...).
    The task type is the template's; a cuboid makes it point-cloud (unless it is an adjustment).
    A frame with attributes but no unit read is one row of kind "frame" (no unit, no geometry)."""
    out = Annotations()
    if not isinstance(frames, list):
        out.notes.append(Note("malformed", None, where, "frames are not a list"))
        return out
    for i, frame in enumerate(frames):
        at = f"{where}[{i}]"
        if not isinstance(frame, dict):
            out.notes.append(Note("malformed", None, at, "frame is not an object"))
            continue
        number = integer(frame.get("frame-no", frame.get("frame-number")))
        base = derive(template, frame=number, frame_name=text(frame.get("frame", frame.get("frame-name"))),
                      frame_attributes=attributes(frame.get("frame-attributes")))
        units = frame.get("annotations") or []
        if not isinstance(units, list):
            out.notes.append(Note("malformed", None, at, "annotations are not a list"))
            units = []
        drawn = len(out.rows)
        for j, unit in enumerate(units):
            row = _unit(unit, j, base, class_map)
            if isinstance(row, str):
                out.notes.append(Note("malformed", "annotation", f"{at}.annotations[{j}]", row))
            else:
                out.rows.append(row)
        if len(out.rows) == drawn and base.frame_attributes:
            out.rows.append(derive(base, kind="frame"))  # keeps its attributes counted; no box is made up
        for name in UNREAD_LISTS:
            if frame.get(name):
                out.notes.append(Note("unread-units", name, at, f"{len(frame[name])} {name} not read"))
    return out


def _unit(unit, j: int, base: Row, class_map: dict[str, str]) -> Row | str:
    """The row of one frame annotation, or why it could not be read."""
    try:
        three_d = is_cuboid(unit)
        fields = cuboid(unit) if three_d else box(unit)
    except Malformed as exc:
        return str(exc)
    kind = "cuboid" if three_d else "frame-box"
    task = "point-cloud" if three_d and base.task_type != "adjustment" else base.task_type
    if not three_d:
        fields["track_id"] = text(unit.get("object-id"))
        fields["track_name"] = text(unit.get("object-name"))
    fields["label"] = fields["label"] or class_map.get(fields["class_id"] or "") or _class_of(fields["track_name"])
    return derive(base, kind=kind, task_type=task, unit=j, **fields)


def _class_of(object_name: str | None) -> str | None:
    """The class of an object name "<class>:<n>" (§3), when the class map does not name it."""
    return object_name.rpartition(":")[0] or None if object_name else None
