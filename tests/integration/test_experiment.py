"""The step-wise pre-trained model experiment through the labeling-service interface, on the
simulator: the same calls it makes to SageMaker (create, describe), advanced by repeated visits."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from core import cli
from core.benchmark.experiment import (
    ExperimentError,
    advance,
    experiments,
    guided_built,
    guided_workspace,
    load,
    run_guided,
    split_halves,
    start,
)
from core.launch import LaunchConfig
from core.sim.buckets import folder_buckets
from core.sim.clock import FixedClock
from core.sim.service import SimulatedService
from core.sim.walkthrough import NAMES, write_experiment_data

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
OUTPUT = "s3://lab/jobs/"


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    root = tmp_path_factory.mktemp("experiment")
    open_uri = folder_buckets(root / "s3")
    service = SimulatedService(root / "state", open_uri, FixedClock(T0), seed=7)
    data = write_experiment_data(open_uri, "s3://lab/data", service, total=2700)
    ws = SimpleNamespace(open=open_uri, service=service)
    # The whole data set as one manifest: start() makes the halves itself.
    whole = b"".join(open_uri(u).store.get(open_uri(u).prefix) for u in data.halves)
    open_uri("s3://lab/all.manifest").store.put("all.manifest", whole)
    base = LaunchConfig(job_name="unused", task_type="ImageMultiClass", manifest="s3://lab/all.manifest",
                        output=OUTPUT, role="arn:aws:iam::123456789012:role/GT", labels=tuple(map(str, range(10))),
                        workteam=service.team_arn("labeling-team"), label_attribute="digit",
                        max_concurrent_tasks=200)
    return ws, base


def test_halves_are_stable_and_cover_every_line():
    lines = b"".join(b'{"source-ref":"s3://b/%d.png"}\n' % i for i in range(11))
    first, second = split_halves(lines, seed=3)
    assert (len(first), len(second)) == (6, 5) and sorted(first + second) == sorted(lines.decode().split())
    assert split_halves(lines, seed=3) == (first, second) != split_halves(lines, seed=4)


@pytest.mark.slow
def test_experiment_goes_on_only_when_job_1_has_left_a_model(world):
    ws, base = world
    exp = start(ws, base, "pt")
    assert exp.jobs == ["pt-1"] and experiments(ws, OUTPUT) == ["pt"]
    assert advance(ws, exp).jobs == ["pt-1"]  # job 1 still running: nothing new
    ws.service.clock.set(ws.service.finish_time("pt-1"))
    exp = advance(ws, load(ws, OUTPUT, "pt"))
    assert exp.jobs == ["pt-1", "pt-2-with-model", "pt-3-without-model"] and exp.stage == "jobs 2 and 3 running"
    with_model = ws.service.describe_labeling_job("pt-2-with-model")
    assert with_model["LabelingJobAlgorithmsConfig"]["InitialActiveLearningModelArn"] == exp.model
    assert "InitialActiveLearningModelArn" not in ws.service.describe_labeling_job("pt-3-without-model")[
        "LabelingJobAlgorithmsConfig"]
    assert json.loads(ws.open(f"{OUTPUT}_ground-control/experiments/pt.json").store.get(
        "jobs/_ground-control/experiments/pt.json"))["model"] == exp.model
    ws.service.clock.set(max(ws.service.finish_time(n) for n in exp.jobs[1:]))
    share = {n: ws.service.describe_labeling_job(n)["LabelCounters"] for n in exp.jobs[1:]}
    assert share["pt-2-with-model"]["MachineLabeled"] > share["pt-3-without-model"]["MachineLabeled"]
    assert advance(ws, exp) is exp  # nothing left to do


@pytest.mark.slow
def test_a_second_experiment_with_the_same_name_is_refused(world):
    ws, base = world
    with pytest.raises(ExperimentError, match="exists already"):
        start(ws, base, "pt")


@pytest.mark.slow
def test_a_task_without_auto_labeling_is_refused(world):
    ws, base = world
    with pytest.raises(ExperimentError, match="does not support auto-labeling"):
        start(ws, LaunchConfig.from_dict({**base.to_dict(), "task_type": "NamedEntityRecognition"}), "ner")


@pytest.mark.slow
def test_the_guided_walkthrough_is_this_experiment_in_a_workspace_of_its_own(tmp_path, capsys):
    """What the experiment command and the Benchmark page run: the same three jobs and state file."""
    root = tmp_path / "guided"
    assert guided_workspace(root) is None and not guided_built(root)
    assert cli.main(["experiment", "--dir", str(root)]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Walkthrough built in") and out[0].endswith(f" at {root}")
    assert [line.split(":")[0].strip() for line in out[1:]] == list(NAMES)
    assert [line.endswith("started from a model") for line in out[1:]] == [False, True, False]
    ws = guided_workspace(root)
    assert guided_built(root) and ws.kind == "experiment"
    exp = load(ws, ws.output_uri, "walkthrough")
    first = ws.service.describe_labeling_job(NAMES[0])
    assert exp.jobs == list(NAMES) and exp.stage == "jobs 2 and 3 running"
    assert exp.model == first["LabelingJobOutput"]["FinalActiveLearningModelArn"]
    assert ws.service.describe_labeling_job(NAMES[1])["LabelingJobAlgorithmsConfig"][
        "InitialActiveLearningModelArn"] == exp.model
    # Without reset an earlier run is never deleted; with it (the page's button) it is run again.
    with pytest.raises(FileExistsError):
        run_guided(root)
    (root / "stray.txt").write_text("left by hand")
    again = run_guided(root, reset=True)
    assert again.walkthrough.jobs == NAMES and not (root / "stray.txt").exists()
    assert guided_workspace(root).service.describe_labeling_job(NAMES[2])["LabelingJobStatus"] == "Completed"
