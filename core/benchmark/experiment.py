"""The pre-trained model experiment on any workspace (SageMaker or the simulator), step by step.

AWS's walkthrough (docs/ground-truth.md §8): split a data set in halves; job 1 auto-labels half 1 and
leaves FinalActiveLearningModelArn; job 2 labels half 2 starting from that model
(InitialActiveLearningModelArn); job 3 labels half 2 the same way without it. On SageMaker that
takes hours, so the experiment is a small state file beside the output, and `advance` moves it on
whenever it is called (a page visit, a cron run): it never waits. Every job is launched through
core.launch, as a person would launch it.

    start / advance / load / experiments   the experiment on a workspace's own data
    guided_workspace / run_guided / ...    the guided experiment: the walkthrough on 5,000 digits in a
                                           simulated workspace of its own (core.sim.walkthrough)
"""

from __future__ import annotations

import hashlib
import json
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import GroundControlError
from ..gt.jsonio import decode_text, json_lines
from ..gt.service import ServiceError
from ..launch import LaunchConfig, launch
from ..storage import ObjectExists
from ..workspace import Workspace, cache_dir

STATE_DIR = "_ground-control/experiments"  # '_' never starts a job name: no job writes here
JOB_1_RUNNING, JOBS_2_AND_3_RUNNING = "job 1 running", "jobs 2 and 3 running"
GUIDED_LABEL = "Guided experiment (simulated)"
Progress = Callable[[str, int, int], None]  # (phase, done, total): "data", then each job's objects


class ExperimentError(GroundControlError):
    """The experiment cannot start or go on; the message says why."""


def job_names(name: str) -> list[str]:
    """The three jobs of an experiment named `name`."""
    return [f"{name}-1", f"{name}-2-with-model", f"{name}-3-without-model"]


@dataclass
class Experiment:
    name: str
    base: dict  # the LaunchConfig of job 1 (as a dict)
    halves: list[str] = field(default_factory=list)  # manifest URIs
    jobs: list[str] = field(default_factory=list)  # job 1, then jobs 2 and 3 once job 1 left a model
    model: str | None = None
    stage: str = JOB_1_RUNNING  # job 1 running | jobs 2 and 3 running | failed: <why>
    names: list[str] = field(default_factory=list)  # the three job names (state files without: job_names)

    def __post_init__(self) -> None:
        self.names = list(self.names) or job_names(self.name)

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


def _write_halves(ws, base: LaunchConfig, name: str, seed: int) -> list[str]:
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
    return halves


def start(ws, base: LaunchConfig, name: str, seed: int = 0, halves: tuple[str, str] | None = None,
          names: list[str] | tuple[str, ...] | None = None) -> Experiment:
    """Launch job 1 with auto-labeling on half 1 and save the experiment. The halves are written
    from `base`'s manifest (split by `seed`) unless given as two manifest URIs; `names` are the three
    job names (default: job_names(name))."""
    if not base.task.algorithm:
        raise ExperimentError(f"{base.task.name} does not support auto-labeling: choose another job")
    state = ws.open(_state_uri(base.output, name))
    if state.store.exists(state.prefix):
        raise ExperimentError(f"an experiment named {name} exists already ({_state_uri(base.output, name)})")
    halves = list(halves) if halves else _write_halves(ws, base, name, seed)
    names = list(names or job_names(name))
    job1 = replace(base, job_name=names[0], manifest=halves[0], auto_labeling=True, pretrained_model=None,
                   max_human_labeled=None, max_percent_labeled=None)
    exp = Experiment(name=name, base=job1.to_dict(), halves=halves, jobs=[job1.job_name], names=names)
    launch(job1, ws)
    _save(ws, exp)
    return exp


def advance(ws, exp: Experiment) -> Experiment:
    """Once job 1 has completed with a model, launch job 2 (from it) and job 3 (without); else nothing."""
    if exp.stage != JOB_1_RUNNING:
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
            for name, start_model in zip(exp.names[1:], (model, None), strict=True):
                launch(replace(job1, job_name=name, manifest=exp.halves[1], pretrained_model=start_model), ws)
                exp.jobs.append(name)
            exp.model, exp.stage = model, JOBS_2_AND_3_RUNNING
    else:
        return exp
    _save(ws, exp)
    return exp


# --- the guided experiment: the walkthrough on the simulator, in a workspace of its own -------------------


def guided_dir() -> Path:
    """<cache>/experiment (core.workspace.cache_dir)."""
    return cache_dir() / "experiment"


def guided_built(root: Path | None = None) -> bool:
    """True once the walkthrough has run in `root` (default: guided_dir())."""
    from ..sim import walkthrough

    return walkthrough.is_built(Path(root or guided_dir()))


def guided_workspace(root: Path | None = None) -> Workspace | None:
    """The guided experiment's workspace (its clock stands at the end of the walkthrough), or None
    when it has not been run in `root` (default: guided_dir())."""
    from ..notify import OutboxNotifier
    from ..sim import walkthrough

    root = Path(root or guided_dir())
    if not walkthrough.is_built(root):
        return None
    service, open_uri = walkthrough.open_experiment(root)
    return Workspace(kind="experiment", label=GUIDED_LABEL, open=open_uri, service=service,
                     notifier=OutboxNotifier(root / "outbox"), now=service.clock.now,
                     output_uri=walkthrough.OUTPUT_URI)


def run_guided(root: Path | None = None, seed: int = 7, progress: Progress | None = None,
               reset: bool = False) -> Any:
    """Run the walkthrough in a new workspace at `root` (default: guided_dir()); returns
    core.sim.walkthrough.ExperimentInfo. `reset` deletes an earlier run there first; without it a
    folder that is not empty is refused (FileExistsError)."""
    from ..sim import walkthrough

    root = Path(root or guided_dir())
    if reset:
        shutil.rmtree(root, ignore_errors=True)
    return walkthrough.build_experiment(root, seed=seed, progress=progress)


def guided_report(root: Path | None = None, seed: int = 7) -> list[str]:
    """Run the walkthrough (in `root`, else in a temporary folder deleted afterwards) and say what
    each job did: the experiment command's output, line by line."""
    from ..sim import walkthrough

    scratch = root is None
    folder = Path(tempfile.mkdtemp(prefix="gc-experiment-")) / "experiment" if scratch else Path(root)
    try:
        info = run_guided(folder, seed)
        service, open_uri = walkthrough.open_experiment(folder)
        lines = [f"Walkthrough built in {info.seconds:.1f} s" + ("" if scratch else f" at {folder}")]
        for row in walkthrough.summary(service, open_uri, info.walkthrough):
            lines.append(f"  {row['job']}: {row['status']}, {row['objects']:,} objects, {row['human']:,} by humans, "
                         f"{row['machine']:,} by machine (share {row['machine_share']:.3f}); accuracy against gold: "
                         f"humans {row['human_accuracy']}, machine {row['machine_accuracy']}"
                         + (", started from a model" if row["initial_model"] else ""))
        return lines
    finally:
        if scratch:
            shutil.rmtree(folder.parent, ignore_errors=True)
