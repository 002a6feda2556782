"""The SQL worker metrics (core.engine, run by DuckDB) against a slow, obvious reference written here
with plain loops over rows, on generated data with ties, unknown times, undated answers, unknown
labels, several jobs and layers, and gold for some sources; and every query as Trino (Athena) SQL."""

from __future__ import annotations

import math
import random
import statistics
from collections import Counter
from datetime import UTC, datetime, timedelta

import pandas as pd
import pytest
import sqlglot

from core import metrics
from core.bounds import time_grid
from core.engine.sql import QUERIES, for_trino
from core.ingest import ANSWER_COLUMNS, LABEL_COLUMNS

T0 = datetime(2024, 3, 12, 9, 0, tzinfo=UTC)
# Spellings that normalize alike ("Blue jay", "blue_jay"), to nothing ("  ", "-"), and no label.
LABELS = ["Cat", "cat", " CAT", "Dog", "Owl", "Blue jay", "blue_jay", "Bluejay", "  ", "-", None]
JOBS = ["job-a", "job-b", "job-c"]


def generate(seed: int) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """answers, labels, objects (shaped as core.ingest builds them) and gold {source: label}."""
    rnd = random.Random(seed)
    workers = [f"w{i}" for i in range(rnd.randint(3, 9))]
    subs = {w: rnd.choice([None, f"sub-{w}"]) for w in workers}
    keys = [(job, str(o)) for job in JOBS for o in range(rnd.randint(2, 7))]
    answers = []
    for n in range(rnd.randint(30, 160)):
        job, obj = rnd.choice(keys)
        worker = rnd.choice(workers)
        undated = rnd.random() < 0.15
        at = None if undated else T0 + timedelta(minutes=rnd.randint(0, 3 * 24 * 60 // 7) * 7, milliseconds=n)
        spent = None if rnd.random() < 0.3 else rnd.choice([0.5, 1.0, 2.5, 3.0, 7.25, 12.0])
        sub = subs[worker] if rnd.random() < 0.8 else None
        label = rnd.choice(LABELS[:4]) if rnd.random() < 0.6 else rnd.choice(LABELS)  # many ties and repeats
        answers.append({"job": job, "iteration": 1, "object_id": obj, "worker_id": worker, "sub": sub,
                        "submission_time": at, "time_spent_s": spent, "task": "crowd-image-classifier",
                        "label": label, "file": f"{job}/{obj}.json", "answer": n})
    labels, objects = [], []
    for job, obj in keys:
        for attribute in ([job] if job != "job-c" else ["job-c", "job-b"]):  # job-c's manifest is chained
            for _ in range(rnd.choice([1, 1, 2])):  # a line twice (another manifest): the first counts
                labels.append({"job": job, "object_id": obj, "attribute": attribute,
                               "status": rnd.choice(["labeled", "labeled", "labeled", "failed"]),
                               "class_name": rnd.choice(LABELS)})
        for k in range(rnd.choice([0, 1, 1, 1, 2])):  # no source, one, or two (the first counts)
            objects.append({"job": job, "object_id": obj, "source": f"s3://bucket/{job}/img-{obj}-{k}.jpg"})
    rnd.shuffle(labels)
    gold = {}
    for row in objects:
        source = row["source"]
        name = source.rsplit("/", 1)[-1]
        key = rnd.choice([source, name, name.rsplit(".", 1)[0], None])  # by source, file name, ID, or none
        if key:
            gold[key] = rnd.choice(LABELS[:8])
    answers_df = pd.DataFrame(answers, columns=ANSWER_COLUMNS)
    answers_df["submission_time"] = pd.to_datetime(answers_df["submission_time"], utc=True)
    answers_df["acceptance_time"] = pd.to_datetime(answers_df["acceptance_time"], utc=True)
    answers_df["time_spent_s"] = answers_df["time_spent_s"].astype("float64")
    return (answers_df, pd.DataFrame(labels, columns=LABEL_COLUMNS),
            pd.DataFrame(objects, columns=["job", "object_id", "source"]), gold)


# --- the reference: loops over rows -------------------------------------------------------------

def known(value) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value)) and value is not pd.NaT


def norm(value):
    return metrics.normalize_label(value) if known(value) else None


