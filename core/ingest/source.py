"""What a source holds, as the reports use it: pandas tables and what could not be read."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..gt.errors import Skipped

ANSWER_COLUMNS = [
    "job", "iteration", "object_id", "worker_id", "sub", "issuer", "provider",
    "acceptance_time", "submission_time", "time_spent_s", "time_source", "task", "label", "file", "answer",
]  # `file`: the key of the answer's file in its store (SourceData.file_uri gives its URI)
LABEL_COLUMNS = [
    "job", "object_id", "source", "attribute", "status", "type", "class_name", "human_annotated",
    "confidence", "job_name", "creation_date", "failure_reason",
]


@dataclass
class SourceData:
    uri: str
    jobs: list[str]
    answers: pd.DataFrame  # one row per answer (label) of a worker
    labels: pd.DataFrame  # one row per (job, manifest line, label attribute)
    objects: pd.DataFrame  # one row per (job, manifest line): object_id, source, gold (a gold line's label)
    consolidations: pd.DataFrame  # job, iteration, object_id
    auto_labels: pd.DataFrame  # job, iteration, token
    skipped: list[Skipped] = field(default_factory=list)
    suspect: list[Skipped] = field(default_factory=list)  # answers counted, with a value left out: which and why
    files: int = 0  # Ground Truth files read (after skipping)
    unread: list[Skipped] = field(default_factory=list)  # Ground Truth files that could not be read or used
    parsed: int = 0  # files parsed by this load
    cached: int = 0  # files unchanged since an earlier load, taken from the cache
    file_prefix: str = ""  # answers' `file` is a key below the source's store: this + key is its URI

    def file_uri(self, key: str) -> str:
        return self.file_prefix + key

    def unread_reasons(self) -> list[tuple[str, int]]:
        """(reason, files) of the unread files, most common first: why a source shows nothing."""
        counts: dict[str, int] = {}
        for item in self.unread:
            counts[item.reason] = counts.get(item.reason, 0) + 1
        return sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))

    def nothing_found(self) -> str:
        """Why there are no jobs: every Ground Truth file failed (how many, grouped by reason), or
        there is no Ground Truth file at all."""
        if not self.unread:
            return (f"no Ground Truth job output found under {self.uri}: no worker-response files and no "
                    "output manifest")
        reasons = self.unread_reasons()
        shown = "; ".join(f"{n:,} file(s): {reason}" for reason, n in reasons[:3])
        more = f"; and {len(reasons) - 3:,} other reason(s)" if len(reasons) > 3 else ""
        return (f"found {len(self.unread):,} Ground Truth file(s) under {self.uri} but could read none of "
                f"them ({shown}{more})")
