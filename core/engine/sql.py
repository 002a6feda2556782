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
`row_no` is the row's place in its frame: "first" means the first in the readers' order.

Portability: CTEs, window functions, CASE, FILTER, MIN_BY, standard ORDER BY. The one function
that differs is the median: DuckDB's `median` is exact; Trino has only `approx_percentile`, which
`for_trino` puts in its place (so on Athena medians are approximate).
"""

from __future__ import annotations

# Answers with their normalized label (NULL: no label, or one that normalizes to nothing).
_NORMED = """
normed AS (
    SELECT a.job, a.object_id, a.worker_id, a.sub, a.submission_time, a.time_spent_s, a.row_no, n.norm
    FROM answers a
    LEFT JOIN label_norms n ON n.label = a.label
)"""

# Per object: the plain majority of the normalized answers; a tie for the most votes has none.
_MAJORITY = """
votes AS (
    SELECT job, object_id, norm, COUNT(*) AS n
    FROM normed
    WHERE norm IS NOT NULL AND job IS NOT NULL AND object_id IS NOT NULL
    GROUP BY job, object_id, norm
),
ranked AS (
    SELECT job, object_id, norm, n, MAX(n) OVER (PARTITION BY job, object_id) AS top
    FROM votes
),
majority AS (
    SELECT job, object_id, CASE WHEN COUNT(*) = 1 THEN MIN(norm) END AS majority
    FROM ranked
    WHERE n = top
    GROUP BY job, object_id
)"""

# Per object: the consolidated label of the job's layer, the first labeled line with a label.
_CONSOLIDATED = """
layer_count AS (
    SELECT COUNT(*) AS n FROM job_layers
),
own AS (
    SELECT l.job, l.object_id, n.norm AS consolidated, l.row_no,
           ROW_NUMBER() OVER (PARTITION BY l.job, l.object_id ORDER BY l.row_no) AS pick
    FROM labels l
    JOIN label_norms n ON n.label = l.class_name
    LEFT JOIN job_layers j ON j.job = l.job
    CROSS JOIN layer_count c
    WHERE l.status = 'labeled' AND l.job IS NOT NULL AND l.object_id IS NOT NULL
      AND (c.n = 0 OR l.attribute = j.attribute)
),
consolidated AS (
    SELECT job, object_id, consolidated, row_no FROM own WHERE pick = 1
)"""

_CONSENSUS = f"""{_NORMED},{_MAJORITY},{_CONSOLIDATED},
consensus AS (
    SELECT COALESCE(c.job, m.job) AS job, COALESCE(c.object_id, m.object_id) AS object_id,
           c.consolidated, m.majority, c.row_no AS label_line
    FROM consolidated c
    FULL OUTER JOIN majority m ON m.job = c.job AND m.object_id = c.object_id
)"""


def _hit(answer: str, reference: str) -> str:
    """1.0 when the labels match, 0.0 when not, NULL when either is unknown (not counted)."""
    return (f"CASE WHEN {answer} IS NOT NULL AND {reference} IS NOT NULL "
            f"THEN CASE WHEN {answer} = {reference} THEN 1.0 ELSE 0.0 END END")


# Each answer scored against the consolidated label, the majority and the gold label of its source
# (the source of the object's first line in `objects`).
_SCORED = f"""{_CONSENSUS},
first_source AS (
    SELECT job, object_id, source
    FROM (SELECT job, object_id, source,
                 ROW_NUMBER() OVER (PARTITION BY job, object_id ORDER BY row_no) AS pick
          FROM objects) o
    WHERE pick = 1
),
scored AS (
    SELECT a.*, {_hit("a.norm", "k.consolidated")} AS agree, {_hit("a.norm", "k.majority")} AS agree_majority,
           {_hit("a.norm", "g.gold")} AS correct
    FROM normed a
    LEFT JOIN consensus k ON k.job = a.job AND k.object_id = a.object_id
    LEFT JOIN first_source s ON s.job = a.job AND s.object_id = a.object_id
    LEFT JOIN source_gold g ON g.source = s.source
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
SELECT job, object_id, consolidated, majority
FROM consensus
ORDER BY label_line ASC NULLS LAST, job ASC, object_id ASC
"""

# Times: unknown (NULL) times are left out, never zero; a worker with none has NULL statistics.
# Labels per active hour: dated labels over the clock hours with any; undated answers count in
# neither, so a worker with only those has no rate (0/0 is NULL).
WORKER_TABLE = f"""
WITH {_SCORED}
SELECT
    worker_id,
    MIN_BY(sub, row_no) FILTER (WHERE sub IS NOT NULL) AS sub,
    COUNT(*) AS labels,
    COUNT(DISTINCT job || '/' || object_id) AS objects,
    COUNT(DISTINCT job) AS jobs,
    MIN(submission_time) AS first_submission,
    MAX(submission_time) AS last_submission,
    COUNT(DISTINCT DATE_TRUNC('day', submission_time)) AS active_days,
    SUM(time_spent_s) AS time_spent_s,
    MIN(time_spent_s) AS time_per_label_s_min,
    AVG(time_spent_s) AS time_per_label_s_mean,
    MEDIAN(time_spent_s) AS time_per_label_s_median,
    MAX(time_spent_s) AS time_per_label_s_max,
    CAST(COUNT(submission_time) AS DOUBLE)
        / NULLIF(COUNT(DISTINCT DATE_TRUNC('hour', submission_time)), 0) AS labels_per_active_hour,
    AVG(agree) AS agreement,
    AVG(agree_majority) AS majority_agreement,
    AVG(correct) AS accuracy
FROM scored
WHERE worker_id IS NOT NULL
GROUP BY worker_id
ORDER BY labels DESC, first_submission ASC NULLS LAST, worker_id ASC
"""

# Totals for counts (over the answers), medians across workers for rates (over `workers`).
TEAM_ROW = """
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
           SUM(time_spent_s) AS time_spent_s,
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

# Labels per period (a place on the grid) and worker: every grid period for every worker with a
# dated label, 0 where they did nothing.
PERIOD_COUNTS = """
WITH counts AS (
    SELECT period_no, worker_id, COUNT(*) AS labels
    FROM dated
    WHERE worker_id IS NOT NULL
    GROUP BY period_no, worker_id
),
active AS (
    SELECT DISTINCT worker_id FROM counts
)
SELECT g.period_no, w.worker_id, COALESCE(c.labels, 0) AS labels
FROM grid g
CROSS JOIN active w
LEFT JOIN counts c ON c.period_no = g.period_no AND c.worker_id = w.worker_id
ORDER BY g.period_no, w.worker_id
"""

# Every query by name: what the engine runs, and what the Trino test transpiles.
QUERIES: dict[str, str] = {
    "distinct_labels": DISTINCT_LABELS,
    "distinct_sources": DISTINCT_SOURCES,
    "consensus": CONSENSUS,
    "worker_table": WORKER_TABLE,
    "team_row": TEAM_ROW,
    "anonymous_order": ANONYMOUS_ORDER,
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
