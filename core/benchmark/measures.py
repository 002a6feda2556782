"""A job's benchmark numbers, per job and per iteration: pure functions over a JobRun.

Counts come from LabelCounters (§6) and are checked against the files: the output manifest's
`human-annotated` yes/no (§3), unique datasetObjectIds per iteration of the consolidation responses
and the lines of auto_annotator_output.txt (§4). A disagreement is reported in `mismatches`, never
settled silently. Costs follow the "Total cost" recipe of §9, plus an estimate of instance time.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import pandas as pd

from ..gold import gold_of
from ..metrics import normalize_label
from .prices import DEFAULT_PRICES, Prices
from .run import JobRun

COLUMNS = [
    "job", "status", "task", "workforce", "workers_per_object", "task_price", "auto_labeling", "algorithm",
    "initial_model", "final_model", "input_manifest",
    "objects", "labeled", "human_labeled", "machine_labeled", "machine_share", "failed", "unlabeled",
    "created", "ended", "duration_h", "labels_per_hour",
    "service_fee", "worker_fee", "training_rounds", "instance_cost", "total_cost", "cost_per_labeled_object",
    "accuracy_against", "compared", "accuracy", "accuracy_human", "accuracy_machine",
    "manifest_objects", "manifest_human", "manifest_machine", "manifest_failed", "consolidated_objects",
    "auto_annotator_lines", "iterations", "validation_points", "mismatches", "notes",
]
# What each column holds, in plain words (table headings of the CLI and the page).
LABELS = {
    "job": "Job", "status": "Status", "task": "Task", "workforce": "Workforce",
    "workers_per_object": "Workers per object", "task_price": "Price per task (USD)", "auto_labeling": "Auto-labeling",
    "algorithm": "Algorithm", "initial_model": "Started from a model", "final_model": "Final model",
    "input_manifest": "Input manifest",
    "objects": "Objects", "labeled": "Labeled", "human_labeled": "Labeled by humans",
    "machine_labeled": "Labeled by machine", "machine_share": "Machine share", "failed": "Failed",
    "unlabeled": "Unlabeled", "created": "Created", "ended": "Ended", "duration_h": "Duration (h)",
    "labels_per_hour": "Labels per hour", "service_fee": "Service fee (USD)", "worker_fee": "Worker fee (USD)",
    "training_rounds": "Auto-labeling rounds", "instance_cost": "Instance time, estimated (USD)",
    "total_cost": "Total cost (USD)", "cost_per_labeled_object": "Cost per labeled object (USD)",
    "accuracy_against": "Accuracy against", "compared": "Objects compared", "accuracy": "Accuracy",
    "accuracy_human": "Accuracy of human labels", "accuracy_machine": "Accuracy of machine labels",
    "manifest_objects": "Objects in the output manifest", "manifest_human": "Human-annotated lines",
    "manifest_machine": "Machine-annotated lines", "manifest_failed": "Failed lines",
    "consolidated_objects": "Objects in consolidation responses", "auto_annotator_lines": "Auto-annotator lines",
    "iterations": "Iterations", "validation_points": "Validation points", "mismatches": "Mismatches",
    "notes": "Notes",
}
_COUNTS = ["workers_per_object", "objects", "labeled", "human_labeled", "machine_labeled", "failed", "unlabeled",
           "training_rounds", "compared", "manifest_objects", "manifest_human", "manifest_machine", "manifest_failed",
           "consolidated_objects", "auto_annotator_lines", "iterations", "validation_points"]
_RATES = ["task_price", "machine_share", "duration_h", "labels_per_hour", "service_fee", "worker_fee", "instance_cost",
          "total_cost", "cost_per_labeled_object", "accuracy", "accuracy_human", "accuracy_machine"]
ITERATION_COLUMNS = [
    "iteration", "human", "machine", "human_cost", "machine_cost", "instance_cost", "cost",
    "cumulative_human", "cumulative_machine", "cumulative_cost",
]


# --- what the files say ---------------------------------------------------------------------------------


def own_lines(run: JobRun) -> pd.DataFrame:
    """Manifest rows of the job's label attribute that belong to it: a chained manifest also carries
    lines an earlier job labeled under the same attribute (§8), whose `job-name` names that job."""
    labels = run.data.labels
    rows = labels[labels["attribute"] == run.job.attribute]
    other = rows["job_name"].notna() & (rows["job_name"].str.lower() != run.name.lower())
    return rows[~other]


def _earlier_lines(run: JobRun) -> int:
    labels = run.data.labels
    rows = labels[(labels["attribute"] == run.job.attribute) & (labels["status"] == "labeled")]
    return int((rows["job_name"].notna() & (rows["job_name"].str.lower() != run.name.lower())).sum())


@dataclass(frozen=True)
class FileCounts:
    manifest: bool  # an output manifest was read
    objects: int | None  # its lines that are this job's objects (None: no manifest)
    human: int | None  # labeled lines with human-annotated "yes" (§3)
    machine: int | None  # ... "no"
    unknown_origin: int | None  # labeled lines with neither
    failed: int | None  # lines with a failure-reason and no label (§3)
    consolidated: int  # per iteration, unique datasetObjectIds of the consolidation responses, summed (§4)
    auto_lines: int  # lines of auto_annotator_output.txt, all iterations (§4)
    rounds: int  # iterations with machine labels


def file_counts(run: JobRun) -> FileCounts:
    data = run.data
    consolidated = len(data.consolidations.drop_duplicates(["iteration", "object_id"]))
    auto = data.auto_labels
    rounds = int(auto["iteration"].nunique())
    if data.objects.empty:
        return FileCounts(False, None, None, None, None, None, consolidated, len(auto), rounds)
    lines = own_lines(run)
    labeled = lines[lines["status"] == "labeled"]
    human = int((labeled["human_annotated"] == True).sum())  # noqa: E712 (a column of True/False/None)
    machine = int((labeled["human_annotated"] == False).sum())  # noqa: E712
    return FileCounts(
        manifest=True, objects=len(data.objects) - _earlier_lines(run), human=human, machine=machine,
        unknown_origin=len(labeled) - human - machine, failed=int((lines["status"] == "failed").sum()),
        consolidated=consolidated, auto_lines=len(auto), rounds=rounds,
    )


def mismatches(run: JobRun, files: FileCounts) -> list[str]:
    """Every place where LabelCounters and the output files disagree, in plain words."""
    c = run.job.counters
    human, machine, failed, unlabeled, total = c.human, c.machine, c.failed, c.unlabeled, c.total
    found = []
    if total != human + machine:
        found.append(f"LabelCounters: TotalLabeled {total:,} is not HumanLabeled {human:,} + MachineLabeled "
                     f"{machine:,}")
    if files.manifest:
        checks = [
            ("HumanLabeled", human, files.human, "lines marked human-annotated yes in the output manifest"),
            ("MachineLabeled", machine, files.machine, "lines marked human-annotated no in the output manifest"),
            ("FailedNonRetryableError", failed, files.failed, "failed lines in the output manifest"),
            ("TotalLabeled + FailedNonRetryableError + Unlabeled", total + failed + unlabeled, files.objects,
             "objects in the output manifest"),
        ]
        if files.unknown_origin:
            found.append(f"{files.unknown_origin:,} labeled lines in the output manifest say neither human-annotated "
                         "yes nor no")
    else:
        checks = []
        if total or failed:
            found.append(f"LabelCounters count {total:,} labeled and {failed:,} failed objects but no output manifest "
                         "was found")
    checks += [
        ("HumanLabeled", human, files.consolidated, "objects in the consolidation responses (unique per iteration)"),
        ("MachineLabeled", machine, files.auto_lines, "lines in auto_annotator_output.txt"),
    ]
    found += [f"LabelCounters {name} is {counted:,} but there are {in_files:,} {what}"
              for name, counted, in_files, what in checks if in_files is not None and counted != in_files]
    if found and not run.job.finished:
        found = [f"{m} (the job is {run.job.status}: its files may lag behind)" for m in found]
    return found


# --- cost (§9) --------------------------------------------------------------------------------------------


def human_price(run: JobRun, prices: Prices) -> Decimal:
    """Per human-labeled object: the service fee plus, for the public crowd, workers x task price (§9)."""
    return prices.service_fee + run.workers_per_object * (run.task_price or Decimal(0))


def _money(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def _cost(run: JobRun, human: int, machine: int, rounds: int, prices: Prices) -> tuple[dict, list[str]]:
    notes = []
    price = run.task_price
    worker_fee = None if price is None else price * run.workers_per_object * human
    if price is None:
        notes.append("vendor work team: its price is not included" if run.job.workforce == "vendor"
                     else "public workforce without PublicWorkforceTaskPrice: worker fees not included")
    instance = prices.per_round(run.algorithm) * rounds if run.auto_labeling else Decimal(0)
    if run.auto_labeling:
        notes += prices.assumptions(run.algorithm)
    service = prices.service_fee * (human + machine)
    total = service + (worker_fee or 0) + instance
    return {
        "service_fee": _money(service), "worker_fee": _money(worker_fee), "training_rounds": rounds,
        "instance_cost": _money(instance), "total_cost": _money(total),
        "cost_per_labeled_object": _money(total / (human + machine)) if human + machine else None,
    }, notes


# --- accuracy ---------------------------------------------------------------------------------------------


def labels_as_truth(run: JobRun) -> dict[str, str]:
    """A reference job's consolidated labels by source, for measuring another job against them."""
    lines = own_lines(run)
    lines = lines[(lines["status"] == "labeled") & lines["class_name"].notna() & lines["source"].notna()]
    return dict(zip(lines["source"], lines["class_name"], strict=True))


