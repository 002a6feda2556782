"""The Athena round trip (core.engine.athena) against botocore's Stubber on a real boto3 Athena
client: every request is checked against Athena's real service model, every response is one Athena
could send. Start, poll (with its backoff), paginate, stop, and the failures people meet first: a
missing workgroup, access denied, a failed query, a timeout."""

from __future__ import annotations

import boto3
import pandas as pd
import pytest
from botocore.stub import ANY, Stubber

from core.engine.athena import Athena, AthenaError, typed
from core.engine.athena_cost import Estimate, ResultCache, cache_key

QID = "11111111-2222-3333-4444-555555555555"


@pytest.fixture
def client(fake_aws):
    fake_aws("eu-west-1")
    return boto3.client("athena", region_name="eu-west-1")


class Clock:
    """Time that moves only when the code under test sleeps: the pauses it asked for are recorded."""

    def __init__(self):
        self.now, self.pauses = 0.0, []

    def sleep(self, seconds: float) -> None:
        self.pauses.append(seconds)
        self.now += seconds

    def __call__(self) -> float:
        return self.now


def execution(state: str, reason: str | None = None, scanned: int | None = None, error: str | None = None) -> dict:
    status = {"State": state}
    if reason:
        status["StateChangeReason"] = reason
    if error:
        status["AthenaError"] = {"ErrorCategory": 2, "ErrorType": 1100, "Retryable": False, "ErrorMessage": error}
    stats = {"DataScannedInBytes": scanned, "TotalExecutionTimeInMillis": 1200} if scanned is not None else {}
    return {"QueryExecution": {"QueryExecutionId": QID, "Query": "SELECT 1", "Status": status, "Statistics": stats}}


def column(name: str, kind: str) -> dict:
    return {"Name": name, "Label": name, "Type": kind, "Nullable": "UNKNOWN", "CatalogName": "hive",
            "SchemaName": "", "TableName": "", "CaseSensitive": kind == "varchar", "Precision": 0, "Scale": 0}


COLUMNS = [column("worker_id", "varchar"), column("labels", "bigint"), column("accuracy", "double"),
           column("first_submission", "timestamp")]


def row(*values) -> dict:
    return {"Data": [{"VarCharValue": v} if v is not None else {} for v in values]}


def test_a_query_is_started_followed_and_read_over_every_page(client):
    clock = Clock()
    athena = Athena(client, "analysts", "s3://results/gc/", "ground_control", sleep=clock.sleep, clock=clock)
    seen = []
    with Stubber(client) as stub:
        stub.add_response("start_query_execution", {"QueryExecutionId": QID},
                          {"QueryString": "SELECT 1", "WorkGroup": "analysts",
                           "QueryExecutionContext": {"Database": "ground_control"},
                           "ResultConfiguration": {"OutputLocation": "s3://results/gc/"}})
        for state in ("QUEUED", "RUNNING", "RUNNING"):
            stub.add_response("get_query_execution", execution(state), {"QueryExecutionId": QID})
        stub.add_response("get_query_execution", execution("SUCCEEDED", scanned=52_000_000), {"QueryExecutionId": QID})
        header = row("worker_id", "labels", "accuracy", "first_submission")
        stub.add_response("get_query_results", {
            "ResultSet": {"Rows": [header, row("w1", "12", "0.75", "2024-03-12 09:00:01.250")],
                          "ResultSetMetadata": {"ColumnInfo": COLUMNS}},
            "NextToken": "page-2"}, {"QueryExecutionId": QID})
        stub.add_response("get_query_results", {
            "ResultSet": {"Rows": [row("w2", "3", None, None)], "ResultSetMetadata": {"ColumnInfo": COLUMNS}}},
            {"QueryExecutionId": QID, "NextToken": "page-2"})
        frame, state = athena.run("SELECT 1", lambda s: seen.append(s.state))
        stub.assert_no_pending_responses()
    assert seen == ["QUEUED", "RUNNING", "RUNNING", "SUCCEEDED"]
    assert clock.pauses == [0.25, 0.5, 1.0]  # backing off, never a busy loop
    assert state.scanned_bytes == 52_000_000
    assert frame["worker_id"].tolist() == ["w1", "w2"]  # the header row is not a worker
    assert frame["labels"].tolist() == [12, 3] and frame["labels"].dtype == "int64"
    assert frame["accuracy"].iloc[0] == 0.75 and pd.isna(frame["accuracy"].iloc[1])
    assert frame["first_submission"].iloc[0] == pd.Timestamp("2024-03-12 09:00:01.250")
    assert pd.isna(frame["first_submission"].iloc[1])


def test_a_cancel_from_the_page_stops_the_query(client):
    clock = Clock()
    athena = Athena(client, sleep=clock.sleep, clock=clock)
    with Stubber(client) as stub:
        stub.add_response("get_query_execution", execution("RUNNING"), {"QueryExecutionId": QID})
        stub.add_response("stop_query_execution", {}, {"QueryExecutionId": QID})
        with pytest.raises(AthenaError, match="cancelled"):
            athena.wait(QID, on_state=lambda s: True)
        stub.assert_no_pending_responses()


