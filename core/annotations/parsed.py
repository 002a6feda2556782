"""One Ground Truth file as what the annotations table keeps of it: its rows as tuples (COLUMNS
order) and what else it holds (notes, video label files to fetch, masks, texts). Pure.

A worker's plain class answer (`{"<element>": {"label": "..."}}`, the common answer at scale) is
made into its row directly; any other answer goes through the readers (answers.py) and its Rows
are turned into tuples. Both give the same row: tests/unit/test_annotation_cache.py compares them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..gt.responses import read_worker_response
from .answers import _VIDEO_KEYS, _read_content
from .columns import values_of
from .manifest import read_output_manifest
from .model import COLUMNS, WORKER, MaskImage, Note, Row, SeqRef


@dataclass
class Parsed:
    rows: list[tuple] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    sequences: list[SeqRef] = field(default_factory=list)
    masks: list[MaskImage] = field(default_factory=list)
    texts: dict[tuple[str, str], str] = field(default_factory=dict)
    # An output manifest's jobs, as its labels name them (first seen first), and the task type of
    # each one's first row (None: only a video label file names it): what the source decides
    # from every manifest together (whose job a label is, each job's task type) without its rows.
    jobs: list[str] = field(default_factory=list)
    types: list[str | None] = field(default_factory=list)
    gold: dict[str, str] = field(default_factory=dict)  # an output manifest's gold lines: object_id -> label


def parse_manifest(data: bytes, job: str, where: str) -> Parsed:
    """An output manifest's consolidated rows. Raises BadFile."""
    found = read_output_manifest(data, job, where=where)
    out = Parsed([values_of(r) for r in found.rows], found.notes, found.sequences, found.masks, found.texts,
                 gold=found.gold)
    first: dict[str, str | None] = {}
    for row in found.rows:
        first.setdefault(row.job, row.task_type)
    for ref in found.sequences:
        first.setdefault(ref.template.job, None)
    out.jobs, out.types = list(first), list(first.values())
    return out


_AT = {column: i for i, column in enumerate(COLUMNS)}
_CLASS_ROW = list(values_of(Row(job="", object_id="", source=WORKER, task_type="", kind="class", unit=0)))
# An answer holding any of these is a box, mask, entity or multi-label answer, whatever else it has.
_OTHER_SHAPES = ("boundingBoxes", "labeledImage", "entities", "labels")


def _plain(value: dict) -> bool:
    """A class answer with nothing else the readers would read: no other shape, no adjustment flag,
    no comment."""
    return (not any(shape in value for shape in _OTHER_SHAPES)
            and not isinstance(value.get("initialValueModified"), bool)
            and not isinstance(value.get("workerComment"), str) and not isinstance(value.get("comment"), str))


def _class_row(answer, key: str, job: str, object_id: str, task: str) -> tuple:
    values = _CLASS_ROW.copy()
    values[_AT["job"]], values[_AT["object_id"]], values[_AT["task_type"]] = job, object_id, task
    values[_AT["worker_id"]], values[_AT["attribute"]], values[_AT["answer"]] = answer.worker_id, key, answer.index
    values[_AT["submitted"]], values[_AT["time_spent_s"]] = answer.submission_time, answer.time_spent_s
    values[_AT["label"]] = answer.label
    return tuple(values)


def parse_response(data: bytes, job: str, object_id: str, where: str, task_type: str | None) -> Parsed:
    """A worker-response file's rows, as core.annotations.answers.read_answers reads them. Raises
    BadFile for a file that is not a worker response."""
    answers, answer_notes = read_worker_response(data)
    where = where or f"{job}/{object_id}"
    out = Parsed(notes=[Note("malformed", "answer", where, n) for n in answer_notes])
    # A verdict is read as one only with the job's task type (answers.py): never the plain path.
    plain_ok = task_type != "label-verification"
    task = task_type if task_type and task_type != "unknown" else "classification"
    for answer in answers:
        if not answer.content:
            out.notes.append(Note("malformed", "answer", f"{where} answers[{answer.index}]", "no answerContent object"))
            continue
        if plain_ok and answer.label is not None:  # one element, holding a text label
            (key, value), = answer.content.items()
            if key not in _VIDEO_KEYS and _plain(value):
                out.rows.append(_class_row(answer, key, job, object_id, task))
                continue
        at = f"{where} answers[{answer.index}]"
        for key, value in answer.content.items():
            found = _read_content(answer, key, value, job, object_id, f"{at}.{key}", task_type)
            out.rows += [values_of(r) for r in found.rows]
            out.notes += found.notes
            out.masks += found.masks
            out.texts |= found.texts
    return out
