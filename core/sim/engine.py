"""A labeling job's whole life, computed up front and deterministically from its spec.

`plan_job` runs the work: Initializing, then iterations (the first of 10 objects, then batches of
MaxConcurrentTaskCount, reference §1/§4), each object answered by NumberOfHumanWorkersPerDataObject
distinct workers who pick tasks in their working hours; tasks not taken before
TaskAvailabilityLifetimeInSeconds expire and the object fails (§3). `Outcome` cuts the plan where
the job was stopped, hit a stopping condition or expired (30 days, Appendix B), and answers what
the job looks like at any instant (status, LabelCounters). Writing files is core.sim.output's job.
"""

from __future__ import annotations

import heapq
import math
import random
from bisect import bisect_right
from dataclasses import asdict, dataclass, field

from .annotate import classification_content, classify, draw_boxes, pseudo_truth
from .workforce import HOUR_MS, MINUTE_MS, Schedule, Worker, pause_ms, task_ms

SUPPORTED_TASKS = ("ImageMultiClass", "TextMultiClass", "BoundingBox")
FIRST_ITERATION = 10  # probe batch (§1: iteration-1 holds 10 objects in real output)
CONSOLIDATION_PERIOD_MS = 3 * MINUTE_MS  # ACS runs on what was answered since its last run
EXPIRY_MS = 30 * 24 * HOUR_MS  # a job not finished after 30 days expires (Appendix B)
# Observed text (§3, S14); the API reports such objects as FailedNonRetryableError.
EXPIRED_TASKS = (
    "ClientError: Annotation tasks expired.  Probable Reasons are 1) TaskAvailabilityLifetimeInSeconds parameter "
    "is too small.  2) Reward is too low for workers to work on the task.  3) If you use a custom html template, "
    "your template may be broken.  4) Data (image/video/text) sent for annotation is broken or too big, "
    "preventing completion.  5) All workers declined the tasks."
)
# UNCONFIRMED wording (no source shows the FailureReason of an expired job).
EXPIRED_JOB = "ClientError: The labeling job expired: it did not complete within 30 days of its creation."


@dataclass
class JobSpec:
    """Everything a job's plan depends on; stored as JSON with the job."""

    name: str
    attribute: str
    task: str  # one of SUPPORTED_TASKS
    labels: list[str]
    workers_per_object: int
    max_concurrent: int
    lifetime_s: int
    time_limit_s: int
    created_ms: int
    team: list[int]  # worker indexes
    seed: int
    max_labeled: int | None = None  # from StoppingConditions
    init_error: str | None = None  # the job fails while Initializing, with this FailureReason

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict) -> JobSpec:
        return cls(**data)


@dataclass
class Answer:
    worker: int
    accept_ms: int
    submit_ms: int
    active_ms: int
    content: dict


@dataclass
class ObjectRun:
    id: int  # datasetObjectId: the line index in the input manifest
    iteration: int
    answers: list[Answer] = field(default_factory=list)
    done_ms: int | None = None  # all answers in: the worker-response file is written
    batch_ms: int | None = None  # consolidated (ACS run) at
    failed_ms: int | None = None  # tasks expired at


@dataclass
class Iteration:
    number: int
    start_ms: int
    expire_ms: int
    end_ms: int
    ids: list[int]


@dataclass
class Plan:
    spec: JobSpec
    sent: list[int]  # object ids sent to workers (chaining skips labeled lines, §8)
    ready_ms: int  # end of Initializing
    finish_ms: int  # when the job would complete if nothing cut it short
    iterations: list[Iteration] = field(default_factory=list)
    objects: dict[int, ObjectRun] = field(default_factory=dict)

    @property
    def answers(self) -> int:
        return sum(len(o.answers) for o in self.objects.values())


def _truth(task: str, source: str | None, labels: list[str], truth: dict[str, dict]) -> dict:
    found = truth.get(source or "")
    if found is not None and (("boxes" in found) == (task == "BoundingBox")):
        return found
    return pseudo_truth(source or "", task, labels)


