"""The Annotations page on Athena with the local page's gold box: with a gold file every chosen job is
read as answer rows (one read, priced before Run, none in SQL), and the Quality tab's tables are the
local page's against that gold, matrices included. The moto server and queued answers are
tests/pages/test_annotations_athena_every_type.py's."""

from __future__ import annotations

import pandas as pd
import pytest
from test_annotations_athena_every_type import (  # noqa: F401  (fixtures)
    SOURCE,
    _cli_test,
    demo_bucket,
    every_type,
    jobs_folder,
    uploaded,
)
from test_workers_athena_page import RESULTS, open_page

from app_pages._annotation_tables import readable
from core.annotations.items import ranked_items
from core.annotations.source import read_source
from core.engine import athena_answer_rows as aar
from core.quality.gold_files import read_gold
from core.quality.matrices import agreement, confusion
from core.quality.report import object_scores, quality_report
from core.quality.rollup import JOB
from core.storage import open_location

pytestmark = pytest.mark.slow  # a moto server

GOLD = f"{SOURCE}digits-pilot/manifests/output/output.manifest"  # a trusted job's output manifest


def run_as_rows(at, s3, folder, moto_server, monkeypatch, tmp_path) -> None:
    """Run on Athena with every job read as rows: the DDL's answers, then the rows query's CSV put where
    Athena writes it (DuckDB's rows over the same files)."""
    ddl = at.code[0].value.rstrip().removesuffix(";").split(";\n\n")
    rows = every_type.Answers(folder, tmp_path, every_row=True).rows
    _cli_test().queue(moto_server, [None] * len(ddl) + [None])  # the rows query: its CSV, below
    real = aar.output_location

    def output_location(athena, query_id):
        where = real(athena, query_id)
        where = f"{where}{query_id}.csv" if where.endswith("/") else where
        bucket, _, key = where.removeprefix("s3://").partition("/")
        s3.put_object(Bucket=bucket, Key=key, Body=every_type.athena_csv(rows))
        return where

    monkeypatch.setattr(aar, "output_location", output_location)
    at.button(key="athena_run").click().run()
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]


def test_gold_reads_every_job_as_rows_and_the_tables_are_the_local_pages(demo_bucket, jobs_folder,  # noqa: F811
                                                                         moto_server, monkeypatch, tmp_path):
    at = open_page(moto_server, page="app_pages/annotations.py", engine="athena", source=SOURCE, results=RESULTS,
                   database="gc", gold=GOLD)
    assert not at.error, [e.value for e in at.error]
    assert at.sidebar.text_input(key="gold").value == GOLD  # the local page's box, seeded from the link
    info = " ".join(i.value for i in at.info).replace("\\", "")
    assert "digits-pilot (Classification)" in info and "against the gold file" in info
    caption = " ".join(c.value for c in at.caption)
    assert "1 query reading" in caption and "3 queries" not in caption  # priced: one read of every job, no SQL
    run_as_rows(at, demo_bucket, jobs_folder, moto_server, monkeypatch, tmp_path)

    local = read_source(open_location(str(jobs_folder)))
    gold = read_gold(str(jobs_folder / "digits-pilot" / "manifests" / "output" / "output.manifest"), open_location)
    expected = quality_report(local.table, gold=gold, masks=local.masks)
    assert (expected[expected["job"].eq("digits-pilot")]["reference"] == "gold").all()  # the test can tell
    quality = at.tabs[1]
    shown = {tuple(t.value["job"]): t.value for t in quality.dataframe if "worker" not in t.value}
    team = expected[expected["worker"].eq(JOB)]
    for task in set(team["task_type"]):  # each task type's jobs table, as the local Quality tab draws it
        want = readable(team[team["task_type"].eq(task)].drop(columns=["worker", "task_type"]))
        got = shown[tuple(want["job"])]
        pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True), check_dtype=False)
    assert "digits-pilot" in quality.selectbox(key="mjob").options  # its matrices, from its rows
    assert not at.exception


def test_a_classification_jobs_matrices_and_items_read_its_rows_priced_first(demo_bucket, jobs_folder,  # noqa: F811
                                                                   moto_server, monkeypatch, tmp_path):
    at = open_page(moto_server, page="app_pages/annotations.py", engine="athena", source=SOURCE, results=RESULTS,
                   database="gc")
    assert "3 queries reading" in " ".join(c.value for c in at.caption)  # by default measured in SQL
    at.sidebar.toggle(key="ann_athena_rows").set_value(True).run()
    assert at.query_params["rows"] == "1"  # in the link
    caption = " ".join(c.value for c in at.caption)
    assert "1 query reading" in caption and "3 queries" not in caption  # priced again: one read of every job
    assert "for the classification jobs' matrices" in " ".join(i.value for i in at.info)
    run_as_rows(at, demo_bucket, jobs_folder, moto_server, monkeypatch, tmp_path)

    local = read_source(open_location(str(jobs_folder)))
    source = at.session_state["_athena_annotations_result"]["result"][1]
    quality = at.tabs[1]
    quality.selectbox(key="mjob").set_value("digits-pilot").run()
    assert not at.exception, [e.value for e in at.exception]
    assert any(m.value.startswith("**Confusion matrix**") for m in at.tabs[1].markdown)
    assert any(m.value.startswith("**Pairwise agreement**") for m in at.tabs[1].markdown)
    # the local page's matrix code over the same rows: the matrices are the local page's
    pd.testing.assert_frame_equal(confusion(source.table, "digits-pilot", None),
                                  confusion(local.table, "digits-pilot", None))
    pd.testing.assert_frame_equal(agreement(source.table, "digits-pilot", 0.5).agreement,
                                  agreement(local.table, "digits-pilot", 0.5).agreement)

    # the Items tab: the local item browser over the same rows, the most disputed items first
    items = at.tabs[2]
    assert not [i for i in items.info if "answers" in i.value]  # nothing left out: every job came back as rows
    items.selectbox(key="ijob").set_value("digits-pilot").run()
    assert not at.exception, [e.value for e in at.exception]
    mine = local.table[local.table["job"].eq("digits-pilot")].reset_index(drop=True)
    want = ranked_items(object_scores(mine, masks=local.masks), mine, "digits-pilot", None).head(500)
    got = next(t.value for t in at.tabs[2].dataframe if "lowest" in t.value)
    pd.testing.assert_frame_equal(got.reset_index(drop=True), want.reset_index(drop=True), check_dtype=False)
