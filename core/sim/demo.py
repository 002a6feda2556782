"""The demo workspace: three weeks of a labeling team's work, built with the simulator.

    <root>/buckets/ground-control-demo/   the bucket: data sets, manifests, every job's output
    <root>/state/                         the simulator's state (core.sim.service)

History (times relative to `now`, each job launched when enough of its team is at work):
digits classification in batches (a pilot, a completed batch, one whose short task lifetime let
objects expire, one stopped half-way and continued by a chained job), a bounding-box job, one
that failed on a broken manifest, an audit of all digits with five workers, all digits again with
automated data labeling (a FinalActiveLearningModelArn to start later jobs from), one job of each
further task type (multi-label tags, named entities in generated sentences, a verification and an
adjustment of the first bounding-box job, object tracking in generated videos, segmentation masks,
the same sentences' topics as text classification) on the team's free days, and a bounding-box
job still running at `now` that keeps advancing with the clock. The three-job pre-trained model
walkthrough needs 5,000 objects and is built on demand (core.sim.walkthrough). Every job is
launched through core.launch from a LaunchConfig, as a person would launch it.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace

from ..launch import LaunchConfig, build_request, launch
from ..storage import Location
from . import autolabel
from .buckets import folder_buckets
from .clock import AcceleratedClock, Clock, FixedClock, to_ms, utc
from .datasets import Dataset, label_config, manifest_bytes, put, write_digits, write_shapes
from .demo_check import output_files
from .engine import Outcome
from .names import BUCKET, OUTPUT_URI  # noqa: F401  (re-exported: the demo's own names)
from .sequences import write_sequences
from .service import SimulatedService
from .texts import write_sentences, write_topics
from .workforce import Schedule

REFERENCE_NOW = datetime(2026, 3, 16, 15, 0, tzinfo=UTC)  # a Monday afternoon (UTC)
HISTORY = timedelta(days=21)
DEMO_SPEEDUP = 10.0  # simulated seconds per real second when the demo is opened
DEMO_BOOST = timedelta(hours=2)  # of real time at that speed; then the demo's clock runs at real speed
ROLE = "arn:aws:iam::123456789012:role/GroundControlLabeling"
IC, BB = "ImageMultiClass", "BoundingBox"
STOP_AT = 0.45  # share of digits-batch-3 labeled when it is stopped
EXPIRED_SHARE = 0.2  # share of digits-batch-2 whose tasks expire
RUNNING_SHARE = (0.2, 0.6)  # share of the running job labeled at `now`
JOBS = 17
BUILD_STEPS = 4 + JOBS  # what `progress` counts: four data sets, the jobs
MULTI, NER, VERIFY, ADJUST, TRACK, MASKS = ("ImageMultiClassMultiLabel", "NamedEntityRecognition",
                                            "VerificationBoundingBox", "AdjustmentBoundingBox", "VideoObjectTracking",
                                            "SemanticSegmentation")
TEXT = "TextMultiClass"
BUILT_IN_UI = (NER, TRACK)  # their workers use the built-in UI, not a template (§7)
KEYWORDS = {BB: ("Images", "Bounding boxes"), ADJUST: ("Images", "Bounding boxes"), NER: ("Text", "Entities"),
            TRACK: ("Video", "Tracking"), MASKS: ("Images", "Segmentation"), TEXT: ("Text", "Classification")}
TIME_LIMITS = {BB: 600, ADJUST: 600, TRACK: 3600, MASKS: 900}
AUDIT_SAMPLE = 80  # lines of shapes-boxes-1's output manifest the audit jobs check
Progress = Callable[[str, int, int], None]  # (what is being done, steps done, BUILD_STEPS)


@dataclass(frozen=True)
class DemoInfo:
    root: Path
    bucket: str
    buckets_dir: Path  # folder of the demo's buckets: s3://<bucket>/<key> is buckets_dir/<bucket>/<key>
    state_dir: Path
    output_uri: str  # S3OutputPath of every job
    now: datetime  # the simulated instant the history ends at
    jobs: tuple[str, ...]  # in creation order
    in_progress: str  # the job still running at `now`
    in_progress_ends: datetime  # when it would complete (if not stopped)
    workers: int
    data_objects: int  # images in the bucket
    answers: int  # worker answers written by `now`
    seconds: float  # build time (not part of the workspace)


def _config(name: str, attribute: str, task: str, manifest: str, labels: str, team: str, workers: int,
            title: str, **settings) -> LaunchConfig:
    """A demo job as a person would launch it (core.launch); the worker template is named, not
    written: the simulator does not read it."""
    return LaunchConfig(
        job_name=name, task_type=task, manifest=manifest, output=OUTPUT_URI, role=ROLE, workteam=team,
        label_category_uri=labels, label_attribute=attribute, title=title,
        description="Read the instructions before you start.",
        keywords=KEYWORDS.get(task, ("Images", "Classification")), workers_per_object=workers,
        task_time_limit_s=TIME_LIMITS.get(task, 300),
        ui_template=None if task in BUILT_IN_UI else f"s3://{BUCKET}/templates/{task}.liquid.html",
        tags={"project": "ground-control-demo"}, content_classifiers=("FreeOfPersonallyIdentifiableInformation",),
        **settings,
    )


class _Builder:
    def __init__(self, root: Path, seed: int, now: datetime, progress: Progress | None = None):
        self.root = root
        self.steps = 0
        self._progress = progress
        self.now = now
        self.open_uri = folder_buckets(root / "buckets")
        self.clock = FixedClock(now - HISTORY)
        self.service = SimulatedService(root / "state", self.open_uri, self.clock, seed)
        self.workspace = SimpleNamespace(open=self.open_uri, service=self.service)  # what core.launch needs
        self.jobs: list[str] = []

    def step(self, what: str) -> None:
        if self._progress is not None:
            self._progress(what, self.steps, BUILD_STEPS)
        self.steps += 1

    def manifest(self, name: str, lines: list[str]) -> str:
        uri = f"s3://{BUCKET}/manifests/{name}.manifest"
        put(self.open_uri, uri, manifest_bytes(lines))
        return uri

    def staffed(self, team: str, after: datetime, least: int, latest: datetime | None = None) -> datetime:
        """The first half hour from `after` when at least `least` members of the team are at work."""
        schedules = [Schedule(w, self.service.seed) for w in self.service.team_members(team)]
        t = after
        while latest is None or t <= latest:
            ms = to_ms(t)
            working = sum(1 for s in schedules if (slot := s.next_available(ms, 2)) and slot[0] == ms)
            if working >= least:
                return t
            t += timedelta(minutes=30)
            if t > after + timedelta(days=3):
                break
        return after

    def when(self, not_before: datetime, team: str, least: int) -> datetime:
        """When the next job goes out: not before `not_before`, after the previous job ended (the
        simulator gives each job the team's whole time), with `least` of the team at work."""
        if self.jobs:
            not_before = max(not_before, self.service.finish_time(self.jobs[-1]) + timedelta(minutes=30))
        return self.staffed(team, max(not_before, self.clock.now()), least)

    def launch(self, at: datetime, config: LaunchConfig) -> str:
        self.step(f"Simulating job {len(self.jobs) + 1} of {JOBS}: {config.job_name}")
        self.clock.set(at)
        self.service.advance()
        launch(config, self.workspace)
        self.jobs.append(config.job_name)
        return config.job_name

    def preview(self, at: datetime, config: LaunchConfig, until: datetime) -> tuple[str, float, float]:
        """(status, labeled share, failed share) at `until` of a job launched at `at` (nothing stored)."""
        saved = self.clock.now()
        self.clock.set(at)
        outcome = Outcome(self.service.preview(build_request(config)))
        self.clock.set(saved)
        counters = outcome.counters(to_ms(until))
        total = max(1, counters.labeled + counters.failed + counters.unlabeled)
        return outcome.status(to_ms(until)), counters.labeled / total, counters.failed / total

    def output_lines(self, name: str, at: datetime) -> list[str]:
        """The lines of a job's output manifest as of `at` (what a person would download then)."""
        self.clock.set(at)
        self.service.advance()
        return self.open_uri(f"{OUTPUT_URI}{name}/manifests/output/output.manifest").read().decode().splitlines()

    def stop_when_labeled(self, name: str, share: float) -> None:
        while True:
            self.clock.advance(timedelta(minutes=20))
            job = self.service.describe_labeling_job(name)
            counters = job["LabelCounters"]
            total = counters["TotalLabeled"] + counters["FailedNonRetryableError"] + counters["Unlabeled"]
            if job["LabelingJobStatus"] != "InProgress" or counters["TotalLabeled"] >= share * total:
                break
        if job["LabelingJobStatus"] == "InProgress":
            self.service.stop_labeling_job(name)


def build_demo(root: Path, seed: int = 7, now: datetime | None = None, progress: Progress | None = None) -> DemoInfo:
    """Build the demo workspace in `root` (which must not hold one yet). `now` (default
    REFERENCE_NOW) is where the history ends; the last job is still running then. `progress`
    hears of each step as it starts."""
    started = time.perf_counter()
    root = Path(root)
    if (root / "state").exists() or (root / "buckets").exists():
        raise FileExistsError(f"{root} already holds a demo workspace")
    autolabel.preload()  # the auto-labeling job needs it; meanwhile the images are written
    now = utc(now or REFERENCE_NOW).replace(microsecond=0)
    b = _Builder(root, seed, now, progress)
    svc, start = b.service, now - HISTORY
    labeling, boxes = svc.team_arn("labeling-team"), svc.team_arn("box-team")

    b.step("Writing 1,797 handwritten digit images")
    digits = write_digits(b.open_uri, f"s3://{BUCKET}/datasets/digits")
    b.step("Drawing 2,200 shape photos")
    shapes = write_shapes(b.open_uri, f"s3://{BUCKET}/datasets/shapes", 2200, seed)
    b.step("Writing 120 sentences to tag")
    sentences = write_sentences(b.open_uri, f"s3://{BUCKET}/datasets/sentences", 120, seed)
    topics = write_topics(b.open_uri, sentences)  # the same sentences, classified by topic
    b.step("Drawing 6 short videos of moving shapes")
    videos = write_sequences(b.open_uri, f"s3://{BUCKET}/datasets/videos", 6, 12, seed)
    verdicts = f"s3://{BUCKET}/datasets/shapes/verdicts.json"
    put(b.open_uri, verdicts, label_config(["good", "bad"]))  # a verification job's classes (§3)
    svc.register_truth(digits.truth | shapes.truth | sentences.truth | videos.truth)

    def lines(ds: Dataset, lo: int, hi: int) -> list[str]:
        return [json.dumps({"source-ref": s}, separators=(",", ":")) for s in ds.sources[lo:hi]]

    def day(d: int, hour: float = 8.0, team: str = "labeling-team", least: int = 4) -> datetime:
        midnight = (start + timedelta(days=d)).replace(hour=0, minute=0, second=0)
        return b.when(midnight + timedelta(hours=hour), team, least)

    def digit_job(name: str, manifest: str, workers: int, title: str = "Which digit is this?", attribute="digit",
                  **settings) -> LaunchConfig:
        return _config(name, attribute, IC, manifest, digits.labels_uri, labeling, workers, title, **settings)

    def shape_job(name: str, manifest: str, team: str, workers: int) -> LaunchConfig:
        return _config(name, "shapes", BB, manifest, shapes.labels_uri, team, workers, "Draw a box around every shape")

    b.launch(day(0, 9), digit_job("digits-pilot", b.manifest("digits-pilot", lines(digits, 0, 150)), 5,
                                  "Which digit is this? (pilot)"))
    b.launch(day(1), digit_job("digits-batch-1", b.manifest("digits-batch-1", lines(digits, 150, 800)), 3))
    # Further task types go where the team has a free day (§2, §3): tags, entities, tracking in
    # videos, segmentation masks; later an audit of shapes-boxes-1.
    b.launch(day(2), _config("shapes-tags", "shape-tags", MULTI, b.manifest("shapes-tags", lines(shapes, 0, 200)),
                             shapes.labels_uri, labeling, 3, "Which shapes are in the photo?"))
    b.launch(day(2, 12), _config("sentences-entities", "entities", NER, sentences.manifest_uri, sentences.labels_uri,
                                 labeling, 3, "Highlight names, places, organizations and dates"))
    # A short task lifetime and a big batch: objects nobody took in time expire (§3 failure-reason).
    # The lifetime is the one that lets about a fifth of the objects expire with this team's hours.
    at, manifest = day(4, 14), b.manifest("digits-batch-2", lines(digits, 800, 1250))

    def batch2(lifetime: int) -> LaunchConfig:
        return digit_job("digits-batch-2", manifest, 3, task_availability_s=lifetime, max_concurrent_tasks=300)

    failed: dict[int, float] = {}
    for lifetime in (1800, 2700, 3600, 5400, 7200, 10800, 14400, 21600):  # fewer expire as it grows
        failed[lifetime] = b.preview(at, batch2(lifetime), at + timedelta(days=3))[2]
        if failed[lifetime] <= EXPIRED_SHARE:
            break
    b.launch(at, batch2(min(failed, key=lambda t: (abs(failed[t] - EXPIRED_SHARE), t))))
    b.launch(day(5, 9, "box-team", 2), _config("shapes-tracking", "shape-tracks-ref", TRACK, videos.manifest_uri,
                                               videos.labels_uri, boxes, 1, "Track every shape"))
    b.launch(day(5, 12, "box-team", 3), _config("shapes-masks", "shape-masks-ref", MASKS,
                                                b.manifest("shapes-masks", lines(shapes, 200, 240)),
                                                shapes.labels_uri, boxes, 3, "Paint every shape"))
    batch3 = b.launch(day(7), digit_job("digits-batch-3", b.manifest("digits-batch-3", lines(digits, 1250, 1797)), 3))
    b.stop_when_labeled(batch3, STOP_AT)
    # Chaining with the same attribute sends only what batch-3 left unlabeled (§8).
    b.launch(day(8), digit_job("digits-batch-3-continued", f"{OUTPUT_URI}{batch3}/manifests/output/output.manifest", 3))
    b.launch(day(9, 8, "box-team", 3),
             shape_job("shapes-boxes-1", b.manifest("shapes-boxes-1", lines(shapes, 0, 1400)), boxes, 5))
    # An audit of shapes-boxes-1 by verification and by adjustment, on the first lines of its output
    # manifest, so the objects keep their datasetObjectIds (§8).
    at = day(13, 9, "box-team", 3)
    sample = b.manifest("shapes-boxes-1-audit", b.output_lines("shapes-boxes-1", at)[:AUDIT_SAMPLE])
    b.launch(at, _config("shapes-boxes-1-verify", "verify-shapes", VERIFY, sample, verdicts, boxes, 3,
                         "Are the boxes right?", audit_attribute="shapes"))
    b.launch(day(13, 9, "box-team", 2), _config("shapes-boxes-1-adjust", "adjusted-shapes", ADJUST, sample,
                                                 shapes.labels_uri, boxes, 2, "Fix the boxes",
                                                 audit_attribute="shapes"))
    b.launch(day(13), digit_job("digits-audit", digits.manifest_uri, 5, "Which digit is this? (quality audit)",
                                attribute="digit-audit"))
    # Automated data labeling on all 1,797 digits (at least 1,250 objects, §4).
    b.launch(day(15), digit_job("digits-auto", digits.manifest_uri, 3, "Which digit is this?", attribute="digit-auto",
                                max_concurrent_tasks=200, auto_labeling=True))
    # A hand-edited manifest with a broken line: the job fails while initializing.
    broken = lines(shapes, 1400, 1700)
    broken[56] = broken[56][:-2]
    b.launch(day(16, 9, "box-team", 3), shape_job("shapes-boxes-2", b.manifest("shapes-boxes-2", broken), boxes, 5))
    # The sentences' topics on the next free day: after every earlier job, so none of them moves.
    b.launch(day(17), _config("sentences-topics", "topic", TEXT, topics.manifest_uri, topics.labels_uri, labeling, 3,
                              "What is this sentence about?"))
    # The running job: launched as long before `now` as it takes to be part-way through by then.
    running_job = shape_job("shapes-boxes-3", b.manifest("shapes-boxes-3", lines(shapes, 1400, 2200)),
                                labeling, 3)
    earliest = b.when(now - HISTORY, "labeling-team", 0)
    running_from = latest = max(earliest, now - timedelta(hours=2))
    for hours in range(0, 72):
        at = latest - timedelta(hours=hours)
        if at < earliest:
            break
        status, labeled, _ = b.preview(at, running_job, now)
        if status != "InProgress" or labeled > RUNNING_SHARE[1]:
            break
        running_from = at
        if labeled >= RUNNING_SHARE[0]:
            break
    running = b.launch(running_from, running_job)
    b.clock.set(now)
    svc.advance()
    status = svc.describe_labeling_job(running)["LabelingJobStatus"]
    if status != "InProgress":
        raise RuntimeError(f"demo job {running} is {status} at {now}, not InProgress")
    _write_info(root, seed, now)
    if progress is not None:
        progress("Done", BUILD_STEPS, BUILD_STEPS)
    return DemoInfo(
        root=root, bucket=BUCKET, buckets_dir=root / "buckets", state_dir=root / "state", output_uri=OUTPUT_URI,
        now=now, jobs=tuple(b.jobs), in_progress=running, in_progress_ends=svc.finish_time(running),
        workers=len(svc.workers),
        data_objects=len(digits.sources) + len(shapes.sources) + len(sentences.sources) + len(videos.sources),
        answers=sum(svc.answers_written(name) for name in b.jobs), seconds=time.perf_counter() - started,
    )


def _write_info(root: Path, seed: int, now: datetime) -> None:
    # The files of each job's output as built: fewer later means some were deleted (demo_check).
    info = {"seed": seed, "now": now.isoformat(), "bucket": BUCKET, "output_uri": OUTPUT_URI,
            "output_files": output_files(root / "buckets")}
    (root / "state" / "demo.json").write_text(json.dumps(info, indent=1) + "\n", encoding="utf-8")


def open_demo(root: Path, seed: int = 7, clock: Clock | None = None, speedup: float = DEMO_SPEEDUP,
              at: datetime | None = None, progress: Progress | None = None,
              ) -> tuple[SimulatedService, Callable[[str], Location]]:
    """The demo's service and URI opener, building the demo first if `root` holds none (its
    history then ends at `at`, else at the current real time). The default clock starts at the
    demo's end and runs `speedup` times faster than real time for DEMO_BOOST, so the running job
    visibly advances while the app is open, then at real speed. With `at` (a pinned demo, as tests
    use) the clock stands still at the demo's end, so nothing depends on the wall clock."""
    root = Path(root)
    info_path = root / "state" / "demo.json"
    if not info_path.is_file():
        _build_atomically(root, seed, at, progress)
    info = json.loads(info_path.read_text(encoding="utf-8"))
    built = datetime.fromisoformat(info["now"])
    if clock is None:
        clock = FixedClock(built) if at else AcceleratedClock(start_real=built, start_sim=built, factor=speedup,
                                                                boost=DEMO_BOOST)
    open_uri = folder_buckets(root / "buckets")
    return SimulatedService(root / "state", open_uri, clock, info["seed"]), open_uri


def is_built(root: Path) -> bool:
    return (Path(root) / "state" / "demo.json").is_file()


def _build_atomically(root: Path, seed: int, at: datetime | None = None, progress: Progress | None = None) -> None:
    """Build beside `root` and rename, so an interrupted build never leaves half a demo that a
    later start would take for a whole one."""
    if root.exists() and any(root.iterdir()):
        raise FileExistsError(f"{root} holds files but no demo: delete it, or choose another folder")
    root.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{root.name}-", dir=root.parent))
    try:
        build_demo(tmp, seed, at or datetime.now(UTC), progress)
        if root.exists():
            root.rmdir()
        os.replace(tmp, root)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
