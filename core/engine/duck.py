"""Runs the metric queries (core.engine.sql) in DuckDB, in process: the input tables are registered
as views (no copy), the result comes back as a pandas DataFrame."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb
import pandas as pd
import pyarrow as pa

from .sql import QUERIES


def run(name: str, tables: Mapping[str, pa.Table | pd.DataFrame]) -> pd.DataFrame:
    """The result of query `name` over `tables` ({view name: table})."""
    return run_all([name], tables)[0]


def run_all(names: Sequence[str], tables: Mapping[str, pa.Table | pd.DataFrame]) -> list[pd.DataFrame]:
    """The results of the queries `names` over the same `tables`, registered once.

    A connection per call: cheap in memory, and safe from the app's several script threads.
    The tables' times carry no zone (core.engine.tables); the session's zone is UTC all the same, so
    nothing ever depends on the machine's.
    """
    with duckdb.connect(":memory:") as con:
        con.execute("SET TimeZone = 'UTC'")
        for view, table in tables.items():
            con.register(view, table)
        return [con.execute(QUERIES[name]).df() for name in names]
