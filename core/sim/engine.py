"""A labeling job's whole life, computed up front and deterministically from its spec.

`plan_job` runs the work: Initializing, then iterations (the first of 10 objects, then batches of
MaxConcurrentTaskCount, docs/ground-truth.md §1/§4), each object answered by NumberOfHumanWorkersPerDataObject
distinct workers who pick tasks in their working hours; tasks not taken before
TaskAvailabilityLifetimeInSeconds expire and the object fails (§3). The plan's values are in
core.sim.plan; core.sim.outcome's `Outcome` cuts the plan where the job ended and answers what it
looks like at any instant. Writing files is core.sim.output's job.

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

import numpy as np

from . import autolabel
from .annotate import classification_content, classify, draw_boxes, mark_entities, pick_labels, pseudo_truth
from .audit_answers import adjust, earlier_boxes, verify
from .consolidate import vote
from .frame_answers import track_frames
from .mask_answers import paint
from .outcome import Outcome as Outcome  # re-exported: core.sim.output and core.sim.demo import it from here
from .plan import Answer, AutoInput, AutoRound, Iteration, JobSpec, ObjectRun, Plan
from .workforce import MINUTE_MS, Schedule, Worker, pause_ms, task_ms

SUPPORTED_TASKS = ("ImageMultiClass", "TextMultiClass", "BoundingBox", "ImageMultiClassMultiLabel",
                   "NamedEntityRecognition", "VerificationBoundingBox", "AdjustmentBoundingBox", "VideoObjectTracking",
                   "SemanticSegmentation")
# What each task's answers are made from: a class, the true boxes of an image, the entities of a
# text, the frames of a video (core.sim.datasets, core.sim.texts, core.sim.sequences).
TRUTH_KIND = {"BoundingBox": "boxes", "ImageMultiClassMultiLabel": "boxes", "VerificationBoundingBox": "boxes",
              "AdjustmentBoundingBox": "boxes", "SemanticSegmentation": "boxes", "NamedEntityRecognition": "entities",
              "VideoObjectTracking": "frames"}
FIRST_ITERATION = 10  # probe batch (§1: iteration-1 holds 10 objects in real output)
CONSOLIDATION_PERIOD_MS = 3 * MINUTE_MS  # ACS runs on what was answered since its last run
# Observed text (§3, S14); the API reports such objects as FailedNonRetryableError.
EXPIRED_TASKS = (
    "ClientError: Annotation tasks expired.  Probable Reasons are 1) TaskAvailabilityLifetimeInSeconds parameter "
    "is too small.  2) Reward is too low for workers to work on the task.  3) If you use a custom html template, "
    "your template may be broken.  4) Data (image/video/text) sent for annotation is broken or too big, "
    "preventing completion.  5) All workers declined the tasks."
)
# §4: the job fails when over 10% of the first sample sent to humans fails. Wording UNCONFIRMED.
SAMPLE_FAILED = ("ClientError: More than 10% of the data objects in the first sample sent to human workers failed "
                 "({failed} of {sample}), so automated data labeling cannot continue. Check that the data displays "
                 "in the worker UI, that the instructions are clear and that workers have enough time.")
AUTO_TASKS = ("ImageMultiClass",)  # auto-labeling the simulator runs
TRAINING_MS = (8 * MINUTE_MS, 15 * MINUTE_MS)  # a training job, start to model.tar.gz
INFERENCE_MS = (4 * MINUTE_MS, 9 * MINUTE_MS)  # batch transform on the validation and unlabeled objects



def _truth(task: str, source: str | None, labels: list[str], truth: dict[str, dict]) -> dict:
    kind = TRUTH_KIND.get(task, "label")
    found = truth.get(source or "")
    if found is not None and kind in found:
        return found
    if kind == "entities":
        return {"text": source or "", "entities": []}  # a text the simulator has no truth for
    if kind == "frames":
        return {"image": {"width": 160, "height": 120}, "frames": []}
    return pseudo_truth(source or "", "BoundingBox" if kind == "boxes" else task, labels)


class _Runner:
    def __init__(self, spec: JobSpec, sources: list[str | None], truth: dict[str, dict], workers: list[Worker],
                 lines: list[dict] | None = None):
        self.spec = spec
        self.sources = sources
        self.lines = lines or [{} for _ in sources]  # the manifest lines: audits read the label they check
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
        spec, rng = self.spec, self.rng
        task = spec.task
        truth = _truth(task, self.sources[oid], spec.labels, self.truth)
        if task == "BoundingBox":
            return draw_boxes(worker, truth, spec.labels, rng), task_ms(worker, task, rng, len(truth["boxes"]))
        if task in ("VerificationBoundingBox", "AdjustmentBoundingBox"):
            shown, _ = earlier_boxes(self.lines[oid], spec.attribute)
            content = verify(worker, shown, truth, rng) if task == "VerificationBoundingBox" else \
                adjust(worker, shown, truth, spec.labels, rng)
            return content, task_ms(worker, task, rng, len(shown))
        if task == "ImageMultiClassMultiLabel":
            return pick_labels(worker, truth, spec.labels, rng), task_ms(worker, task, rng)
        if task == "NamedEntityRecognition":
            return mark_entities(worker, truth, spec.labels, rng), task_ms(worker, task, rng, len(truth["entities"]))
        if task == "VideoObjectTracking":
            shapes = max((len(f["objects"]) for f in truth["frames"]), default=0)
            return track_frames(worker, truth, spec.labels, rng), task_ms(worker, task, rng,
                                                                          shapes * len(truth["frames"]))
        if task == "SemanticSegmentation":
            return paint(worker, truth, spec.labels, rng), task_ms(worker, task, rng, len(truth["boxes"]))
        label = classify(worker, truth, spec.labels, rng)
        return classification_content(task, label), task_ms(worker, task, rng)

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
             workers: list[Worker], auto: AutoInput | None = None, lines: list[dict] | None = None) -> Plan:
    """The job's complete, uncut life. `sources` holds each manifest line's source-ref/source,
    `lines` the parsed lines (the labels audit jobs check); `auto` is required when the spec has
    auto-labeling."""
    runner = _Runner(spec, sources, truth, workers, lines)
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
