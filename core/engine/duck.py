"""Runs the metric queries (core.engine.sql) in DuckDB, in process: the input tables are registered
as views (no copy), the result comes back as a pandas DataFrame."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager

import duckdb
import pandas as pd
import pyarrow as pa

from ..workspace import cache_dir
from .sql import QUERIES

# DuckDB may take 80 % of the machine's memory by default. The worker table of a million answers
# needs about 300 MB: at 256 MB it spilled 40-55 MB to `engine-spill` in the user cache and cost
# 0.3 s more CPU (1.68 s against 1.39 s at 400 MB, medians of five in one process); at 320 MB the
# whole `workers` command peaked at 876-927 MB (bench/scale.py's goal: under 1 GB), at 512 MB at
# 950-1,000 MB.
MEMORY_LIMIT = "320MB"

# Under this many input rows a query runs on one thread: DuckDB's hand-offs between threads cost more
# CPU than they save there (the worker report of 10,000 answers: 0.17 s of CPU on one thread, 0.25 s
# on two), and past it the threads shorten the wait.
SMALL_ROWS = 200_000

# (process, spill folder, limit, one thread) -> database
_OPEN: dict[tuple[int, str, str, bool], duckdb.DuckDBPyConnection] = {}
_OPENING = threading.Lock()


@contextmanager
def connection(limited: bool = True, rows: int | None = None) -> Iterator[duckdb.DuckDBPyConnection]:
    """A connection of its own (safe from the app's several script threads) to this process's
    in-memory database, in UTC, under MEMORY_LIMIT and spilling to the user cache; with `limited`
    False, a database of its own with the machine's memory. `rows`: how many rows the query reads;
    under SMALL_ROWS, the database that runs on one thread.

    Opening a database costs about 30 ms of CPU (its threads, buffers and catalog), a connection to
    one already open under 1 ms: the worker report of 10,000 answers spent more opening databases
    than querying them. Settings are GLOBAL so every connection has them.
    """
    if not limited:
        with duckdb.connect(":memory:") as con:
            con.execute("SET TimeZone = 'UTC'")
            yield con
        return
    spill = str(cache_dir() / "engine-spill")  # never the default `.tmp` in the working folder
    small = rows is not None and rows < SMALL_ROWS
    key = (os.getpid(), spill, MEMORY_LIMIT, small)  # a forked child opens its own; so does another cache folder
    with _OPENING:
        database = _OPEN.get(key)
        if database is None:
            database = duckdb.connect(":memory:")
            database.execute("SET GLOBAL TimeZone = 'UTC'")
            database.execute("SET GLOBAL temp_directory = ?", [spill])
            database.execute("SET GLOBAL memory_limit = ?", [MEMORY_LIMIT])
            if small:
                database.execute("SET GLOBAL threads = 1")
            for earlier in [k for k in _OPEN if k[:3] != key[:3]]:
                del _OPEN[earlier]  # an earlier cache folder's database closes with its last connection
            _OPEN[key] = database
        con = database.cursor()
    with con:
        yield con


def rows_in(tables: Iterable[pa.Table | pd.DataFrame]) -> int:
    return sum(len(t) for t in tables)


def run(name: str, tables: Mapping[str, pa.Table | pd.DataFrame]) -> pd.DataFrame:
    """The result of query `name` over `tables` ({view name: table})."""
    return run_all([name], tables)[0]


def run_all(names: Sequence[str], tables: Mapping[str, pa.Table | pd.DataFrame]) -> list[pd.DataFrame]:
    """The results of the queries `names` over the same `tables`, registered once (as views, no copy)
    on a connection of their own. The tables' times carry no zone (core.engine.tables); the session's
    zone is UTC all the same, so nothing ever depends on the machine's."""
    try:
        return _run_all(names, tables, True)
    except duckdb.OutOfMemoryException:  # an operator that cannot spill: the machine's memory, then
        return _run_all(names, tables, False)


def _run_all(names: Sequence[str], tables: Mapping[str, pa.Table | pd.DataFrame],
             limited: bool) -> list[pd.DataFrame]:
    with connection(limited, rows=rows_in(tables.values())) as con:
        for view, table in tables.items():
            con.register(view, table)
        return [con.execute(QUERIES[name]).df() for name in names]
