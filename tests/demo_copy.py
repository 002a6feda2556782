"""A test's own copy of the session's demo, made in a second or two instead of a build's eight."""

from __future__ import annotations

import os
import shutil
from pathlib import Path


def copy_demo(source: Path, target: Path) -> Path:
    """`source` (a built demo) as `target`, without what other tests sent (its outbox) or wrote as
    Ground Control (audit lines, digests, saved races).

    The buckets are hard links: the simulator and every store write a bucket's object as a new file
    (exclusive create, or a temporary file renamed over it), never into an existing one, so a test's
    writes cannot reach the session's demo. Its state files are rewritten in place: copied."""
    shutil.copytree(source / "buckets", target / "buckets", copy_function=os.link,
                    ignore=shutil.ignore_patterns("_ground-control"))
    shutil.copytree(source / "state", target / "state")
    return target
