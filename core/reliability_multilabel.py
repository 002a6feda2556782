"""Reliability without gold for multi-label classification: crowd-kit's `BinaryRelevance` over its
`DawidSkene`, the library's counterpart of core.reliability for answers that are sets of classes.

Binary relevance asks, for each class of a job, the yes/no question "does this object have it?":
every answer is one yes (the class is in the worker's set) or no per class, and Dawid-Skene is fitted
on each class's yes/no answers alone (a 2 x 2 confusion matrix per worker and class). The estimated
set of an object is the classes whose posterior chance of "yes" is over one half.

Fitted per job: a class of one job is no question at all in another (a digits job has no "circle"),
and pooling them would count every worker right on thousands of questions nobody was asked. A job's
questions are the classes anyone in it ticked, or its consolidation holds.

A worker's estimated reliability is, as for one label, the expected share of their answers that are
right, counted per yes/no decision: the sum over their answers and the job's classes of the posterior
chance that their yes or no is the true one, over the decisions. With few classes ticked an object,
most decisions are easy "no"s, so the share is high; it ranks workers, and its interval (Jeffreys,
as core.reliability) treats decisions as independent, which the classes of one answer are not:
read it as a lower bound on the doubt.

What the table cannot show: an answer that ticked no class leaves no row in the annotations table
(core.annotations.model), so it is not among the answers here; nor is a consolidation to the empty
set, so such an object has no consolidated set to disagree with.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import pandas as pd

from .reliability import N_ITER, TOL, reliability_rows

OBJECT_COLUMNS = ["job", "object_id", "answers", "estimate", "confidence", "consolidated", "disagrees"]
# As core.reliability's, with the answers and the yes/no decisions (answers x the job's classes) they hold.
WORKER_COLUMNS = ["worker_id", "answers", "decisions", "reliability", "reliability_low", "reliability_high"]


@dataclass(frozen=True)
class MultiLabelReliability:
    """What binary relevance with Dawid-Skene estimated over the multi-label answers of a selection."""

    workers: pd.DataFrame  # WORKER_COLUMNS, the most decisions first
    job_workers: pd.DataFrame  # job, then WORKER_COLUMNS
    objects: pd.DataFrame  # OBJECT_COLUMNS; estimate and consolidated are sorted tuples of classes

    @property
    def disagreements(self) -> pd.DataFrame:
        """Objects whose estimated set differs from Ground Truth's consolidated set, the surest first."""
        rows = self.objects[self.objects["disagrees"]]
        return rows.sort_values(["confidence", "job", "object_id"], ascending=[False, True, True], kind="stable")


def answer_sets(answers: pd.DataFrame) -> pd.DataFrame:
    """job, object_id, worker_id, labels (a sorted tuple): one row per answer, from rows of one chosen
    class each (job, object_id, worker_id, label; `answer` tells a worker's two answers to one object
    apart when given); sorted, so the fit does not depend on the reading order."""
    keys = ["job", "object_id", "worker_id"] + (["answer"] if "answer" in answers else [])
    rows = answers.dropna(subset=["label"])
    if rows.empty:
        return pd.DataFrame(columns=["job", "object_id", "worker_id", "labels"])
    sets = (rows.assign(label=rows["label"].astype(str)).groupby(keys, sort=True, dropna=False)["label"]
            .agg(lambda v: tuple(sorted(set(v)))).rename("labels").reset_index())
    return sets[["job", "object_id", "worker_id", "labels"]]


