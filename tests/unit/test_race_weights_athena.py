"""The weighted race on a query engine (core.engine.athena_race_weights): the Athena engine's `answers`
view and the weighted race's queries, run by DuckDB over the same files, give the local engine's
weighted race table (core.race.frames.race_table with weights=core.race.weights.label_weights) exactly,
on the demo workspace, the real 2019 bird job, and generated output with ties, unlabeled answers, a
single answer per object, a worker answering one object twice, and labels that normalize together or
to nothing; the queries in Trino's dialect parse and call only Trino's functions."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
import sqlglot
from athena_on_duckdb import answers_on_duckdb
from test_athena_views import _private_output, _staged_view  # tests/unit is on sys.path

from core.engine import athena_race
from core.engine import athena_race_weights as arw
from core.engine import athena_workers as aw
from core.engine.athena_tables import qualified
from core.ingest import SourceReader
from core.race.frames import race_table
from core.race.weights import label_weights
from core.storage import open_location
from core.workers import shown_names

T0 = datetime(2024, 5, 6, 8, 0, tzinfo=UTC)


def on_duckdb(location, freq: str, how: str, tmp_path, answers: str = "all_answers") -> arw.WeightedCounts:
    """The weighted race's queries, as Athena would run them, by DuckDB over the files of `location`;
    the normalized labels read back from the JSON lines Athena would read."""
    found = aw.survey(location)
    files = {job: [location.store.path_of(i.key) for i in infos] for job, infos in found.responses.items()}
    con = answers_on_duckdb(files)

    def norms(distinct: pd.Series) -> str:
        _staged_view(con, aw.label_norms(distinct), tmp_path)
        return "label_norms"

    return arw.weighted_counts(lambda sql: con.execute(sql).df(), answers, freq, how, norms, "duckdb")


def assert_local(location, freq: str, how: str, tmp_path, anonymize: bool = False) -> pd.DataFrame:
    data = SourceReader(location).load(keep=False)
    names = shown_names(data, {}, anonymize)
    weights = label_weights(data.answers, how)
    expected = race_table(data.answers, names, freq, weights=weights)
    counts = on_duckdb(location, freq, how, tmp_path)
    table = arw.weighted_table(counts, names)
    pd.testing.assert_frame_equal(table, expected, check_index_type=False, check_freq=False)
    assert table.attrs == expected.attrs
    assert counts.labels == len(data.answers) and counts.unweighed == int(weights.isna().sum())
    return table


@pytest.mark.slow  # builds the session's demo when no earlier test has
# Each weight once on the demo (7 s each); both periods are covered by the generated output below.
@pytest.mark.parametrize(("how", "freq"), [("agreement", "D"), ("reliability", "h")])
def test_the_demo_workspace_gives_the_local_weighted_race(demo, tmp_path, how, freq):
    """The demo's jobs as the simulator writes them: several task types (their answers count 0),
    chained jobs, many workers and periods."""
    table = assert_local(demo.open(demo.output_uri), freq, how, tmp_path, anonymize=True)
    assert table.shape[1] > 5 and table.iloc[-1].sum() > 100


@pytest.mark.parametrize("how", ["agreement", "reliability"])
def test_the_real_bird_job_gives_the_local_weighted_race(birds_dir, tmp_path, how):
    table = assert_local(open_location(str(birds_dir)), "5min", how, tmp_path)
    assert 0 < table.iloc[-1].sum() < 1510  # disagreements weigh less than 1


@pytest.mark.parametrize("how", ["agreement", "reliability"])
def test_private_output_gives_the_local_weighted_race(gt_output, tmp_path, how):
    """Answers without a time or a worker left out, a multi-label job (its answers count 0)."""
    assert_local(open_location(_private_output(gt_output)), "h", how, tmp_path)


# Spellings that normalize together (core.metrics.normalize_label), one that normalizes to nothing.
SPELLINGS = {"blue jay": ["Blue jay", "bluejay", "Blue_Jay", "BLUE-JAY"], "cat": ["Cat", "cat "],
             "dog": ["Dog"], "owl": ["owl"]}


def _generated(gt, seed: int) -> None:
    """Objects with 1 to 7 answers (a single one: no other to agree with; 7: weights in sixths, whose
    running totals fall on halves), ties between labels, answers without a label (a box, a label of
    "-", a multi-label answer), a worker answering one object twice, over two jobs and two days."""
    rng = random.Random(seed)
    for job in ("birds-a", "birds-b"):
        for obj in range(40):
            answers = []
            for k in range(rng.choice([1, 2, 3, 4, 5, 7, 7])):
                worker = rng.randrange(1, 9)
                when = T0 + timedelta(minutes=rng.randrange(0, 2 * 24 * 60))
                kind = rng.random()
                if kind < 0.08:
                    raw = gt.answer(worker, "x", when, element="crowd-bounding-box")
                    raw["answerContent"] = {"boundingBox": {"boundingBoxes": [{"left": 1, "top": 2}]}}
                elif kind < 0.12:
                    raw = gt.answer(worker, "-", when)
                elif kind < 0.16:
                    raw = gt.answer(worker, "x", when)
                    raw["answerContent"] = {"crowd-image-classifier-multi-select": {"labels": ["Cat", "Dog"]}}
                else:
                    norm = rng.choice(list(SPELLINGS)) if rng.random() < 0.5 else "blue jay"
                    raw = gt.answer(worker, rng.choice(SPELLINGS[norm]), when)
                answers.append(raw)
                if k == 0 and rng.random() < 0.1:  # the same worker again, later, in the same file
                    answers.append(dict(raw, submissionTime=(when + timedelta(minutes=3)).strftime(
                        "%Y-%m-%dT%H:%M:%S.000Z")))
            gt.response(job, 1, obj, answers)


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize(("how", "freq"), [("agreement", "h"), ("agreement", "D"), ("reliability", "h")])
def test_generated_output_gives_the_local_weighted_race(gt_output, tmp_path, seed, how, freq):
    _generated(gt_output, seed)
    location = open_location(str(gt_output.root))
    table = assert_local(location, freq, how, tmp_path, anonymize=seed % 2 == 1)
    assert table.shape[1] == 8


def test_the_generated_cases_are_there(gt_output, tmp_path):
    """What the generated output is for: ties, singles, unweighed answers and halves all occur."""
    _generated(gt_output, 0)
    data = SourceReader(open_location(str(gt_output.root))).load(keep=False)
    weights = label_weights(data.answers, "agreement")
    task = data.answers["job"] + "/" + data.answers["object_id"]
    assert (task.value_counts() == 1).any()  # a single answer: no weight
    assert data.answers["label"].isna().any() and data.answers["label"].eq("-").any()
    assert weights.isna().sum() > 10 and weights.eq(0.5).any() and weights.eq(1 / 6).any()
    assert data.answers.duplicated(["job", "object_id", "worker_id"]).any()
    counts = on_duckdb(open_location(str(gt_output.root)), "h", "agreement", tmp_path)
    assert counts.unweighed == int(weights.isna().sum()) and counts.labels == len(data.answers)


def test_days_chosen_weigh_only_their_answers(gt_output, tmp_path):
    """With --since, the weights are the selection's, as locally (the other day's answers are not others)."""
    from core.engine.athena_tables import dated

    _generated(gt_output, 3)
    location = open_location(str(gt_output.root))
    data = SourceReader(location).load(keep=False)
    chosen = data.answers[data.answers["submission_time"] >= pd.Timestamp("2024-05-07", tz="UTC")]
    for how in ("agreement", "reliability"):
        expected = race_table(chosen, {}, "h", weights=label_weights(chosen, how))
        counts = on_duckdb(location, "h", how, tmp_path, dated("all_answers", datetime(2024, 5, 7).date(), None))
        pd.testing.assert_frame_equal(arw.weighted_table(counts, {}), expected, check_index_type=False,
                                      check_freq=False)


def test_no_dated_answers_give_the_empty_race(gt_output, tmp_path):
    location = open_location(_private_output(gt_output))
    none = "SELECT * FROM all_answers WHERE submission_time IS NULL"
    for how in ("agreement", "reliability"):
        counts = on_duckdb(location, "h", how, tmp_path, none)
        assert counts.empty and arw.weighted_table(counts, {}).empty and counts.labels == 0


def test_a_changed_weight_changes_the_table(gt_output, tmp_path):
    """The comparison can fail: one answer's label changed locally gives another table."""
    _generated(gt_output, 1)
    location = open_location(str(gt_output.root))
    data = SourceReader(location).load(keep=False)
    counts = on_duckdb(location, "h", "agreement", tmp_path)
    table = arw.weighted_table(counts, {})
    labeled = data.answers.index[data.answers["label"].eq("owl")]
    changed = data.answers.assign(label=data.answers["label"].where(~data.answers.index.isin(labeled), "Dog"))
    other = race_table(changed, {}, "h", weights=label_weights(changed, "agreement"))
    assert not table.equals(other)


