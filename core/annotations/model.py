"""The one shape of an annotations table: one row per annotation unit, from a worker or consolidated.

A unit is what a person drew or chose: a class (classification), one class of a multi-label set, a
box, an entity span, one class of a segmentation mask, a box in one video frame, a cuboid, or a
verdict (label verification). Every reader returns rows of this shape and notes for what it could
not read; `to_frame` makes the table.

Choices (documented here, tested in tests/unit/test_annotations.py):
- Multi-label: one row per chosen class. The set is the rows that share
  (source, job, object_id, worker_id, attribute); no separate set id.
- Attributes stay dicts in `attributes` (label attributes, per unit) and `frame_attributes`
  (per video frame, or per 3D frame: `dataset-object-attributes`); `flatten_attributes` turns them
  into `attr:<name>` / `frame_attr:<name>` columns when a table view wants them.
- An answer with no units (a worker who drew no box) has no rows: the answers table
  (core.gt.responses) still counts the answer. A video frame with no box but frame attributes is
  one row of kind "frame", so its attributes are counted; it is not a unit.
- Cuboids reuse `width` and `height` (their size) beside `length`; `left`/`top` stay empty.
"""

from __future__ import annotations

from dataclasses import dataclass, field, fields
from datetime import datetime
from operator import attrgetter

import pandas as pd

WORKER, CONSOLIDATED = "worker", "consolidated"

# Task types of rows. Adjustment jobs keep their unit kind in `kind` (box, mask-class, ...).
TASK_TYPES = (
    "classification", "multi-label", "bounding-box", "semantic-segmentation", "ner",
    "video-object-detection", "video-object-tracking", "point-cloud", "label-verification",
    "adjustment", "unknown",
)
# What one row holds. "frame" is a video or 3D frame with frame attributes and no unit: not an
# annotation, so unit counts and measures leave it out (they select their kinds).
KINDS = ("class", "box", "span", "mask-class", "frame-box", "cuboid", "verdict", "frame")


@dataclass(frozen=True, slots=True)
class Row:
    job: str
    object_id: str  # datasetObjectId: the worker-response folder, or the manifest line (0-based)
    source: str  # WORKER | CONSOLIDATED
    task_type: str
    kind: str
    worker_id: str | None = None  # None for the consolidated result
    attribute: str | None = None  # label attribute (manifest) or answerContent key (worker)
    answer: int | None = None  # index in the worker-response file's answers
    submitted: datetime | None = None  # the answer's submissionTime (UTC); None for consolidated rows
    time_spent_s: float | None = None  # the answer's active (else elapsed) seconds, shared by its units
    unit: int | None = None  # index of the unit in its list (box i, entity i, frame annotation i)
    label: str | None = None  # class name
    class_id: str | None = None  # class index as text: real files write 0 and "0" (§3)
    confidence: float | None = None
    left: float | None = None
    top: float | None = None
    width: float | None = None
    height: float | None = None
    start: int | None = None  # entity span: startOffset
    end: int | None = None  # entity span: endOffset
    frame: int | None = None  # video / 3D frame number
    frame_name: str | None = None
    track_id: str | None = None  # object-id: the same object across frames
    track_name: str | None = None  # object-name: "<class>:<n>"
    center_x: float | None = None
    center_y: float | None = None
    center_z: float | None = None
    length: float | None = None
    roll: float | None = None
    pitch: float | None = None
    yaw: float | None = None
    color: str | None = None  # segmentation class colour, "#rrggbb"
    area: int | None = None  # pixels of that class in the mask, when the mask was read
    mask_uri: str | None = None  # consolidated mask (PNG, or .zlib for 3D): fetched by the caller
    verdict: str | None = None  # "pass" | "fail" | None (a class name we cannot read as either)
    feedback: tuple[str, ...] = ()  # worker comments
    adjustment: str | None = None  # "adjusted" | "unadjusted"
    audited_attribute: str | None = None  # the earlier label this verification/adjustment checked
    audited_job: str | None = None  # the job that made that earlier label
    human_annotated: bool | None = None
    source_ref: str | None = None  # the data object's S3 URI (manifest rows), to join on
    source_text: str | None = None  # an inline text object's text (`source`, §3): joined on where no source_ref
    attributes: dict = field(default_factory=dict)
    frame_attributes: dict = field(default_factory=dict)


COLUMNS: tuple[str, ...] = tuple(f.name for f in fields(Row))
_INTS = ("answer", "unit", "start", "end", "frame", "area")
_FLOATS = ("time_spent_s", "confidence", "left", "top", "width", "height", "center_x", "center_y", "center_z",
           "length", "roll", "pitch", "yaw")
