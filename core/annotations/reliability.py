"""The reliability estimates over an annotations table (core.annotations.model), as the Annotations
page reads them: its classification rows turned into the answers, labels and objects core.reliability
reads (the Workers page's shapes), its multi-label rows handed to core.reliability_multilabel.

A job's Ground Truth answer is its consolidated rows of the job's own task type, as the quality
report compares with (core.quality.report.reference_units); the data object is its S3 URI, or an
inline text's text (object_keys), which is what gold is matched on.
"""

from __future__ import annotations

import pandas as pd

from .. import reliability, reliability_multilabel
from .model import CONSOLIDATED, WORKER, object_keys

CLASSIFICATION, MULTI_LABEL = "classification", "multi-label"


def _rows(table: pd.DataFrame, source: str, task: str) -> pd.DataFrame:
    return table[table["source"].eq(source) & table["task_type"].eq(task) & table["kind"].eq("class")]


def classification_inputs(table: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, dict[str, str]]:
    """(answers, labels, objects, {job: its label attribute}) of the classification rows, in the
    columns core.reliability.estimate reads (core.engine.tables' ANSWERS, LABELS, OBJECTS)."""
    mine, own = _rows(table, WORKER, CLASSIFICATION), _rows(table, CONSOLIDATED, CLASSIFICATION)
    answers = pd.DataFrame({"job": mine["job"], "object_id": mine["object_id"], "worker_id": mine["worker_id"],
                            "sub": None, "submission_time": mine["submitted"], "time_spent_s": mine["time_spent_s"],
                            "label": mine["label"]})
    labels = pd.DataFrame({"job": own["job"], "object_id": own["object_id"], "attribute": own["attribute"],
                           "status": "labeled", "class_name": own["label"]})
    objects = pd.DataFrame({"job": own["job"], "object_id": own["object_id"], "source": object_keys(own)})
    attributes = own.dropna(subset=["attribute"]).groupby("job")["attribute"].first().to_dict()
    return answers.reset_index(drop=True), labels.reset_index(drop=True), objects.reset_index(drop=True), attributes


def gold_labels(gold: pd.DataFrame | None) -> dict[str, str] | None:
    """{data object: label} of a gold table's single labels (a trusted classification job's output),
    the shape core.reliability matches gold in; None when it has none."""
    if gold is None or gold.empty:
        return None
    rows = gold[gold["task_type"].eq(CLASSIFICATION) & gold["kind"].eq("class")].dropna(subset=["label"])
    keys = object_keys(rows)
    found = dict(zip(keys[keys.notna()], rows.loc[keys.notna(), "label"].astype(str), strict=True))
    return found or None


def queued_labels(objects: pd.DataFrame, queued: dict[tuple[str, str], str] | None) -> dict[str, str] | None:
    """{data object: label} of the gold mixed into the queue ({(job, object_id): label}, as
    core.annotations.source keeps it) among these objects (job, object_id, source)."""
    if not queued or objects.empty:
        return None
    tags = pd.Series(list(queued.values()), index=pd.MultiIndex.from_tuples(list(queued)), dtype=object)
    found = tags.reindex(pd.MultiIndex.from_frame(objects[["job", "object_id"]])).to_numpy()
    tagged = objects.assign(label=found).dropna(subset=["label", "source"])
    return dict(zip(tagged["source"], tagged["label"], strict=True)) or None


def classification(table: pd.DataFrame, gold: pd.DataFrame | None = None,
                   queued: dict[tuple[str, str], str] | None = None) -> reliability.Reliability | None:
    """Dawid-Skene over the table's classification answers (None without any), measured against a
    gold table, else against the gold mixed into the queue."""
    answers, labels, objects, attributes = classification_inputs(table)
    if not reliability.has_classification(answers):
        return None
    truth = gold_labels(gold) or queued_labels(objects, queued)
    return reliability.estimate(answers, labels, objects, truth, attributes)


def multi_label(table: pd.DataFrame) -> reliability_multilabel.MultiLabelReliability | None:
    """Binary relevance with Dawid-Skene over the table's multi-label answers (None without any)."""
    mine = _rows(table, WORKER, MULTI_LABEL)
    if mine["label"].isna().all():
        return None
    return reliability_multilabel.estimate(mine, _rows(table, CONSOLIDATED, MULTI_LABEL))
