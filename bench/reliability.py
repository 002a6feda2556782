"""Benchmark: the Workers page's reliability estimate (Dawid-Skene) at 100k and 1M answers, ours
(core.dawid_skene) against crowd-kit's DawidSkene on the same triples, side by side in one run.

Run by hand from the repository root, on the synthetic output bench/scale.py makes under --data:
    python bench/reliability.py [--sizes 100k,1m] [--data /tmp/gc-scale] [--no-crowdkit]

Each size is read once through the answer cache (untimed), then in this process: the triples
(core.reliability.classification_answers), our fit, crowd-kit's fit, and the whole estimate the page
runs (core.reliability.estimate), each with its CPU seconds (user+sys, this process and its threads)
and wall time. It also says whether the two fits agree (largest difference in a posterior). This is
a measurement, not a test: it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
import warnings
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from core import dawid_skene, reliability  # noqa: E402
from core.ingest import SourceReader  # noqa: E402
from core.storage import open_location  # noqa: E402


def timed(label: str, fn):
    t0, w0 = os.times(), time.perf_counter()
    out = fn()
    t1 = os.times()
    cpu = (t1.user - t0.user) + (t1.system - t0.system)
    print(f"  {label:<28} {cpu:7.2f} s CPU {time.perf_counter() - w0:7.2f} s wall", flush=True)
    return out


def crowdkit_fit(triples):
    from crowdkit.aggregation import DawidSkene

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return DawidSkene(n_iter=reliability.N_ITER, tol=reliability.TOL).fit(triples[["task", "worker", "label"]])


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--sizes", default="100k,1m")
    p.add_argument("--data", default="/tmp/gc-scale")
    p.add_argument("--no-crowdkit", action="store_true", help="skip crowd-kit's fit (minutes at 1M on a busy machine)")
    args = p.parse_args()
    cache = Path(tempfile.mkdtemp(prefix="gc-bench-rel-"))
    for size in args.sizes.split(","):
        measure(size, Path(args.data) / size, cache, not args.no_crowdkit)


def measure(size: str, root: Path, cache: Path, with_crowdkit: bool) -> None:
    data = SourceReader(open_location(str(root)), cache_root=cache).load(keep=False)
    print(f"{size}: {len(data.answers):,} answers, {data.answers['worker_id'].nunique()} workers")
    triples = timed("triples", lambda: reliability.classification_answers(data.answers))
    ours = timed("fit, ours (numpy)", lambda: dawid_skene.fit(triples, reliability.N_ITER, reliability.TOL))
    print(f"  {len(ours.loss_history_)} iterations")
    if with_crowdkit:
        theirs = timed("fit, crowd-kit", lambda: crowdkit_fit(triples))
        gap = (ours.probas_ - theirs.probas_.reindex(index=ours.probas_.index, columns=ours.probas_.columns)).abs()
        print(f"  largest posterior difference: {gap.to_numpy().max():.2e}; "
              f"{len(theirs.loss_history_)} iterations for crowd-kit")
    timed("estimate (the page's)", lambda: reliability.estimate(data.answers, data.labels, data.objects))


if __name__ == "__main__":
    main()
