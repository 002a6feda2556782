"""Worker-response files: `{"answers": [...]}`, one answer per worker who submitted (§2).

Both shapes are read: the older public-workforce answers (`answerContent`, `submissionTime`
without milliseconds, `workerId`) and private-workforce answers (`acceptanceTime`,
`timeSpentInSeconds`, `workerMetadata.identityData`). Every answer is a label.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from .errors import BadFile
from .jsonio import load_json, parse_time


@dataclass(frozen=True)
class Answer:
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


def _classification_label(content: dict) -> tuple[str | None, str | None]:
    """(element name, label) for `{"<element>": {"label": "..."}}` answers, else (name, None)."""
    if len(content) != 1:
        return None, None
    (task, value), = content.items()
    if isinstance(value, dict) and isinstance(value.get("label"), str):
        return task, value["label"]
    return task, None


def _time_spent(raw: dict, accepted: datetime | None, submitted: datetime) -> tuple[float | None, str | None]:
    value = raw.get("timeSpentInSeconds")
    if isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value >= 0:
        return float(value), "active"
    if accepted is not None and submitted >= accepted:
        return (submitted - accepted).total_seconds(), "elapsed"
    return None, None


def _object(value) -> dict:
    return value if isinstance(value, dict) else {}


def _text(value) -> str | None:
    return value if isinstance(value, str) else None


def _answer(raw) -> Answer:
    if not isinstance(raw, dict):
        raise ValueError("is not an object")
    worker = raw.get("workerId")
    if not isinstance(worker, str) or not worker:
        raise ValueError("has no workerId")
    content = raw.get("answerContent")
    if not isinstance(content, dict):
        raise ValueError("has no answerContent object")
    if "submissionTime" not in raw:
        raise ValueError("has no submissionTime")
    submitted = parse_time(raw["submissionTime"])
    accepted = parse_time(raw["acceptanceTime"]) if raw.get("acceptanceTime") else None
    spent, source = _time_spent(raw, accepted, submitted)
    identity = _object(_object(raw.get("workerMetadata")).get("identityData"))
    task, label = _classification_label(content)
    return Answer(
        worker_id=worker,
        submission_time=submitted,
        acceptance_time=accepted,
        time_spent_s=spent,
        time_source=source,
        sub=_text(identity.get("sub")),
        issuer=_text(identity.get("issuer")),
        provider=_text(identity.get("identityProviderType")),
        task=task,
        label=label,
        content=content,
    )


def read_worker_response(data: bytes) -> tuple[list[Answer], list[str]]:
    """The answers of one file, and a note for each answer that had to be left out."""
    doc = load_json(data)
    if not isinstance(doc, dict) or not isinstance(doc.get("answers"), list):
        raise BadFile('not a worker response: expected {"answers": [...]}')
    answers, notes = [], []
    for i, raw in enumerate(doc["answers"]):
        try:
            answers.append(_answer(raw))
        except (ValueError, TypeError) as exc:
            notes.append(f"answers[{i}] {exc}")
    return answers, notes
