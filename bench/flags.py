"""Benchmark: core.flags on random answers of equally good workers, where every flag is a false one.

Run by hand from the repository root:  python bench/flags.py [--answers 1000000] [--seeds 1 2 3]

Per seed: `answers` classification answers, 5 a object, 20 jobs, 10 classes, 500 workers drawn at
random for each answer, each right 90 % of the time (else a random class), spread over 30 days,
times lognormal around 4 s; no output manifest, so each answer is compared with the majority.
Reported: CPU seconds of find_flags, the process's peak memory, and every flag (none is deserved:
the workers are alike). This is a measurement, not a test: it asserts nothing.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core import flags  # noqa: E402
from core.ingest import ANSWER_COLUMNS, LABEL_COLUMNS  # noqa: E402

WORKERS, JOBS, CLASSES, DAYS, PER_OBJECT = 500, 20, 10, 30, 5


def random_answers(n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    obj = np.repeat(np.arange(n // PER_OBJECT), PER_OBJECT)[:n]
    truth = rng.integers(0, CLASSES, obj.max() + 1)
    label = np.where(rng.random(len(obj)) < 0.9, truth[obj], rng.integers(0, CLASSES, len(obj)))
    seconds = np.sort(rng.integers(0, DAYS * 86_400, len(obj)))
    frame = pd.DataFrame({col: None for col in ANSWER_COLUMNS}, index=range(len(obj)))
    return frame.assign(
        job=(obj % JOBS).astype(str), object_id=obj.astype(str), label=label.astype(str),
        worker_id=pd.Series(rng.integers(0, WORKERS, len(obj))).map(lambda w: f"worker-{w:03d}"),
        task="crowd-image-classifier", time_spent_s=rng.lognormal(1.3, 0.4, len(obj)),
        submission_time=pd.Timestamp("2026-03-01", tz="UTC") + pd.to_timedelta(seconds, unit="s"))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--answers", type=int, default=1_000_000)
    p.add_argument("--seeds", type=int, nargs="+", default=[1, 2, 3])
    args = p.parse_args()
    no_manifest = pd.DataFrame(columns=LABEL_COLUMNS)
    for seed in args.seeds:
        answers = random_answers(args.answers, seed)
        start = time.process_time()
        found = flags.find_flags(answers, no_manifest)
        cpu = time.process_time() - start
        worker_days = answers.groupby(["worker_id", answers["submission_time"].dt.date]).ngroups
        print(f"seed {seed}: {len(answers):,} answers, {worker_days:,} worker-days, {cpu:.1f} s CPU, "
              f"{len(found)} flag(s), peak {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:,.0f} MB")
        for flag in found:
            print(f"  {flag.reason}")


if __name__ == "__main__":
    main()
