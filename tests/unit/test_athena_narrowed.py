"""The Annotations page's first tab and filters on Athena: every chosen job's rows as the page has them
after Run (the SQL-measured classification jobs' output-manifest rows and compact answers, or every job's
answer rows; core.engine.athena_reliability.estimate_source), narrowed by the local page's filters
(dates, class, worker) and with the gold mixed into the queue left out, give the local page's figures
over the local reader's rows: the summary, annotations over time, per class, per object, and the
classification jobs' quality. Run by DuckDB over a simulated job with gold lines in its queue
(core.manifests.gold_mix, as tests/unit/test_gold_queue.py makes it)."""

from __future__ import annotations

import json
import shutil
from datetime import timedelta

import pandas as pd
import pytest
from test_athena_every_task_type import TABLES, OnDuckDB  # tests/unit is on sys.path
from test_gold_queue import two_digits_jobs

from app_pages._athena_annotations import Ran, narrowed
from app_pages._athena_other_types import report_of
from core.annotations import duck_quality, duck_reports, rowset
from core.annotations.reports import Narrow
from core.annotations.source import read_source
from core.engine import athena_answer_rows as aar
from core.engine import athena_reliability as arl
from core.engine import athena_rows
from core.storage import LocalStore, Location


@pytest.fixture(scope="module")
def gold_queue(tmp_path_factory) -> Location:
    return two_digits_jobs(tmp_path_factory.mktemp("gold-queue"))


def ran_of(location: Location, folder, every_row: bool) -> tuple[Ran, list[str]]:
    """What the page's Run brings back (but the SQL's report: its figures are proven elsewhere), and the
    jobs measured in SQL."""
    engine = OnDuckDB(location, folder, every_row=every_row)
    sql_jobs = sorted({engine.jobs.name(f) for f in engine.route.sql})
    compact = arl.answer_rows(engine.ask, TABLES, "duckdb") if sql_jobs else None
    manifest_rows = athena_rows.annotations(location, engine.found, engine.manifests, engine.jobs,
                                            aar.typed(pd.DataFrame(columns=list(aar.COLUMNS))), set(sql_jobs))
    rows = engine.source() if engine.route.rows else None
    return Ran(pd.DataFrame() if sql_jobs else None, rows, report_of(rows) if rows else None,
               arl.estimate_source(manifest_rows, compact, rows), None), sql_jobs


