"""A labeling job's whole life, computed up front and deterministically from its spec.

`plan_job` runs the work: Initializing, then iterations (the first of 10 objects, then batches of
MaxConcurrentTaskCount, docs/ground-truth.md §1/§4), each object answered by NumberOfHumanWorkersPerDataObject
distinct workers who pick tasks in their working hours; tasks not taken before
TaskAvailabilityLifetimeInSeconds expire and the object fails (§3). `Outcome` cuts the plan where
the job was stopped, hit a stopping condition or expired (30 days, Appendix B), and answers what
the job looks like at any instant (status, LabelCounters). Writing files is core.sim.output's job.

With automated data labeling (§4, image classification) the order follows the documentation and
AWS's notebooks: a random sample goes to humans first (the 10-object probe, then
MaxConcurrentTaskCount - 10 more; the job fails if over 10% of the sample fails), then the
validation set (20% of the data under 5,000 objects, else 10%), then rounds: train a model on the
human labels (core.sim.autolabel), choose the confidence threshold on the validation set,
auto-label every unlabeled object at or above it, send the least confident
MaxConcurrentTaskCount objects to humans, repeat until everything is labeled. A job started from a
model (InitialActiveLearningModelArn, or chained from a job that auto-labeled, §8) trains on that
model's data plus its own labels and skips the second human batch.
"""

from __future__ import annotations

import heapq
import math
import random
from bisect import bisect_right
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from . import autolabel
from .annotate import classification_content, classify, draw_boxes, pseudo_truth
from .consolidate import vote
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
# §4: the job fails when over 10% of the first sample sent to humans fails. Wording UNCONFIRMED.
SAMPLE_FAILED = ("ClientError: More than 10% of the data objects in the first sample sent to human workers failed "
                 "({failed} of {sample}), so automated data labeling cannot continue. Check that the data displays "
                 "in the worker UI, that the instructions are clear and that workers have enough time.")
AUTO_TASKS = ("ImageMultiClass",)  # auto-labeling the simulator runs
TRAINING_MS = (8 * MINUTE_MS, 15 * MINUTE_MS)  # a training job, start to model.tar.gz
INFERENCE_MS = (4 * MINUTE_MS, 9 * MINUTE_MS)  # batch transform on the validation and unlabeled objects


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
    max_labeled: int | None = None  # from StoppingConditions: human labels (all labels without auto-labeling)
    init_error: str | None = None  # the job fails while Initializing, with this FailureReason
    auto_labeling: bool = False  # LabelingJobAlgorithmsConfig given (§4)
    initial_model: str | None = None  # ARN of the model the job starts from (given, or its parent's, §8)
    max_total: int | None = None  # with auto-labeling: MaxPercentageOfInputDatasetLabeled as a count of all labels

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
    ids: list[int]  # objects sent to humans, or auto-labeled
    auto: bool = False  # an auto-labeling round


@dataclass
class AutoInput:
    """What auto-labeling knows about a job's objects, read by the service (core.sim.autolabel)."""

    features: np.ndarray  # (lines, 64) uint8, one row per input manifest line
    usable: np.ndarray  # (lines,) bool: the image could be read
    initial: tuple[np.ndarray, np.ndarray] | None = None  # training set of the model the job starts from


@dataclass
class AutoRound:
    """One auto-labeling iteration: train, validate, label what clears the threshold."""

    number: int  # its iteration number
    start_ms: int
    trained_ms: int  # the training job ends: model.tar.gz
    end_ms: int  # batch transform done: auto labels written
    training_job: str
    train_ids: list[int]  # the job's own objects in the training set (plus the initial model's rows)
    model: Any  # core.sim.autolabel.Model, None when the labels so far hold a single class
    record: dict  # what validation measured (core.sim.autolabel.validation_record)
    labels: dict[int, tuple[int, float]] = field(default_factory=dict)  # object -> (label index, confidence)


