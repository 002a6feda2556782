"""The top N of a report for a chart (core.annotations.top): pages of names, a confusion matrix
folded without losing a count, a worker matrix cut to its busiest workers."""

from __future__ import annotations

import numpy as np
import pandas as pd

from core.annotations.top import OTHER, fold_confusion, page_of, pages, top_square


def test_pages_and_a_page_past_the_end():
    assert pages(65, 30) == [(1, 30), (31, 60), (61, 65)]
    assert pages(0, 30) == [(0, 0)]
    names = [f"c{i}" for i in range(65)]
    assert page_of(names, 2, 30) == names[60:]
    assert page_of(names, 9, 30) == names[60:]  # a link to a page that is gone: the last one


def test_a_folded_confusion_matrix_keeps_every_count():
    labels = ["a", "b", "c", "d"]
    matrix = pd.DataFrame([[9, 1, 0, 0], [2, 7, 0, 1], [0, 0, 1, 0], [0, 1, 0, 1]], index=labels, columns=labels)
    folded = fold_confusion(matrix, 2)
    assert folded.index.tolist() == ["a", "b", OTHER] and folded.columns.tolist() == ["a", "b", OTHER]
    assert folded.to_numpy().sum() == matrix.to_numpy().sum()
    assert folded.loc["b", OTHER] == 1 and folded.loc[OTHER, "b"] == 1 and folded.loc[OTHER, OTHER] == 2
    assert fold_confusion(matrix, 4) is matrix


def test_a_worker_matrix_keeps_the_busiest_workers_in_order():
    workers = ["w1", "w2", "w3", "w4"]
    matrix = pd.DataFrame(np.arange(16.0).reshape(4, 4), index=workers, columns=workers)
    answered = pd.Series({"w1": 5, "w2": 50, "w3": 50, "w4": 1})
    top = top_square(matrix, answered, 3)
    assert top.index.tolist() == top.columns.tolist() == ["w2", "w3", "w1"]
    assert top.loc["w3", "w1"] == matrix.loc["w3", "w1"]