@pytest.mark.parametrize("how", ["agreement", "reliability"])
def test_the_trino_form_parses_and_calls_only_trino_functions(how):
    from test_metrics_engine import TRINO_FUNCTIONS, called

    from core.bounds import LADDER

    over = {"answers": "gc.gc_answers_x", "label_norms": "gc.gc_label_norms_y"}
    for step in LADDER:
        period = athena_race.period_sql(step, 123)
        sql = arw.agreement_sql(period) if how == "agreement" else arw.reliability_sql(period)
        for text in (qualified(None, over, "trino", sql=sql), qualified(None, over, "trino", sql=arw.DISTINCT_LABELS)):
            tree = sqlglot.parse_one(text, read="trino")
            found = list(tree.find_all(sqlglot.exp.Table))
            tables = {f"{t.db}.{t.name}" for t in found if t.db}
            assert tables <= {"gc.gc_answers_x", "gc.gc_label_norms_y"} and "gc.gc_answers_x" in tables, text
            assert not {t.name for t in found if not t.db} & {"answers", "label_norms"}  # each one replaced
            names = {c for c in called(text) if c.isidentifier()}
            assert names - TRINO_FUNCTIONS - {"FLOOR", "YEAR", "MONTH"} == set(), text


@pytest.mark.parametrize("seed", range(5))
def test_dense_cells_sum_as_locally(seed):
    """The sums made from the counts per weight equal pandas' sums of the same weights answer by answer,
    where many weights in thirds, sixths, ninths and twelfths fall in one period of one worker (the
    query's counts are made here with pandas from the local weights, as the SQL groups them)."""
    from core.bounds import time_grid

    rng = random.Random(seed)
    rows = []
    for obj in range(400):
        for _ in range(rng.choice([1, 2, 3, 4, 7, 7, 10, 13])):
            rows.append({"job": f"j{obj % 3}", "object_id": str(obj), "worker_id": f"w{rng.randrange(5)}",
                         "label": rng.choice(["a", "a", "b", "c", None]),
                         "submission_time": pd.Timestamp(T0) + pd.Timedelta(minutes=rng.randrange(600))})
    answers = pd.DataFrame(rows)
    weights = label_weights(answers, "agreement")
    expected = race_table(answers, {}, "h", weights=weights)
    grid = time_grid(answers["submission_time"], "h")
    task = answers["job"] + "/" + answers["object_id"]
    labeled = answers["label"].notna()
    same = answers[labeled].groupby([task[labeled], answers["label"][labeled]])["label"].transform("size")
    total = task[labeled].map(task[labeled].value_counts())
    weighed = (total > 1).reindex(answers.index, fill_value=False)
    counts = pd.DataFrame({"period_no": grid.index.get_indexer(grid.periods), "worker_id": answers["worker_id"],
                           "agree": (same - 1).reindex(answers.index).where(weighed),
                           "others": (total - 1).reindex(answers.index).where(weighed)})
    counts = counts.groupby(["period_no", "worker_id", "agree", "others"], dropna=False).size().rename(
        "labels").reset_index()
    found = arw.WeightedCounts("agreement", grid.index, grid.step, grid.note, counts, len(answers),
                               int(weights.isna().sum()))
    pd.testing.assert_frame_equal(arw.weighted_table(found, {}), expected, check_index_type=False, check_freq=False)


