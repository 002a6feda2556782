"""The benchmark on the demo's simulated jobs and on the simulator's pre-trained model walkthrough
(§8, core.sim.walkthrough): every number equals what the job's own files and LabelCounters say."""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from core.benchmark import Prices, compare, iterations, job_metrics, load_job, verdict, verdict_pair
from core.gold import read_gold
from core.notify import OutboxNotifier
from core.workspace import Workspace


@pytest.mark.slow
def test_every_demo_job_agrees_with_its_files(demo):
    """Simulated jobs (stopped, failed, chained, running, auto-labeling): counters and files agree."""
    for summary in demo.service.list_labeling_jobs():
        run = load_job(demo, summary["LabelingJobName"])
        row = job_metrics(run)
        assert row["mismatches"] == [], (run.name, row["mismatches"])
        c = run.counters
        assert row["objects"] == c["TotalLabeled"] + c["FailedNonRetryableError"] + c["Unlabeled"]
        assert Decimal(str(row["service_fee"])) == Decimal("0.08") * c["TotalLabeled"]
        assert row["worker_fee"] == 0  # private teams
        rounds = run.data.auto_labels["iteration"].nunique()
        assert Decimal(str(row["instance_cost"])) == Prices().per_round(run.algorithm) * rounds * run.auto_labeling
        table = iterations(run)
        assert table["human"].sum() == c["HumanLabeled"] and table["machine"].sum() == c["MachineLabeled"]
        assert table["cumulative_cost"].iloc[-1:].sum() == pytest.approx(row["total_cost"])


@pytest.fixture(scope="module")
def walkthrough(tmp_path_factory):
    """The simulator's three-job walkthrough (core.sim.walkthrough), built once for this module."""
    experiment = pytest.importorskip("core.sim.walkthrough")
    root = tmp_path_factory.mktemp("walkthrough") / "experiment"
    info = experiment.build_experiment(root)
    service, open_uri = experiment.open_experiment(root)
    ws = Workspace(kind="demo", label="walkthrough", open=open_uri, service=service,
                   notifier=OutboxNotifier(root / "outbox"), now=service.clock.now)
    return ws, info


@pytest.mark.slow
def test_the_walkthrough_benchmark_equals_its_files(walkthrough):
    ws, info = walkthrough
    gold_file = ws.open(info.walkthrough.data.gold_uri)
    runs = [load_job(ws, name) for name in info.walkthrough.jobs]
    table = compare(runs, gold=read_gold("gold.jsonl", gold_file.store.get(gold_file.prefix)))
    assert table["mismatches"].map(len).tolist() == [0, 0, 0]
    for run, (_, found) in zip(runs, table.iterrows(), strict=True):
        folder = info.buckets_dir / info.bucket / "labeling-jobs" / run.name
        lines = {int(p.parts[-3]): len(p.read_text().splitlines())
                 for p in folder.glob("activelearning/**/auto_annotator_output.txt")}
        assert found["machine_labeled"] == run.counters["MachineLabeled"] == sum(lines.values()) > 0
        per_iteration = iterations(run).set_index("iteration")
        assert {n: per_iteration.loc[n, "machine"] for n in lines} == lines
        assert found["training_rounds"] == len(lines)
        assert Decimal(str(found["instance_cost"])) == Prices().per_round("image-classification") * len(lines)
        assert found["accuracy_machine"] > 0.9 and found["compared"] == found["labeled"]
        records = [json.loads(p.read_text()) for p in folder.glob("activelearning/**/validation.json")]
        measured = {r["iteration"]: r["validation_accuracy"] for r in records if r["validation_accuracy"] is not None}
        assert dict(zip(run.validation["iteration"], run.validation["value"], strict=True)) == measured
    with_model, without = verdict_pair(table)
    assert (with_model["job"], without["job"]) == info.walkthrough.jobs[1:]  # the same half, without the model
    more = with_model["machine_labeled"] - without["machine_labeled"]
    assert verdict(with_model, without).startswith(
        f"Starting from the earlier model, {with_model['job']} labeled {abs(more):,} "
        f"{'more' if more >= 0 else 'fewer'} objects by machine than {without['job']} "
        f"({with_model['machine_share']:.0%} vs {without['machine_share']:.0%} machine-labeled)")