def _sorted(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sort_values(list(frame.columns), kind="stable", ignore_index=True)


def first_tab(rows, gold) -> dict[str, object]:
    """The local page's first-tab figures (app_pages/annotations.py labeled_tab) over `rows`, gold left out."""
    ordinary = rowset.without_gold(rows, gold)
    attribute = next(iter(rowset.attribute_names(ordinary)), None)
    return {"counts": duck_reports.counts(ordinary),
            "over time": _sorted(duck_reports.over_time(ordinary, "D")),
            "by hour": _sorted(duck_reports.over_time(ordinary, "h")),
            "per class": _sorted(duck_reports.class_counts(ordinary)),
            "split": _sorted(duck_reports.class_counts(ordinary, attribute)) if attribute else None,
            "per object": _sorted(duck_reports.per_object(ordinary)),
            "frames": _sorted(duck_reports.frame_attribute_counts(ordinary))}


def filters(local) -> dict[str, Narrow]:
    """A filter of each kind the local sidebar has (but a label attribute: a digits job has none), on
    values the source holds."""
    rows = local.rows
    workers = rowset.worker_ids(rows)
    first, last = rowset.days(rows)
    classes = rowset.labels(rows)
    assert first < last and len(classes) > 2 and len(workers) > 2  # each filter leaves some out
    return {"none": Narrow(), "class": Narrow(label=classes[1]), "worker": Narrow(worker=workers[0]),
            "days": Narrow(start=first, end=first), "worker and class": Narrow(label=classes[0], worker=workers[1]),
            "from the second day": Narrow(start=first + timedelta(days=1))}


@pytest.mark.parametrize("every_row", [False, True], ids=["measured in SQL", "read as rows"])
def test_the_first_tab_and_filters_on_athena_are_the_local_pages(gold_queue, tmp_path, every_row):
    done, sql_jobs = ran_of(gold_queue, tmp_path, every_row)
    local = read_source(gold_queue)
    assert len(local.gold) == 4 and done.estimated.gold == local.gold
    assert sql_jobs == ([] if every_row else ["digits-gold", "digits-later"])
    for what, narrow in filters(local).items():
        shown = narrowed(done, narrow, sql_jobs)
        expected = first_tab(rowset.narrowed(local.rows, narrow), local.gold)
        remote = first_tab(shown.rows, done.estimated.gold)
        assert 0 < remote["counts"][0] <= 80, what
        for figure, frame in expected.items():
            if isinstance(frame, pd.DataFrame):
                pd.testing.assert_frame_equal(remote[figure], frame, check_dtype=False, obj=f"{what}: {figure}")
            else:
                assert remote[figure] == frame, (what, figure)
        mine = duck_quality.quality_rows(rowset.narrowed(local.rows, narrow))  # the local page's Quality tab
        if narrow != Narrow() and not every_row:  # the SQL job's quality over the rows left
            pd.testing.assert_frame_equal(_sorted(shown.report), _sorted(mine), check_dtype=False, obj=what)
        if every_row:
            pd.testing.assert_frame_equal(_sorted(shown.source_report), _sorted(mine), check_dtype=False, obj=what)
            assert shown.source.rows.num_rows == shown.rows.num_rows


def test_the_gold_in_the_queue_is_left_out_of_the_athena_counts(gold_queue, tmp_path):
    """The Athena page counted the queue's 4 gold objects as output: 84 objects and classes, not 80."""
    done, _ = ran_of(gold_queue, tmp_path, every_row=False)
    whole = duck_reports.counts(done.estimated.rows)
    ordinary = duck_reports.counts(rowset.without_gold(done.estimated.rows, done.estimated.gold))
    assert whole[:2] == (84, 84) and ordinary[:2] == (80, 80)
    assert int(duck_reports.class_counts(rowset.without_gold(done.estimated.rows, done.estimated.gold))
               ["annotations"].sum()) == 80


def test_the_athena_workers_table_measures_accuracy_on_the_gold_in_the_queue_as_locally(gold_queue, tmp_path):
    """With no gold file, the Workers page measures accuracy on the gold mixed into the queue: Athena's listing
    of the output manifests (core.engine.athena_survey) now holds each gold line's label for it, so the
    Athena worker table is the local one, accuracy included (it had none)."""
    from test_athena_views import local, on_duckdb, same_table

    from core.engine import athena_workers as aw
    from core.gold import queued_gold
    from core.ingest import SourceReader

    data = SourceReader(gold_queue).load(keep=False)
    _, objects, _ = aw.manifest_tables(gold_queue, aw.survey(gold_queue))
    gold = queued_gold(objects)
    assert gold == queued_gold(data.objects) and len(gold) == 4
    remote, expected = on_duckdb(gold_queue, tmp_path, gold), local(gold_queue, gold)
    same_table(remote, expected)
    assert expected["accuracy"].notna().sum() > 2


def test_a_worker_who_answered_an_object_twice_is_scored_on_the_first_answer_as_locally(gold_queue, tmp_path):
    """The compact rows come back in the local reader's order (file, then place in it), so after a filter
    the Athena page scores a worker who answered an object twice on the same first answer as the local
    page: here a second iteration's answer with another label, whose file sorts after the first's."""
    root = tmp_path / "source"
    shutil.copytree(gold_queue.store.path_of(gold_queue.prefix), root / "jobs")
    responses = root / "jobs" / "digits-later" / "annotations" / "worker-response"
    first = sorted((responses / "iteration-1").rglob("*.json"))[0]
    answer = json.loads(first.read_text())["answers"][0]
    label = answer["answerContent"]["crowd-image-classifier"]["label"]
    answer["answerContent"]["crowd-image-classifier"]["label"] = "7" if label != "7" else "8"
    again = responses / "iteration-2" / first.parent.name / first.name
    again.parent.mkdir(parents=True)
    again.write_text(json.dumps({"answers": [answer]}))
    location = Location(LocalStore(root), "jobs/")
    (tmp_path / "athena").mkdir()
    done, sql_jobs = ran_of(location, tmp_path / "athena", every_row=False)
    local = read_source(location)
    narrow = Narrow(worker=answer["workerId"])
    mine = rowset.narrowed(local.rows, narrow)
    rows = mine.select(["job", "object_id", "worker_id", "label"]).to_pandas()
    twice = rows[(rows["job"] == "digits-later") & (rows["object_id"] == first.parent.name)
                 & (rows["worker_id"] == answer["workerId"])]
    assert twice["label"].tolist() == [label, answer["answerContent"]["crowd-image-classifier"]["label"]]
    shown = narrowed(done, narrow, sql_jobs)
    pd.testing.assert_frame_equal(_sorted(shown.report), _sorted(duck_quality.quality_rows(mine)), check_dtype=False)
