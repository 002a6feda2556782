"""What a source's annotations hold, per job: counts per class, per label attribute value and per
frame attribute value, annotations per object, and audit verdicts. One long table, so every job
and task type fits the same columns (the `annotations` command prints it; pages filter it).

Counted on a job's consolidated result when its output manifest is read, else on its workers'
answers (a job still running); `counted` says which.
"""

from __future__ import annotations

import pandas as pd

from .model import CONSOLIDATED, WORKER

COLUMNS = ["job", "task_type", "counted", "what", "name", "value", "count"]
_GEOMETRY = ("box", "span", "mask-class", "frame-box", "cuboid", "class")


def annotation_summary(table: pd.DataFrame) -> pd.DataFrame:
    """COLUMNS; `what` is one of: class, label attribute, frame attribute, per object (name min,
    median or max), verdict (name: the audited label attribute, value: pass or fail)."""
    parts = []
    for job, rows in table.groupby("job", sort=True):
        consolidated = rows[rows["source"].eq(CONSOLIDATED)]
        used, counted = (consolidated, "consolidated") if not consolidated.empty else (
            rows[rows["source"].eq(WORKER)], "workers")
        task = used["task_type"].iloc[0] if not used.empty else rows["task_type"].iloc[0]
        found = [_classes(used), _attributes(used, "attributes", "label attribute"),
                 _frame_attributes(used), _per_object(used), _verdicts(used)]
        found = [f for f in found if not f.empty]
        if found:
            parts.append(pd.concat(found, ignore_index=True).assign(job=job, task_type=task, counted=counted))
    if not parts:
        return pd.DataFrame(columns=COLUMNS)
    out = pd.concat(parts, ignore_index=True)
    out["count"] = out["count"].astype("int64")
    return out[COLUMNS]


def _units(rows: pd.DataFrame) -> pd.DataFrame:
    return rows[rows["kind"].isin(_GEOMETRY)]


def _long(counts: pd.Series, what: str, name: str = "") -> pd.DataFrame:
    return pd.DataFrame({"what": what, "name": name, "value": counts.index.astype(str), "count": counts.to_numpy()})


def _classes(rows: pd.DataFrame) -> pd.DataFrame:
    units = _units(rows)
    labels = units["label"].fillna(units["class_id"].map(lambda c: f"class {c}" if isinstance(c, str) else None))
    return _long(labels.dropna().value_counts().sort_index(), "class")


def _attributes(rows: pd.DataFrame, column: str, what: str) -> pd.DataFrame:
    pairs = [(name, str(value)) for attrs in rows[column] for name, value in attrs.items()]
    if not pairs:
        return pd.DataFrame()
    counts = pd.DataFrame(pairs, columns=["name", "value"]).value_counts().sort_index()
    return pd.DataFrame({"what": what, "name": [n for n, _ in counts.index], "value": [v for _, v in counts.index],
                         "count": counts.to_numpy()})


def _frame_attributes(rows: pd.DataFrame) -> pd.DataFrame:
    """Frames (not boxes) per frame attribute value: each frame once, with its own attributes."""
    frames = rows.dropna(subset=["frame"]).drop_duplicates(["object_id", "worker_id", "frame"])
    return _attributes(frames, "frame_attributes", "frame attribute")


def _per_object(rows: pd.DataFrame) -> pd.DataFrame:
    """Annotations per object (per frame for video): min, median and max over the objects."""
    units = _units(rows)
    if units.empty:
        return pd.DataFrame()
    keys = ["object_id", "worker_id", "frame"] if units["frame"].notna().any() else ["object_id", "worker_id"]
    per = units.groupby(keys, dropna=False).size()
    name = "per frame" if "frame" in keys else "per object"
    return pd.DataFrame({"what": name, "name": ["min", "median", "max"], "value": "",
                         "count": [int(per.min()), int(per.median()), int(per.max())]})


def _verdicts(rows: pd.DataFrame) -> pd.DataFrame:
    verdicts = rows[rows["kind"].eq("verdict")]
    if verdicts.empty:
        return pd.DataFrame()
    counts = verdicts.assign(name=verdicts["audited_attribute"].fillna(""),
                             value=verdicts["verdict"].fillna("unreadable")).groupby(["name", "value"]).size()
    return pd.DataFrame({"what": "verdict", "name": [n for n, _ in counts.index], "value": [v for _, v in counts.index],
                         "count": counts.to_numpy()})
