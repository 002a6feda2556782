"""The pre-trained model experiment on any workspace (SageMaker or the simulator), step by step.

AWS's walkthrough (docs/ground-truth.md §8): split the input manifest in halves; job 1 auto-labels half 1 and
leaves FinalActiveLearningModelArn; job 2 labels half 2 starting from that model
(InitialActiveLearningModelArn); job 3 labels half 2 the same way without it. On SageMaker that
takes hours, so the experiment is a small state file beside the output, and `advance` moves it on
whenever it is called (a page visit, a cron run): it never waits.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace

from .errors import GroundControlError
from .gt.jsonio import decode_text, json_lines
from .gt.service import ServiceError
from .launch import LaunchConfig, launch
from .storage import ObjectExists

STATE_DIR = "_ground-control/experiments"  # '_' never starts a job name: no job writes here


class ExperimentError(GroundControlError):
    """The experiment cannot start or go on; the message says why."""


@dataclass
class Experiment:
    name: str
    base: dict  # the LaunchConfig of job 1 before the split (as a dict)
    halves: list[str] = field(default_factory=list)  # manifest URIs
    jobs: list[str] = field(default_factory=list)  # job 1, then jobs 2 and 3 once job 1 left a model
    model: str | None = None
    stage: str = "job 1 running"  # job 1 running | jobs 2 and 3 running | failed: <why>

    @property
    def config(self) -> LaunchConfig:
        return LaunchConfig.from_dict(self.base)


def _state_uri(output: str, name: str) -> str:
    return f"{output.rstrip('/')}/{STATE_DIR}/{name}.json"


def split_halves(manifest: bytes, seed: int = 0) -> tuple[list[str], list[str]]:
    """Two halves of a manifest's lines, chosen by a seeded hash so any machine splits the same way."""
    lines = [line for line in json_lines(decode_text(manifest)) if line.strip()]
    order = sorted(lines, key=lambda line: hashlib.sha256(f"{seed}:{line}".encode()).hexdigest())
    half = (len(order) + 1) // 2
    return order[:half], order[half:]


def _save(ws, exp: Experiment) -> None:
    loc = ws.open(_state_uri(exp.config.output, exp.name))
    loc.store.put(loc.prefix, json.dumps(asdict(exp), indent=1).encode(), overwrite=True)  # our own state


def load(ws, output: str, name: str) -> Experiment:
    loc = ws.open(_state_uri(output, name))
    return Experiment(**json.loads(loc.read()))


def experiments(ws, output: str) -> list[str]:
    loc = ws.open(f"{output.rstrip('/')}/{STATE_DIR}/")
    return sorted(i.key.rsplit("/", 1)[1].removesuffix(".json") for i in loc.store.list(loc.prefix)
                  if i.key.endswith(".json"))


def start(ws, base: LaunchConfig, name: str, seed: int = 0) -> Experiment:
    """Write the halves, launch job 1 with auto-labeling on half 1, and save the experiment."""
    if not base.task.algorithm:
        raise ExperimentError(f"{base.task.name} does not support auto-labeling: choose another job")
    first, second = split_halves(ws.open(base.manifest).read(), seed)
    halves = []
    for i, lines in enumerate((first, second), start=1):
        uri = f"{base.output.rstrip('/')}/{STATE_DIR}/{name}/half-{i}.manifest"
        loc = ws.open(uri)
        try:
            loc.store.put(loc.prefix, ("\n".join(lines) + "\n").encode())
        except ObjectExists as exc:
            raise ExperimentError(f"an experiment named {name} exists already ({uri})") from exc
        halves.append(uri)
    job1 = replace(base, job_name=f"{name}-1", manifest=halves[0], auto_labeling=True, pretrained_model=None,
                   label_attribute=base.label_attribute, max_human_labeled=None, max_percent_labeled=None)
    exp = Experiment(name=name, base=job1.to_dict(), halves=halves, jobs=[job1.job_name])
    launch(job1, ws)
    _save(ws, exp)
    return exp


def advance(ws, exp: Experiment) -> Experiment:
    """Once job 1 has completed with a model, launch job 2 (from it) and job 3 (without); else nothing."""
    if exp.stage != "job 1 running":
        return exp
    try:
        first = ws.service.describe_labeling_job(exp.jobs[0])
    except ServiceError as exc:
        raise ExperimentError(str(exc)) from exc
    status = first["LabelingJobStatus"]
    if status in ("Failed", "Stopped"):
        exp.stage = f"failed: {exp.jobs[0]} {status.lower()} ({first.get('FailureReason', 'no reason given')})"
    elif status == "Completed":
        model = first.get("LabelingJobOutput", {}).get("FinalActiveLearningModelArn")
        if not model:
            exp.stage = f"failed: {exp.jobs[0]} completed without a final model (too few objects to auto-label?)"
        else:
            job1 = exp.config
            for suffix, start_model in (("2-with-model", model), ("3-without-model", None)):
                launch(replace(job1, job_name=f"{exp.name}-{suffix}", manifest=exp.halves[1],
                               pretrained_model=start_model), ws)
                exp.jobs.append(f"{exp.name}-{suffix}")
            exp.model, exp.stage = model, "jobs 2 and 3 running"
    else:
        return exp
    _save(ws, exp)
    return exp
