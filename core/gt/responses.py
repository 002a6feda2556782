"""Worker-response files: `{"answers": [...]}`, one answer per worker who submitted (§2).

Both shapes are read: the older public-workforce answers (`answerContent`, `submissionTime`
without milliseconds, `workerId`) and private-workforce answers (`acceptanceTime`,
`timeSpentInSeconds`, `workerMetadata.identityData`). Every answer is a label.
"""

from __future__ import annotations

import math
from datetime import datetime
from typing import NamedTuple

from .errors import BadFile
from .jsonio import load_json, parse_time

MAX_ANSWER_SECONDS = 86_400  # more than a day of work on one answer is not a measurement


class Answer(NamedTuple):  # a named tuple: built in C, a tenth of a frozen dataclass's cost per answer
    worker_id: str
    submission_time: datetime
    acceptance_time: datetime | None
    time_spent_s: float | None  # active seconds; acceptance-to-submission when only that exists
    time_source: str | None  # "active" | "elapsed" | None (unknown)
    sub: str | None
    issuer: str | None
    provider: str | None
    task: str | None  # the answerContent key (the crowd element's name)
    label: str | None  # single-label classification answers
    content: dict
    index: int = 0  # its place in the file's answers
    notes: tuple[str, ...] = ()  # what of it was left out, and why (the answer itself counts)


def _classification_label(content: dict) -> tuple[str | None, str | None]:
    """(element name, label) for `{"<element>": {"label": "..."}}` answers, else (name, None)."""
    if len(content) != 1:
        return None, None
    (task, value), = content.items()
    if isinstance(value, dict) and isinstance(value.get("label"), str):
        return task, value["label"]
    return task, None


def _shown(value) -> str:
    """A raw value, short and printable, for a note."""
    if isinstance(value, int) and not isinstance(value, bool) and abs(value) >= 10**15:
        return f"(a {len(str(abs(value)))}-digit number)"
    text = repr(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _seconds(value) -> tuple[float | None, str | None]:
    """(seconds, None) for a plausible duration of one answer, else (None, why not)."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None, "is not a number"
    try:
        seconds = float(value)
    except OverflowError:
        return None, "is too large"
    if not math.isfinite(seconds):
        return None, "is not a finite number"
    if seconds < 0:
        return None, "is negative"
    if seconds > MAX_ANSWER_SECONDS:
        return None, "is more than a day for one answer"
    return seconds, None


def _time_spent(raw: dict, accepted: datetime | None, submitted: datetime):
    """(seconds, source, note): timeSpentInSeconds, else acceptance to submission, else unknown.
    An implausible value is left out (unknown), not replaced, and the note says so."""
    value = raw.get("timeSpentInSeconds")
    if value is not None:
        # The usual case first, without a call: a plain number of at most a day.
        if type(value) in (int, float) and 0 <= value <= MAX_ANSWER_SECONDS:
            return float(value), "active", None
        seconds, why = _seconds(value)
        if why:
            return None, None, f"timeSpentInSeconds {_shown(value)} {why}: left out of time statistics"
        return seconds, "active", None
    if accepted is not None:
        seconds, why = _seconds((submitted - accepted).total_seconds())
        if why:
            return None, None, (f"acceptanceTime {accepted:%Y-%m-%d %H:%M:%S} to submissionTime "
                                f"{submitted:%Y-%m-%d %H:%M:%S} {why}: left out of time statistics")
        return seconds, "elapsed", None
    return None, None, None


def _text(value) -> str | None:
    return value if isinstance(value, str) else None


_NO_IDENTITY: dict = {}


def _answer(raw, index: int) -> Answer:
    """One answer. Runs a million times for a quarter's output, so the checks are inline and the
    tuple is built positionally (in the field order of Answer)."""
    if not isinstance(raw, dict):
        raise ValueError("is not an object")
    worker = raw.get("workerId")
    if not isinstance(worker, str) or not worker:
        raise ValueError("has no workerId")
    if "submissionTime" not in raw:
        raise ValueError("has no submissionTime")
    submitted = parse_time(raw["submissionTime"])
    accepted = raw.get("acceptanceTime")
    accepted = parse_time(accepted) if accepted else None
    spent, source, time_note = _time_spent(raw, accepted, submitted)
    notes = (time_note,) if time_note else ()
    content = raw.get("answerContent")
    if not isinstance(content, dict):
        notes += ("has no answerContent object: counted as a label, its label unknown",)
        content = {}
    metadata = raw.get("workerMetadata")
    identity = metadata.get("identityData", _NO_IDENTITY) if isinstance(metadata, dict) else _NO_IDENTITY
    if not isinstance(identity, dict):
        identity = _NO_IDENTITY
    task, label = _classification_label(content) if content else (None, None)
    return Answer(worker, submitted, accepted, spent, source, _text(identity.get("sub")),
                  _text(identity.get("issuer")), _text(identity.get("identityProviderType")), task, label,
                  content, index, notes)


def read_worker_response(data: bytes) -> tuple[list[Answer], list[str]]:
    """The answers of one file, and a note for each answer that had to be left out. What was left
    out of an answer that still counts is in its own `notes`."""
    doc = load_json(data)
    if not isinstance(doc, dict) or not isinstance(doc.get("answers"), list):
        raise BadFile('not a worker response: expected {"answers": [...]}')
    answers, notes = [], []
    for i, raw in enumerate(doc["answers"]):
        try:
            answers.append(_answer(raw, i))
        except (ValueError, TypeError, OverflowError) as exc:
            notes.append(f"answers[{i}] {exc}")
    return answers, notes