def accuracy(run: JobRun, truth: Mapping[str, str]) -> dict:
    """Share of the job's labeled lines whose class equals the truth of their source (normalized
    labels), overall and split by who labeled them. Only single-label classes can be compared."""
    normalized = {src: normalize_label(str(label)) for src, label in truth.items()}
    lines = own_lines(run)
    lines = lines[lines["status"] == "labeled"].assign(
        label=lambda d: d["class_name"].map(normalize_label), truth=lambda d: gold_of(d["source"], normalized))
    lines = lines[lines["label"].notna() & lines["truth"].notna()]
    hit = lines["label"] == lines["truth"]

    def share(mask) -> float | None:
        return float(hit[mask].mean()) if mask.any() else None

    everyone = pd.Series(True, index=lines.index)
    return {"compared": len(lines), "accuracy": share(everyone),
            "accuracy_human": share(lines["human_annotated"] == True),  # noqa: E712
            "accuracy_machine": share(lines["human_annotated"] == False)}  # noqa: E712


# --- one job, its iterations, several jobs ----------------------------------------------------------------


def _hours(seconds: float) -> float:
    return seconds / 3600


def _utc(value) -> pd.Timestamp:
    """boto3 and the simulator give aware datetimes; a naive one is taken as UTC."""
    ts = pd.Timestamp(value)
    return ts.tz_localize("UTC") if ts.tzinfo is None else ts.tz_convert("UTC")


