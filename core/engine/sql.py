"""The worker metrics as SQL, written once: DuckDB runs them here (core.engine.duck), Athena's Trino
can run the same text past one machine (`for_trino`).

Every query reads views named as the tables it needs (core.engine.tables builds them):
  answers(job, object_id, worker_id, sub, submission_time, time_spent_s, label, row_no)
  labels(job, object_id, attribute, status, class_name, row_no)      the output manifests' lines
  objects(job, object_id, source, row_no)
  label_norms(label, norm)       every distinct label, normalized by Python (metrics.normalize_label)
  job_layers(job, attribute)     the label attribute each job is scored on; empty: every layer counts
  source_gold(source, gold)      every distinct source with a gold label, already normalized
  workers(...)                   the per-worker table (team_row)
  dated(period_no, worker_id), grid(period_no)                        labels_over_time
`row_no` is the row's place in its frame: "first" means the first in the readers' order. Times
are UTC timestamps without a zone (as Parquet and Athena keep them), so days and hours are UTC.

Portability: CTEs, window functions, CASE, FILTER, MIN_BY, standard ORDER BY. The one function
that differs is the median: DuckDB's `median` is exact; Trino has only `approx_percentile`, which
`for_trino` puts in its place (so on Athena medians are approximate).
"""

from __future__ import annotations

# Each job, object and worker once, as a number: grouping and joining by numbers is many times
# faster than by text, and every step below groups by them. 32-bit numbers (two billion objects):
# at a million answers the engine's working set is 16 MB smaller than with 64-bit ones, which it
# had to spill.
_KEYS = """
job_keys AS (
    SELECT job, CAST(ROW_NUMBER() OVER () AS INTEGER) AS job_key
    FROM (SELECT job FROM answers UNION SELECT job FROM labels) j
    WHERE job IS NOT NULL
),
object_keys AS (
    SELECT k.job, k.object_id, j.job_key, CAST(ROW_NUMBER() OVER () AS INTEGER) AS object_key
    FROM (SELECT job, object_id FROM answers UNION SELECT job, object_id FROM labels) k
    JOIN job_keys j ON j.job = k.job
    WHERE k.object_id IS NOT NULL
),
worker_keys AS (
    SELECT worker_id, CAST(ROW_NUMBER() OVER () AS INTEGER) AS worker_key
    FROM (SELECT DISTINCT worker_id FROM answers WHERE worker_id IS NOT NULL) w
)"""

# Answers with their keys and normalized label (NULL: no label, or one that normalizes to nothing).
# Only what the steps below read: every column here is held for each answer while they run (the
# worker's `sub` is taken from the answers apart; carried here, it made DuckDB spill at 1M answers).
_NORMED = """
normed AS (
    SELECT w.worker_key, k.job_key, k.object_key, a.submission_time, a.time_spent_s, n.norm
    FROM answers a
    LEFT JOIN worker_keys w ON w.worker_id = a.worker_id
    LEFT JOIN object_keys k ON k.job = a.job AND k.object_id = a.object_id
    LEFT JOIN label_norms n ON n.label = a.label
)"""

# Per object: the plain majority of the normalized answers; a tie for the most votes has none.
_MAJORITY = """
votes AS (
    SELECT object_key, norm, COUNT(*) AS n
    FROM normed
    WHERE norm IS NOT NULL AND object_key IS NOT NULL
    GROUP BY object_key, norm
),
tops AS (
    SELECT object_key, MAX(n) AS top FROM votes GROUP BY object_key
),
majority AS (
    SELECT v.object_key, CASE WHEN COUNT(*) = 1 THEN MIN(v.norm) END AS majority
    FROM votes v
    JOIN tops t ON t.object_key = v.object_key AND t.top = v.n
    GROUP BY v.object_key
)"""

# Per object: the consolidated label of the job's layer, the first labeled line with a label.
_CONSOLIDATED = """
layer_count AS (
    SELECT COUNT(*) AS n FROM job_layers
),
own AS (
    SELECT k.object_key, n.norm AS consolidated, l.row_no,
           ROW_NUMBER() OVER (PARTITION BY k.object_key ORDER BY l.row_no) AS pick
    FROM labels l
    JOIN object_keys k ON k.job = l.job AND k.object_id = l.object_id
    JOIN label_norms n ON n.label = l.class_name
    LEFT JOIN job_layers j ON j.job = l.job
    CROSS JOIN layer_count c
    WHERE l.status = 'labeled' AND (c.n = 0 OR l.attribute = j.attribute)
),
consolidated AS (
    SELECT object_key, consolidated, row_no FROM own WHERE pick = 1
)"""