def ref_consensus(answers, labels, attributes) -> dict[tuple, tuple]:
    votes: dict[tuple, Counter] = {}
    for row in answers.to_dict("records"):
        if norm(row["label"]) is not None:
            votes.setdefault((row["job"], row["object_id"]), Counter())[norm(row["label"])] += 1
    majority = {}
    for key, counter in votes.items():
        ranked = counter.most_common()
        majority[key] = None if len(ranked) > 1 and ranked[0][1] == ranked[1][1] else ranked[0][0]
    consolidated = {}
    for row in labels.to_dict("records"):
        key = (row["job"], row["object_id"])
        if attributes and attributes.get(row["job"]) != row["attribute"]:
            continue
        if row["status"] == "labeled" and norm(row["class_name"]) is not None and key not in consolidated:
            consolidated[key] = norm(row["class_name"])
    # In the order of the manifests' lines, then the objects only answers name.
    order = [*consolidated, *sorted(set(majority) - set(consolidated))]
    return {k: (consolidated.get(k), majority.get(k)) for k in order}


def ref_gold(source, gold: dict) -> str | None:
    if not known(source):
        return None
    name = source.rsplit("/", 1)[-1]
    for key in [source] + ([name, name.rsplit(".", 1)[0]] if "/" in source else []):
        if norm(gold.get(key)) is not None:
            return norm(gold.get(key))
    return None


def mean(values):
    return sum(values) / len(values) if values else math.nan


def share(pairs):
    """The share of (answer, reference) pairs that match, among those where both are known."""
    return mean([float(a == r) for a, r in pairs if a is not None and r is not None])


def ref_worker_table(answers, labels, objects, gold, attributes) -> list[dict]:
    agreed = ref_consensus(answers, labels, attributes)
    sources = {}
    for row in objects.to_dict("records"):
        sources.setdefault((row["job"], row["object_id"]), row["source"])
    rows = {}
    for a in answers.to_dict("records"):
        rows.setdefault(a["worker_id"], []).append(a)
    table = []
    for worker, mine in rows.items():
        dated = [a["submission_time"] for a in mine if known(a["submission_time"])]
        times = [a["time_spent_s"] for a in mine if known(a["time_spent_s"])]
        hours = {t.replace(minute=0, second=0, microsecond=0) for t in dated}
        consolidated = [(norm(a["label"]), agreed.get((a["job"], a["object_id"]), (None, None))[0]) for a in mine]
        majority = [(norm(a["label"]), agreed.get((a["job"], a["object_id"]), (None, None))[1]) for a in mine]
        truth = [(norm(a["label"]), ref_gold(sources.get((a["job"], a["object_id"])), gold or {})) for a in mine]
        table.append({
            "worker_id": worker,
            "sub": next((a["sub"] for a in mine if known(a["sub"])), None),
            "labels": len(mine),
            "objects": len({a["job"] + "/" + a["object_id"] for a in mine}),
            "jobs": len({a["job"] for a in mine}),
            "first_submission": min(dated) if dated else pd.NaT,
            "last_submission": max(dated) if dated else pd.NaT,
            "active_days": len({t.date() for t in dated}),
            "time_spent_s": sum(times) if times else math.nan,
            "time_per_label_s_min": min(times) if times else math.nan,
            "time_per_label_s_mean": mean(times),
            "time_per_label_s_median": statistics.median(times) if times else math.nan,
            "time_per_label_s_max": max(times) if times else math.nan,
            "labels_per_active_hour": len(dated) / len(hours) if hours else math.nan,
            "agreement": share(consolidated),
            "majority_agreement": share(majority),
            "accuracy": share(truth) if gold else math.nan,
        })
    far = datetime.max.replace(tzinfo=UTC)  # the undated sort last
    return sorted(table, key=lambda r: (-r["labels"], far if r["first_submission"] is pd.NaT
                                        else r["first_submission"], r["worker_id"]))


