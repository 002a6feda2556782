"""The Workers page's chart of labels over time on the Athena engine draws the local chart's table:
the counts from the race's queries (run by DuckDB over the same files, as Athena would), stacked by
core.metrics.stacked_over_time in the order core.metrics.order_by_labels reads from the worker table,
equal the local page's (metrics.labels_over_time, worker_charts' order) on the real bird job."""

from __future__ import annotations

import pandas as pd
import pytest
from test_athena_race import _answers_view  # tests/unit is on sys.path

from core import metrics
from core.engine import athena_race
from core.ingest import SourceReader
from core.race.frames import PERIODS, natural_period
from core.storage import open_location
from core.workers import Selection, shown_names, worker_charts, worker_report


@pytest.mark.parametrize("anonymize", [False, True])
def test_the_athena_chart_table_is_the_local_one_on_the_bird_job(birds_dir, anonymize):
    data = SourceReader(open_location(str(birds_dir))).load(keep=False)
    shown = shown_names(data, {}, anonymize)
    period = natural_period(data.answers)
    local_order = worker_charts(data.answers, shown).order
    local = metrics.stacked_over_time(metrics.labels_over_time(data.answers, PERIODS[period]), shown,
                                      local_order[:10])

    report = worker_report(data, Selection(), anonymize=anonymize)  # its figures are Athena's (test_athena_views)
    workers = report[report["worker"] != metrics.TEAM]
    order = metrics.order_by_labels(workers["labels"], workers["worker"])
    con = _answers_view(str(birds_dir))
    over = athena_race.labels_over_time(lambda sql: con.execute(sql).df(), "all_answers", PERIODS[period], "duckdb")
    remote = metrics.stacked_over_time(over, shown, order[:10])

    assert order == local_order and len(order) == 97
    assert remote["labels"].sum() == 1510 and set(remote["who"]) == {*order[:10], "Others"}
    pd.testing.assert_frame_equal(remote, local)