_CONSENSUS = f"""{_KEYS},{_NORMED},{_MAJORITY},{_CONSOLIDATED},
consensus AS (
    SELECT COALESCE(c.object_key, m.object_key) AS object_key, c.consolidated, m.majority,
           c.row_no AS label_line
    FROM consolidated c
    FULL OUTER JOIN majority m ON m.object_key = c.object_key
)"""


def _hit(answer: str, reference: str) -> str:
    """1 when the labels match, 0 when not, NULL when either is unknown (not counted); a DOUBLE, as
    Trino would average a decimal literal as a decimal."""
    return (f"CAST(CASE WHEN {answer} IS NOT NULL AND {reference} IS NOT NULL "
            f"THEN CASE WHEN {answer} = {reference} THEN 1 ELSE 0 END END AS DOUBLE)")


def _exact(aggregate: str, column: str) -> str:
    """A SUM or AVG of seconds that is the same whatever order the rows are added in: summed as
    decimals (to the microsecond), not as floating point, whose last bit depends on how the engine's
    threads split the rows (a mean of exactly 18.34125 printed as 18.3412 or 18.3413 run to run)."""
    return f"CAST({aggregate}(CAST({column} AS DECIMAL(38, 6))) AS DOUBLE)"


# Each answer scored against the consolidated label, the majority and the gold label of its source
# (the source of the object's first line in `objects`).
_SCORED = f"""{_CONSENSUS},
object_gold AS (
    SELECT f.object_key, g.gold
    FROM (SELECT k.object_key, o.source,
                 ROW_NUMBER() OVER (PARTITION BY k.object_key ORDER BY o.row_no) AS pick
          FROM objects o
          JOIN object_keys k ON k.job = o.job AND k.object_id = o.object_id) f
    JOIN source_gold g ON g.source = f.source
    WHERE f.pick = 1
),
scored AS (
    SELECT a.*, {_hit("a.norm", "k.consolidated")} AS agree, {_hit("a.norm", "k.majority")} AS agree_majority,
           {_hit("a.norm", "g.gold")} AS correct
    FROM normed a
    LEFT JOIN consensus k ON k.object_key = a.object_key
    LEFT JOIN object_gold g ON g.object_key = a.object_key
)"""

DISTINCT_LABELS = """
SELECT label FROM answers WHERE label IS NOT NULL
UNION
SELECT class_name FROM labels WHERE class_name IS NOT NULL
"""

DISTINCT_SOURCES = """
SELECT DISTINCT source FROM objects WHERE source IS NOT NULL
"""

# In the order of the manifests' lines, then the objects only the workers' answers name.
CONSENSUS = f"""
WITH {_CONSENSUS}
SELECT k.job, k.object_id, c.consolidated, c.majority
FROM consensus c
JOIN object_keys k ON k.object_key = c.object_key
ORDER BY c.label_line ASC NULLS LAST, k.job ASC, k.object_id ASC
"""

# Times: unknown (NULL) times are left out, never zero; a worker with none has NULL statistics.
# Labels per active hour: dated labels over the clock hours with any; undated answers count in
# neither, so a worker with only those has no rate (0/0 is NULL).
WORKER_TABLE = f"""
WITH {_SCORED},
per_worker AS (
    SELECT
        worker_key,
        COUNT(*) AS labels,
        COUNT(DISTINCT object_key) AS objects,
        COUNT(DISTINCT CASE WHEN object_key IS NOT NULL THEN job_key END) AS jobs,
        COUNT(DISTINCT DATE_TRUNC('hour', submission_time)) AS hours,
        COUNT(DISTINCT DATE_TRUNC('day', submission_time)) AS days,
        COUNT(submission_time) AS dated,
        MIN(submission_time) AS first_submission,
        MAX(submission_time) AS last_submission,
        {_exact("SUM", "time_spent_s")} AS time_spent_s,
        MIN(time_spent_s) AS time_per_label_s_min,
        {_exact("AVG", "time_spent_s")} AS time_per_label_s_mean,
        MEDIAN(time_spent_s) AS time_per_label_s_median,
        MAX(time_spent_s) AS time_per_label_s_max,
        AVG(agree) AS agreement,
        AVG(agree_majority) AS majority_agreement,
        AVG(correct) AS accuracy
    FROM scored
    WHERE worker_key IS NOT NULL
    GROUP BY worker_key
),
first_sub AS (
    SELECT worker_id, MIN_BY(sub, row_no) FILTER (WHERE sub IS NOT NULL) AS sub
    FROM answers
    GROUP BY worker_id
)
SELECT w.worker_id, s.sub, p.labels, p.objects, p.jobs,
       p.first_submission, p.last_submission, p.days AS active_days,
       p.time_spent_s, p.time_per_label_s_min, p.time_per_label_s_mean, p.time_per_label_s_median,
       p.time_per_label_s_max, CAST(p.dated AS DOUBLE) / NULLIF(p.hours, 0) AS labels_per_active_hour,
       p.agreement, p.majority_agreement, p.accuracy
FROM per_worker p
JOIN worker_keys w ON w.worker_key = p.worker_key
LEFT JOIN first_sub s ON s.worker_id = w.worker_id
ORDER BY p.labels DESC, p.first_submission ASC NULLS LAST, w.worker_id ASC
"""

