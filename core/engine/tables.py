"""The tables the metric queries read (core.engine.sql): narrow Arrow tables with fixed types, from
the pandas frames of core.ingest or from Arrow tables with the same columns.

Fixed types matter: a column that is all None (no `sub` in public-workforce answers, no labels in a
bounding-box job) or an empty frame would otherwise leave the query engine to guess its type.
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np
import pandas as pd
import pyarrow as pa

TEXT, NUMBER, COUNT, TIME = "text", "number", "count", "time"

ANSWERS = {"job": TEXT, "object_id": TEXT, "worker_id": TEXT, "sub": TEXT, "submission_time": TIME,
           "time_spent_s": NUMBER, "label": TEXT}
LABELS = {"job": TEXT, "object_id": TEXT, "attribute": TEXT, "status": TEXT, "class_name": TEXT}
OBJECTS = {"job": TEXT, "object_id": TEXT, "source": TEXT}
WORKERS = {"labels": COUNT, "first_submission": TIME, "last_submission": TIME,
           "time_per_label_s_mean": NUMBER, "time_per_label_s_median": NUMBER, "labels_per_active_hour": NUMBER,
           "agreement": NUMBER, "majority_agreement": NUMBER, "accuracy": NUMBER}


def _text(values) -> pa.Array:
    """Text or NULL; the readers give nothing else, and anything else would be no label anyway."""
    try:
        return pa.array(values, type=pa.large_string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        kept = pd.Series(values, dtype=object)
        return pa.array(kept.where(kept.map(lambda v: isinstance(v, str)), None), type=pa.large_string())


def _time(values) -> pa.Array:
    """UTC times without a zone: the queries' days and hours are UTC ones on any machine, and
    truncating a plain timestamp needs no time-zone calendar (several times faster)."""
    if not pd.api.types.is_datetime64_any_dtype(values):
        values = pd.to_datetime(values, utc=True)  # e.g. an empty or all-None object column
    array = pa.array(values, from_pandas=True)
    return array.cast(pa.timestamp(array.type.unit)) if array.type.tz else array


def _column(values, kind: str) -> pa.Array:
    if isinstance(values, pa.ChunkedArray):
        values = values.combine_chunks()
    if kind == TEXT:
        return _text(values) if not isinstance(values, pa.Array) else values.cast(pa.large_string())
    if kind in (NUMBER, COUNT):
        kind_type = pa.float64() if kind == NUMBER else pa.int64()
        return values.cast(kind_type) if isinstance(values, pa.Array) else pa.array(values, type=kind_type,
                                                                                    from_pandas=True)
    return _time(values) if not isinstance(values, pa.Array) else values.cast(pa.timestamp(values.type.unit))


def table(frame: pd.DataFrame | pa.Table, columns: dict[str, str], row_no: bool = True) -> pa.Table:
    """The `columns` of `frame` (NaN and None as NULL), with `row_no`, each row's place in the frame."""
    data = {name: _column(frame[name], kind) for name, kind in columns.items()}
    if row_no:
        data["row_no"] = pa.array(np.arange(len(frame), dtype=np.int64))
    return pa.table(data)


def lookup(keys: Iterable, values: Iterable, names: tuple[str, str]) -> pa.Table:
    """A two-column text table (key -> value) from text or missing values; rows without a value
    are left out."""
    pairs = pd.DataFrame({"key": pd.Series(list(keys) if not isinstance(keys, pd.Series) else keys.to_numpy(),
                                           dtype=object),
                          "value": pd.Series(list(values) if not isinstance(values, pd.Series) else values.to_numpy(),
                                             dtype=object)}).dropna(subset=["value"])
    return pa.table({names[0]: _text(pairs["key"]), names[1]: _text(pairs["value"])})
