"""What the pages compute once and share between sessions: reports of loaded sources, and a turn
per computation so that visitors asking for the same one at once wait for one result
(core.single_flight) instead of each computing it."""

from __future__ import annotations

from collections.abc import Hashable

import streamlit as st

from core.single_flight import SingleFlight

MAX_LOADED = 16  # sources kept loaded across sessions


@st.cache_resource(show_spinner=False)
def flights() -> SingleFlight:
    """The turns of computations under way, shared by all sessions."""
    return SingleFlight()


def waiting(text: str):
    """What a visitor sees while another visitor's identical computation finishes."""
    return lambda: st.spinner(text)


@st.cache_resource(show_spinner=False)
def _memos() -> dict:
    """(name, id of the data, key) -> (data, result): reports of loaded sources, shared by sessions."""
    return {}


def memoized(name: str, data, key) -> bool:
    """Whether memo(name, data, key, ...) would return at once."""
    return _hit(_memos(), (name, id(data), key), data) is not None


def _hit(memos: dict, slot: tuple, data) -> tuple | None:
    hit = memos.get(slot)
    return hit if hit is not None and hit[0] is data else None  # the same object, not a new one at a reused address


def memo(name: str, data, key: Hashable, compute):
    """compute(), once per loaded `data` and `key`: a page opened again, or rerun by a widget that
    does not change `key`, shows its table at once instead of recomputing it over every answer.
    A refresh loads new data, so nothing stale is ever shown. Sessions asking at once compute it
    once: the later ones wait for the first's result."""
    memos = _memos()
    slot = (name, id(data), key)
    if hit := _hit(memos, slot, data):
        return hit[1]
    with flights().turn(("memo", slot), waiting("Already being computed for another visitor; shown here as soon "
                                                   "as it is ready ...")):
        if hit := _hit(memos, slot, data):  # computed by the session this one waited for
            return hit[1]
        result = compute()
        memos.pop(slot, None)
        memos[slot] = (data, result)
        while len(memos) > 4 * MAX_LOADED:
            memos.pop(next(iter(memos)))
    return result


def digest(mapping: dict | None) -> int:
    """A hashable stand-in for a dict argument (gold labels, names) in a memo key."""
    return hash(frozenset(mapping.items())) if mapping else 0
