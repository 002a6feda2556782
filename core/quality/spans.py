"""Named-entity spans (Ground Truth's `entities`: label, startOffset, endOffset), compared with
a reference as F1, by exact match or by overlap.

Offsets are half-open character ranges [start, end), as Python slices: 'cat' at 0 has end 3.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from typing import NamedTuple

import numpy as np

from .matching import Counts, assign


class Span(NamedTuple):
    label: str
    start: int
    end: int


def as_spans(spans: Iterable) -> list[Span]:
    """Spans from (label, start, end) tuples or Ground Truth entity dicts."""
    out = []
    for s in spans:
        span = Span(s["label"], int(s["startOffset"]), int(s["endOffset"])) if isinstance(s, dict) else Span(*s)
        if span.end < span.start:
            raise ValueError(f"span {span} ends before it starts")
        out.append(span)
    return out


def exact_counts(reference: Iterable, predicted: Iterable) -> Counts:
    """A predicted span counts when a reference span has the same label, start and end; a span
    given twice matches at most as many times as the other side has it."""
    ref, pred = Counter(as_spans(reference)), Counter(as_spans(predicted))
    return Counts(sum((ref & pred).values()), sum(ref.values()), sum(pred.values()))


def overlap_counts(reference: Iterable, predicted: Iterable) -> Counts:
    """One-to-one matching of spans with the same label that share at least one character; the
    matching has the most pairs, ties broken by the larger character Jaccard."""
    ref, pred = as_spans(reference), as_spans(predicted)
    if not ref or not pred:
        return Counts(0, len(ref), len(pred))
    r_start, r_end = (np.array([getattr(s, k) for s in ref])[:, None] for k in ("start", "end"))
    p_start, p_end = (np.array([getattr(s, k) for s in pred])[None, :] for k in ("start", "end"))
    shared = np.clip(np.minimum(r_end, p_end) - np.maximum(r_start, p_start), 0, None)
    same_label = np.array([s.label for s in ref], dtype=object)[:, None] == np.array(
        [s.label for s in pred], dtype=object)[None, :]
    union = (r_end - r_start) + (p_end - p_start) - shared
    rows, _ = assign(shared / np.maximum(union, 1), (shared > 0) & same_label)
    return Counts(len(rows), len(ref), len(pred))
