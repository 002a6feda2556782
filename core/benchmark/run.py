"""One job as a benchmark sees it: its describe_labeling_job response and every file under its
output folder `<S3OutputPath>/<job>/` (docs/ground-truth.md §1), read once. The only I/O of core.benchmark."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

import pandas as pd

from ..gt.job import Job, as_job
from ..gt.jsonio import JsonError, finite_float, loads
from ..ingest import Progress, SourceData, SourceReader
from ..launch.cost import price_of
from ..storage import Location

# Where a validation record of the auto-labeling model may sit (§1: only with auto-labeling).
VALIDATION_FOLDERS = ("activelearning/", "training/")
# Record keys that hold the validation score, in order of preference.
_SCORE_KEYS = ("validation_accuracy", "accuracy", "mean_iou", "mIoU", "miou", "score", "value")
_ITERATION_KEYS = ("iteration", "round")
_THRESHOLD_KEYS = ("threshold", "target", "accuracy_target")
_NUMBER = re.compile(r"^\d+$")
CURVE_COLUMNS = ["iteration", "metric", "value", "threshold"]


@dataclass
class JobRun:
    name: str
    job: Job  # the job's description (§6)
    data: SourceData  # the job's output files as tables (core.ingest), this job's rows only
    as_of: datetime  # when it was read: a running job's duration ends here
    validation: pd.DataFrame | None = None  # the model's validation curve (CURVE_COLUMNS), None if absent

    @property
    def counters(self) -> dict[str, int]:
        """LabelCounters in the service's own words, for checking them against the files."""
        return dict(self.job.description.get("LabelCounters") or {})

    @property
    def algorithm(self) -> str | None:
        return self.job.algorithm

    @property
    def auto_labeling(self) -> bool:
        return self.job.auto_labeling

    @property
    def workers_per_object(self) -> int:
        return int(self.job.workers_per_object or 0)

    @property
    def task_price(self) -> Decimal | None:
        """USD per worker per task: PublicWorkforceTaskPrice for the public crowd, 0 for private teams,
        None when unknown (a vendor's price, or a public job without one)."""
        if self.job.workforce == "private":
            return Decimal(0)
        return price_of(self.job.price) if self.job.workforce == "public" and self.job.price else None


def _only(data: SourceData, name: str) -> SourceData:
    """The tables' rows of job `name` (a stray output.manifest deeper down reads as another job)."""
    def mine(df: pd.DataFrame) -> pd.DataFrame:
        return df[df["job"] == name].reset_index(drop=True)

    return replace(data, jobs=[j for j in data.jobs if j == name], answers=mine(data.answers),
                   labels=mine(data.labels), objects=mine(data.objects),
                   consolidations=mine(data.consolidations), auto_labels=mine(data.auto_labels))


def read_run(job: Job | Mapping[str, Any], root: Location, as_of: datetime,
             progress: Progress | None = None) -> JobRun:
    """A JobRun from a described job (a Job or the describe_labeling_job response) and its output folder."""
    job = as_job(job)
    data = SourceReader(root).load(progress)
    return JobRun(name=job.name, job=job, data=_only(data, job.name), as_of=as_of,
                  validation=validation_curve(_validation_files(root)))


def load_job(workspace, name: str, progress: Progress | None = None) -> JobRun:
    """describe_labeling_job, then every file under the job's output folder. Raises the service's
    ServiceError for an unknown job and StoreError when the folder cannot be read."""
    job = Job.from_description(workspace.service.describe_labeling_job(name))
    return read_run(job, workspace.open(job.output_folder), workspace.now(), progress)


def _validation_files(root: Location) -> dict[str, bytes]:
    """JSON files under the job's activelearning/ and training/ folders, by key below the job root."""
    base = root.prefix if not root.prefix or root.prefix.endswith("/") else root.prefix + "/"
    found = {}
    for folder in VALIDATION_FOLDERS:
        for info in root.store.list(base + folder):
            if info.key.lower().endswith(".json"):
                found[info.key[len(base):]] = root.store.get(info.key)
    return found


def _score(record: Mapping) -> tuple[str, float] | None:
    for key in _SCORE_KEYS:
        value = finite_float(record.get(key))
        if value is not None:
            return key, value
    return None


def _records(doc: Any) -> list[Mapping]:
    if isinstance(doc, list):
        return [r for r in doc if isinstance(r, Mapping)]
    if isinstance(doc, Mapping):
        for key in ("validation", "curve", "iterations", "rounds"):
            if isinstance(doc.get(key), list):
                return [{**{k: v for k, v in doc.items() if k in _THRESHOLD_KEYS}, **r}
                        for r in doc[key] if isinstance(r, Mapping)]
        return [doc]
    return []


def validation_curve(files: Mapping[str, bytes]) -> pd.DataFrame | None:
    """The model's validation score per auto-labeling iteration, from JSON files under the job's
    `activelearning/` or `training/` folders, keyed by their path below the job root; None when there
    is none (Ground Truth documents no such file: jobs without one simply have no curve, §1).

    Accepted shapes: a list of records, an object with a `validation`/`curve`/`iterations`/`rounds`
    list of records, or one record per file. A record has a score (`validation_accuracy`, `accuracy`,
    `mean_iou`, `score` or `value`), an `iteration` (else the last number in its path) and optionally
    a `threshold` (the accuracy target, §4). Result columns: iteration, metric, value, threshold."""
    rows = []
    for path, data in sorted(files.items()):
        try:
            doc = loads(data.decode("utf-8-sig"))
        except (JsonError, UnicodeDecodeError):
            continue
        numbers = [int(p) for p in path.split("/") if _NUMBER.match(p)]
        for record in _records(doc):
            score = _score(record)
            iteration = next((record[k] for k in _ITERATION_KEYS
                              if isinstance(record.get(k), int) and 0 <= record[k] < 1_000_000),
                             numbers[-1] if numbers else None)
            if score is None or iteration is None:
                continue
            threshold = next((finite_float(record[k]) for k in _THRESHOLD_KEYS
                              if finite_float(record.get(k)) is not None), None)
            rows.append((int(iteration), score[0], score[1], threshold))
    if not rows:
        return None
    curve = pd.DataFrame(rows, columns=CURVE_COLUMNS).astype({"threshold": "float64"})
    return curve.drop_duplicates(["iteration", "metric"], keep="last").sort_values("iteration", ignore_index=True)
