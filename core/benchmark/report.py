"""The benchmark as text and JSON for the command line (and anything else that prints it)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from .measures import LABELS, iterations
from .prices import DEFAULT_PRICES, Prices
from .run import JobRun

# Rows of the printed comparison, in order; accuracy rows only when something was compared.
SUMMARY = [
    "status", "task", "workforce", "auto_labeling", "initial_model", "objects", "human_labeled", "machine_labeled",
    "machine_share", "failed", "unlabeled", "duration_h", "labels_per_hour", "service_fee", "worker_fee",
    "training_rounds", "instance_cost", "total_cost", "cost_per_labeled_object", "accuracy_against", "compared",
    "accuracy", "accuracy_human", "accuracy_machine", "iterations", "validation_points",
]
_MONEY = {"service_fee", "worker_fee", "instance_cost", "total_cost"}
_SHARES = {"machine_share", "accuracy", "accuracy_human", "accuracy_machine"}
_ACCURACY = {"accuracy_against", "compared", "accuracy", "accuracy_human", "accuracy_machine"}


def _cell(column: str, value) -> str:
    if column == "initial_model":
        return "yes" if isinstance(value, str) and value else "no"
    if value is None or (not isinstance(value, (str, list, bool)) and pd.isna(value)):
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if column in _MONEY:
        return f"${value:,.2f}"
    if column == "cost_per_labeled_object":
        return f"${value:,.4f}"
    if column in _SHARES:
        return f"{value:.1%}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def summary_table(table: pd.DataFrame) -> pd.DataFrame:
    """compare()'s rows turned into one column per job and one plain-words row per measure, as text."""
    rows = [c for c in SUMMARY if c not in _ACCURACY or table["accuracy_against"].notna().any()]
    shown = {job: [_cell(c, row[c]) for c in rows] for job, (_, row) in zip(table["job"], table.iterrows(),
                                                                           strict=True)}
    return pd.DataFrame(shown, index=[LABELS[c] for c in rows])


@dataclass(frozen=True)
class Finding:
    """One thing the benchmark found about one job; prints as `<job>: <kind>: <text>`."""

    job: str
    kind: str  # mismatch (LabelCounters and the files disagree) | note
    text: str

    @property
    def message(self) -> str:
        return f"{self.kind}: {self.text}"

    def __str__(self) -> str:
        return f"{self.job}: {self.message}"


def findings(table: pd.DataFrame) -> list[Finding]:
    """Every disagreement between LabelCounters and the files, then the notes, job by job."""
    out = [Finding(row["job"], "mismatch", m) for _, row in table.iterrows() for m in row["mismatches"]]
    return out + [Finding(row["job"], "note", n) for _, row in table.iterrows() for n in row["notes"]]


def _records(df: pd.DataFrame) -> list[dict]:
    return json.loads(df.to_json(orient="records", date_format="iso"))


def benchmark_document(runs: Sequence[JobRun], table: pd.DataFrame, verdict: str | None,
                       prices: Prices = DEFAULT_PRICES) -> dict:
    """Everything the benchmark found, JSON-ready: per job, per iteration, validation curves, verdict."""
    return {
        "jobs": _records(table),
        "iterations": {r.name: _records(iterations(r, prices)) for r in runs},
        "validation": {r.name: None if r.validation is None else _records(r.validation) for r in runs},
        "verdict": verdict,
    }