# Totals for counts (over the answers), medians across workers for rates (over `workers`).
TEAM_ROW = f"""
WITH per_worker AS (
    SELECT SUM(labels) AS labels,
           MIN(first_submission) AS first_submission,
           MAX(last_submission) AS last_submission,
           MEDIAN(time_per_label_s_mean) AS time_per_label_s_mean,
           MEDIAN(time_per_label_s_median) AS time_per_label_s_median,
           MEDIAN(labels_per_active_hour) AS labels_per_active_hour,
           MEDIAN(agreement) AS agreement,
           MEDIAN(majority_agreement) AS majority_agreement,
           MEDIAN(accuracy) AS accuracy
    FROM workers
),
overall AS (
    SELECT COUNT(DISTINCT job || '/' || object_id) AS objects,
           COUNT(DISTINCT job) AS jobs,
           COUNT(DISTINCT DATE_TRUNC('day', submission_time)) AS active_days,
           {_exact("SUM", "time_spent_s")} AS time_spent_s,
           MIN(time_spent_s) AS time_per_label_s_min,
           MAX(time_spent_s) AS time_per_label_s_max
    FROM answers
)
SELECT w.labels, o.objects, o.jobs, w.first_submission, w.last_submission, o.active_days,
       o.time_spent_s, o.time_per_label_s_min, o.time_per_label_s_max,
       w.time_per_label_s_mean, w.time_per_label_s_median, w.labels_per_active_hour,
       w.agreement, w.majority_agreement, w.accuracy
FROM per_worker w
CROSS JOIN overall o
"""

# Workers in order of first submission (the undated last), then id.
ANONYMOUS_ORDER = """
SELECT worker_id
FROM answers
WHERE worker_id IS NOT NULL
GROUP BY worker_id
ORDER BY MIN(submission_time) ASC NULLS LAST, worker_id ASC
"""

# Workers with a dated label, numbered in the order of their ids (labels_over_time's columns).
ACTIVE_WORKERS = """
SELECT worker_id, ROW_NUMBER() OVER (ORDER BY worker_id) AS worker_no
FROM (SELECT DISTINCT worker_id FROM dated WHERE period_no IS NOT NULL AND worker_id IS NOT NULL) w
"""

# Labels per period (a place on the grid) and active worker (by number): every grid period for
# every active worker, 0 where they did nothing.
PERIOD_COUNTS = f"""
WITH active AS ({ACTIVE_WORKERS}),
counts AS (
    SELECT d.period_no, a.worker_no, COUNT(*) AS labels
    FROM dated d
    JOIN active a ON a.worker_id = d.worker_id
    WHERE d.period_no IS NOT NULL
    GROUP BY d.period_no, a.worker_no
)
SELECT g.period_no, a.worker_no, COALESCE(c.labels, 0) AS labels
FROM grid g
CROSS JOIN active a
LEFT JOIN counts c ON c.period_no = g.period_no AND c.worker_no = a.worker_no
ORDER BY g.period_no, a.worker_no
"""

# Every query by name: what the engine runs, and what the Trino test transpiles.
QUERIES: dict[str, str] = {
    "distinct_labels": DISTINCT_LABELS,
    "distinct_sources": DISTINCT_SOURCES,
    "consensus": CONSENSUS,
    "worker_table": WORKER_TABLE,
    "team_row": TEAM_ROW,
    "anonymous_order": ANONYMOUS_ORDER,
    "active_workers": ACTIVE_WORKERS,
    "period_counts": PERIOD_COUNTS,
}


def for_trino(name: str) -> str:
    """The query in Trino's dialect (Athena): exact medians become approx_percentile(x, 0.5)."""
    import sqlglot  # only the Athena path needs it
    from sqlglot import exp

    def median(node):
        if isinstance(node, exp.Median):
            return exp.ApproxQuantile(this=node.this, quantile=exp.Literal.number(0.5))
        return node

    return sqlglot.parse_one(QUERIES[name], read="duckdb").transform(median).sql("trino")
