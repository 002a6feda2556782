"""Dawid-Skene (1979) on integer codes with numpy: the EM crowd-kit's `DawidSkene` runs, step for step,
in a few array passes an iteration instead of pandas joins and group-bys over every answer.

Why our own: at a million answers crowd-kit 1.4.2 took 22 s of the Workers page's first open (each
iteration joins and groups the million rows three times); these passes take about a second. The steps
are crowd-kit's exactly, so the figures are the same to rounding (tests/unit/test_dawid_skene.py fits
both on the same answers):
- start from the majority vote: each object's share of answers per label;
- M-step: a worker's confusion counts, per (worker, label given), the sum over their answers of the
  object's label probabilities; clipped below at EPS, only for the labels the worker gave, and
  normalized over those per true label;
- E-step: per object, log2 of the prior (clipped at EPS) plus the sum of log2 of its answers'
  confusion rows, turned into probabilities (shifted by the row's maximum first, for precision);
- the evidence lower bound per answer after each iteration, crowd-kit's way (natural logs, the prior
  counted once per answer, the probabilities clipped at EPS in place before their entropy); the EM
  stops when it gains less than `tol`.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

EPS = 1e-10  # crowd-kit's _EPS


@dataclass(frozen=True)
class Fitted:
    """What crowd-kit's fitted model holds, under its names."""

    probas_: pd.DataFrame  # per task (index), per label (columns, sorted): P(true label)
    labels_: pd.Series  # per task: the most probable label (the first in label order on a tie)
    errors_: pd.DataFrame  # per (worker, label given), per true label: the fitted confusion
    loss_history_: list[float]


def fit(triples: pd.DataFrame, n_iter: int, tol: float) -> Fitted:
    """The fit of `triples` (task, worker, label; one row per answer)."""
    t, tasks = pd.factorize(triples["task"], sort=True)
    w, workers = pd.factorize(triples["worker"], sort=True)
    g, labels = pd.factorize(triples["label"], sort=True)
    n_tasks, n_labels, n = len(tasks), len(labels), len(triples)
    pair = w * n_labels + g  # (worker, label given), a row of the confusion table
    observed = np.bincount(pair, minlength=len(workers) * n_labels) > 0
    per_task = np.bincount(t, minlength=n_tasks).astype(float)

    probas = np.bincount(t * n_labels + g, minlength=n_tasks * n_labels).reshape(n_tasks, n_labels) / per_task[:, None]
    priors = probas.mean(axis=0)
    sums, errors = _m_step(probas, t, pair, observed, n_labels)
    loss, history = -np.inf, []
    for _ in range(n_iter):
        probas = _e_step(priors, errors, t, pair, n_tasks)
        priors = probas.mean(axis=0)
        sums, errors = _m_step(probas, t, pair, observed, n_labels)
        new_loss = _lower_bound(probas, priors, sums, errors, per_task, observed) / n
        history.append(new_loss)
        if new_loss - loss < tol:
            break
        loss = new_loss

    index = pd.Index(tasks, name="task")
    columns = pd.Index(labels, name="label")
    rows = np.flatnonzero(observed)
    confusion = pd.DataFrame(errors[rows], columns=columns, index=pd.MultiIndex.from_arrays(
        [workers[rows // n_labels], labels[rows % n_labels]], names=["worker", "label"]))
    return Fitted(pd.DataFrame(probas, index=index, columns=columns),
                  pd.Series(labels[probas.argmax(axis=1)], index=index), confusion, history)


def _m_step(probas: np.ndarray, t: np.ndarray, pair: np.ndarray, observed: np.ndarray,
            n_labels: int) -> tuple[np.ndarray, np.ndarray]:
    """(the summed probabilities per confusion row, the normalized confusion table): rows a worker
    never gave are zero in both and never read."""
    sums = np.stack([np.bincount(pair, weights=probas[t, k], minlength=len(observed)) for k in range(n_labels)],
                    axis=1)
    table = np.where(observed[:, None], np.maximum(sums, EPS), 0.0).reshape(-1, n_labels, n_labels)
    table /= table.sum(axis=1, keepdims=True)
    return sums, table.reshape(-1, n_labels)


def _e_step(priors: np.ndarray, errors: np.ndarray, t: np.ndarray, pair: np.ndarray, n_tasks: int) -> np.ndarray:
    logs = np.log2(errors[pair])  # every row read was given, so no zero is taken a log of
    likelihood = np.stack([np.bincount(t, weights=logs[:, k], minlength=n_tasks) for k in range(logs.shape[1])],
                          axis=1) + np.log2(np.maximum(priors, EPS))
    scaled = np.exp2(likelihood - likelihood.max(axis=1, keepdims=True))
    return scaled / scaled.sum(axis=1, keepdims=True)


def _lower_bound(probas: np.ndarray, priors: np.ndarray, sums: np.ndarray, errors: np.ndarray,
                 per_task: np.ndarray, observed: np.ndarray) -> float:
    """crowd-kit's evidence lower bound (not divided by the answers). The expectation over answers of
    log confusion plus log prior is summed per confusion row (`sums` holds the probabilities summed
    over each row's answers) and per object. `probas` is clipped at EPS in place, as crowd-kit does."""
    expectation = float((sums[observed] * np.log(errors[observed])).sum())
    expectation += float(((probas * per_task[:, None]).sum(axis=0) * np.log(np.maximum(priors, EPS))).sum())
    np.maximum(probas, EPS, out=probas)
    return expectation - float((np.log(probas) * probas).sum())