# Labels whose text the result CSV must keep: a comma, quotes, a newline, empty text (not NULL).
AWKWARD = ["Blue, jay", 'say "hi"', "two\nlines", ""]


def test_the_reliability_rows_read_as_the_result_csv_are_the_pages_rows(gt_output, tmp_path):
    """The reliability rows as the command reads them (the CSV file Athena writes, in one GET:
    athena_answer_rows.query_csv) are the rows GetQueryResults' pages give (on botocore's Stubber), value
    for value and type for type, and give the same weights. The CSV is written by DuckDB in Athena's
    format (every value quoted, NULL an empty unquoted field)."""
    from botocore.stub import Stubber
    from test_athena_quality import athena_page

    from core.engine.athena import Athena
    from core.engine.athena_answer_rows import result_csv, typed_as

    for obj in range(12):
        answers = [gt_output.answer(w, AWKWARD[(obj + w) % 4] if w < 3 else "cat", T0 + timedelta(minutes=obj + w))
                   for w in range(1, 5)]
        answers.append(gt_output.answer(5, "x", T0, element="crowd-bounding-box") | {"answerContent": {}})
        gt_output.response("awkward", 1, obj, answers)
    location = open_location(str(gt_output.root))
    found = aw.survey(location)
    files = {job: [location.store.path_of(i.key) for i in infos] for job, infos in found.responses.items()}
    con = answers_on_duckdb(files, "answers")
    from core.bounds import LADDER

    sql = arw.reliability_sql(athena_race.period_sql(LADDER[3], 0))  # by the hour
    expected = con.execute(sql).df()
    assert set(AWKWARD) <= set(expected["label"]) and expected["label"].isna().any()  # and the unlabeled row

    import boto3

    client = boto3.client("athena", region_name="us-east-1")
    with Stubber(client) as stub:
        stub.add_response("get_query_results", athena_page(expected), {"QueryExecutionId": "q"})
        paged = Athena(client).rows("q")
    con.execute(f"COPY ({sql}) TO '{tmp_path / 'result.csv'}' (FORMAT CSV, HEADER, FORCE_QUOTE *)")
    text = (tmp_path / "result.csv").read_bytes()
    assert b'"two\nlines"' in text and b'"say ""hi"""' in text and b',"",' in text  # Athena's quoting
    read = typed_as(result_csv(text, arw.RELIABILITY_COLUMNS), arw.RELIABILITY_COLUMNS)
    pd.testing.assert_frame_equal(read, paged)
    assert read["label"].tolist() == [None if pd.isna(v) else v for v in expected["label"]]
    pd.testing.assert_series_equal(label_weights(read, "reliability"), label_weights(paged, "reliability"))