def job_metrics(run: JobRun, gold: Mapping[str, str] | None = None, reference: JobRun | None = None,
                prices: Prices = DEFAULT_PRICES) -> dict:
    """One row (COLUMNS) of benchmark numbers. Accuracy is against `gold` ({source: label}) or the
    labels of `reference` (another job over the same sources), not both. Money is in USD."""
    if gold is not None and reference is not None:
        raise ValueError("measure accuracy against gold labels or against a reference job, not both")
    c = run.job.counters
    human, machine, failed, unlabeled, total = c.human, c.machine, c.failed, c.unlabeled, c.total
    files = file_counts(run)
    created = _utc(run.job.created)
    ended = _utc(run.job.ended) if run.job.ended else None
    duration = _hours(((ended if ended is not None else _utc(run.as_of)) - created).total_seconds())
    costs, notes = _cost(run, human, machine, files.rounds, prices)
    if gold is not None:
        against, scores = "gold", accuracy(run, gold)
    elif reference is not None:
        against, scores = f"job {reference.name}", accuracy(run, labels_as_truth(reference))
    else:
        against, scores = None, {"compared": None, "accuracy": None, "accuracy_human": None, "accuracy_machine": None}
    if not run.job.finished:
        notes.append(f"{run.job.status}: duration and counts so far")
    row = {
        "job": run.name, "status": run.job.status, "task": run.job.task_name, "workforce": run.job.workforce,
        "workers_per_object": run.workers_per_object,
        "task_price": _money(run.task_price), "auto_labeling": run.auto_labeling, "algorithm": run.algorithm,
        "initial_model": run.job.initial_model, "final_model": run.job.final_model,
        "input_manifest": run.job.input_manifest,
        "objects": total + failed + unlabeled, "labeled": human + machine, "human_labeled": human,
        "machine_labeled": machine, "machine_share": machine / (human + machine) if human + machine else None,
        "failed": failed, "unlabeled": unlabeled,
        "created": created, "ended": ended, "duration_h": duration,
        "labels_per_hour": (human + machine) / duration if duration > 0 else None,
        **costs,
        "accuracy_against": against, **scores,
        "manifest_objects": files.objects, "manifest_human": files.human, "manifest_machine": files.machine,
        "manifest_failed": files.failed, "consolidated_objects": files.consolidated,
        "auto_annotator_lines": files.auto_lines,
        "iterations": int(len(set(run.data.consolidations["iteration"]) | set(run.data.auto_labels["iteration"]))),
        "validation_points": 0 if run.validation is None else len(run.validation),
        "mismatches": mismatches(run, files), "notes": notes,
    }
    return {k: row[k] for k in COLUMNS}


