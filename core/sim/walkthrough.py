"""The pre-trained model walkthrough (docs/ground-truth.md §8, S8) as a scenario on the simulator, fast.

Three image-classification jobs with auto-labeling on two halves of 5,000 digits (the 1,797
shipped ones and 3,203 variants, core.sim.datasets): job 1 labels half 1 and leaves a
FinalActiveLearningModelArn; job 2 labels half 2 starting from that model
(InitialActiveLearningModelArn); job 3 labels half 2 the same way without it. The halves split the
data by shipped digit (a digit and its variants stay together), so job 2's head start comes from
having learnt digits, not from having seen the same ones.

The jobs are core.benchmark.experiment's, launched through core.launch as on SageMaker; this
module only writes the data and moves the simulator's clock between the experiment's steps.

    write_experiment_data(open_uri, prefix, service)   the data set, halves and gold (idempotent)
    run_walkthrough(service, open_uri, data)           the three jobs, on a clock it can set
    build_experiment(root) / open_experiment(root)     a workspace of its own (buckets + state),
                                                       like core.sim.demo's, with a fixed clock

Jobs 2 and 3 run at the same time; the simulator gives each job the team's whole time, so they
run under the same conditions.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from ..benchmark import experiment
from ..launch import LaunchConfig, build_request
from ..storage import Location
from .buckets import folder_buckets
from .clock import FixedClock, utc
from .datasets import (
    DIGIT_LABELS,
    digit_truth,
    label_config,
    load_digits_arrays,
    manifest_bytes,
    put,
    write_digit_variants,
    write_digits,
)
from .service import SimulatedService

OpenUri = Callable[[str], Location]
Progress = Callable[[str, int, int], None]  # (phase, done, total), as core.ingest
TOTAL = 5000  # objects; each half is about 2,500, as in AWS's walkthrough (S8)
BUCKET = "ground-control-experiment"
OUTPUT_URI = f"s3://{BUCKET}/labeling-jobs/"
PREFIX = f"s3://{BUCKET}/datasets/digits-walkthrough"
ROLE = "arn:aws:iam::123456789012:role/GroundControlLabeling"
EXPERIMENT = "walkthrough"  # its state: <output>/_ground-control/experiments/walkthrough.json
NAMES = ("walkthrough-1-first-half", "walkthrough-2-with-model", "walkthrough-3-without-model")
STEP = timedelta(hours=6)  # how far the clock moves between progress reports
START = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)  # build_experiment's default start: a Monday morning


@dataclass(frozen=True)
class ExperimentData:
    prefix: str
    labels_uri: str
    gold_uri: str  # core.gold's format: source-ref and label per line
    halves: tuple[str, str]  # manifest URIs
    objects: tuple[int, int]  # objects per half


@dataclass(frozen=True)
class Walkthrough:
    jobs: tuple[str, str, str]  # job 1 (half 1), job 2 (half 2, from job 1's model), job 3 (half 2, no model)
    model_arn: str  # job 1's FinalActiveLearningModelArn
    data: ExperimentData
    started: datetime
    finished: datetime


def write_experiment_data(open_uri: OpenUri, prefix_uri: str = PREFIX, service: SimulatedService | None = None,
                          total: int = TOTAL, seed: int = 7) -> ExperimentData:
    """Digits and variants under `prefix_uri` (`digits/`, `variants/`), `labels.json`, `gold.jsonl`
    and the halves `half-1.manifest`, `half-2.manifest`. A complete data set (the last half is
    written last) is reused, not rewritten; files of an interrupted write are never overwritten
    (ObjectExists): delete the prefix and call again. Registers the truth with `service` if given."""
    prefix = prefix_uri.rstrip("/")
    halves = (f"{prefix}/half-1.manifest", f"{prefix}/half-2.manifest")
    images, _ = load_digits_arrays()
    shipped = min(len(images), total)
    done = _exists(open_uri, halves[1])
    digits = _digits(open_uri, f"{prefix}/digits", shipped, write=not done)
    variants = _variants(open_uri, f"{prefix}/variants", total - shipped, seed, write=not done)
    truth = digits[1] | variants[1]
    if service is not None:
        service.register_truth(truth)
    # Groups: a shipped digit and its variants; shuffled, then half 1 fills up to half the data.
    groups: dict[int, list[str]] = {}
    for i, source in enumerate(digits[0]):
        groups.setdefault(i, []).append(source)
    for origin, source in zip(variants[2], variants[0], strict=True):
        groups.setdefault(origin, []).append(source)
    order = sorted(groups)
    random.Random(f"{seed}/walkthrough/split").shuffle(order)
    first: list[str] = []
    second: list[str] = []
    for origin in order:
        (first if len(first) < total / 2 else second).extend(groups[origin])
    rng = random.Random(f"{seed}/walkthrough/order")
    rng.shuffle(first)
    rng.shuffle(second)
    data = ExperimentData(prefix, f"{prefix}/labels.json", f"{prefix}/gold.jsonl", halves, (len(first), len(second)))
    if not done:
        everything = digits[0] + variants[0]
        put(open_uri, data.labels_uri, label_config(DIGIT_LABELS))
        put(open_uri, data.gold_uri, manifest_bytes({"source-ref": s, "label": truth[s]["label"]} for s in everything))
        for uri, sources in zip(halves, (first, second), strict=True):
            put(open_uri, uri, manifest_bytes({"source-ref": s} for s in sources))
    return data


def _exists(open_uri: OpenUri, uri: str) -> bool:
    location = open_uri(uri)
    return location.store.exists(location.prefix)


def _digits(open_uri: OpenUri, prefix: str, count: int, write: bool) -> tuple[list[str], dict[str, dict]]:
    if write:
        ds = write_digits(open_uri, prefix, count=count)
        return ds.sources, ds.truth
    images, classes = load_digits_arrays()
    truths = digit_truth(images[:count], classes[:count])
    sources = [f"{prefix}/digit-{i:05d}.png" for i in range(1, count + 1)]
    return sources, dict(zip(sources, truths, strict=True))


def _variants(open_uri: OpenUri, prefix: str, count: int, seed: int,
              write: bool) -> tuple[list[str], dict[str, dict], tuple[int, ...]]:
    ds = write_digit_variants(open_uri, prefix, count, seed, write=write)
    return ds.sources, ds.truth, ds.origins


def walkthrough_config(name: str, manifest: str, labels: str, team_arn: str, *, output_uri: str = OUTPUT_URI,
                       initial_model: str | None = None, workers: int = 3, max_concurrent: int = 200,
                       region: str | None = None) -> LaunchConfig:
    """A job with auto-labeling, as in AWS's walkthrough (S8: 3 workers, MaxConcurrentTaskCount 200,
    attribute `category`... here `digit`). The worker template is named, not written: the simulator
    does not read it."""
    return LaunchConfig(
        job_name=name, task_type="ImageMultiClass", manifest=manifest, output=output_uri, role=ROLE,
        workteam=team_arn, label_category_uri=labels, label_attribute="digit", region=region,
        title="Which digit is this?", description="Which digit is this? Read the instructions before you start.",
        keywords=("Images", "Classification"), workers_per_object=workers, task_time_limit_s=300,
        max_concurrent_tasks=max_concurrent, auto_labeling=True, pretrained_model=initial_model,
        ui_template=f"{output_uri.rstrip('/')}/templates/ImageMultiClass.liquid.html",
        tags={"experiment": "pre-trained-model-walkthrough"},
        content_classifiers=("FreeOfPersonallyIdentifiableInformation",),
    )


def walkthrough_request(name: str, manifest: str, labels: str, team_arn: str, region: str, *,
                        output_uri: str = OUTPUT_URI, initial_model: str | None = None, workers: int = 3,
                        max_concurrent: int = 200) -> dict:
    """The create_labeling_job request of walkthrough_config (core.launch.build_request)."""
    return build_request(walkthrough_config(name, manifest, labels, team_arn, output_uri=output_uri,
                                            initial_model=initial_model, workers=workers,
                                            max_concurrent=max_concurrent, region=region))


def run_walkthrough(service: SimulatedService, open_uri: OpenUri, data: ExperimentData | None = None, *,
                    names: tuple[str, str, str] = NAMES, team: str = "labeling-team", output_uri: str = OUTPUT_URI,
                    workers: int = 3, max_concurrent: int = 200, progress: Progress | None = None) -> Walkthrough:
    """Run core.benchmark.experiment's three jobs (the experiment EXPERIMENT, on `data`'s halves)
    to their end, moving the service's clock (which must have `set`, e.g. core.sim.clock.FixedClock)
    and advancing the experiment when job 1 ends. `progress(phase, done, total)` follows each phase:
    `data`, then each job name with its labeled + failed objects."""
    clock = service.clock
    if not hasattr(clock, "set"):
        raise TypeError("run_walkthrough moves the simulator's clock: give the service a FixedClock")
    report = progress or (lambda phase, done, total: None)
    if data is None:
        report("data", 0, 1)
        data = write_experiment_data(open_uri, PREFIX, service)
        report("data", 1, 1)
    ws = SimpleNamespace(open=open_uri, service=service)  # what core.launch needs of a workspace
    started = clock.now()
    base = walkthrough_config(names[0], data.halves[0], data.labels_uri, service.team_arn(team),
                              output_uri=output_uri, workers=workers, max_concurrent=max_concurrent)
    exp = experiment.start(ws, base, EXPERIMENT, halves=data.halves, names=names)
    _run(service, clock, [names[0]], report)
    exp = experiment.advance(ws, exp)
    if exp.model is None:
        raise RuntimeError(f"the walkthrough did not go on: {exp.stage}")
    _run(service, clock, list(names[1:]), report)
    return Walkthrough(jobs=names, model_arn=exp.model, data=data, started=started, finished=clock.now())


def _run(service: SimulatedService, clock, names: list[str], report: Progress) -> None:
    end = max(service.finish_time(n) for n in names)
    while True:
        now = min(clock.now() + STEP, end)
        clock.set(now)
        for name in names:
            c = service.describe_labeling_job(name)["LabelCounters"]
            total = c["TotalLabeled"] + c["FailedNonRetryableError"] + c["Unlabeled"]
            report(name, c["TotalLabeled"] + c["FailedNonRetryableError"], total)
        if now >= end:
            return


# --- a workspace of its own ---------------------------------------------------------------------------


@dataclass(frozen=True)
class ExperimentInfo:
    root: Path
    bucket: str
    buckets_dir: Path
    state_dir: Path
    output_uri: str
    walkthrough: Walkthrough
    now: datetime  # the fixed instant the workspace opens at: the end of the walkthrough
    seconds: float


def build_experiment(root: Path, seed: int = 7, start: datetime | None = None,
                     progress: Progress | None = None) -> ExperimentInfo:
    """Run the walkthrough in a new workspace at `root` (built beside it and renamed into place)."""
    started = time.perf_counter()
    root = Path(root)
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(f"{root} is not empty")
    root.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{root.name}-", dir=root.parent))
    try:
        clock = FixedClock(utc(start or START))
        open_uri = folder_buckets(tmp / "buckets")
        service = SimulatedService(tmp / "state", open_uri, clock, seed)
        report = progress or (lambda phase, done, total: None)
        report("data", 0, 1)
        data = write_experiment_data(open_uri, PREFIX, service, seed=seed)
        report("data", 1, 1)
        walk = run_walkthrough(service, open_uri, data, progress=progress)
        info = {"seed": seed, "now": walk.finished.isoformat(), "bucket": BUCKET, "output_uri": OUTPUT_URI,
                "jobs": list(walk.jobs), "model": walk.model_arn}
        (tmp / "state" / "experiment.json").write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")
        if root.exists():
            root.rmdir()
        os.replace(tmp, root)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return ExperimentInfo(root=root, bucket=BUCKET, buckets_dir=root / "buckets", state_dir=root / "state",
                          output_uri=OUTPUT_URI, walkthrough=walk, now=walk.finished,
                          seconds=time.perf_counter() - started)


def is_built(root: Path) -> bool:
    return (Path(root) / "state" / "experiment.json").is_file()


def open_experiment(root: Path) -> tuple[SimulatedService, OpenUri]:
    """The experiment workspace's service, its clock fixed at the end of the walkthrough."""
    root = Path(root)
    info = json.loads((root / "state" / "experiment.json").read_text(encoding="utf-8"))
    open_uri = folder_buckets(root / "buckets")
    clock = FixedClock(datetime.fromisoformat(info["now"]))
    return SimulatedService(root / "state", open_uri, clock, info["seed"]), open_uri


