"""A labeling job's plan cut where the job ended (stopped, a stopping condition, expired after 30
days, Appendix B): `Outcome` answers what the job looks like at any instant (status,
LabelCounters) and which objects were labeled or failed when."""

from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass

from .plan import AutoRound, Plan
from .workforce import HOUR_MS, MINUTE_MS

EXPIRY_MS = 30 * 24 * HOUR_MS  # a job not finished after 30 days expires (Appendix B)
# UNCONFIRMED wording (no source shows the FailureReason of an expired job).
EXPIRED_JOB = "ClientError: The labeling job expired: it did not complete within 30 days of its creation."


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
