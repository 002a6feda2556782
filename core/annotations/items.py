"""One item (an object of a job) as the item browser shows it: which items to look at first, every
annotation of one item by who made it, and where a video frame's picture is."""

from __future__ import annotations

import json

import pandas as pd

from .draw import GOLD, RESULT
from .model import WORKER, object_keys

ITEM_COLUMNS = ["job", "object", "source_ref", "answers", "score", "lowest"]


def ranked_items(scores: pd.DataFrame, table: pd.DataFrame, job: str, worker: str | None = None) -> pd.DataFrame:
    """The job's objects, furthest from the result first: by the worker's own score when `worker`
    is given (their worst items), else by the mean of every answer's score (the most disputed).
    `scores` is core.quality.report.object_scores. Columns ITEM_COLUMNS; unscored items last."""
    mine = scores[scores["job"].eq(job)]
    if worker is not None:
        mine = mine[mine["worker"].eq(worker)]
    items = mine.groupby("object").agg(answers=("worker", "size"), score=("score", "mean"),
                                       lowest=("score", "min")).reset_index()
    refs = table[table["job"].eq(job)].dropna(subset=["source_ref"]).groupby("object_id")["source_ref"].first()
    items = items.assign(job=job, source_ref=items["object"].map(refs))
    order = items.assign(_n=pd.to_numeric(items["object"], errors="coerce"))
    order = order.sort_values(["score", "lowest", "_n", "object"], na_position="last", kind="stable")
    return order[ITEM_COLUMNS].reset_index(drop=True)


def item_rows(table: pd.DataFrame, job: str, object_id: str, gold: pd.DataFrame | None = None) -> pd.DataFrame:
    """Every annotation unit of one item with `who` made it: a worker id, RESULT (the job's
    consolidated result) or GOLD (gold rows of the same data object: its URI, or its text)."""
    rows = table[table["job"].eq(job) & table["object_id"].eq(object_id)]
    who = rows["worker_id"].where(rows["source"].eq(WORKER), RESULT)
    out = rows.assign(who=who)
    refs = set(object_keys(rows).dropna())
    if gold is not None and refs:
        trusted = gold[object_keys(gold).isin(refs)]
        out = pd.concat([out, trusted.assign(who=GOLD, job=job, object_id=object_id)], ignore_index=True)
    order = {RESULT: 1, GOLD: 2}
    return out.assign(_o=out["who"].map(lambda w: order.get(w, 0))).sort_values(
        ["_o", "who", "frame", "unit"], kind="stable", na_position="first").drop(columns="_o").reset_index(drop=True)


def frame_image_uri(sequence: bytes, frame: int) -> str | None:
    """The picture of frame `frame` named by a video's sequence file (its `prefix` and the frame's
    file name, docs/ground-truth.md §3), or None when the file does not say."""
    try:
        seq = json.loads(sequence)
    except (ValueError, UnicodeDecodeError):
        return None
    if not isinstance(seq, dict) or not isinstance(seq.get("frames"), list):
        return None
    prefix = seq.get("prefix") if isinstance(seq.get("prefix"), str) else ""
    for entry in seq["frames"]:
        if isinstance(entry, dict) and str(entry.get("frame-no")) == str(frame) and isinstance(entry.get("frame"), str):
            name = entry["frame"]
            return name if "://" in name else prefix.rstrip("/") + "/" + name if prefix else None
    return None