@dataclass
class Plan:
    spec: JobSpec
    sent: list[int]  # object ids sent to workers (chaining skips labeled lines, §8)
    ready_ms: int  # end of Initializing
    finish_ms: int  # when the job would complete if nothing cut it short
    iterations: list[Iteration] = field(default_factory=list)
    objects: dict[int, ObjectRun] = field(default_factory=dict)
    rounds: list[AutoRound] = field(default_factory=list)  # auto-labeling rounds
    failure: str | None = None  # the job fails at finish_ms with this FailureReason
    auto: AutoInput | None = None
    human_labels: dict[int, int] = field(default_factory=dict)  # auto-labeling: consolidated label index

    @property
    def answers(self) -> int:
        return sum(len(o.answers) for o in self.objects.values())

    def training_set(self, rnd: AutoRound) -> tuple[np.ndarray, np.ndarray]:
        """(features, label indexes) a round trained on: the initial model's data, then its own."""
        own_x = self.auto.features[rnd.train_ids]
        own_y = np.asarray([self.human_labels[o] for o in rnd.train_ids], dtype=int)
        if self.auto.initial is None:
            return own_x, own_y
        return np.vstack([self.auto.initial[0], own_x]), np.concatenate([self.auto.initial[1], own_y])


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
             workers: list[Worker], auto: AutoInput | None = None) -> Plan:
    """The job's complete, uncut life. `sources` holds each manifest line's source-ref/source;
    `auto` is required when the spec has auto-labeling."""
    runner = _Runner(spec, sources, truth, workers)
    rng = runner.rng
    ready = spec.created_ms + rng.randint(2 * MINUTE_MS, 6 * MINUTE_MS)
    plan = Plan(spec=spec, sent=list(sent), ready_ms=ready, finish_ms=ready, auto=auto)
    if spec.init_error is not None:
        return plan
    if spec.auto_labeling:
        if auto is None:
            raise ValueError("an auto-labeling job needs its AutoInput")
        _AutoPlanner(plan, runner, len(sources)).run(ready)
    else:
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


def training_job_name(job: str, number: int) -> str:
    """The SageMaker training job of a round (the naming is the simulator's; ≤ 63 characters)."""
    return f"{job[:50].rstrip('-')}-training-{number:03d}"


class _AutoPlanner:
    """The iterations of an auto-labeling job (see the module docstring)."""

    def __init__(self, plan: Plan, runner: _Runner, dataset: int):
        self.plan, self.runner, self.spec = plan, runner, plan.spec
        self.dataset = dataset  # lines in the input manifest
        self.rng = random.Random(f"{self.spec.seed}/auto/{self.spec.name.lower()}/{self.spec.created_ms}")
        self.number = 0
        self.t = 0
        self.failed: set[int] = set()

    def human(self, ids: list[int]) -> None:
        if not ids:
            return
        plan, spec = self.plan, self.spec
        self.number += 1
        iteration, runs = self.runner.iteration(self.number, self.t, ids)
        plan.iterations.append(iteration)
        plan.objects.update((r.id, r) for r in runs)
        for run in runs:
            if run.done_ms is None:
                self.failed.add(run.id)
                continue
            name, _ = vote([next(iter(a.content.values()))["label"] for a in run.answers], spec.labels)
            plan.human_labels[run.id] = spec.labels.index(name)
        self.t = iteration.end_ms + self.runner.rng.randint(2 * MINUTE_MS, 8 * MINUTE_MS)

    def run(self, start: int) -> None:
        plan, spec, auto = self.plan, self.spec, self.plan.auto
        self.t = start
        size = spec.max_concurrent
        pending = list(plan.sent)
        self.rng.shuffle(pending)  # a random sample first (§4)
        sample, pending = pending[:FIRST_ITERATION], pending[FIRST_ITERATION:]
        self.human(sample)
        if auto.initial is None:
            more, pending = pending[:max(size - FIRST_ITERATION, 0)], pending[max(size - FIRST_ITERATION, 0):]
            self.human(more)
            sample += more
        n_validation = autolabel.validation_size(self.dataset, len(plan.sent))
        validation, pending = pending[:n_validation], pending[n_validation:]
        for i in range(0, len(validation), size):
            self.human(validation[i:i + size])
        sample += validation
        lost = len(self.failed & set(sample))
        if lost > 0.1 * len(sample):
            plan.failure = SAMPLE_FAILED.format(failed=lost, sample=len(sample))
            return
        while pending:
            confidence = self.auto_round(validation, pending)
            pending = [o for o in pending if o not in plan.rounds[-1].labels]
            if not pending:
                break
            # The least confident objects go to humans (§4 step 7); unreadable ones first.
            pending.sort(key=lambda o: confidence.get(o, -1.0))
            batch, pending = pending[:size], pending[size:]
            self.human(batch)

    def auto_round(self, validation: list[int], pending: list[int]) -> dict[int, float]:
        """Train, validate, auto-label: appends an AutoRound; returns the confidence of every
        pending object the model predicted."""
        plan, spec, auto = self.plan, self.spec, self.plan.auto
        self.number += 1
        start = self.t
        trained = start + self.rng.randint(*TRAINING_MS)
        end = trained + self.rng.randint(*INFERENCE_MS)
        held_out = set(validation)
        train_ids = sorted(o for o in plan.human_labels if o not in held_out and auto.usable[o])
        rnd = AutoRound(self.number, start, trained, end, training_job_name(spec.name, self.number), train_ids,
                        None, {})
        x, y = plan.training_set(rnd)
        model = rnd.model = autolabel.train(x, y, spec.labels, autolabel.seed_of(spec.seed, spec.name.lower(),
                                                                              self.number))
        checked = [o for o in validation if o in plan.human_labels and auto.usable[o]]
        candidates = [o for o in pending if auto.usable[o]]
        confidence: dict[int, float] = {}
        correct = None
        threshold = autolabel.NO_THRESHOLD
        if model is not None:
            predicted, conf = model.predict(auto.features[checked])
            hits = predicted == np.asarray([plan.human_labels[o] for o in checked], dtype=int)
            correct = int(hits.sum())
            threshold = autolabel.choose_threshold(conf, hits)
            labels, conf = model.predict(auto.features[candidates])
            confidence = {o: float(c) for o, c in zip(candidates, conf, strict=True)}
            if threshold.value is not None:
                rnd.labels = {o: (int(k), float(c)) for o, k, c in zip(candidates, labels, conf, strict=True)
                              if c >= threshold.value}
        initial = 0 if auto.initial is None else len(auto.initial[1])
        rnd.record = autolabel.validation_record(
            self.number, rnd.training_job, len(y), initial, len(checked), correct, threshold, len(pending),
            len(rnd.labels))
        plan.rounds.append(rnd)
        plan.iterations.append(Iteration(self.number, start, end, end, sorted(rnd.labels), auto=True))
        self.t = end + self.rng.randint(1 * MINUTE_MS, 3 * MINUTE_MS)
        return confidence


