"""The weighted race on a query engine (Athena where the output is, DuckDB over the same files in the
tests): the figures of core.race.frames.race_table with weights=core.race.weights.label_weights(...).

- agreement: computed in SQL over the `answers` view. Per (job, object) the labeled answers (every
  answer, several of one worker included, as locally), per normalized label their count; a label
  weighs (same-label answers - 1) / (labeled answers - 1), none where no other labeled answer exists.
  Labels are normalized here (core.metrics.normalize_label) and staged as `label_norms`, as the worker
  table does. The query sums nothing in floating point: it counts the answers per period, worker and
  weight (same - 1, others), and the sums are made here from those counts, each weight the float the
  local engine divides, added exactly and rounded once. Three reads of the answers: the first and last
  time (the grid, core.engine.athena_race.placed), the distinct labels, the counts.
- reliability: Dawid-Skene needs every answer, so one query returns the labeled answers as compact rows
  (job, object, worker, label, period), in the local reader's order, and one row per worker for their
  answers without a label (with how many); core.reliability's estimate then runs here on them, and the
  weights are summed per period here, as race_table sums them. Two reads: the grid, the rows (read as
  the result file Athena writes, in one GET: core.engine.athena_answer_rows.query_csv).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction

import pandas as pd

from ..bounds import MAX_PERIODS
from ..race.weights import WEIGHTS, label_weights
from . import athena_race
from .athena_answer_rows import query_csv, typed_as
from .athena_tables import Staged, qualified

READS = {"count": athena_race.READS, "agreement": 3, "reliability": 2}


def race_queries(plan, weight: str, named: bool, anonymize: bool) -> None:
    """A race's queries on its WorkerPlan: the reads of the answers for `weight`, the workers' subs
    when real names are looked up, and, when anonymous, Worker N's order over the whole source (as
    the local race numbers them). The command and the page plan a race alike."""
    plan.queries = READS[weight] + (1 if named and not anonymize else 0)
    plan.whole_reads = 1 if anonymize else 0


DISTINCT_LABELS = "SELECT DISTINCT label FROM answers WHERE label IS NOT NULL"


def agreement_sql(period: str) -> str:
    """Per period, worker and weight (agree = same-label answers - 1, others = labeled answers - 1;
    both NULL for an answer that cannot be weighed): the answers. DuckDB's dialect; `period` is
    athena_race.period_sql's expression."""
    return f"""
WITH normed AS (
    SELECT a.job, a.object_id, a.worker_id, {period} AS period_no, n.norm
    FROM answers a
    LEFT JOIN label_norms n ON n.label = a.label
),
counted AS (
    SELECT period_no, worker_id, norm,
           COUNT(norm) OVER (PARTITION BY job, object_id, norm) AS same,
           COUNT(norm) OVER (PARTITION BY job, object_id) AS total
    FROM normed
),
weighed AS (
    SELECT period_no, worker_id,
           CASE WHEN norm IS NOT NULL AND total > 1 THEN same - 1 END AS agree,
           CASE WHEN norm IS NOT NULL AND total > 1 THEN total - 1 END AS others
    FROM counted
    WHERE period_no IS NOT NULL AND worker_id IS NOT NULL
)
SELECT period_no, worker_id, agree, others, COUNT(*) AS labels
FROM weighed
GROUP BY period_no, worker_id, agree, others
ORDER BY period_no, worker_id, agree, others
"""


def reliability_sql(period: str) -> str:
    """Each labeled answer (job, object_id, worker_id, label, period_no; labels = 1) in the local
    reader's order (row_no), and per worker one row for the answers without a label (job, object and
    label NULL; labels = how many). DuckDB's dialect."""
    return f"""
WITH placed AS (
    SELECT job, object_id, worker_id, label, {period} AS period_no, row_no,
           ROW_NUMBER() OVER (PARTITION BY worker_id, CASE WHEN label IS NULL THEN 1 ELSE 0 END
                              ORDER BY row_no) AS nth,
           COUNT(*) OVER (PARTITION BY worker_id, CASE WHEN label IS NULL THEN 1 ELSE 0 END) AS unlabeled
    FROM answers
    WHERE worker_id IS NOT NULL
)
SELECT CASE WHEN label IS NOT NULL THEN job END AS job,
       CASE WHEN label IS NOT NULL THEN object_id END AS object_id,
       worker_id, label, period_no,
       CASE WHEN label IS NOT NULL THEN 1 ELSE unlabeled END AS labels
FROM placed
WHERE period_no IS NOT NULL AND (label IS NOT NULL OR nth = 1)
ORDER BY row_no
"""


# reliability_sql's columns and their SQL types: its result is read as Athena's CSV (a row per answer).
RELIABILITY_COLUMNS = {"job": "varchar", "object_id": "varchar", "worker_id": "varchar", "label": "varchar",
                       "period_no": "bigint", "labels": "bigint"}


@dataclass(frozen=True)
class WeightedCounts:
    """What the weighted race needs from the engine: the grid, and per period and worker either the
    answers per weight (agreement) or each answer's weight (reliability); with the answers counted."""

    how: str
    index: pd.DatetimeIndex  # the grid's periods
    step: str
    note: str | None
    rows: pd.DataFrame  # period_no, worker_id, and agree, others, labels | weight, labels
    labels: int  # dated answers
    unweighed: int  # of them, the ones that count 0 (no label, no other labeled answer, ...)

    @property
    def empty(self) -> bool:
        return self.index.empty


