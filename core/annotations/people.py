"""Workers in the annotations' tables by the names the Workers page shows them by: a known name or
the worker id, or "Worker N" when names are anonymised for sharing, so a table, a chart, a CSV or
a link taken from one page says the same as the other and, anonymised, never carries an id.

The names themselves come from core.workers.shown_names (Cognito names by sub, a names CSV, or
Worker N numbered over the whole source's answers); this module only applies them.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import pandas as pd

ANONYMOUS = "Worker {}"


def worker_labels(worker_ids: Iterable[str], shown: dict[str, str], anonymize: bool) -> dict[str, str]:
    """worker_id -> what to show, for every id in `worker_ids`: `shown`'s name where it has one.
    A worker `shown` misses (an answer read here and not there) is shown by id, or, anonymised,
    as the next free Worker N: an id must never show through the anonymous view."""
    ids = list(dict.fromkeys(w for w in worker_ids if isinstance(w, str)))
    out = {w: shown[w] for w in ids if w in shown}
    if not anonymize:
        return out | {w: w for w in ids if w not in out}
    used = {int(m[1]) for m in (re.fullmatch(r"Worker (\d+)", n) for n in shown.values()) if m}
    n = max(used, default=0)
    for w in sorted(w for w in ids if w not in out):
        n += 1
        out[w] = ANONYMOUS.format(n)
    return out


def rename_workers(frame: pd.DataFrame, names: dict[str, str], columns: Iterable[str] = ("worker",)) -> pd.DataFrame:
    """`frame` with each of `columns` (those it has) shown by name; values that are no worker id
    (the job's Team row, the Result, Gold) stay as they are."""
    found = [c for c in columns if c in frame]
    return frame.assign(**{c: frame[c].map(lambda v: names.get(v, v)) for c in found}) if found else frame


def natural_order(names: Iterable[str]) -> list[str]:
    """Names sorted as a person reads them: Worker 2 before Worker 10, case ignored."""
    return sorted(names, key=lambda n: [int(p) if p.isdigit() else p.casefold() for p in re.split(r"(\d+)", n)])
