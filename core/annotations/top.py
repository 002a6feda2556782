"""The largest part of a report, for a chart to draw: a chart of thousands of classes or workers
is neither readable nor quick, so a page draws the top N and pages through the rest, or folds the
rest into one "Other" row, and offers the whole report as CSV."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

OTHER = "Other classes"


def pages(count: int, size: int) -> list[tuple[int, int]]:
    """(first, last) 1-based of each page of `size` among `count` items."""
    return [(start + 1, min(start + size, count)) for start in range(0, count, size)] or [(0, 0)]


def page_of(order: list[str], page: int, size: int) -> list[str]:
    """The names on page `page` (0-based) of `order`, `size` a page; past the end, the last page."""
    last = max(math.ceil(len(order) / size) - 1, 0)
    start = min(max(page, 0), last) * size
    return order[start:start + size]


def fold_confusion(matrix: pd.DataFrame, n: int) -> pd.DataFrame:
    """A confusion matrix (reference rows, answer columns, counts) with only its `n` most used
    classes by name and every other class's counts added up in OTHER: no count is dropped."""
    used = matrix.sum(axis=1).add(matrix.sum(axis=0), fill_value=0)
    if len(used) <= n:
        return matrix
    top = used.sort_values(ascending=False, kind="stable").index[:n].tolist()
    # As an array: a list of names would be taken for column names to group by.
    keep = lambda labels: np.array([label if label in top else OTHER for label in labels], dtype=object)  # noqa: E731
    folded = matrix.groupby(keep(matrix.index), sort=False).sum(min_count=1)
    folded = folded.T.groupby(keep(folded.columns), sort=False).sum(min_count=1).T
    order = [label for label in top if label in folded.index] + ([OTHER] if OTHER in folded.index else [])
    columns = [label for label in top if label in folded.columns] + ([OTHER] if OTHER in folded.columns else [])
    return folded.loc[order, columns]


def top_square(matrix: pd.DataFrame, weight: pd.Series, n: int) -> pd.DataFrame:
    """A square matrix (worker by worker) cut to the `n` rows and columns of most `weight` (ties by
    name), in that order."""
    if len(matrix) <= n:
        return matrix
    ranked = weight.reindex(matrix.index).fillna(0).rename("w").reset_index()
    ranked.columns = ["name", "w"]
    top = ranked.sort_values(["w", "name"], ascending=[False, True], kind="stable")["name"].head(n).tolist()
    return matrix.loc[top, top]
