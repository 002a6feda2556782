"""Which label attribute (layer) of an output manifest a job wrote: the one its workers are scored on.

A chained job's output manifest carries earlier jobs' layers too (reference §8), and a job folder may
have been renamed, so the folder name alone does not say. In order, the first that decides:
1. the user's choice (`--attribute`, the page's selector);
2. the attribute whose `<attr>-metadata` `job-name` is the folder's name;
3. the labeling job's LabelAttributeName, when the service can describe a job of the folder's name;
4. the attribute the workers' answers match: classification answers match a layer with class names
   (the one their labels agree with most), other answers (boxes, video) a layer without;
5. the newest layer by `creation-date` (the job that wrote the manifest added the last layer);
6. else the layer with the most labeled lines: a guess, said as such.
Pure functions over the tables of core.ingest; the service is reached only through `describe`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import pandas as pd

from .metrics import normalize_label

ONLY, OWN_JOB_NAME, CHOSEN = "the only label attribute", "its metadata's job-name is the job's", "chosen"
Describe = Callable[[str], str | None]  # job name -> its LabelAttributeName, None when unknown


@dataclass(frozen=True)
class Layer:
    job: str
    attribute: str
    candidates: tuple[str, ...]  # every attribute of the job's output manifest
    how: str  # how it was decided, in plain words
    guessed: bool = False  # no evidence decided it: the user should check, and may choose

    @property
    def inferred(self) -> bool:
        """Decided by inference (a renamed folder, a missing job-name): worth saying which was used."""
        return self.how not in (ONLY, OWN_JOB_NAME, CHOSEN)

    @property
    def note(self) -> str:
        """One line for the CLI and the page when there was a choice to make."""
        others = ", ".join(a for a in self.candidates if a != self.attribute)
        text = f"{self.job}: workers scored against label attribute {self.attribute!r} ({self.how}; also in " \
               f"its output manifest: {others})"
        return text + (": a guess, choose another if it is wrong" if self.guessed else "")


def _unique_best(scores: dict[str, tuple]) -> str | None:
    if not scores:
        return None
    ranked = sorted(scores.items(), key=lambda kv: kv[1], reverse=True)
    if len(ranked) > 1 and ranked[0][1] == ranked[1][1]:
        return None
    return ranked[0][0]


def _by_answers(rows: pd.DataFrame, answers: pd.DataFrame, candidates: list[str]) -> str | None:
    """The one layer the answers match in shape (class names or not), then in labels."""
    if answers.empty:
        return None
    classify = answers["label"].notna().mean() >= 0.5
    named = {a: rows.loc[rows["attribute"] == a, "class_name"].notna().any() for a in candidates}
    fitting = [a for a in candidates if named[a] == classify]
    if len(fitting) == 1:
        return fitting[0]
    if not classify or len(fitting) < 2:
        return None
    voted = answers.dropna(subset=["label"])
    voted = voted.assign(norm=voted["label"].map({label: normalize_label(label) for label in voted["label"].unique()}))
    scores = {}
    for a in fitting:
        layer = rows[(rows["attribute"] == a) & (rows["status"] == "labeled")]
        names = dict(zip(layer["object_id"], layer["class_name"].map(normalize_label), strict=True))
        scores[a] = ((voted["object_id"].map(names) == voted["norm"]).mean(),)
    return _unique_best(scores)


def _newest(rows: pd.DataFrame, candidates: list[str]) -> str | None:
    """The layer with the latest creation-date, when every layer has one and one is the latest."""
    dates = pd.to_datetime(rows["creation_date"], errors="coerce", utc=True, format="ISO8601")
    latest = {a: dates[rows["attribute"] == a].max() for a in candidates}
    if any(pd.isna(d) for d in latest.values()):
        return None
    return _unique_best({a: (d,) for a, d in latest.items()})


def _most_labeled(rows: pd.DataFrame, candidates: list[str]) -> str:
    labeled = rows[rows["status"] == "labeled"]["attribute"].value_counts()
    return max(candidates, key=lambda a: (labeled.get(a, 0), -candidates.index(a)))


def _decide(job: str, rows: pd.DataFrame, answers: pd.DataFrame, describe: Describe | None) -> Layer:
    candidates = sorted(rows["attribute"].unique())
    found = tuple(candidates)
    if len(candidates) == 1:
        return Layer(job, candidates[0], found, ONLY)
    own = sorted(rows.loc[rows["job_name"] == job, "attribute"].unique())
    if len(own) == 1:
        return Layer(job, own[0], found, OWN_JOB_NAME)
    described = describe(job) if describe else None
    if described in candidates:
        return Layer(job, described, found, "the labeling job's LabelAttributeName")
    matched = _by_answers(rows, answers[answers["job"] == job], candidates)
    if matched:
        return Layer(job, matched, found, "the layer the workers' answers match")
    newest = _newest(rows, candidates)
    if newest:
        return Layer(job, newest, found, "the newest layer by creation-date")
    return Layer(job, _most_labeled(rows, candidates), found, "the most labeled lines", guessed=True)


def choose_layers(labels: pd.DataFrame, answers: pd.DataFrame, chosen: str | None = None,
                  describe: Describe | None = None) -> dict[str, Layer]:
    """The layer of every job with a label attribute. `chosen` wins in each job that has it."""
    out = {}
    for job, rows in labels.groupby("job"):
        candidates = tuple(sorted(rows["attribute"].unique()))
        if chosen is not None and chosen in candidates:
            out[job] = Layer(job, chosen, candidates, CHOSEN)
        else:
            out[job] = _decide(job, rows, answers, describe)
    return out


def unknown_choice(labels: pd.DataFrame, chosen: str | None) -> str | None:
    """Why `chosen` cannot be used (no job has it), naming the attributes there are; else None."""
    found = sorted(labels["attribute"].unique()) if not labels.empty else []
    if chosen is None or chosen in found:
        return None
    return f"no label attribute {chosen!r} in these output manifests; they have: {', '.join(found) or 'none'}"
