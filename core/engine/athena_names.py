"""Who the workers of an Athena selection are, for the names the Annotations page shows (as the local
page's core.workers.shown_names): one read of every chosen partition returns a row per worker, their
first submission (Worker N's order, as core.engine.sql's anonymous_order: first submission, then id)
and the sub and Cognito issuer of their first answer that has one (a names CSV by sub and a Cognito
look-up, as core.engine.athena_workers.IDENTITIES). Read only when the page names workers otherwise
than by ID; a few rows, through GetQueryResults."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from ..identity import display_names
from ..metrics import anonymous_names
from .athena_tables import qualified

READS = 1

SEEN = """
SELECT worker_id, MIN(submission_time) AS first_submission,
       MIN_BY(sub, row_no) FILTER (WHERE sub IS NOT NULL) AS sub,
       MIN_BY(issuer, row_no) FILTER (WHERE issuer IS NOT NULL) AS issuer
FROM answers
WHERE worker_id IS NOT NULL
GROUP BY worker_id
"""


def seen_sql(answers: str, dialect: str = "trino") -> str:
    """The workers of `answers` (a table, or a SELECT of the chosen partitions)."""
    return qualified(None, {"answers": answers}, dialect, sql=SEEN)


def anonymous(seen: pd.DataFrame) -> dict[str, str]:
    """worker_id -> Worker N, as the local page numbers them (core.metrics.anonymous_names): a worker's
    first submission is the earliest of their answers, so one row each gives the same order."""
    answers = pd.DataFrame({"worker_id": seen["worker_id"].astype(object),
                            "submission_time": pd.to_datetime(seen["first_submission"], utc=True)})
    return anonymous_names(answers)


def named(seen: pd.DataFrame, names: Mapping[str, str]) -> dict[str, str]:
    """worker_id -> a known name (by sub, then worker id) or the id (core.identity.display_names)."""
    return display_names(seen.set_index("worker_id")[["sub"]], dict(names)).to_dict()
