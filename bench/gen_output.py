"""Synthetic private-workforce Ground Truth output in the real layout, for bench/scale.py.

    <root>/<job>/annotations/worker-response/iteration-1/<object id>/<YYYY-MM-DD_HH:MM:SS>.json
    <root>/<job>/manifests/output/output.manifest

Image classification, 1-5 answers per object, one shared team of 50-500 workers of uneven pace
and accuracy, answers spread over the working hours of ten days per job. Deterministic for a seed.
The JSON is built from string templates and written with plain open/write: json.dumps and
pathlib would make generating a million answers take several times longer.

Run alone:  python bench/gen_output.py DIR --answers 10000
"""

from __future__ import annotations

import argparse
import json
import math
import os
import random
import shutil
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

VERSION = 1  # bump when the output changes: a folder made by another version is made again
REGION = "us-east-1"
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{REGION}_BeNcH0001"
ATTRIBUTE = "animal"
LABELS = ["Duck", "Falcon", "Owl", "Parrot", "Penguin", "Sparrow", "Swan", "Woodpecker", "Gull", "Crow"]
FIRST_DAY = datetime(2025, 3, 3, tzinfo=UTC)  # a Monday; each job starts three days after the previous
JOB_DAYS = 10
ANSWERS_PER_JOB = 100_000

ANSWER = (
    '{{"acceptanceTime":"{accepted}","answerContent":{{"crowd-image-classifier":{{"label":"{label}"}}}},'
    '"submissionTime":"{submitted}","timeSpentInSeconds":{spent},"workerId":"{worker}",'
    '"workerMetadata":{{"identityData":{{"identityProviderType":"Cognito","issuer":"' + ISSUER + '",'
    '"sub":"{sub}"}}}}}}'
)


class Worker:
    def __init__(self, rng: random.Random):
        self.id = f"private.{REGION}.{rng.getrandbits(64):016x}"
        h = f"{rng.getrandbits(128):032x}"
        self.sub = f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"
        self.accuracy = rng.uniform(0.6, 0.97)
        self.pace = rng.uniform(3.0, 20.0)  # median seconds per image


class Clock:
    """Ground Truth's time strings from epoch seconds, the date part cached per day (strftime per
    answer would be the slowest part of generating)."""

    def __init__(self):
        self._days: dict[int, str] = {}

    def _day(self, day: int) -> str:
        if day not in self._days:
            self._days[day] = datetime.fromtimestamp(day * 86400, UTC).strftime("%Y-%m-%d")
        return self._days[day]

    def _hms(self, s: int) -> str:
        return f"{s // 3600 % 24:02}:{s // 60 % 60:02}:{s % 60:02}"

    def answer(self, t: float) -> str:
        """2025-03-03T10:11:27.475Z"""
        s = int(t)
        return f"{self._day(s // 86400)}T{self._hms(s)}.{int((t - s) * 1000):03}Z"

    def file(self, t: float) -> str:
        """2025-03-03_10:11:27 (the response file's name)"""
        s = int(t)
        return f"{self._day(s // 86400)}_{self._hms(s)}"

    def manifest(self, t: float) -> str:
        """2025-03-03T10:40:59.217995 (no zone, microseconds)"""
        s = int(t)
        return f"{self._day(s // 86400)}T{self._hms(s)}.{int((t - s) * 1e6):06}"


def team_size(answers: int) -> int:
    """50 workers at 10k answers, ~160 at 100k, 500 at 1M and beyond."""
    return max(50, min(500, round(math.sqrt(answers) / 2)))


def job_count(answers: int) -> int:
    return max(2, round(answers / ANSWERS_PER_JOB))


