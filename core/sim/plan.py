"""The values a labeling job's plan is made of (core.sim.engine computes it): the job's spec, the
objects' runs and answers, the iterations, auto-labeling's input and rounds, and the plan itself."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np


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