# --- what each job did ------------------------------------------------------------------------------


def summary(service: SimulatedService, open_uri: OpenUri, walk: Walkthrough) -> list[dict]:
    """Per job: counters, machine share and the accuracy of its human and machine labels against
    the gold labels, all read from describe_labeling_job and the output manifest."""
    gold_at = open_uri(walk.data.gold_uri)
    gold = {}
    for line in gold_at.read().decode().splitlines():
        row = json.loads(line)
        gold[row["source-ref"]] = row["label"]
    rows = []
    for name in walk.jobs:
        job = service.describe_labeling_job(name)
        c = job["LabelCounters"]
        out = open_uri(job["LabelingJobOutput"]["OutputDatasetS3Uri"])
        lines = [json.loads(x) for x in out.read().decode().splitlines()]
        right = {"yes": [0, 0], "no": [0, 0]}
        for line in lines:
            meta = line.get("digit-metadata", {})
            if "digit" in line and meta.get("human-annotated") in right:
                hit = right[meta["human-annotated"]]
                hit[0] += meta.get("class-name") == gold.get(line["source-ref"])
                hit[1] += 1
        total = c["TotalLabeled"] + c["FailedNonRetryableError"] + c["Unlabeled"]
        rows.append({
            "job": name, "status": job["LabelingJobStatus"], "objects": total, "human": c["HumanLabeled"],
            "machine": c["MachineLabeled"], "machine_share": round(c["MachineLabeled"] / total, 3) if total else None,
            "human_accuracy": round(right["yes"][0] / right["yes"][1], 4) if right["yes"][1] else None,
            "machine_accuracy": round(right["no"][0] / right["no"][1], 4) if right["no"][1] else None,
            "initial_model": job.get("LabelingJobAlgorithmsConfig", {}).get("InitialActiveLearningModelArn"),
            "final_model": job.get("LabelingJobOutput", {}).get("FinalActiveLearningModelArn"),
        })
    return rows
