"""The step-wise pre-trained model experiment through the labeling-service interface, on the
simulator: the same calls it makes to SageMaker (create, describe), advanced by repeated visits."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from types import SimpleNamespace

import pytest

from core.experiment import ExperimentError, advance, experiments, load, split_halves, start
from core.launch import LaunchConfig
from core.sim.buckets import folder_buckets
from core.sim.clock import FixedClock
from core.sim.experiment import write_experiment_data
from core.sim.service import SimulatedService

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
