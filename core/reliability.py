"""Reliability without gold: each worker's reliability and each object's most likely label, from
the redundant classification answers alone, by Dawid-Skene: crowd-kit's `DawidSkene` (the 1979 EM),
step for step in numpy (core.dawid_skene, 20 times faster at a million answers; tested against
crowd-kit's own fit).

What the model sees: one (object, worker, label) triple per classification answer, labels
normalized as the worker table compares them (metrics.normalize_label). Answers without a single
label (boxes, masks, spans, video) are not in it. An object is a (job, datasetObjectId) pair, the
datasetObjectId being the object's 0-based line in the input manifest (docs/ground-truth.md §1): the
same image in two jobs is two objects. Ground Truth's own answer is the consolidated label, the
`class-name` of the job's label attribute in the output manifest (§3); how the built-in
consolidation weighs workers is described only in general terms (§4, "the exact formula is
UNCONFIRMED"), which is why an estimate we can explain is shown beside it.

Deterministic: the EM starts from the majority vote (no random start) and runs at most
N_ITER iterations, stopping when the evidence lower bound gains less than TOL; the triples are
sorted before fitting, so the result does not depend on the order the files were read in.

A worker's estimated reliability is the expected share of their answers that are right under the
fitted model: the sum, over their answers, of the posterior probability that the object's true label
is the one they gave, over the number of answers. That equals the diagonal of their fitted
confusion matrix weighted by the classes of the objects they actually saw, so a worker who never saw
a class is not scored on the model's arbitrary column for it (with 10 classes and ~15 answers a
worker, as in the 2019 birds job, most columns are unseen).

Its uncertainty is a Jeffreys interval, Beta(k + 1/2, n - k + 1/2) at 2.5 % and 97.5 %, where k is
that expected count of right answers and n the answers. Why not a bootstrap over objects: it refits
the model per resample (hundreds of fits), too slow for a page that recomputes on every selection,
and the worker's own number of answers is the main source of doubt (a worker with 3 answers gets a
wide interval, one with 300 a narrow one). What it leaves out: the doubt in the fitted labels
themselves (it takes the posteriors as known), so it is narrower than a full bootstrap would be.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import dawid_skene, metrics
from .gold import gold_of

# crowd-kit's own defaults, kept: the estimate is crowd-kit's.
N_ITER = 100
TOL = 1e-5
LEVEL = 0.95

WORKER_COLUMNS = ["worker_id", "answers", "reliability", "reliability_low", "reliability_high"]
JOB_WORKER_COLUMNS = ["job", *WORKER_COLUMNS]
OBJECT_COLUMNS = ["job", "object_id", "source", "answers", "estimate", "confidence", "consolidated", "majority",
                  "gold", "disagrees"]


@dataclass(frozen=True)
class Reliability:
    """What Dawid-Skene estimated over one selection of answers."""

    workers: pd.DataFrame  # WORKER_COLUMNS, most answers first, then worker_id
    objects: pd.DataFrame  # OBJECT_COLUMNS, in the order of metrics.consensus (manifest lines first)
    iterations: int  # EM iterations run (at most N_ITER)
    # The same fit's reliability per (job, worker): the worker's answers in that job alone, for tables
    # with a row per job and worker (the Annotations page's quality table). Job, then WORKER_COLUMNS' order.
    job_workers: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=JOB_WORKER_COLUMNS))

    @property
    def disagreements(self) -> pd.DataFrame:
        """Objects whose estimated label differs from Ground Truth's consolidated label, the most
        confident estimates first: the first ones to audit."""
        rows = self.objects[self.objects["disagrees"]]
        return rows.sort_values(["confidence", "job", "object_id"], ascending=[False, True, True], kind="stable")

    def accuracies(self) -> dict | None:
        """Against gold, over exactly the objects that have a gold label (None without any): the share
        of them where Ground Truth's consolidated label, the plain majority vote (a tie has none) and
        the Dawid-Skene estimate equal the gold label. A missing label (no consolidation, a tie, no
        answers) counts as wrong, so the three shares have the same denominator."""
        scored = self.objects[self.objects["gold"].notna()]
        if scored.empty:
            return None
        n = len(scored)
        out = {"objects": n}
        for method in ("consolidated", "majority", "estimate"):
            out[method] = float((scored[method] == scored["gold"]).sum() / n)
        out["majority_ties"] = int((scored["answers"] > 0).sum() - scored["majority"].notna().sum())
        return out


def classification_answers(answers: pd.DataFrame) -> pd.DataFrame:
    """task (job/object_id), worker, label: one row per answer with a single label, normalized;
    sorted, so the fit does not depend on the reading order."""
    norms = {label: metrics.normalize_label(label) for label in answers["label"].dropna().unique()}
    triples = pd.DataFrame({"job": answers["job"], "object_id": answers["object_id"],
                            "worker": answers["worker_id"], "label": answers["label"].map(norms)})
    triples = triples.dropna()
    triples["task"] = triples["job"].astype(str) + "/" + triples["object_id"].astype(str)
    return triples.sort_values(["task", "worker", "label"], kind="stable").reset_index(drop=True)


def has_classification(answers: pd.DataFrame) -> bool:
    """Whether any answer carries a single label (what the estimate needs)."""
    return bool(answers["label"].notna().any()) if "label" in answers else False


def _jeffreys(right: np.ndarray, n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    from scipy.stats import beta

    tail = (1 - LEVEL) / 2
    low, high = beta.ppf(tail, right + 0.5, n - right + 0.5), beta.ppf(1 - tail, right + 0.5, n - right + 0.5)
    # Jeffreys' equal-tailed interval leaves out 0 at k = 0 and 1 at k = n; as Brown, Cai and DasGupta
    # (2001) advise, it is widened to hold the estimate itself.
    share = right / n
    return np.minimum(low, share), np.maximum(high, share)


def reliability_rows(scored: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
    """Per `keys` group of answers (each with `right`, its chance of being right): the answers, the
    reliability (the mean of `right`) and its Jeffreys interval; the most answers first."""
    per = scored.groupby(keys, sort=True)["right"].agg(answers="size", right="sum").reset_index()
    per["reliability"] = per["right"] / per["answers"]
    per["reliability_low"], per["reliability_high"] = _jeffreys(per["right"].to_numpy(),
                                                                per["answers"].to_numpy(dtype=float))
    order = [*keys[:-1], "answers", keys[-1]]
    ascending = [True] * (len(keys) - 1) + [False, True]
    per = per.sort_values(order, ascending=ascending, kind="stable").reset_index(drop=True)
    return per[[*keys[:-1], *WORKER_COLUMNS]]


def _fit(triples: pd.DataFrame) -> dawid_skene.Fitted:
    return dawid_skene.fit(triples, N_ITER, TOL)


def answer_posteriors(answers: pd.DataFrame) -> pd.Series:
    """Per answer (answers' index): the fitted chance that the object's true label is the label the
    answer gave (what a worker's reliability averages); NaN for an answer without a single label."""
    out = pd.Series(np.nan, index=answers.index, dtype=float)
    triples = classification_answers(answers)
    if triples.empty:
        return out
    posterior = _fit(triples).probas_
    norms = {label: metrics.normalize_label(label) for label in answers["label"].dropna().unique()}
    tasks = answers["job"].astype(str) + "/" + answers["object_id"].astype(str)
    rows = posterior.index.get_indexer(tasks)
    codes = posterior.columns.get_indexer(answers["label"].map(norms))
    known = (rows >= 0) & (codes >= 0)
    out[known] = posterior.to_numpy()[rows[known], codes[known]]
    return out


def estimate(answers: pd.DataFrame, labels: pd.DataFrame, objects: pd.DataFrame, gold: dict[str, str] | None = None,
             attributes: dict[str, str] | None = None) -> Reliability:
    """Dawid-Skene over the classification answers of a selection (the frames core.workers.Selection
    gives), beside Ground Truth's consolidated label and the plain majority vote of each object
    (metrics.consensus, the same as the worker table's agreement columns) and its gold label, when
    `gold` ({source or ImageId: label}, core.gold.read_gold) has one."""
    triples = classification_answers(answers)
    consensus = metrics.consensus(answers, labels, attributes)
    consensus["task"] = consensus["job"].astype(str) + "/" + consensus["object_id"].astype(str)
    if triples.empty:
        workers, job_workers = pd.DataFrame(columns=WORKER_COLUMNS), pd.DataFrame(columns=JOB_WORKER_COLUMNS)
        posterior, labels_, iterations = pd.DataFrame(), pd.Series(dtype=object), 0
    else:
        model = _fit(triples)
        posterior, labels_, iterations = model.probas_, model.labels_, len(model.loss_history_)
        # P(true label = the answer given), per answer: the model's chance that the answer is right.
        codes = posterior.columns.get_indexer(triples["label"])
        rows = posterior.index.get_indexer(triples["task"])
        right = pd.Series(posterior.to_numpy()[rows, codes], index=triples.index)
        scored = pd.DataFrame({"job": triples["job"], "worker_id": triples["worker"], "right": right})
        workers = reliability_rows(scored, ["worker_id"])
        job_workers = reliability_rows(scored, ["job", "worker_id"])

    out = consensus[["job", "object_id", "consolidated", "majority", "task"]].copy()
    counts = triples.groupby("task").size()
    out["answers"] = out["task"].map(counts).fillna(0).astype(int)
    out["estimate"] = out["task"].map(labels_).astype(object)
    out["confidence"] = out["task"].map(posterior.max(axis=1)) if not posterior.empty else np.nan
    first = objects.drop_duplicates(["job", "object_id"]) if not objects.empty else objects
    sources = first.assign(task=first["job"].astype(str) + "/" + first["object_id"].astype(str)).set_index("task")
    out["source"] = out["task"].map(sources["source"]) if not sources.empty else None
    out["gold"] = None
    if gold:
        normalized = pd.Series(gold, dtype=object).map(metrics.normalize_label)
        known = out["source"].notna()
        out.loc[known, "gold"] = gold_of(out.loc[known, "source"].astype(object), normalized).to_numpy()
    out["gold"] = out["gold"].astype(object).where(out["gold"].notna(), None)
    out["disagrees"] = out["estimate"].notna() & out["consolidated"].notna() & (out["estimate"] != out["consolidated"])
    return Reliability(workers, out[OBJECT_COLUMNS].reset_index(drop=True), iterations, job_workers)


def summary_line(acc: dict | None) -> str:
    """The three accuracies against gold in one line (or why there are none)."""
    if acc is None:
        return "no gold labels for these objects: accuracies not computed (--gold FILE)"
    ties = f"; {acc['majority_ties']} tie(s) without a majority, counted wrong" if acc["majority_ties"] else ""
    return (f"against gold, over the {acc['objects']:,} objects with a gold label: Ground Truth's consolidated "
            f"{acc['consolidated']:.1%}, plain majority vote {acc['majority']:.1%}, Dawid-Skene estimate "
            f"{acc['estimate']:.1%}{ties}")


def accuracy_sentence(acc: dict | None) -> str | None:
    """The three accuracies against gold as a page says them (None without gold)."""
    if acc is None:
        return None
    ties = f" ({acc['majority_ties']:,} tie(s) without a majority count as wrong)" if acc["majority_ties"] else ""
    return (f"Against gold, over the {acc['objects']:,} object(s) with a gold label: Ground Truth's consolidation "
            f"{acc['consolidated']:.1%} right, a plain majority vote {acc['majority']:.1%}{ties}, the estimate "
            f"{acc['estimate']:.1%}.")
