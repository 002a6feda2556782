"""What an Athena query will cost before it runs, and its result kept so that running it again over
the same files costs nothing.

Athena bills the bytes a query reads from S3: $5 per TB, each query rounded up to a whole MB with a
10 MB minimum, DDL free (docs/ground-truth.md, Athena). JSON is read whole, so a query over the
worker responses reads every byte of every file in the partitions it touches: the listed sizes are
the estimate, and Athena's DataScannedInBytes after a run is the figure billed.
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

USD_PER_TB = 5.0
TB = 10**12  # AWS prices storage and scanning in decimal units
MB = 10**6
MIN_BYTES = 10 * MB


@dataclass(frozen=True)
class Estimate:
    scanned_bytes: int
    queries: int = 1

    @property
    def billed_bytes(self) -> int:
        """Per query: rounded up to a whole MB, at least 10 MB."""
        per_query = max(MIN_BYTES, math.ceil(self.scanned_bytes / MB) * MB)
        return per_query * self.queries

    @property
    def usd(self) -> float:
        return self.billed_bytes / TB * USD_PER_TB

    def describe(self) -> str:
        each = f"{self.queries} queries reading" if self.queries > 1 else "1 query reading"
        usd = f"{self.usd:,.2f}" if self.usd >= 0.01 else f"{self.usd:.6f}"
        return (f"{each} {size_text(self.scanned_bytes)} each: about ${usd} at ${USD_PER_TB:g} per TB "
                f"(10 MB minimum per query)")


@dataclass(frozen=True)
class Reads:
    """The cost of queries that read different partitions: each part an Estimate of its own."""

    parts: tuple[Estimate, ...]

    @property
    def scanned_bytes(self) -> int:  # the most one query reads
        return max((p.scanned_bytes for p in self.parts), default=0)

    @property
    def queries(self) -> int:
        return sum(p.queries for p in self.parts)

    @property
    def billed_bytes(self) -> int:
        return sum(p.billed_bytes for p in self.parts)

    @property
    def usd(self) -> float:
        return sum(p.usd for p in self.parts)

    def describe(self) -> str:
        if len(self.parts) == 1:
            return self.parts[0].describe()
        usd = f"{self.usd:,.2f}" if self.usd >= 0.01 else f"{self.usd:.6f}"
        return (" and ".join(p.describe().partition(":")[0] for p in self.parts)
                + f": about ${usd} at ${USD_PER_TB:g} per TB (10 MB minimum per query)")


def size_text(n: int) -> str:
    for unit, scale in (("TB", TB), ("GB", 10**9), ("MB", MB), ("kB", 10**3)):
        if n >= scale:
            return f"{n / scale:,.1f} {unit}"
    return f"{n:,} bytes"


def cache_key(sql: str, versions: Iterable[tuple[str, str]]) -> str:
    """The query text and every input file's (key, ETag): the same key is the same result."""
    digest = hashlib.sha256(sql.encode())
    for key, version in sorted(versions):
        digest.update(b"\0" + key.encode() + b"\0" + version.encode())
    return digest.hexdigest()


class ResultCache:
    """Query results as Parquet files named by cache_key, in `folder` (the user cache)."""

    def __init__(self, folder: Path):
        self.folder = folder

    def _path(self, key: str) -> Path:
        return self.folder / f"{key}.parquet"

    def get(self, key: str) -> pd.DataFrame | None:
        path = self._path(key)
        return pd.read_parquet(path) if path.is_file() else None

    def put(self, key: str, frame: pd.DataFrame) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        partial = self._path(key).with_suffix(".partial")
        frame.to_parquet(partial, index=False)
        partial.replace(self._path(key))  # whole or not at all, for a reader in another process