_VALUES = attrgetter(*COLUMNS)
_POSITION = {name: i for i, name in enumerate(COLUMNS)}


def derive(row: Row, **changes) -> Row:
    """`row` with `changes`, as dataclasses.replace makes it, at about 60 % of its cost: readers make a
    row per unit from a template this way (209,000 of them in one test file's reads), and replace
    looks up the dataclass's fields on every call."""
    values = list(_VALUES(row))
    for name, value in changes.items():
        if name not in _POSITION:
            raise TypeError(f"Row has no field {name!r}")
        values[_POSITION[name]] = value
    return Row(*values)


@dataclass(frozen=True, slots=True)
class Note:
    """Something a reader met and did not turn into rows, with what it was and where."""

    kind: str  # unknown-answer-key | unknown-type | malformed | failed | external | unmapped-color | ...
    type: str | None  # the unknown key / metadata type / unit list name, when there is one
    where: str  # file, line or answer index, and the path inside it
    detail: str

    def __str__(self) -> str:
        what = f" {self.type!r}" if self.type else ""
        return f"{self.where}: {self.kind}{what}: {self.detail}"


@dataclass(frozen=True, slots=True)
class SeqRef:
    """A consolidated video/3D label kept in a `SeqLabel.json` the caller fetches (`uri`), then
    reads with `core.annotations.video.read_seq_label(data, ref)`. `template` carries the fields
    every row of that file shares (job, object, attribute, audit)."""

    uri: str
    template: Row
    class_map: dict[str, str]


@dataclass(frozen=True, slots=True)
class MaskImage:
    """A segmentation mask's PNG and its colours (label -> "#rrggbb"): a worker's (inline in the
    answer) or the consolidated one (`worker_id` None, fetched from S3), kept for comparing masks
    pixel by pixel (core.quality.masks)."""

    job: str
    object_id: str
    worker_id: str | None
    png: bytes
    colors: dict


@dataclass
class Annotations:
    rows: list[Row] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    sequences: list[SeqRef] = field(default_factory=list)
    masks: list[MaskImage] = field(default_factory=list)
    texts: dict[tuple[str, str], str] = field(default_factory=dict)  # (job, object_id) -> inline `source` text
    gold: dict[str, str] = field(default_factory=dict)  # line -> true label of a gold line (core.gt.manifest.GOLD_KEY)

    def extend(self, other: Annotations) -> Annotations:
        self.rows += other.rows
        self.notes += other.notes
        self.sequences += other.sequences
        self.masks += other.masks
        self.texts |= other.texts
        self.gold |= other.gold
        return self

    def frame(self) -> pd.DataFrame:
        return to_frame(self.rows)


def to_frame(rows: list[Row]) -> pd.DataFrame:
    """The annotations table: COLUMNS in order; unknown numbers are missing (NaN / <NA>), never 0."""
    return typed(pd.DataFrame([tuple(getattr(r, c) for c in COLUMNS) for r in rows], columns=list(COLUMNS)))


def typed(table: pd.DataFrame) -> pd.DataFrame:
    """The table's columns in their dtypes (counts Int64, measures float64, times UTC), however it
    was built: from rows here, or from Arrow columns (core.annotations.columns)."""
    for column in _INTS:
        if column in table:  # a frame of some columns only (core.annotations.columns.frame_of)
            table[column] = table[column].astype("Int64")
    for column in _FLOATS:
        if column in table:
            table[column] = pd.to_numeric(table[column], errors="coerce").astype("float64")
    if "human_annotated" in table:
        table["human_annotated"] = table["human_annotated"].astype("boolean")
    if "submitted" in table:
        table["submitted"] = pd.to_datetime(table["submitted"], utc=True)
    return table


def object_keys(table: pd.DataFrame) -> pd.Series:
    """The data object of each row, to match objects across jobs and gold: its S3 URI, or for an
    inline text object (no URI, docs/ground-truth.md §3) the text itself."""
    return table["source_ref"].fillna(table["source_text"])


def flatten_attributes(table: pd.DataFrame) -> pd.DataFrame:
    """`table` with one `attr:<name>` column per label attribute and `frame_attr:<name>` per frame
    attribute (missing where a row does not have it); the dict columns stay."""
    out = table.copy()
    for column, prefix in (("attributes", "attr:"), ("frame_attributes", "frame_attr:")):
        names = sorted({name for value in table[column] for name in value})
        for name in names:
            # object dtype: attribute values are text or numbers, and a missing one stays None
            values = [value.get(name) for value in table[column]]
            out[prefix + name] = pd.Series(values, index=table.index, dtype=object)
    return out
