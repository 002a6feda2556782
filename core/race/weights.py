"""A race weighted by quality: each label counts for its agreement with the others or its estimated
correctness, between 0 and 1, so speed alone does not win (pure pandas; core.race.frames sums them).

- count: every label counts 1 (the plain race).
- agreement: the share of the *other* workers' answers to the same object that gave the same label
  (labels compared as everywhere: core.metrics.normalize_label). Why the others and not Ground
  Truth's consolidated label: the consolidated label holds the worker's own vote (with 3 workers an
  object, a third of it), and a share is graded where a match is all or nothing.
- reliability: the chance that the label the worker gave is the object's true one, the posterior
  of Dawid-Skene fitted on everyone's answers (core.reliability, the Workers page's estimate).

Only single-label classification answers can be weighed; a label with no weight (a box, a mask, an
object nobody else answered under `agreement`) counts 0, and `unweighed` says how many there are.
"""

from __future__ import annotations

import pandas as pd

from .. import metrics

WEIGHTS = {"count": "Count", "agreement": "Agreement", "reliability": "Estimated correctness"}
# What a bar counts, for a chart's title and caption.
MEANING = {
    "count": "each label counts 1",
    "agreement": "each label counts for the share of the other workers who gave the same label (0 to 1)",
    "reliability": "each label counts for its estimated chance of being right (Dawid-Skene, 0 to 1)",
}
TITLE_SUFFIX = {"count": "", "agreement": ", weighted by agreement", "reliability": ", weighted by correctness"}


def _tasks_and_labels(answers: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    norms = {label: metrics.normalize_label(label) for label in answers["label"].dropna().unique()}
    task = answers["job"].astype(str) + "/" + answers["object_id"].astype(str)
    return task, answers["label"].map(norms)


def agreement_weights(answers: pd.DataFrame) -> pd.Series:
    """Per answer (answers' index): the share of the other answers to its object with its label;
    NaN without a label or without another labeled answer."""
    task, label = _tasks_and_labels(answers)
    labeled = label.notna()
    frame = pd.DataFrame({"task": task[labeled], "label": label[labeled]})
    same = frame.groupby(["task", "label"])["task"].transform("size")
    total = frame.groupby("task")["task"].transform("size")
    others = (total - 1).where(total > 1)
    return ((same - 1) / others).reindex(answers.index)


def reliability_weights(answers: pd.DataFrame) -> pd.Series:
    """Per answer: Dawid-Skene's posterior probability that the object's true label is the one the
    answer gave; NaN without a label."""
    from ..reliability import answer_posteriors

    return answer_posteriors(answers)


def label_weights(answers: pd.DataFrame, how: str) -> pd.Series | None:
    """The weight of each answer (answers' index), between 0 and 1, NaN where it cannot be weighed
    (core.race.frames counts those 0); None for `count`."""
    if how == "count":
        return None
    if how not in WEIGHTS:
        raise ValueError(f"a weight is one of {', '.join(WEIGHTS)}, not {how!r}")
    found = agreement_weights(answers) if how == "agreement" else reliability_weights(answers)
    return found.astype(float).clip(0.0, 1.0)