def write_job(root: Path, name: str, start: float, answers: int, team: list[Worker], weights: list[float],
              rng: random.Random, clock: Clock) -> int:
    """One job's responses and output manifest; returns the number of response files."""
    responses = root / name / "annotations" / "worker-response" / "iteration-1"
    responses.mkdir(parents=True)
    manifest = []
    left, object_id = answers, 0
    while left:
        k = min(left, rng.randint(1, 5))
        left -= k
        chosen: list[Worker] = []
        while len(chosen) < k:  # k distinct workers, the busy ones more often
            for w in rng.choices(team, cum_weights=weights, k=k):
                if w not in chosen and len(chosen) < k:
                    chosen.append(w)
        truth = rng.randrange(len(LABELS))
        # The object is worked on from a moment in the working hours (08-18 UTC) of one day.
        base = start + rng.randrange(JOB_DAYS) * 86400 + rng.uniform(8, 18) * 3600
        parts, votes, latest = [], [0] * len(LABELS), 0.0
        for w in chosen:
            label = truth if rng.random() < w.accuracy else rng.randrange(len(LABELS))
            votes[label] += 1
            spent = round(rng.lognormvariate(math.log(w.pace), 0.5), 3)
            submitted = base + rng.uniform(0, 3 * 3600)
            latest = max(latest, submitted)
            parts.append(ANSWER.format(accepted=clock.answer(submitted - spent - rng.uniform(0.2, 3)),
                                       label=LABELS[label], submitted=clock.answer(submitted), spent=spent,
                                       worker=w.id, sub=w.sub))
        folder = responses / str(object_id)
        os.mkdir(folder)
        with open(f"{folder}/{clock.file(latest)}.json", "w") as f:
            f.write('{"answers":[' + ",".join(parts) + "]}")
        winner = max(range(len(LABELS)), key=votes.__getitem__)
        manifest.append(json.dumps({
            "source-ref": f"s3://bench-images/{name}/{object_id}.jpg",
            ATTRIBUTE: winner,
            f"{ATTRIBUTE}-metadata": {
                "class-name": LABELS[winner], "confidence": round(0.5 + 0.45 * votes[winner] / k, 2),
                "type": "groundtruth/image-classification", "job-name": f"labeling-job/{name}",
                "human-annotated": "yes", "creation-date": clock.manifest(latest + rng.uniform(60, 600)),
            },
        }))
        object_id += 1
    out = root / name / "manifests" / "output"
    out.mkdir(parents=True)
    with open(out / "output.manifest", "w") as f:
        f.write("\n".join(manifest) + "\n")
    return object_id


def generate(root: Path, answers: int, seed: int = 0) -> dict:
    """Write `answers` answers under `root` (which must not exist); returns what was written."""
    rng = random.Random(seed)
    clock = Clock()
    team = [Worker(rng) for _ in range(team_size(answers))]
    # Uneven pace: the k-th busiest worker does about 1/k**0.8 of the busiest one's work.
    weights, total = [], 0.0
    for k in range(len(team)):
        total += 1 / (k + 1) ** 0.8
        weights.append(total)
    jobs = job_count(answers)
    root.mkdir(parents=True)
    files = 0
    for j in range(jobs):
        share = answers // jobs + (1 if j < answers % jobs else 0)
        start = FIRST_DAY.timestamp() + 3 * 86400 * j
        files += write_job(root, f"bench-birds-{j + 1:02}", start, share, team, weights, rng, clock)
    return {"version": VERSION, "seed": seed, "answers": answers, "files": files, "jobs": jobs,
            "workers": len(team)}


def ensure(root: Path, answers: int, seed: int = 0) -> tuple[dict, float | None]:
    """The output under `root`, made unless a finished one of this version and size is there
    (a `<root>.json` beside it says so). Returns its description and the seconds spent making it."""
    marker = root.with_name(root.name + ".json")
    if marker.is_file() and root.is_dir():
        info = json.loads(marker.read_text())
        if (info.get("version"), info.get("seed"), info.get("answers")) == (VERSION, seed, answers):
            return info, None
    marker.unlink(missing_ok=True)
    if root.exists():  # left by an interrupted or older run
        shutil.rmtree(root)
    t0 = time.perf_counter()
    info = generate(root, answers, seed)
    took = time.perf_counter() - t0
    marker.write_text(json.dumps(info) + "\n")
    return info, took


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("root", type=Path, help="folder to write (made again unless it holds this output)")
    ap.add_argument("--answers", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    info, took = ensure(args.root, args.answers, args.seed)
    print(json.dumps(info), f"generated in {took:.1f} s" if took is not None else "(reused)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
