"""Files as they arrive from a fetch or a walk, parsed into a Batch of the answer tables' rows."""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from typing import Any

from ..gt.layout import KeyKind, job_name
from ..storage import ObjectInfo, StoreError
from .columnar import BLOCK, Plain
from .rows import Batch, Pending, parse

Arrival = tuple[ObjectInfo, Any]  # a file and its parsed value (core.ingest.rows.parse), or why it could not be read


@contextmanager
def _collector_paused() -> Iterator[None]:
    """The cyclic garbage collector off meanwhile (and on again if it was)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def parse_arrivals(arrivals: Iterable[Arrival], kinds: dict[str, KeyKind], fallback: str,
                   uri_of: Callable[[str], str], failed: dict[str, StoreError]) -> Batch:
    """The rows of every file of `arrivals`, each added as it arrives so its parsed form is freed at
    once; a file that could not be read goes to `failed`. `kinds`: each key's place in the layout;
    `fallback`: the name of a job whose root is the source itself. The cyclic garbage collector is
    paused meanwhile: the parse allocates millions of objects and frees none in cycles, and its
    passes over them were a third of the time."""
    batch = Batch()
    jobs: dict[str, str] = {}  # a job root's name, made once
    block: list[Pending] = []  # worker responses read together (core.ingest.columnar)

    def one_by_one(file: Pending) -> None:
        try:
            value = parse(file.key, file.data, file.kind, bulk=False)
        except Exception as exc:  # a parser bug costs one file, as in the fetch
            failed[file.key] = StoreError(f"cannot read {uri_of(file.key)}: {type(exc).__name__}: {exc}")
            return
        batch.add(file.key, file.version, file.kind, file.job, value)

    with _collector_paused():
        for info, value in arrivals:
            key = info.key
            if isinstance(value, StoreError):  # not kept: the next load tries it again
                failed[key] = value
                continue
            kind = kinds.pop(key)  # classified by the listing, else by the parse; not needed again
            job = jobs.get(kind.root)
            if job is None:
                job = jobs[kind.root] = job_name(kind.root, fallback)
            if kind.kind == "response":  # in its block, read by Arrow (Plain) or already read, in place
                plain = isinstance(value, Plain)
                block.append(Pending(key, info.version, kind, job, value.data if plain else None,
                                     None if plain else value))
                if len(block) >= BLOCK:
                    batch.add_block(block, one_by_one)
                    block = []
                continue
            if block:  # the files before this one keep their place
                batch.add_block(block, one_by_one)
                block = []
            batch.add(key, info.version, kind, job, value)
        batch.add_block(block, one_by_one)
    return batch