def test_ctrl_c_while_waiting_stops_the_query(client):
    def interrupted(seconds):
        raise KeyboardInterrupt

    athena = Athena(client, sleep=interrupted)
    with Stubber(client) as stub:
        stub.add_response("get_query_execution", execution("QUEUED"), {"QueryExecutionId": QID})
        stub.add_response("stop_query_execution", {}, {"QueryExecutionId": QID})
        with pytest.raises(AthenaError, match="cancelled .interrupted."):
            athena.wait(QID)
        stub.assert_no_pending_responses()


def test_a_query_past_its_time_is_stopped(client):
    clock = Clock()
    athena = Athena(client, sleep=clock.sleep, clock=clock)
    with Stubber(client) as stub:
        for _ in range(4):
            stub.add_response("get_query_execution", execution("RUNNING"), {"QueryExecutionId": QID})
        stub.add_response("stop_query_execution", {}, {"QueryExecutionId": QID})
        with pytest.raises(AthenaError, match="more than 0.025 minutes and was stopped"):
            athena.wait(QID, timeout_s=1.5)
        stub.assert_no_pending_responses()
    assert clock.pauses == [0.25, 0.5, 1.0]


def test_a_missing_workgroup_says_what_to_do(client):
    athena = Athena(client, "nope")
    with Stubber(client) as stub:
        stub.add_client_error("start_query_execution", "InvalidRequestException", "WorkGroup nope is not found.",
                              expected_params={"QueryString": "SELECT 1", "WorkGroup": "nope"})
        with pytest.raises(AthenaError) as raised:
            athena.start("SELECT 1")
    text = str(raised.value)
    assert "workgroup 'nope' does not exist" in text and "--workgroup" in text and "is not found" in text


def test_access_denied_points_to_the_permissions(client):
    athena = Athena(client, output="s3://results/gc/")
    with Stubber(client) as stub:
        stub.add_client_error("start_query_execution", "AccessDeniedException",
                              "User: arn:aws:sts::123456789012:assumed-role/analyst/s is not authorized to perform: "
                              "athena:StartQueryExecution", expected_params={"QueryString": ANY, "WorkGroup": ANY,
                                                                              "ResultConfiguration": ANY})
        with pytest.raises(AthenaError, match="Access denied.*More than one machine.*s3://results/gc/"):
            athena.start("SELECT 1")


def test_a_failed_query_gives_athenas_reason(client):
    clock = Clock()
    athena = Athena(client, sleep=clock.sleep, clock=clock)
    reason = "Access denied when writing output to url: s3://results/gc/x.csv"
    with Stubber(client) as stub:
        stub.add_response("get_query_execution", execution("FAILED", reason, error=reason), {"QueryExecutionId": QID})
        with pytest.raises(AthenaError) as raised:
            athena.wait(QID)
    assert f"query {QID} failed: Access denied" in str(raised.value) and "x.csv" in str(raised.value)


def test_a_failure_to_read_results_is_an_athena_error(client):
    athena = Athena(client)
    with Stubber(client) as stub:
        stub.add_client_error("get_query_results", "InvalidRequestException", "Query has not yet finished.")
        with pytest.raises(AthenaError, match="not yet finished"):
            athena.rows(QID)


def test_types_follow_the_local_engine():
    assert typed(pd.Series(["1", None], dtype=object), "bigint").dtype == "float64"  # NULL: as pandas would
    assert typed(pd.Series(["true", "false"], dtype=object), "boolean").tolist() == [True, False]
    assert typed(pd.Series(["a", None], dtype=object), "varchar").tolist() == ["a", None]


@pytest.mark.parametrize(("scanned", "usd"), [
    (0, 10 * 10**6 / 10**12 * 5),  # the 10 MB minimum
    (10_000_001, 11 * 10**6 / 10**12 * 5),  # rounded up to a whole MB
    (2 * 10**12, 10.0),
])
def test_the_price_of_a_query(scanned, usd):
    assert Estimate(scanned).usd == pytest.approx(usd)
    assert Estimate(scanned, queries=3).usd == pytest.approx(3 * usd)


def test_results_are_cached_by_query_text_and_etags(tmp_path):
    cache = ResultCache(tmp_path)
    key = cache_key("SELECT 1", [("a.json", '"e1"'), ("b.json", '"e2"')])
    assert key == cache_key("SELECT 1", [("b.json", '"e2"'), ("a.json", '"e1"')])  # listing order does not matter
    assert key != cache_key("SELECT 1", [("a.json", '"e1"'), ("b.json", '"changed"')])
    assert key != cache_key("SELECT 2", [("a.json", '"e1"'), ("b.json", '"e2"')])
    assert cache.get(key) is None
    cache.put(key, pd.DataFrame({"x": [1, 2]}))
    assert cache.get(key)["x"].tolist() == [1, 2]
