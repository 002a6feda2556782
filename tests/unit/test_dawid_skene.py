"""core.dawid_skene against crowd-kit's DawidSkene, the maintained implementation it replaces for
speed: the same posteriors, labels, confusion tables and iterations, on the real birds job and on
generated answers with ties, one-answer objects, workers who gave one label only, and many classes."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from test_metrics import load

from core import dawid_skene, reliability


def _crowdkit(triples: pd.DataFrame):
    from crowdkit.aggregation import DawidSkene

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", FutureWarning)
        return DawidSkene(n_iter=reliability.N_ITER, tol=reliability.TOL).fit(triples[["task", "worker", "label"]])


def _same(triples: pd.DataFrame) -> None:
    ours = dawid_skene.fit(triples, reliability.N_ITER, reliability.TOL)
    theirs = _crowdkit(triples)
    assert len(ours.loss_history_) == len(theirs.loss_history_)
    np.testing.assert_allclose(ours.loss_history_, theirs.loss_history_, rtol=1e-9)
    expected = theirs.probas_.sort_index()[list(ours.probas_.columns)]
    assert list(expected.index) == list(ours.probas_.index)
    np.testing.assert_allclose(ours.probas_.to_numpy(), expected.to_numpy(), rtol=1e-7, atol=1e-12)
    pd.testing.assert_series_equal(ours.labels_.sort_index(), theirs.labels_.sort_index(), check_names=False,
                                   check_index_type=False)
    errors = theirs.errors_.sort_index()[list(ours.errors_.columns)]
    assert list(errors.index) == list(ours.errors_.sort_index().index)
    np.testing.assert_allclose(ours.errors_.sort_index().to_numpy(), errors.to_numpy(), rtol=1e-7, atol=1e-12)


def test_the_birds_job_is_fitted_as_crowd_kit_fits_it(birds_dir):
    _same(reliability.classification_answers(load(birds_dir).answers))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_generated_answers_are_fitted_as_crowd_kit_fits_them(seed):
    rng = np.random.default_rng(seed)
    classes = [f"class {c}" for c in range(rng.integers(2, 12))]
    rows = []
    for task in range(400):
        truth = rng.integers(len(classes))
        for worker in rng.choice(60, size=rng.integers(1, 6), replace=False):  # 1 to 5 answers an object
            right = rng.random() < 0.5 + worker / 130  # workers from a coin flip to nearly always right
            rows.append((f"job/{task}", f"w{worker}", classes[truth if right else rng.integers(len(classes))]))
    rows += [("job/tie", "w0", classes[0]), ("job/tie", "w1", classes[1])]  # a tie the prior decides
    rows += [("job/lone", "w99", classes[-1])]  # a worker with one answer, one label
    triples = pd.DataFrame(rows, columns=["task", "worker", "label"]).sort_values(["task", "worker", "label"])
    _same(triples.reset_index(drop=True))


def test_one_label_only_is_certain():
    triples = pd.DataFrame({"task": ["a", "a", "b"], "worker": ["x", "y", "x"], "label": ["Cat", "Cat", "Cat"]})
    fitted = dawid_skene.fit(triples, reliability.N_ITER, reliability.TOL)
    assert fitted.labels_.to_dict() == {"a": "Cat", "b": "Cat"}
    assert fitted.probas_["Cat"].tolist() == [1.0, 1.0]
