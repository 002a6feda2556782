"""The Athena engine's `answers` SQL run by DuckDB over local worker-response files, for the tests
that check an Athena query against the local report where there is no Athena."""

from __future__ import annotations

from collections.abc import Mapping

import duckdb

from core.engine.athena_tables import answers_sql, duckdb_responses


def answers_on_duckdb(files: Mapping[str, list[str]], table: str = "all_answers") -> duckdb.DuckDBPyConnection:
    """A connection (in UTC, as Athena) holding `table`: the answers of these files ({job: paths}).
    A table, made once: as a view, every reference to it read every file again (17.5 s of a 19.7 s
    test went to reading the demo's files four times)."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"CREATE TABLE {table} AS {answers_sql('duckdb', duckdb_responses(files))}")
    return con
