"""Athena's query round trip over one boto3 client: start a query, follow its state, read its rows,
stop it; and Athena's reasons for a failure in plain words.

The round trip is boto3's own: StartQueryExecution, GetQueryExecution, GetQueryResults through its
paginator, StopQueryExecution. botocore has no waiter for Athena queries, so `wait` is a bounded
loop: it sleeps from 0.25 s up to 5 s between looks, gives up (and stops the query) after `timeout_s`,
and tells `on_state` each state it sees so a page can show it and cancel.
awswrangler would do the same round trip, but its newest release (3.17.1) requires pyarrow < 26,
which the engine's pyarrow 26 pin rules out, and it brings far more than these four calls.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd
from botocore.exceptions import BotoCoreError, ClientError

from ..errors import GroundControlError

DONE = ("SUCCEEDED", "FAILED", "CANCELLED")
FIRST_SLEEP_S, MAX_SLEEP_S = 0.25, 5.0
TIMEOUT_S = 30 * 60  # Athena's own default DML timeout is 30 minutes


class AthenaError(GroundControlError):
    """A query that could not start, failed, was cancelled or took too long: why, in plain words."""


@dataclass(frozen=True)
class State:
    """What GetQueryExecution says of a query: its state, and its statistics once it has some."""

    query_id: str
    state: str  # QUEUED | RUNNING | SUCCEEDED | FAILED | CANCELLED
    reason: str | None = None  # StateChangeReason
    scanned_bytes: int | None = None
    elapsed_ms: int | None = None
    error: dict = field(default_factory=dict)  # AthenaError: ErrorCategory, ErrorType, ErrorMessage


# Where each setting is given, for the advice in a failure: the command's options by default; a page
# passes its own field names.
CLI_FIELDS = {"workgroup": "--workgroup", "results": "--athena-results", "database": "--glue-database"}


def plain(reason: str, workgroup: str | None = None, output: str | None = None,
          fields: dict[str, str] = CLI_FIELDS) -> str:
    """Athena's or IAM's words turned into what to do. The original reason is kept after the advice,
    because it names the table, column or line at fault."""
    low = reason.lower()
    if "workgroup" in low and ("not found" in low or "does not exist" in low):
        return (f"The Athena workgroup {workgroup!r} does not exist in this account and region: choose an "
                f"existing one with {fields['workgroup']} (the default one is 'primary'). Athena said: {reason}")
    if "accessdenied" in low.replace(" ", "") or "not authorized" in low or "access denied" in low:
        return ("Access denied: the AWS identity in use lacks a permission this query needs (the README's "
                "'More than one machine' section lists them: Athena, Glue, and S3 on the source and on "
                f"the results location{' ' + output if output else ''}). Athena said: {reason}")
    if "outputlocation" in low.replace(" ", "") or "output location" in low or "no output location" in low:
        return (f"Athena has no place to write this query's results: give {fields['results']} "
                f"s3://bucket/prefix/ or set a results location on the workgroup. Athena said: {reason}")
    if "database" in low and ("not found" in low or "does not exist" in low):
        return (f"The Glue database does not exist: create it, or name another with {fields['database']}. "
                f"Athena said: {reason}")
    return f"Athena said: {reason}"


class Athena:
    """Queries in one workgroup, their results written under `output` (s3://...; None: the
    workgroup's own results location), tables looked up in the Glue `database`; `fields` names where
    the user gives each setting, for the advice in a failure."""

    def __init__(self, client, workgroup: str = "primary", output: str | None = None, database: str | None = None,
                 sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.monotonic,
                 fields: dict[str, str] = CLI_FIELDS):
        self.client, self.workgroup, self.output, self.database = client, workgroup, output, database
        self._sleep, self._clock, self.fields = sleep, clock, fields

    def _failure(self, exc: Exception) -> AthenaError:
        if isinstance(exc, ClientError):
            error = exc.response.get("Error", {})
            text = f"{error.get('Code', 'Error')}: {error.get('Message', '')}".strip()
        else:
            text = f"could not reach Athena ({type(exc).__name__})"
        return AthenaError(plain(text, self.workgroup, self.output, self.fields))

    def start(self, sql: str) -> str:
        """The id of the query started; a request Athena refuses is an AthenaError."""
        request = {"QueryString": sql, "WorkGroup": self.workgroup}
        if self.database:
            request["QueryExecutionContext"] = {"Database": self.database}
        if self.output:
            request["ResultConfiguration"] = {"OutputLocation": self.output}
        try:
            return self.client.start_query_execution(**request)["QueryExecutionId"]
        except (ClientError, BotoCoreError) as exc:
            raise self._failure(exc) from None

    def state(self, query_id: str) -> State:
        try:
            q = self.client.get_query_execution(QueryExecutionId=query_id)["QueryExecution"]
        except (ClientError, BotoCoreError) as exc:
            raise self._failure(exc) from None
        status, stats = q.get("Status", {}), q.get("Statistics", {})
        return State(query_id, status.get("State", "QUEUED"), status.get("StateChangeReason"),
                     stats.get("DataScannedInBytes"), stats.get("TotalExecutionTimeInMillis"),
                     status.get("AthenaError", {}))

    def stop(self, query_id: str) -> None:
        """Ask Athena to cancel the query (it ends as CANCELLED; the bytes scanned so far are billed)."""
        try:
            self.client.stop_query_execution(QueryExecutionId=query_id)
        except (ClientError, BotoCoreError) as exc:
            raise self._failure(exc) from None

    def wait(self, query_id: str, on_state: Callable[[State], bool | None] | None = None,
             timeout_s: float = TIMEOUT_S) -> State:
        """Follow the query to its end. `on_state` hears every state seen and may return True to
        cancel; an interrupt (Ctrl-C) while waiting cancels too. A failed or cancelled query, or one
        past `timeout_s` (stopped then), is an AthenaError."""
        started, pause = self._clock(), FIRST_SLEEP_S
        while True:
            state = self.state(query_id)
            if on_state and on_state(state) and state.state not in DONE:
                self.stop(query_id)
                raise AthenaError(f"query {query_id} cancelled before it finished")
            if state.state == "SUCCEEDED":
                return state
            if state.state in ("FAILED", "CANCELLED"):
                reason = state.error.get("ErrorMessage") or state.reason or state.state.lower()
                raise AthenaError(f"query {query_id} {state.state.lower()}: "
                                  + plain(reason, self.workgroup, self.output, self.fields))
            if self._clock() - started > timeout_s:
                self.stop(query_id)
                raise AthenaError(f"query {query_id} took more than {timeout_s / 60:g} minutes and was stopped; "
                                  "the Parquet step or a narrower selection of jobs makes it faster")
            try:
                self._sleep(pause)
            except KeyboardInterrupt:  # Ctrl-C at the command line: the query must not run on, billed
                self.stop(query_id)
                raise AthenaError(f"query {query_id} cancelled (interrupted) before it finished") from None
            pause = min(pause * 2, MAX_SLEEP_S)

    def rows(self, query_id: str) -> pd.DataFrame:
        """The query's result, every page, typed by the columns' SQL types."""
        pages = self.client.get_paginator("get_query_results").paginate(QueryExecutionId=query_id)
        columns, data = None, []
        try:
            for page in pages:
                result = page["ResultSet"]
                if columns is None:
                    columns = [(c["Name"], c["Type"]) for c in result["ResultSetMetadata"]["ColumnInfo"]]
                    rows = result["Rows"][1:]  # the first row of the first page repeats the column names
                else:
                    rows = result["Rows"]
                data.extend([d.get("VarCharValue") for d in row["Data"]] for row in rows)
        except (ClientError, BotoCoreError) as exc:
            raise self._failure(exc) from None
        columns = columns or []
        frame = pd.DataFrame(data, columns=[name for name, _ in columns], dtype=object)
        for name, kind in columns:
            frame[name] = typed(frame[name], kind)
        return frame

    def execute(self, sql: str, on_state: Callable[[State], bool | None] | None = None) -> State:
        """Start and wait, reading no rows: for DDL."""
        return self.wait(self.start(sql), on_state)

    def run(self, sql: str, on_state: Callable[[State], bool | None] | None = None) -> tuple[pd.DataFrame, State]:
        """Start, wait, read: the result and the final state (with Athena's statistics)."""
        query_id = self.start(sql)
        state = self.wait(query_id, on_state)
        return self.rows(query_id), state


def typed(values: pd.Series, kind: str) -> pd.Series:
    """Athena's text values as the local engine's pandas types: counts int64 (float64 when some
    are NULL), numbers float64, times datetime64[us] (UTC without a zone), text object with None."""
    kind = kind.lower()
    if kind in ("bigint", "integer", "smallint", "tinyint"):
        numbers = pd.to_numeric(values)
        return numbers.astype("int64") if numbers.notna().all() else numbers.astype("float64")
    if kind in ("double", "real", "float", "decimal"):
        return pd.to_numeric(values).astype("float64")
    if kind.startswith("timestamp"):
        # ISO 8601 whatever the fraction: a CSV may write a whole second without one, beside one with it.
        return pd.to_datetime(values, format="ISO8601").astype("datetime64[us]")
    if kind == "boolean":
        return values.map({"true": True, "false": False, None: None})
    return values.where(values.notna(), None)