def ref_team(table: list[dict], answers) -> dict:
    rows = answers.to_dict("records")
    times = [a["time_spent_s"] for a in rows if known(a["time_spent_s"])]
    dated = [a["submission_time"] for a in rows if known(a["submission_time"])]

    def median_of(col):
        values = [r[col] for r in table if not math.isnan(r[col])]
        return statistics.median(values) if values else math.nan

    return {
        "labels": len(rows), "objects": len({a["job"] + "/" + a["object_id"] for a in rows}),
        "jobs": len({a["job"] for a in rows}),
        "first_submission": min(dated) if dated else pd.NaT, "last_submission": max(dated) if dated else pd.NaT,
        "active_days": len({t.date() for t in dated}), "time_spent_s": sum(times) if times else math.nan,
        "time_per_label_s_min": min(times) if times else math.nan,
        "time_per_label_s_max": max(times) if times else math.nan,
        **{col: median_of(col) for col in ("time_per_label_s_mean", "time_per_label_s_median",
                                           "labels_per_active_hour", "agreement", "majority_agreement",
                                           "accuracy")},
    }


def same(got, want, where: str) -> None:
    if isinstance(want, float) and math.isnan(want):
        assert pd.isna(got), where
    elif isinstance(want, float):
        assert got == pytest.approx(want, rel=1e-12), where
    elif want is pd.NaT or want is None:
        assert pd.isna(got), where
    else:
        assert got == want, where


# --- the engine against the reference -----------------------------------------------------------

SEEDS = range(12)


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("layers", ["decided", "given", "every"])
def test_worker_table_matches_the_reference(seed, layers):
    answers, labels, objects, gold = generate(seed)
    attributes = {"decided": None, "given": {"job-a": "job-a", "job-b": "job-b", "job-c": "job-b"},
                  "every": {}}[layers]
    expected_layers = attributes if attributes is not None else metrics.job_attributes(labels, answers)
    with_gold = gold if seed % 3 else None  # some runs without gold: accuracy unknown
    got = metrics.worker_table(answers, labels, objects, with_gold, attributes)
    want = ref_worker_table(answers, labels, objects, with_gold, expected_layers)
    assert list(got.index) == [r["worker_id"] for r in want]  # the order too
    assert list(got.columns) == metrics.COLUMNS[2:]
    for row in want:
        for col, value in row.items():
            if col != "worker_id":
                same(got.loc[row["worker_id"], col], value, f"seed {seed}, {row['worker_id']}, {col}")
    assert got["labels"].dtype == "int64" and got["time_per_label_s_median"].dtype == "float64"

    team = metrics.team_row(got, answers)
    for col, value in ref_team(want, answers).items():
        same(team[col], value, f"seed {seed}, team {col}")


@pytest.mark.parametrize("seed", SEEDS)
def test_consensus_matches_the_reference(seed):
    answers, labels, _, _ = generate(seed)
    layers = {"job-a": "job-a", "job-b": "job-b", "job-c": "job-c"}
    got = metrics.consensus(answers, labels, layers)
    want = ref_consensus(answers, labels, layers)
    assert list(zip(got["job"], got["object_id"], strict=True)) == list(want)
    for (job, obj), (consolidated, majority) in want.items():
        row = got[(got["job"] == job) & (got["object_id"] == obj)].iloc[0]
        same(row["consolidated"], consolidated, f"{job}/{obj} consolidated")
        same(row["majority"], majority, f"{job}/{obj} majority")