@dataclass(frozen=True)
class Counters:
    labeled: int  # human and machine
    failed: int
    unlabeled: int
    machine: int = 0

    def to_api(self) -> dict:
        """LabelCounters (§6): TotalLabeled = HumanLabeled + MachineLabeled."""
        return {"TotalLabeled": self.labeled, "HumanLabeled": self.labeled - self.machine,
                "MachineLabeled": self.machine, "FailedNonRetryableError": self.failed, "Unlabeled": self.unlabeled}


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
            elif plan.failure is not None:
                self.final_status, self.failure = "Failed", plan.failure
        self.consolidated: dict[int, int] = {}  # object id -> consolidation time
        self.failed: dict[int, int] = {}  # object id -> failure time
        self.machine: dict[int, int] = {}  # object id -> auto-labeled at
        for run in plan.objects.values():
            if run.done_ms is not None and (self.cut_ms is None or run.done_ms <= self.cut_ms):
                batch = run.batch_ms if self.cut_ms is None or run.batch_ms <= self.cut_ms else self.final_ms
                self.consolidated[run.id] = batch
            elif run.failed_ms is not None and (self.cut_ms is None or run.failed_ms <= self.cut_ms):
                self.failed[run.id] = run.failed_ms
        self.rounds = [r for r in plan.rounds if self.cut_ms is None or r.end_ms <= self.cut_ms]
        for rnd in self.rounds:
            self.machine.update(dict.fromkeys(rnd.labels, rnd.end_ms))
        # The model the job ends with: the last one trained before the end (FinalActiveLearningModelArn).
        trained = [r for r in plan.rounds
                   if r.model is not None and (self.cut_ms is None or r.trained_ms <= self.cut_ms)]
        self.final_round: AutoRound | None = trained[-1] if trained else None
        self._labeled_times = sorted([*self.consolidated.values(), *self.machine.values()])
        self._machine_times = sorted(self.machine.values())
        self._failed_times = sorted(self.failed.values())

    def _stopping_condition(self) -> int | None:
        spec = self.plan.spec
        cuts = []
        # Cut right when the limit-th object's answers are all in: exactly `limit` get labeled.
        human = sorted(r.done_ms for r in self.plan.objects.values() if r.done_ms is not None)
        if spec.max_labeled is not None and len(human) > spec.max_labeled:
            cuts.append(human[spec.max_labeled - 1])
        if spec.max_total is not None:
            every = sorted([*human, *(r.end_ms for r in self.plan.rounds for _ in r.labels)])
            if len(every) > spec.max_total:
                cuts.append(every[spec.max_total - 1])
        return min(cuts) if cuts else None

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
        machine = bisect_right(self._machine_times, at_ms)
        return Counters(labeled, failed, len(self.plan.sent) - labeled - failed, machine)

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