def _fit_job(sets: pd.DataFrame, classes: list[str]):
    """(an answers x classes array: the chance each yes/no is right, per object the estimated set, per
    object its confidence: the chance of its least sure yes/no) for one job's answers."""
    from crowdkit.aggregation import BinaryRelevance, DawidSkene  # imported when used: it takes a second

    tasks = sets["object_id"].astype(str)
    data = pd.DataFrame({"task": tasks, "worker": sets["worker_id"], "label": sets["labels"].map(list)})
    model = BinaryRelevance(DawidSkene(n_iter=N_ITER, tol=TOL))
    # crowd-kit 1.4.2 declares aggregators_ as a class attribute (one dict shared by every instance):
    # an instance's own keeps another job's fits out of this one's.
    model.aggregators_ = {}
    with warnings.catch_warnings():
        # The library's own pandas deprecations and chained assignment; the results are not affected.
        warnings.simplefilter("ignore")
        model.fit(data)
    answered = tasks.drop_duplicates().sort_values().to_numpy()
    right = np.zeros((len(sets), len(classes)))
    yes = pd.DataFrame(0.0, index=answered, columns=classes)
    for i, name in enumerate(classes):
        fitted = model.aggregators_.get(name)
        if fitted is None:  # a class only the consolidation holds: every worker said no
            said = np.zeros(len(sets), dtype=int)
            p_yes = pd.Series(0.0, index=answered)
        else:
            probas = fitted.probas_.reindex(columns=[0, 1], fill_value=0.0)
            p_yes = probas[1].reindex(answered).fillna(0.0)
            said = sets["labels"].map(lambda chosen, c=name: int(c in chosen)).to_numpy()
        yes[name] = p_yes.to_numpy()
        chance_yes = p_yes.reindex(tasks).to_numpy()
        right[:, i] = np.where(said == 1, chance_yes, 1 - chance_yes)
    estimate = {task: tuple(c for c in classes if row[c] > 0.5) for task, row in yes.iterrows()}
    sure = np.maximum(yes.to_numpy(), 1 - yes.to_numpy()).min(axis=1) if classes else np.ones(len(yes))
    return right, estimate, dict(zip(answered, sure, strict=True))


def estimate(answers: pd.DataFrame, consolidated: pd.DataFrame) -> MultiLabelReliability:
    """Binary relevance over the multi-label answers (rows of one chosen class each: job, object_id,
    worker_id, label, optionally answer) beside Ground Truth's consolidated sets (rows job,
    object_id, label)."""
    sets = answer_sets(answers)
    consolidated_sets = (consolidated.dropna(subset=["label"]).groupby(["job", "object_id"])["label"]
                         .agg(lambda v: tuple(sorted(set(map(str, v))))))
    scored, objects = [], []
    for job, mine in sets.groupby("job", sort=True):
        mine = mine.reset_index(drop=True)
        own = consolidated_sets[consolidated_sets.index.get_level_values("job") == job]
        classes = sorted({c for labels in mine["labels"] for c in labels} | {c for labels in own for c in labels})
        right, estimated, sure = _fit_job(mine, classes)
        # One row per yes/no decision, so a worker's reliability is over their decisions.
        scored.append(pd.DataFrame({"job": job, "worker_id": np.repeat(mine["worker_id"].to_numpy(), len(classes)),
                                    "right": right.ravel()}))
        counts = mine.groupby("object_id").size()
        for object_id, answered in counts.items():
            truth = own.get((job, object_id))
            guess = estimated[str(object_id)]
            objects.append({"job": job, "object_id": object_id, "answers": int(answered), "estimate": guess,
                            "confidence": float(sure[str(object_id)]), "consolidated": truth,
                            "disagrees": truth is not None and guess != truth})
    if not scored:
        none = pd.DataFrame(columns=WORKER_COLUMNS)
        return MultiLabelReliability(none, none.assign(job=None)[["job", *WORKER_COLUMNS]],
                                     pd.DataFrame(columns=OBJECT_COLUMNS))
    decisions = pd.concat(scored, ignore_index=True)
    return MultiLabelReliability(_with_answers(decisions, sets, ["worker_id"]),
                                 _with_answers(decisions, sets, ["job", "worker_id"]),
                                 pd.DataFrame(objects, columns=OBJECT_COLUMNS))


def _with_answers(decisions: pd.DataFrame, sets: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """core.reliability's rows over the yes/no decisions (its `answers` are decisions here), with the
    answers they came from."""
    per = reliability_rows(decisions, keys).rename(columns={"answers": "decisions"})
    counts = sets.groupby(keys).size().rename("answers")
    per["answers"] = per.set_index(keys).index.map(counts).to_numpy(dtype=int)
    return per[[*keys[:-1], *WORKER_COLUMNS]]

