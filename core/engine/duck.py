"""Runs the metric queries (core.engine.sql) in DuckDB, in process: the input tables are registered
as views (no copy), the result comes back as a pandas DataFrame."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb
import pandas as pd
import pyarrow as pa

from ..workspace import cache_dir
from .sql import QUERIES

# DuckDB may take 80 % of the machine's memory by default, and its hash tables took 440 MB for the
# worker table of a million answers. Under this limit the same query took 210 MB for a quarter
# more CPU, without writing to disk; past it, DuckDB spills to `engine-spill` in the user cache.
MEMORY_LIMIT = "256MB"


def run(name: str, tables: Mapping[str, pa.Table | pd.DataFrame]) -> pd.DataFrame:
    """The result of query `name` over `tables` ({view name: table})."""
    return run_all([name], tables)[0]


def run_all(names: Sequence[str], tables: Mapping[str, pa.Table | pd.DataFrame]) -> list[pd.DataFrame]:
    """The results of the queries `names` over the same `tables`, registered once.

    A connection per call: cheap in memory, and safe from the app's several script threads.
    The tables' times carry no zone (core.engine.tables); the session's zone is UTC all the same, so
    nothing ever depends on the machine's.
    """
    try:
        return _run_all(names, tables, MEMORY_LIMIT)
    except duckdb.OutOfMemoryException:  # an operator that cannot spill: the machine's memory, then
        return _run_all(names, tables, None)


def _run_all(names: Sequence[str], tables: Mapping[str, pa.Table | pd.DataFrame],
             limit: str | None) -> list[pd.DataFrame]:
    with duckdb.connect(":memory:") as con:
        con.execute("SET TimeZone = 'UTC'")
        if limit:
            # Never the default `.tmp` in the working folder.
            con.execute("SET temp_directory = ?", [str(cache_dir() / "engine-spill")])
            con.execute("SET memory_limit = ?", [limit])
        for view, table in tables.items():
            con.register(view, table)
        return [con.execute(QUERIES[name]).df() for name in names]
