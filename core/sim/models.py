"""Automated data labeling's models in the simulated service: the FinalActiveLearningModelArn a job
ends with, stored as its training set, and the model a new job starts from (given by ARN, or
its parent's when chaining, §8). A mixin of SimulatedService (core.sim.service)."""

from __future__ import annotations

import re
from pathlib import Path

from . import autolabel
from .clock import to_ms
from .outcome import Outcome
from .plan import Plan
from .state import _read_json, _write_json

MODEL_SUFFIX = "-final-model"  # FinalActiveLearningModelArn: model/<job>-final-model (naming UNCONFIRMED)
_JOB_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}")  # LabelingJobName (§6)
_MODEL_NAME = re.compile(r"[a-zA-Z0-9](-*[a-zA-Z0-9])*")


class ModelsMixin:
    """Auto-labeling models of SimulatedService."""


    def model_arn(self, job: str) -> str:
        """FinalActiveLearningModelArn of a job (the model's name is the simulator's choice)."""
        return f"arn:aws:sagemaker:{self.region}:{self.account}:model/{job.lower()}{MODEL_SUFFIX}"

    def _model_path(self, name: str) -> Path:
        return self.state_dir / "models" / f"{name.lower()}.json"

    def _register_model(self, arn: str, record: dict, plan: Plan, outcome: Outcome) -> None:
        features, labels = plan.training_set(outcome.final_round)
        doc = {"arn": arn, "job": record["name"], "job_arn": record["arn"], "task": plan.spec.task,
               "training_job": outcome.final_round.training_job,
               **autolabel.training_data(features, labels, plan.spec.labels)}
        _write_json(self._model_path(arn.rpartition("/")[2]), doc, compact=True)

    def _find_model(self, arn: str) -> dict | None:
        """The stored model an ARN names, bringing its job up to now first; None if unknown."""
        prefix = f"arn:aws:sagemaker:{self.region}:{self.account}:model/"
        if not arn.startswith(prefix):
            return None
        name = arn[len(prefix):]
        if not _MODEL_NAME.fullmatch(name):  # letters, digits, hyphens: never a path
            return None
        if name.lower().endswith(MODEL_SUFFIX):
            owner = _read_json(self._job_dir(name[: -len(MODEL_SUFFIX)]) / "job.json")
            if owner is not None:
                self._advance(owner, to_ms(self.clock.now()))
        return _read_json(self._model_path(name))

    def _parent_model(self, parsed: list[dict], attribute: str) -> dict | None:
        """Chaining with the same attribute reuses the model of the job that labeled those lines,
        if it auto-labeled (§8)."""
        counts: dict[str, int] = {}
        for line in parsed:
            meta = line.get(f"{attribute}-metadata")
            job = meta.get("job-name") if attribute in line and isinstance(meta, dict) else None
            name = job.removeprefix("labeling-job/") if isinstance(job, str) else ""
            if _JOB_NAME.fullmatch(name):
                counts[name] = counts.get(name, 0) + 1
        for name in sorted(counts, key=lambda n: (-counts[n], n)):
            record = _read_json(self._job_dir(name) / "job.json")
            if record is not None:
                view = self._advance(record, to_ms(self.clock.now()))
                if view.get("model"):
                    return _read_json(self._model_path(view["model"].rpartition("/")[2]))
        return None