def weighted_counts(ask: Callable[[str], pd.DataFrame], answers: str, freq: str, how: str,
                    norms: Callable[[pd.Series], str], dialect: str = "trino",
                    max_periods: int = MAX_PERIODS,
                    ask_rows: Callable[[str], pd.DataFrame] | None = None) -> WeightedCounts:
    """The weighted race's counts from queries `ask` runs in `dialect` over `answers` (a table, or a
    SELECT of the chosen answers); `norms` stages the distinct labels' normalized forms (agreement)
    and returns the table that holds them. `ask_rows` runs the reliability rows (a row per answer;
    `ask` when not given): on Athena, read as the result file."""
    if how not in WEIGHTS or how == "count":
        raise ValueError(f"a weighted race weighs by agreement or reliability, not {how!r}")
    found = athena_race.placed(ask, answers, freq, dialect, max_periods)
    if not isinstance(found, athena_race.Placed):
        nothing = pd.DataFrame(columns=["period_no", "worker_id", "labels"])
        return WeightedCounts(how, pd.DatetimeIndex([], tz="UTC"), found.step if found else freq, None, nothing, 0, 0)
    period = athena_race.period_sql(found.step, found.lo)
    tables = {"answers": answers}
    if how == "agreement":
        distinct = ask(qualified(None, tables, dialect, sql=DISTINCT_LABELS))["label"]
        tables["label_norms"] = norms(distinct)
        rows = ask(qualified(None, tables, dialect, sql=agreement_sql(period)))
        unweighed = rows.loc[rows["others"].isna(), "labels"]
    else:
        rows = (ask_rows or ask)(qualified(None, tables, dialect, sql=reliability_sql(period)))
        rows = rows.assign(weight=label_weights(rows, "reliability"))  # Dawid-Skene, here
        unweighed = rows.loc[rows["weight"].isna(), "labels"]
    return WeightedCounts(how, found.grid.index, found.grid.step, found.grid.note, rows,
                          int(rows["labels"].sum()), int(unweighed.sum()))


def _exact_sums(rows: pd.DataFrame, worker: pd.Series) -> pd.DataFrame:
    """Per period and shown worker, the sum of the agreement weights: each weight the float the local
    engine divides ((same - 1) / others), times its answers, added exactly (as integers over a common
    power of two) and rounded once. The local engine adds the same floats one by one with compensation
    (pandas' sum), which rounds to the same float on every output tested (tests/unit/
    test_race_weights_athena.py); the running totals are then added and rounded as race_table does."""
    weighed = rows["others"].notna()
    pairs = {(int(a), int(o)): (int(a) / int(o)).as_integer_ratio()
             for a, o in set(zip(rows.loc[weighed, "agree"], rows.loc[weighed, "others"], strict=True))}
    shift = max((den.bit_length() - 1 for _, den in pairs.values()), default=0)
    scaled = {pair: num << (shift - (den.bit_length() - 1)) for pair, (num, den) in pairs.items()}
    sums: dict[tuple[int, str], int] = {}
    for period, who, agree, others, n in zip(rows["period_no"], worker, rows["agree"], rows["others"],
                                             rows["labels"], strict=True):
        key = (int(period), who)
        sums[key] = sums.get(key, 0) + (scaled[(int(agree), int(others))] * int(n) if pd.notna(others) else 0)
    return pd.DataFrame([(p, w, float(Fraction(s, 1 << shift))) for (p, w), s in sums.items()],
                        columns=["period_no", "worker", "weight"])


def weighted_table(counts: WeightedCounts, names: dict[str, str]) -> pd.DataFrame:
    """race_table's table (weights given) from the engine's counts, with the workers shown by `names`:
    the same periods, columns, order, rounded running totals and attrs."""
    if counts.empty:
        return pd.DataFrame()
    rows = counts.rows
    worker = rows["worker_id"].map(names).fillna(rows["worker_id"]) if names else rows["worker_id"]
    if counts.how == "agreement":
        cells = _exact_sums(rows, worker)
    else:
        cells = pd.DataFrame({"period_no": rows["period_no"], "worker": worker, "weight": rows["weight"].fillna(0.0)})
    periods = pd.Series(counts.index.take(cells["period_no"].astype("int64").to_numpy()), index=cells.index)
    summed = pd.crosstab(periods, cells["worker"], values=cells["weight"], aggfunc="sum").fillna(0.0)
    table = summed.reindex(counts.index.rename("period"), fill_value=0).cumsum().round()
    table.columns.name = None
    table = table[table.iloc[-1].sort_values(ascending=False, kind="stable").index].astype("int64")
    table.attrs.update(step=counts.step, note=counts.note, unit="weighted labels")
    return table


def stage_norms(run) -> Callable[[pd.Series], str]:
    """`norms` for a WorkerRun: the normalized labels written beside the other staged tables, with a
    table over them (DDL, free), as the worker table stages them."""
    from . import athena_workers as aw

    def staged(distinct: pd.Series) -> str:
        norms: Staged = aw.label_norms(distinct)
        aw._put(run.plan.results, norms, run.open_uri)
        run.athena.execute(norms.ddl(run.plan.database, run.plan.staged_folder(norms)), run.on_state)
        return f"{run.plan.database}.{norms.table}"

    return staged


def race_weights(run, freq: str, how: str, anonymize: bool = False) -> tuple[WeightedCounts, dict[str, str]]:
    """athena_race.race_counts for a weighted race: the counts over the plan's answers (`run` is an
    athena_workers.WorkerRun, prepared here), and with `anonymize` Worker N numbered over the whole
    source as locally ({} otherwise)."""
    run.prepare()
    def as_file(sql: str) -> pd.DataFrame:  # a row per answer: the result file, in one GET
        return typed_as(query_csv(run, sql, RELIABILITY_COLUMNS), RELIABILITY_COLUMNS)

    counts = weighted_counts(run.query, run.plan.answers(), freq, how, stage_norms(run), ask_rows=as_file)
    if not anonymize:
        return counts, {}
    from .athena_workers import whole_names

    return counts, whole_names(run)