def test_the_generated_data_has_every_case():
    """What the comparisons are worth: over the seeds, ties, undated answers, unknown times and
    labels, gold for some sources only, duplicate manifest lines, several jobs."""
    seen = Counter()
    for seed in SEEDS:
        answers, labels, objects, gold = generate(seed)
        golds = [ref_gold(s, gold) for s in objects.drop_duplicates(["job", "object_id"])["source"]]
        seen.update({case: int(bool(happens)) for case, happens in {
            "ties": any(m is None for _, m in ref_consensus(answers, labels, {}).values()),
            "undated": answers["submission_time"].isna().any(),
            "unknown time": answers["time_spent_s"].isna().any(),
            "no label": answers["label"].isna().any(),
            "several jobs": answers["job"].nunique() > 1,
            "a line twice": labels.duplicated(["job", "object_id", "attribute"]).any(),
            "some gold": None in golds and any(g is not None for g in golds),
        }.items()})
    assert all(seen[case] >= len(SEEDS) // 2 for case in seen) and len(seen) == 7, seen


@pytest.mark.parametrize("seed", SEEDS)
def test_anonymous_names_and_labels_over_time_match_the_reference(seed):
    answers, *_ = generate(seed)
    first = {}
    for a in answers.to_dict("records"):
        if known(a["submission_time"]):
            first[a["worker_id"]] = min(first.get(a["worker_id"], a["submission_time"]), a["submission_time"])
    undated = sorted(set(answers["worker_id"]) - set(first))
    order = sorted(first, key=lambda w: (first[w], w)) + undated
    assert metrics.anonymous_names(answers) == {w: f"Worker {i}" for i, w in enumerate(order, start=1)}

    for freq in ("h", "D", "5min"):
        over = metrics.labels_over_time(answers, freq, max_periods=40)
        grid = time_grid(answers["submission_time"], freq, 40)
        counts = Counter((p, w) for p, w in zip(grid.periods, answers["worker_id"], strict=True) if known(p))
        active = sorted({w for _, w in counts})
        assert [(p, w, n) for p, w, n in over.itertuples(index=False)] == [
            (p, w, counts[(p, w)]) for p in grid.index for w in active]
        assert (over.attrs["step"], over.attrs["note"]) == (grid.step, grid.note)


def test_a_worker_with_only_undated_unknown_answers():
    answers, labels, objects, _ = generate(1)
    answers.loc[answers["worker_id"] == "w0", ["submission_time", "time_spent_s", "label"]] = [pd.NaT, None, None]
    row = metrics.worker_table(answers, labels, objects).loc["w0"]
    assert pd.isna(row["first_submission"]) and row["active_days"] == 0
    for col in ("time_spent_s", "time_per_label_s_median", "labels_per_active_hour", "agreement", "accuracy"):
        assert math.isnan(row[col]), col


# --- every query is Trino SQL too (Athena) -----------------------------------------------------

# Every function the Athena SQL calls, each in Trino's function reference
# (https://trino.io/docs/current/functions/list.html); a name outside it is one Trino lacks (a DuckDB
# function sqlglot passed through unchanged, say list_aggregate or epoch_ms) and fails the test below.
TRINO_FUNCTIONS = {
    "APPROX_PERCENTILE", "AVG", "CARDINALITY", "CAST", "CHR", "COALESCE", "CONCAT", "COUNT", "DATE_DIFF",
    "DATE_TRUNC", "FROM_ISO8601_TIMESTAMP", "IF", "JSON_EXTRACT", "JSON_EXTRACT_SCALAR", "JSON_FORMAT",
    "JSON_PARSE", "LPAD", "MAP_KEYS", "MAP_VALUES", "MAX", "MIN", "MIN_BY", "NULLIF", "REGEXP_EXTRACT",
    "ROW_NUMBER", "SUM", "TRY", "UNNEST",
}
# Words a '(' follows that call nothing: FILTER (WHERE ...), OVER (...), AND (...), a subquery after FROM.
_NOT_CALLS = {"AND", "OR", "NOT", "AS", "FROM", "JOIN", "ON", "IN", "EXISTS", "FILTER", "OVER", "THEN", "WHEN",
              "ELSE", "SELECT", "WHERE", "BY", "USING", "VALUES"}


def called(sql: str) -> set[str]:
    """The names called in Trino SQL: a word followed by '(' (not a column list after AS)."""
    from sqlglot.dialects.trino import Trino
    from sqlglot.tokens import TokenType

    tokens = Trino().tokenize(sql)
    return {t.text.upper() for i, t in enumerate(tokens[:-1])
            if tokens[i + 1].token_type == TokenType.L_PAREN and not (i and tokens[i - 1].token_type == TokenType.ALIAS)
            } - _NOT_CALLS


def test_the_function_check_catches_a_duckdb_only_function():
    duck = "SELECT list_aggregate(x, 'sum'), epoch_ms(t) FROM answers"
    sql = sqlglot.transpile(duck, read="duckdb", write="trino")[0]
    assert called(sql) - TRINO_FUNCTIONS  # whatever sqlglot makes of them, it is nothing Trino has


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_every_query_transpiles_to_trino(name):
    trino = sqlglot.transpile(QUERIES[name], read="duckdb", write="trino")[0]
    sqlglot.parse_one(trino, read="trino")
    athena = for_trino(name)
    sqlglot.parse_one(athena, read="trino")
    assert "PERCENTILE_CONT" not in athena.upper() and "MEDIAN(" not in athena.upper()
    assert called(athena) - TRINO_FUNCTIONS == set()


def test_the_athena_views_are_trino_sql():
    """The `answers` view Athena gets (core.engine.athena_tables) parses as Trino and calls only
    Trino's functions; the qualified queries still do after their tables are renamed."""
    from core.engine.athena_tables import answers_sql, answers_view_ddl, qualified

    view = answers_sql("trino", "gc.gc_worker_responses")
    sqlglot.parse_one(view, read="trino")
    assert called(view) - TRINO_FUNCTIONS == set()
    ddl = answers_view_ddl("gc", "gc_answers", "gc_worker_responses")
    assert ddl.startswith('CREATE OR REPLACE VIEW "gc"."gc_answers" AS') and "`" not in ddl
    renamed = qualified("worker_table", {"answers": "gc.gc_answers", "labels": "gc.gc_labels_1"})
    tree = sqlglot.parse_one(renamed, read="trino")
    tables = {t.sql("trino") for t in tree.find_all(sqlglot.exp.Table)}
    assert "gc.gc_answers AS answers" in tables and "gc.gc_labels_1 AS labels" in tables
    assert "answers" not in {t.name for t in tree.find_all(sqlglot.exp.Table) if not t.db}
    assert called(renamed) - TRINO_FUNCTIONS == set()
    from datetime import date

    from core.engine.athena_tables import dated

    days = qualified("team_row", {"answers": dated("gc.gc_answers", date(2024, 3, 1), date(2024, 3, 31), ["a", "b"])})
    tree = sqlglot.parse_one(days, read="trino")
    subquery = next(q for q in tree.find_all(sqlglot.exp.Subquery) if q.alias == "answers")
    text = subquery.sql("trino")
    assert "'2024-03-01 00:00:00'" in text and "'2024-04-01 00:00:00'" in text and "job IN ('a', 'b')" in text
    assert "answers" not in {t.name for t in tree.find_all(sqlglot.exp.Table) if not t.db}


@pytest.mark.parametrize("limit", ["1MB", "256KB"])
def test_a_query_past_the_engine_memory_limit_gives_the_same_table(monkeypatch, tmp_path, limit):
    """Under a limit too small for it, a query spills or runs again without the limit; either way
    its result is the same, and nothing is written to the working folder (DuckDB's default)."""
    from core.engine import duck

    answers, labels, objects, gold = generate(3)
    expected = metrics.worker_table(answers, labels, objects, gold)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(duck, "MEMORY_LIMIT", limit)
    pd.testing.assert_frame_equal(metrics.worker_table(answers, labels, objects, gold), expected)
    assert list(tmp_path.iterdir()) == []


def test_time_sums_and_means_do_not_depend_on_the_order_of_the_answers():
    """Seconds are summed exactly: as floating point, 0.1 + 0.2 + 0.3 is 0.6000000000000001 in one
    order and 0.6 in another, and a mean on a rounding edge printed differently run to run."""
    answers, labels, objects, gold = generate(5)
    one = answers[answers["worker_id"] == answers["worker_id"].iloc[0]].head(3).assign(time_spent_s=[0.1, 0.2, 0.3])
    tables = [metrics.worker_table(part, labels, objects, gold) for part in (one, one.iloc[::-1])]
    for table in tables:
        assert table["time_spent_s"].iloc[0] == 0.6 and table["time_per_label_s_mean"].iloc[0] == 0.6 / 3


def test_small_inputs_run_on_one_thread_and_give_the_table_of_many(monkeypatch):
    """Under SMALL_ROWS input rows the queries run on the one-thread database (less CPU for small
    sources); the same inputs on the many-thread database give the same table."""
    from core.engine import duck

    answers, labels, objects, gold = generate(5)
    asked = []
    opened = duck.connection

    def spy(limited=True, rows=None):
        asked.append(rows is not None and rows < duck.SMALL_ROWS)
        return opened(limited, rows)

    monkeypatch.setattr(duck, "connection", spy)
    expected = metrics.worker_table(answers, labels, objects, gold)
    assert asked and all(asked)
    with duck.connection(rows=1) as con:
        assert con.execute("SELECT current_setting('threads')").fetchone()[0] == 1
    monkeypatch.setattr(duck, "SMALL_ROWS", 0)  # every input "large": the database of DuckDB's own threads
    asked.clear()
    pd.testing.assert_frame_equal(metrics.worker_table(answers, labels, objects, gold), expected)
    assert asked and not any(asked)
