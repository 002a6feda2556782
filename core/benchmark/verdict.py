"""The benchmark in one sentence for stakeholders: what starting from an earlier model
(InitialActiveLearningModelArn, §8) changed against a job that started without one."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from decimal import ROUND_HALF_UP, Decimal

import pandas as pd

CENT = Decimal("0.01")


def _usd(value) -> Decimal:
    """A cost from a benchmark row as an exact Decimal (floats hold at most tenths of a cent here)."""
    return Decimal(repr(float(value)))


def _cents(value: Decimal) -> str:
    return f"${value.quantize(CENT, rounding=ROUND_HALF_UP):,}"


def _percent(part: Decimal, whole: Decimal) -> str:
    """Whole percent, or one decimal where that would show a non-zero part as 0%."""
    if not whole:
        return "n/a"
    share = part / whole * 100
    whole_percent = share.quantize(Decimal(1), rounding=ROUND_HALF_UP)
    return f"{whole_percent if whole_percent or not part else share.quantize(Decimal('0.1'), ROUND_HALF_UP)}%"


def _share(row: Mapping) -> str:
    return f"{row['machine_share']:.0%}"


def _running(*rows: Mapping) -> str:
    busy = [f"{r['job']} is {r['status']}" for r in rows if r.get("status") not in ("Completed", "Failed", "Stopped")]
    return f" ({'; '.join(busy)}: numbers so far)" if busy else ""


def _unpaid_tasks(a: Mapping, b: Mapping) -> str:
    """Private and vendor teams are not paid per task here, so fees miss the work saved: say it in tasks."""
    if not {a.get("workforce"), b.get("workforce")} <= {"private", "vendor"}:
        return ""
    fewer = b["human_labeled"] * b["workers_per_object"] - a["human_labeled"] * a["workers_per_object"]
    if not fewer:
        return ""
    return (f" Its workers did {abs(fewer):,} {'fewer' if fewer > 0 else 'more'} tasks, whose cost to their team "
            "is not in these numbers.")


def verdict(with_model: Mapping, without_model: Mapping) -> str:
    """E.g. "Starting from the earlier model, b labeled 612 more objects by machine than c (80% vs 60%
    machine-labeled) and saved $73.44 (26%)." On data sets of different sizes the comparison is per
    object, and the sentence says so. With private or vendor teams, whose pay is not in the cost, a
    second sentence counts the worker tasks saved. Rows are job_metrics() rows (dicts or DataFrame rows)."""
    a, b = with_model, without_model
    if not a["labeled"] or not b["labeled"]:
        idle = a["job"] if not a["labeled"] else b["job"]
        return f"No comparison yet: {idle} has labeled nothing."
    cost_a, cost_b = _usd(a["total_cost"]), _usd(b["total_cost"])
    if a["objects"] == b["objects"]:
        more = a["machine_labeled"] - b["machine_labeled"]
        saved = (cost_b - cost_a).quantize(CENT, rounding=ROUND_HALF_UP)
        money = (f"saved {_cents(saved)}" if saved >= 0 else f"cost {_cents(-saved)} more") + \
            f" ({_percent(abs(saved), cost_b)})"
        objects = "object" if abs(more) == 1 else "objects"
        return (f"Starting from the earlier model, {a['job']} labeled {abs(more):,} {'more' if more >= 0 else 'fewer'} "
                f"{objects} by machine than {b['job']} ({_share(a)} vs {_share(b)} machine-labeled) and {money}"
                + _running(a, b) + "." + _unpaid_tasks(a, b))
    per_a, per_b = cost_a / a["labeled"], cost_b / b["labeled"]
    points = round((a["machine_share"] - b["machine_share"]) * 100)
    cheaper = per_b - per_a
    money = (f"{'saved' if cheaper >= 0 else 'cost'} {_percent(abs(cheaper), per_b)} per labeled object "
             f"(${per_a.quantize(Decimal('0.0001'), rounding=ROUND_HALF_UP)} vs "
             f"${per_b.quantize(Decimal('0.0001'), rounding=ROUND_HALF_UP)}"
             f"{')' if cheaper >= 0 else ', more)'}")
    return (f"The data sets differ ({a['objects']:,} vs {b['objects']:,} objects), so per object: starting from the "
            f"earlier model, {a['job']} labeled {_share(a)} of its objects by machine against {_share(b)} for "
            f"{b['job']} ({abs(points)} points {'more' if points >= 0 else 'fewer'}) and {money}"
            + _running(a, b) + ".")


def _has_model(row: Mapping) -> bool:
    model = row["initial_model"]
    return isinstance(model, str) and bool(model)  # a DataFrame may hold NaN for None


def verdict_pair(rows: Sequence[Mapping] | pd.DataFrame) -> tuple[Mapping, Mapping] | None:
    """(with model, without model) when exactly one job started from an earlier model: against the
    job without one on the same input manifest (the fair comparison of §8), else on as many objects,
    preferring one that auto-labeled too; else against the first other job. None otherwise."""
    if isinstance(rows, pd.DataFrame):
        rows = [r for _, r in rows.iterrows()]
    started = [r for r in rows if _has_model(r)]
    if len(rows) < 2 or len(started) != 1:
        return None
    with_model = started[0]
    others = [r for r in rows if not _has_model(r)]
    same = [r for r in others if r["objects"] == with_model["objects"]]
    manifest = with_model.get("input_manifest")
    ranked = sorted(same, key=lambda r: (not (manifest and r.get("input_manifest") == manifest),
                                         not r["auto_labeling"])) or others
    return with_model, ranked[0]