def iterations(run: JobRun, prices: Prices = DEFAULT_PRICES) -> pd.DataFrame:
    """Per iteration (§9 recipe): human = unique datasetObjectIds in its consolidation responses,
    machine = lines of its auto_annotator_output.txt, their costs, the estimated instance cost of an
    auto-labeling round where the machine labeled, and running totals."""
    data = run.data
    human = data.consolidations.drop_duplicates(["iteration", "object_id"]).groupby("iteration").size()
    machine = data.auto_labels.groupby("iteration").size()
    numbers = sorted(set(human.index) | set(machine.index))
    per_human, per_round = human_price(run, prices), prices.per_round(run.algorithm)
    rows, totals = [], [0, 0, Decimal(0)]
    for n in numbers:
        h, m = int(human.get(n, 0)), int(machine.get(n, 0))
        costs = (h * per_human, m * prices.service_fee, per_round if m and run.auto_labeling else Decimal(0))
        totals = [totals[0] + h, totals[1] + m, totals[2] + sum(costs)]
        rows.append((n, h, m, *map(float, costs), float(sum(costs)), totals[0], totals[1], float(totals[2])))
    return pd.DataFrame(rows, columns=ITERATION_COLUMNS).astype(
        {c: "int64" for c in ("iteration", "human", "machine", "cumulative_human", "cumulative_machine")}
        | {c: "float64" for c in ("human_cost", "machine_cost", "instance_cost", "cost", "cumulative_cost")})


def compare(runs: Sequence[JobRun], gold: Mapping[str, str] | None = None, reference: JobRun | None = None,
            prices: Prices = DEFAULT_PRICES) -> pd.DataFrame:
    """One row per job (COLUMNS), in the order given. Unknown counts are <NA>, unknown rates NaN."""
    df = pd.DataFrame([job_metrics(r, gold, reference, prices) for r in runs], columns=COLUMNS)
    return df.astype({c: "Int64" for c in _COUNTS} | {c: "float64" for c in _RATES})
