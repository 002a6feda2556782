"""NER span F1, exact and overlapping (core.quality.spans), against cases computed by hand."""

from __future__ import annotations

import math

import pytest

from core.quality.matching import Counts
from core.quality.spans import Span, as_spans, exact_counts, overlap_counts

# "Jeff Bezos founded Amazon in Seattle": PER [0,10), ORG [19,25), LOC [29,36).
REF = [("PER", 0, 10), ("ORG", 19, 25), ("LOC", 29, 36)]


def test_exact_by_hand():
    # PER right; ORG one character short; LOC labeled ORG; an extra MISC.
    pred = [("PER", 0, 10), ("ORG", 19, 24), ("ORG", 29, 36), ("MISC", 11, 18)]
    c = exact_counts(REF, pred)
    assert c == Counts(1, 3, 4)
    assert c.precision == 0.25 and c.recall == pytest.approx(1 / 3)
    assert c.f1 == pytest.approx(2 / 7)  # 2*1 / (3 + 4)


def test_overlap_by_hand():
    # Same prediction, overlap: PER and the short ORG both count; LOC-as-ORG differs in label.
    pred = [("PER", 0, 10), ("ORG", 19, 24), ("ORG", 29, 36), ("MISC", 11, 18)]
    c = overlap_counts(REF, pred)
    assert c == Counts(2, 3, 4) and c.f1 == pytest.approx(4 / 7)


def test_overlap_is_one_to_one():
    # One long predicted PER over two reference PERs counts once: tp 1, recall 1/2.
    c = overlap_counts([("PER", 0, 4), ("PER", 5, 9)], [("PER", 0, 9)])
    assert c == Counts(1, 2, 1) and c.recall == 0.5
    # Two predictions inside one reference span: one match, one false positive.
    assert overlap_counts([("PER", 0, 9)], [("PER", 0, 4), ("PER", 5, 9)]) == Counts(1, 1, 2)


def test_touching_spans_do_not_overlap():
    # Half-open ranges: [0,4) and [4,8) share no character.
    assert overlap_counts([("PER", 0, 4)], [("PER", 4, 8)]).tp == 0


def test_overlap_most_pairs():
    # ref a [0,10), b [10,12); pred x [8,11) overlaps both, y [0,2) only a. Two matches: a-y, b-x.
    assert overlap_counts([("T", 0, 10), ("T", 10, 12)], [("T", 8, 11), ("T", 0, 2)]).tp == 2


def test_identical_and_empty():
    assert exact_counts(REF, REF).f1 == 1.0 and overlap_counts(REF, list(reversed(REF))).f1 == 1.0
    assert exact_counts([], []).f1 == 1.0 and overlap_counts([], []).f1 == 1.0
    missed = overlap_counts(REF, [])
    assert missed.f1 == 0.0 and missed.recall == 0.0 and math.isnan(missed.precision)


def test_duplicates_match_once_each():
    # The same span twice in the prediction, once in the reference: one match, one false positive.
    assert exact_counts([("PER", 0, 4)], [("PER", 0, 4), ("PER", 0, 4)]) == Counts(1, 1, 2)
    assert overlap_counts([("PER", 0, 4)], [("PER", 0, 4), ("PER", 0, 4)]) == Counts(1, 1, 2)


def test_ground_truth_entities():
    entities = [{"label": "PER", "startOffset": 0, "endOffset": 10}]
    assert as_spans(entities) == [Span("PER", 0, 10)]
    assert exact_counts(entities, [("PER", 0, 10)]).f1 == 1.0
    with pytest.raises(ValueError, match="ends before"):
        as_spans([("PER", 5, 2)])
