"""The annotation-level reports a labeling lead reads (what was labeled, when, with which
attributes, and what the audits said), over an annotations table (core.annotations.model), each
narrowed by the same `Narrow` (jobs, days, class, worker, one label attribute value).

Counts are of units (a box, a span, a chosen class, a frame's box). Where a job's output manifest
was read, its consolidated units are the result; the workers' own units are what they did, and
what happened when (only answers carry a time).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from ..bounds import time_grid
from .model import CONSOLIDATED, WORKER

UNITS = ("class", "box", "span", "mask-class", "frame-box", "cuboid")
# A chart's bars over time: past this, periods get coarser (a year by the hour is 8,760 bars of a
# pixel or less, and a slow page).
CHART_PERIODS = 500


@dataclass(frozen=True)
class Narrow:
    """Which annotations count. `attribute` is (label attribute name, value as text)."""

    jobs: tuple[str, ...] | None = None
    start: date | None = None
    end: date | None = None
    label: str | None = None
    worker: str | None = None
    attribute: tuple[str, str] | None = None

    def apply(self, table: pd.DataFrame) -> pd.DataFrame:
        """The rows that count. Days and the worker narrow the workers' rows and the consolidated
        rows of the objects those answered (the result of exactly that work)."""
        out = table
        if self.jobs is not None:
            out = out[out["job"].isin(self.jobs)]
        if self.label is not None:
            out = out[out["label"].eq(self.label)]
        if self.attribute is not None:
            name, value = self.attribute
            out = out[[str(a.get(name)) == value if name in a else False for a in out["attributes"]]]
        if self.start is None and self.end is None and self.worker is None:
            return out
        workers = out[out["source"].eq(WORKER)]
        if self.worker is not None:
            workers = workers[workers["worker_id"].eq(self.worker)]
        times = workers["submitted"]
        if self.start is not None:
            workers = workers[times >= pd.Timestamp(self.start, tz="UTC")]
            times = workers["submitted"]
        if self.end is not None:
            workers = workers[times < pd.Timestamp(self.end, tz="UTC") + pd.Timedelta(days=1)]
        answered = pd.MultiIndex.from_arrays([workers["job"], workers["object_id"]])
        consolidated = out[out["source"].eq(CONSOLIDATED)]
        keep = pd.MultiIndex.from_arrays([consolidated["job"], consolidated["object_id"]]).isin(answered)
        return pd.concat([workers, consolidated[keep]]).sort_index()


def units(table: pd.DataFrame, source: str) -> pd.DataFrame:
    """The annotation units (not verdicts) of one source, WORKER or CONSOLIDATED."""
    return table[table["source"].eq(source) & table["kind"].isin(UNITS)]


def result(table: pd.DataFrame, kinds: tuple[str, ...] = UNITS) -> pd.DataFrame:
    """Each job's result: its consolidated rows of `kinds` (the units), or its workers' for a job
    with no output manifest read yet (still running)."""
    # Masks first, then one take of the rows in that order: each take of the whole table costs a
    # copy of every column (seconds at a million rows).
    unit = _mask(table["kind"].isin(kinds))
    consolidated = _mask(table["source"].eq(CONSOLIDATED)) & unit
    done = set(table["job"].to_numpy()[consolidated])
    workers = _mask(table["source"].eq(WORKER)) & unit & ~_mask(table["job"].isin(done))
    return table.take(np.concatenate([np.flatnonzero(consolidated), np.flatnonzero(workers)]))


def _mask(condition: pd.Series) -> np.ndarray:
    return condition.to_numpy(dtype=bool, na_value=False)


def _class_of(frame: pd.DataFrame) -> pd.Series:
    return frame["label"].fillna(frame["class_id"].map(lambda c: f"class {c}" if isinstance(c, str) else None))


def without_gold(table: pd.DataFrame, gold: dict[tuple[str, str], str]) -> pd.DataFrame:
    """The rows of ordinary objects: gold mixed into the queue (SourceAnnotations.gold) is no output."""
    if not gold or table.empty:
        return table
    pairs = pd.MultiIndex.from_arrays([table["job"].astype(str), table["object_id"].astype(str)])
    return table[~pairs.isin(list(gold))]


def over_time(table: pd.DataFrame, freq: str = "D", max_periods: int = CHART_PERIODS) -> pd.DataFrame:
    """Workers' annotation units per period (pandas frequency, e.g. "D", "h") and class:
    columns period (UTC), label, annotations; periods with none are left out. At most
    `max_periods` periods (core.bounds.time_grid): `attrs["step"]` is the period used and
    `attrs["note"]` says when it had to be coarser than `freq`."""
    done = units(table, WORKER).dropna(subset=["submitted"])
    if done.empty:
        out = pd.DataFrame(columns=["period", "label", "annotations"])
        out.attrs.update(step=freq, note=None)
        return out
    grid = time_grid(done["submitted"], freq, max_periods)
    counted = done.assign(period=grid.periods.dt.tz_localize(None), label=_class_of(done).fillna("(no class)"))
    out = counted.groupby(["period", "label"]).size().rename("annotations").reset_index()
    out.attrs.update(step=grid.step, note=grid.note)
    return out


def class_counts(table: pd.DataFrame, attribute: str | None = None) -> pd.DataFrame:
    """Units of each job's result per class, and per value of label attribute `attribute` when
    given (missing: "(none)"): columns job, label, [value,] annotations; most first."""
    found = result(table)
    found = found.assign(label=_class_of(found).fillna("(no class)"))
    keys = ["job", "label"]
    if attribute is not None:
        found = found.assign(value=[str(a[attribute]) if attribute in a else "(none)" for a in found["attributes"]])
        keys.append("value")
    counts = found.groupby(keys).size().rename("annotations").reset_index()
    return counts.sort_values(["annotations", *keys], ascending=[False, *[True] * len(keys)], kind="stable",
                              ignore_index=True)


def attribute_names(table: pd.DataFrame, column: str = "attributes") -> dict[str, list[str]]:
    """Each label (or frame) attribute's name and the values it takes, as text, sorted."""
    values: dict[str, set[str]] = {}
    for attrs in table[column]:
        for name, value in attrs.items():
            values.setdefault(name, set()).add(str(value))
    return {name: sorted(found) for name, found in sorted(values.items())}


