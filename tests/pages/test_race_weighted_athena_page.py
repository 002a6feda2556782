"""The Race page's weighted race with Amazon Athena as its engine (app_pages._athena_race_weights), in
AppTest, against the session's moto server for S3 and Athena. moto runs no SQL: each query's rows are
queued as Athena would return them, computed by the weighted race's own SQL on DuckDB over the same
files (tests/unit/test_race_weights_athena.py proves that SQL gives the local figures); the reliability
rows are read as the result CSV Athena writes, put where the page asks GetQueryExecution for it."""

from __future__ import annotations

import boto3
import pandas as pd
import pytest
from test_race_athena_page import _cli
from test_workers_athena_page import REGION, RESULTS, SOURCE, bucket, open_page  # noqa: F401  (the fixture)

from core.engine import athena_answer_rows as aar
from core.engine import athena_race_weights as arw
from core.engine import athena_workers as aw
from core.ingest import SourceReader
from core.race.frames import race_table, summary_line
from core.race.weights import MEANING, label_weights
from core.storage import AwsSettings, open_location
from core.workers import shown_names

pytestmark = pytest.mark.slow  # a moto server


@pytest.mark.parametrize(("how", "cost"), [("agreement", "$0.000200"), ("reliability", "$0.000150")])
def test_the_weighted_athena_race_is_the_local_one_after_run(bucket, moto_server, tmp_path, how, cost,  # noqa: F811
                                                             monkeypatch):
    at = open_page(moto_server, page="app_pages/race.py", engine="athena", source=SOURCE, results=RESULTS,
                   database="gc", names="anon", period="hour", weight=how)
    assert at.radio(key="engine").value == "athena" and at.selectbox(key="weight").value == how
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Estimated cost"] == cost  # the weighted race's reads and Worker N's order: 10 MB each
    athena = boto3.client("athena", endpoint_url=moto_server, region_name=REGION)
    assert athena.list_query_executions()["QueryExecutionIds"] == []  # nothing runs before the click

    location = open_location(SOURCE, AwsSettings(endpoint_url=moto_server, region=REGION))
    found = aw.survey(location)
    plan = aw.plan(location, "gc", RESULTS, tables=aw.manifest_tables(location, aw.Survey(found.uri)), found=found)
    weighted = _cli("test_race_weighted_athena_cli")
    sent = weighted.athena_answers(bucket, "h", how, tmp_path, anonymize=True)
    files = [f.frame for f in sent if isinstance(f, weighted.AsFile)]
    _cli("test_workers_athena").queue(moto_server, [None] * len(plan.ddl()) + [
        None if isinstance(f, weighted.AsFile) else f for f in sent])
    real = aar.output_location

    def output_location(athena_, query_id):  # moto names the folder; Athena names its result file there
        where = real(athena_, query_id)
        where = f"{where}{query_id}.csv" if where.endswith("/") else where
        bucket_, _, key = where.removeprefix("s3://").partition("/")
        s3 = boto3.client("s3", endpoint_url=moto_server, region_name=REGION)
        s3.put_object(Bucket=bucket_, Key=key, Body=_cli("test_quality_athena_every_type").athena_csv(files.pop()))
        return where

    monkeypatch.setattr(aar, "output_location", output_location)
    at.button(key="athena_run").click().run()
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]

    data = SourceReader(open_location(str(bucket))).load(keep=False)
    weights = label_weights(data.answers, how)
    expected = race_table(data.answers, shown_names(data, {}, True), "h", weights=weights)
    counts, names, _ = at.session_state["_athena_race_result"]["result"]
    pd.testing.assert_frame_equal(arw.weighted_table(counts, names), expected, check_index_type=False,
                                  check_freq=False)
    assert summary_line(expected) in [m.value for m in at.markdown]  # the page shows the same race
    captions = [c.value for c in at.caption]
    unweighed = int(weights.isna().sum())
    assert f"Weighted race: {MEANING[how]}. {unweighed:,} of {len(weights):,} labels could not be weighed and " \
           "count 0." in captions  # the local page's caption, word for word
    assert f"From {len(data.answers):,} labels." in captions
    assert len(athena.list_query_executions()["QueryExecutionIds"]) == len(plan.ddl()) + len(sent)
    assert not files  # the reliability rows were read as the result file

    at.selectbox(key="weight").set_value("count").run()  # another weight is other queries: asked first
    assert "Nothing has run yet" in at.info[0].value
