"""The quality report of classification jobs (core.quality.report.quality_report's exact_match and
alpha), computed by a query engine over the `answers` view: Athena where the output is, DuckDB over
the same files in the tests.

What is decided here, from the output manifests (one file a job, read as the local reader reads them,
core.annotations.reader): each job's task type and own name (a manifest in a renamed folder names its
job), and the consolidated label of each object (the class-name of the job's own classification
label, docs/ground-truth.md §3). Both are staged (core.engine.athena_tables.stage):
  quality_jobs(job, own_job)                  the classification jobs' partitions, and the job's name
  quality_reference(job, object_id, label)    the consolidated label, by the job's own name
Two queries over the answers then give the figures: QUALITY_ROWS (answers and exact match per
(job, worker) and per job) and ALPHA_COUNTS (the sums Krippendorff's nominal alpha is made of).
Only classification jobs are measured; the others are named (`Jobs.others`) for the local engine.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..annotations.columns import _AT
from ..annotations.model import CONSOLIDATED
from ..quality.report import COLUMNS
from ..quality.rollup import JOB
from ..storage import Location
from .athena_manifests import Manifests, read_manifests
from .athena_tables import Staged, qualified, stage

CLASSIFICATION = "classification"
TEXT = "string"

# A worker's first answer to an object (in the readers' order: file, then place in it) is theirs, as
# quality_report takes the first of a worker's rows; an answer without a class label is no class row.
_FIRSTS = """
mine AS (
    SELECT j.own_job AS job, a.worker_id, a.object_id, a.label, a.row_no
    FROM answers a
    JOIN quality_jobs j ON j.job = a.job
    WHERE a.label IS NOT NULL
),
firsts AS (
    SELECT job, worker_id, object_id, MIN_BY(label, row_no) AS label
    FROM mine
    GROUP BY job, worker_id, object_id
)"""

# 1 when the answer is the consolidated label, 0 when not, NULL (not counted) without one; labels are
# compared as given, as core.quality.classes.label_scores compares them.
def quality_rows_sql(firsts: str = _FIRSTS) -> str:
    """QUALITY_ROWS over another `mine` and `firsts` (core.annotations.duck_quality's, over the rows)."""
    return f"""
WITH {firsts},
scored AS (
    SELECT f.job, f.worker_id,
           CAST(CASE WHEN r.label IS NOT NULL THEN CASE WHEN f.label = r.label THEN 1 ELSE 0 END END AS DOUBLE) AS hit
    FROM firsts f
    LEFT JOIN quality_reference r ON r.job = f.job AND r.object_id = f.object_id
)
SELECT job, worker_id AS worker, COUNT(*) AS objects, AVG(hit) AS exact_match
FROM scored
GROUP BY job, worker_id
UNION ALL
SELECT job, CAST(NULL AS VARCHAR) AS worker, COUNT(*) AS objects, AVG(hit) AS exact_match
FROM scored
GROUP BY job
"""


QUALITY_ROWS = quality_rows_sql()

# Krippendorff's alpha for nominal data from its coincidences: over the objects with two or more
# answers (m of them), each class c has n_c answers and o_cc = sum of n_uc (n_uc - 1) / (m_u - 1)
# coincidences with itself; alpha = 1 - (n - 1) (n - sum o_cc) / (n^2 - sum n_c^2) (`alpha_of`).
def alpha_counts_sql(firsts: str = _FIRSTS) -> str:
    """ALPHA_COUNTS over another `mine` and `firsts`."""
    return f"""
WITH {firsts},
units AS (
    SELECT job, object_id, label, COUNT(*) AS n FROM firsts GROUP BY job, object_id, label
),
sizes AS (
    SELECT job, object_id, SUM(n) AS m FROM units GROUP BY job, object_id HAVING SUM(n) >= 2
),
classes AS (
    SELECT u.job, u.label, SUM(u.n) AS n_c, SUM(CAST(u.n * (u.n - 1) AS DOUBLE) / (s.m - 1)) AS o_cc
    FROM units u
    JOIN sizes s ON s.job = u.job AND s.object_id = u.object_id
    GROUP BY u.job, u.label
)
SELECT job, COUNT(*) AS classes, SUM(n_c) AS pairable, SUM(o_cc) AS matched, SUM(n_c * n_c) AS squares
FROM classes
GROUP BY job
"""


ALPHA_COUNTS = alpha_counts_sql()

QUERIES = {"quality_rows": QUALITY_ROWS, "alpha_counts": ALPHA_COUNTS}
READS = len(QUERIES)  # each reads the chosen answers once


@dataclass
class Jobs:
    """What the output manifests say of the jobs under a source."""

    own: dict[str, str] = field(default_factory=dict)  # partition (folder) job -> the job's own name
    types: dict[str, str] = field(default_factory=dict)  # own name -> task type
    reference: dict[tuple[str, str], str] = field(default_factory=dict)  # (own name, object_id) -> label
    classes: dict[tuple[str, str], int] = field(default_factory=dict)  # (own name, class) -> consolidated units
    notes: list[str] = field(default_factory=list)  # manifests that could not be read

    def name(self, folder: str) -> str:
        return self.own.get(folder, folder)

    def measured(self, folders) -> list[str]:
        """The partitions of classification jobs."""
        return sorted(f for f in folders if self.types.get(self.name(f)) == CLASSIFICATION)

    def others(self, folders) -> dict[str, list[str]]:
        """{task type, or None when no output manifest says it: [own job names]} of the rest."""
        out: dict[str | None, list[str]] = {}
        for folder in sorted(folders):
            task = self.types.get(self.name(folder))
            if task != CLASSIFICATION:
                out.setdefault(task, []).append(self.name(folder))
        return {task: sorted(set(names)) for task, names in out.items()}


def read_jobs(location: Location, manifests: Mapping[str, list]) -> Jobs:
    """Jobs from the output manifests ({partition job: [ObjectInfo]}), read here."""
    return jobs_of(read_manifests(location, manifests))


def jobs_of(manifests: Manifests) -> Jobs:
    """Jobs decided as the local annotations reader decides them: a manifest's own job, the first task
    type of each job (a label carried over from an earlier job counts only where that job's own manifest
    is not here), and the first consolidated class-name of each classification object."""
    out = Jobs(notes=[f"{item.uri}: {item.reason}" for item in manifests.unread])
    parsed = [(m.job, m.parsed) for m in manifests.read]
    out.own = {m.folder: m.job for m in manifests.read}
    own = manifests.own
    for job, found in parsed:
        for named, task in zip(found.jobs, found.types, strict=True):
            if task is not None and (named == job or named not in own):
                out.types.setdefault(named, task)
    at = [_AT[c] for c in ("job", "object_id", "source", "task_type", "label", "class_id")]
    for job, found in parsed:
        for row in found.rows:
            named, object_id, source, task, label, class_id = (row[i] for i in at)
            carried = named != job and named in own  # that job's own manifest has it
            if source != CONSOLIDATED or task != CLASSIFICATION or carried:
                continue
            if label is not None:
                out.reference.setdefault((named, object_id), label)
            shown = label if label is not None else f"class {class_id}" if class_id is not None else "(no class)"
            out.classes[(named, shown)] = out.classes.get((named, shown), 0) + 1  # as reports.class_counts names it
    return out


def staged(jobs: Jobs, folders) -> list[Staged]:
    """The two small tables the queries read besides the answers."""
    measured = jobs.measured(folders)
    names = {jobs.name(f) for f in measured}
    return [stage("quality_jobs", (("job", TEXT), ("own_job", TEXT)),
                  [{"job": f, "own_job": jobs.name(f)} for f in measured]),
            stage("quality_reference", (("job", TEXT), ("object_id", TEXT), ("label", TEXT)),
                  [{"job": j, "object_id": o, "label": label} for (j, o), label in sorted(jobs.reference.items())
                   if j in names])]


def alpha_of(classes: int, pairable: float, matched: float, squares: float) -> float:
    """Nominal alpha from ALPHA_COUNTS' sums; NaN when undefined (fewer than two classes among the
    objects with two answers, as core.quality.agreement.nominal_alpha)."""
    if classes < 2:
        return float("nan")
    n = float(pairable)
    return 1.0 - (n - 1.0) * (n - float(matched)) / (n * n - float(squares))


def quality_report(ask: Callable[[str], pd.DataFrame], tables: Mapping[str, str], dialect: str = "trino"
                   ) -> pd.DataFrame:
    """core.quality.report.quality_report's rows of the classification jobs (its COLUMNS and types,
    jobs in name order, each job's workers by id then its Team row with alpha), from the two queries
    `ask` runs in `dialect` over `tables` ({"answers", "quality_jobs", "quality_reference": a table or
    a SELECT})."""
    rows = ask(qualified(None, tables, dialect, sql=QUALITY_ROWS))
    counts = ask(qualified(None, tables, dialect, sql=ALPHA_COUNTS))
    return report_of(rows, counts)


def report_of(rows: pd.DataFrame, counts: pd.DataFrame) -> pd.DataFrame:
    """The report's frame from QUALITY_ROWS' and ALPHA_COUNTS' results (by either engine)."""
    alpha = {job: alpha_of(int(c), p, m, s) for job, c, p, m, s in counts[
        ["job", "classes", "pairable", "matched", "squares"]].itertuples(index=False)}
    rows = rows.astype({"job": object, "worker": object})
    rows["worker"] = rows["worker"].where(rows["worker"].notna(), JOB)
    rows = rows.assign(_team=rows["worker"].eq(JOB)).sort_values(["job", "_team", "worker"], kind="stable")
    out = rows.drop(columns="_team").reset_index(drop=True)
    out["task_type"], out["reference"] = CLASSIFICATION, "consolidated"
    out["exact_match"] = pd.to_numeric(out["exact_match"]).astype("float64")
    out["alpha"] = np.where(out["worker"].eq(JOB), out["job"].map(alpha).astype("float64"), np.nan)
    out = out.reindex(columns=COLUMNS)
    return out.astype({c: "Int64" for c in ("objects", "audited", "id_switches")})


def others_line(others: Mapping[str | None, list[str]]) -> str | None:
    """One line naming the jobs the Athena engine does not measure, or None."""
    if not others:
        return None
    parts = [f"{task or 'no output manifest, task type unknown'}: {', '.join(names)}"
             for task, names in sorted(others.items(), key=lambda kv: (kv[0] is None, kv[0] or ""))]
    count = sum(len(names) for names in others.values())
    audits = (", and the audited, pass_rate and adjusted columns their audits give the jobs they checked"
              if set(others) & {"label-verification", "adjustment"} else "")
    return (f"{count} job(s) not measured on Athena, which measures classification jobs only; the local engine "
            f"(--engine local) measures them ({'; '.join(parts)}){audits}")