def frame_attribute_counts(table: pd.DataFrame) -> pd.DataFrame:
    """Frames of each video job's result per frame attribute value: columns job, attribute,
    value, frames. Each frame counts once, whatever number of boxes it has, none included."""
    frames = result(table, (*UNITS, "frame")).dropna(subset=["frame"])
    frames = frames.drop_duplicates(["job", "object_id", "worker_id", "frame"])
    pairs = [(job, name, str(value)) for job, attrs in zip(frames["job"], frames["frame_attributes"], strict=True)
             for name, value in attrs.items()]
    if not pairs:
        return pd.DataFrame(columns=["job", "attribute", "value", "frames"])
    counted = pd.DataFrame(pairs, columns=["job", "attribute", "value"]).value_counts().rename("frames")
    return counted.reset_index().sort_values(["job", "attribute", "value"], ignore_index=True)


def per_object(table: pd.DataFrame) -> pd.DataFrame:
    """How many objects (frames, for video) of each job's result hold n annotations: columns job,
    per (object or frame), annotations, objects."""
    found = result(table)
    parts = []
    for job, rows in found.groupby("job"):
        video = rows["frame"].notna().any()
        keys = ["object_id", "worker_id", "frame"] if video else ["object_id", "worker_id"]
        sizes = rows.groupby(keys, dropna=False).size()
        histogram = sizes.value_counts().sort_index()
        parts.append(pd.DataFrame({"job": job, "per": "frame" if video else "object",
                                   "annotations": histogram.index.astype(int), "objects": histogram.to_numpy()}))
    if not parts:
        return pd.DataFrame(columns=["job", "per", "annotations", "objects"])
    return pd.concat(parts, ignore_index=True)


def audits(table: pd.DataFrame) -> pd.DataFrame:
    """Per audit job and audited label: objects verified (passed, failed) or adjusted (adjusted,
    unadjusted). Columns: job, audited_job, audited_attribute, kind, objects, passed, failed,
    adjusted, unadjusted."""
    found = table[table["source"].eq(CONSOLIDATED) & table["audited_job"].notna()]
    found = found.drop_duplicates(["job", "object_id", "attribute"])
    if found.empty:
        return pd.DataFrame(columns=["job", "audited_job", "audited_attribute", "kind", "objects", "passed", "failed",
                                     "adjusted", "unadjusted"])
    kind = found["kind"].eq("verdict").map({True: "verification", False: "adjustment"})
    found = found.assign(
        kind=kind, passed=found["verdict"].eq("pass"), failed=found["verdict"].eq("fail"),
        adjusted=found["adjustment"].eq("adjusted"), unadjusted=found["adjustment"].eq("unadjusted"))
    keys = ["job", "audited_job", "audited_attribute", "kind"]
    out = found.groupby(keys).agg(objects=("object_id", "size"), passed=("passed", "sum"), failed=("failed", "sum"),
                                  adjusted=("adjusted", "sum"), unadjusted=("unadjusted", "sum"))
    return out.reset_index()
