"""The Athena engine's `answers` SQL run by DuckDB over local worker-response files, for the tests
that check an Athena query against the local report where there is no Athena."""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from collections.abc import Mapping
from pathlib import Path

import duckdb

from core.engine.athena_tables import answers_sql, duckdb_responses

# Reading the demo's 7,000 files costs DuckDB 5-8 s of CPU, and a dozen test files ask for them
# again and again (a minute and a half of one worker's time). So each set of files is read once a
# process, into a database file of its own, and every call copies the table from there: 0.1 s.
_made: dict[tuple, Path] = {}
_folder: Path | None = None


def answers_on_duckdb(files: Mapping[str, list[str]], table: str = "all_answers") -> duckdb.DuckDBPyConnection:
    """A new connection (in UTC, as Athena) holding `table`: the answers of these files ({job: paths}).
    A table, made once: as a view, every reference to it read every file again (17.5 s of a 19.7 s
    test went to reading the demo's files four times)."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    con.execute(f"ATTACH '{_database_of(files)}' AS made (READ_ONLY)")
    con.execute(f"CREATE TABLE {table} AS SELECT * FROM made.answers")
    con.execute("DETACH made")
    return con


def _database_of(files: Mapping[str, list[str]]) -> Path:
    """The database file holding these files' answers as they are now: a file changed on disk since
    (its size or modification time) is a new key, so read again."""
    key = tuple((job, tuple((path, *_stamp(path)) for path in paths)) for job, paths in sorted(files.items()))
    made = _made.get(key)
    if made is None:
        made = _scratch() / f"answers-{len(_made)}.duckdb"
        with duckdb.connect(str(made)) as con:
            con.execute("SET TimeZone = 'UTC'")
            con.execute(f"CREATE TABLE answers AS {answers_sql('duckdb', duckdb_responses(files))}")
        _made[key] = made
    return made


def _stamp(path: str) -> tuple[int, int]:
    stat = os.stat(path)
    return stat.st_size, stat.st_mtime_ns


def _scratch() -> Path:
    global _folder
    if _folder is None:
        _folder = Path(tempfile.mkdtemp(prefix="gc-test-answers-"))
        atexit.register(shutil.rmtree, _folder, ignore_errors=True)
    return _folder