class _Runner:
    def __init__(self, spec: JobSpec, sources: list[str | None], truth: dict[str, dict], workers: list[Worker]):
        self.spec = spec
        self.sources = sources
        self.truth = truth
        self.workers = workers
        self.rng = random.Random(f"{spec.seed}/job/{spec.name.lower()}/{spec.created_ms}")
        team = [workers[i] for i in spec.team]
        joined = [w for w in team if self.rng.random() < 0.85]
        self.team = joined if len(joined) >= spec.workers_per_object else team
        self.schedules = {w.index: Schedule(w, spec.seed) for w in self.team}
        # When each worker first notices the job in the worker portal.
        self.noticed = {
            w.index: spec.created_ms + int(MINUTE_MS * 20 * math.exp(self.rng.gauss(0, 1.0))) for w in self.team
        }

    def _answer(self, worker: Worker, oid: int) -> tuple[dict, int]:
        spec = self.spec
        truth = _truth(spec.task, self.sources[oid], spec.labels, self.truth)
        if spec.task == "BoundingBox":
            content = draw_boxes(worker, truth, spec.labels, self.rng)
            return content, task_ms(worker, spec.task, self.rng, len(truth["boxes"]))
        label = classify(worker, truth, spec.labels, self.rng)
        return classification_content(spec.task, label), task_ms(worker, spec.task, self.rng)

    def iteration(self, number: int, start: int, ids: list[int]) -> tuple[Iteration, list[ObjectRun]]:
        spec, rng = self.spec, self.rng
        need = spec.workers_per_object
        expire = start + spec.lifetime_s * 1000
        limit_ms = spec.time_limit_s * 1000
        runs = {oid: ObjectRun(id=oid, iteration=number) for oid in ids}
        taken = [0] * len(ids)  # answers taken per object (by position in `ids`)
        # Positions of objects with a task nobody has taken yet. A worker takes the first one they
        # have not answered; as they go in order, that is the first one after their last.
        waiting = list(range(len(ids)))
        last = {w.index: -1 for w in self.team}
        queue: list[tuple[int, int]] = []
        for w in self.team:
            slot = self.schedules[w.index].next_available(max(start, self.noticed[w.index]))
            if slot and slot[0] < expire:
                queue.append((slot[0], w.index))
        heapq.heapify(queue)
        while queue and waiting:
            t, wi = heapq.heappop(queue)
            j = bisect_right(waiting, last[wi])
            if j == len(waiting):
                continue  # this worker has answered every object still open
            pos = last[wi] = waiting[j]
            oid = ids[pos]
            worker = self.workers[wi]
            content, duration = self._answer(worker, oid)
            duration = min(duration, limit_ms - 1000)
            active = int(duration * rng.uniform(0.82, 1.0))
            runs[oid].answers.append(Answer(wi, t, t + duration, active, content))
            taken[pos] += 1
            if taken[pos] == need:
                del waiting[j]
            slot = self.schedules[wi].next_available(t + duration + pause_ms(rng))
            if slot and slot[0] < expire:
                heapq.heappush(queue, (slot[0], wi))
        end = start
        for run in runs.values():
            if len(run.answers) == need:
                run.answers.sort(key=lambda a: (a.submit_ms, a.worker))
                run.done_ms = run.answers[-1].submit_ms + rng.randint(5_000, 45_000)
                periods = -(-(run.done_ms - start) // CONSOLIDATION_PERIOD_MS)
                run.batch_ms = start + periods * CONSOLIDATION_PERIOD_MS
                end = max(end, run.batch_ms)
            else:
                run.answers = []  # answers to an object whose other tasks expired are not kept
                run.failed_ms = expire
                end = max(end, expire)
        return Iteration(number, start, expire, end, list(ids)), list(runs.values())


def plan_job(spec: JobSpec, sources: list[str | None], sent: list[int], truth: dict[str, dict],
             workers: list[Worker]) -> Plan:
    """The job's complete, uncut life. `sources` holds each manifest line's source-ref/source."""
    runner = _Runner(spec, sources, truth, workers)
    rng = runner.rng
    ready = spec.created_ms + rng.randint(2 * MINUTE_MS, 6 * MINUTE_MS)
    plan = Plan(spec=spec, sent=list(sent), ready_ms=ready, finish_ms=ready)
    if spec.init_error is not None:
        return plan
    t, pending, number = ready, list(sent), 0
    while pending:
        number += 1
        size = FIRST_ITERATION if number == 1 else spec.max_concurrent
        ids, pending = pending[:size], pending[size:]
        iteration, runs = runner.iteration(number, t, ids)
        plan.iterations.append(iteration)
        plan.objects.update((r.id, r) for r in runs)
        t = iteration.end_ms + rng.randint(2 * MINUTE_MS, 8 * MINUTE_MS)
    last = plan.iterations[-1].end_ms if plan.iterations else ready
    plan.finish_ms = last + rng.randint(1 * MINUTE_MS, 4 * MINUTE_MS)
    return plan


@dataclass(frozen=True)
class Counters:
    labeled: int
    failed: int
    unlabeled: int

    def to_api(self) -> dict:
        """LabelCounters (§6); no auto-labeling, so every label is a human one."""
        return {"TotalLabeled": self.labeled, "HumanLabeled": self.labeled, "MachineLabeled": 0,
                "FailedNonRetryableError": self.failed, "Unlabeled": self.unlabeled}


class Outcome:
    """The plan cut where the job ended: its status and counters at any instant, and which
    objects were labeled (and consolidated when) or failed (when)."""

    def __init__(self, plan: Plan, stop_ms: int | None = None):
        self.plan = plan
        spec = plan.spec
        self.failure: str | None = None
        self.cut_ms: int | None = None  # nothing is answered after this
        self.final_status = "Completed"
        self.final_ms = plan.finish_ms
        self.stopping_ms: int | None = None  # Stopping from here until final_ms
        if spec.init_error is not None:
            self.final_status, self.failure = "Failed", spec.init_error
            self.final_ms = plan.ready_ms
        else:
            auto_stop = self._stopping_condition()
            expiry = spec.created_ms + EXPIRY_MS
            cuts = [(t, kind) for t, kind in ((stop_ms, "stop"), (auto_stop, "stop"), (expiry, "expire"))
                    if t is not None and t < plan.finish_ms]
            if cuts:
                self.cut_ms, kind = min(cuts)
                if kind == "expire":
                    self.final_status, self.failure, self.final_ms = "Failed", EXPIRED_JOB, self.cut_ms
                else:
                    self.final_status, self.stopping_ms = "Stopped", self.cut_ms
                    delay = random.Random(f"{spec.seed}/stop/{spec.name.lower()}").randint(MINUTE_MS, 3 * MINUTE_MS)
                    self.final_ms = self.cut_ms + delay
        self.consolidated: dict[int, int] = {}  # object id -> consolidation time
        self.failed: dict[int, int] = {}  # object id -> failure time
        for run in plan.objects.values():
            if run.done_ms is not None and (self.cut_ms is None or run.done_ms <= self.cut_ms):
                batch = run.batch_ms if self.cut_ms is None or run.batch_ms <= self.cut_ms else self.final_ms
                self.consolidated[run.id] = batch
            elif run.failed_ms is not None and (self.cut_ms is None or run.failed_ms <= self.cut_ms):
                self.failed[run.id] = run.failed_ms
        self._labeled_times = sorted(self.consolidated.values())
        self._failed_times = sorted(self.failed.values())

    def _stopping_condition(self) -> int | None:
        limit = self.plan.spec.max_labeled
        if limit is None:
            return None
        # Cut right when the limit-th object's answers are all in: exactly `limit` get labeled.
        times = sorted(r.done_ms for r in self.plan.objects.values() if r.done_ms is not None)
        return times[limit - 1] if len(times) > limit else None

    def status(self, at_ms: int) -> str:
        if at_ms >= self.final_ms:
            return self.final_status
        if self.stopping_ms is not None and at_ms >= self.stopping_ms:
            return "Stopping"
        return "InProgress" if at_ms >= self.plan.ready_ms else "Initializing"

    def counters(self, at_ms: int) -> Counters:
        if at_ms < self.plan.ready_ms or self.plan.spec.init_error is not None:
            return Counters(0, 0, 0)
        labeled = bisect_right(self._labeled_times, at_ms)
        failed = bisect_right(self._failed_times, at_ms)
        return Counters(labeled, failed, len(self.plan.sent) - labeled - failed)

    def change_times(self) -> list[int]:
        """Instants when the output manifest changes: each ACS run, each expiry, the end."""
        if self.plan.spec.init_error is not None:
            return []
        return sorted(set(self._labeled_times) | set(self._failed_times) | {self.final_ms})

    def last_modified(self, at_ms: int) -> int:
        marks = [self.plan.spec.created_ms, self.plan.ready_ms, self.final_ms, *self.change_times()]
        if self.stopping_ms is not None:
            marks.append(self.stopping_ms)
        return max(t for t in marks if t <= at_ms) if at_ms >= self.plan.spec.created_ms else self.plan.spec.created_ms
