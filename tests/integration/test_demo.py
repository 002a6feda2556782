"""The demo workspace as built by core.sim.demo: a team's history and a running job, the same bytes
for the same seed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from test_sim import tree_hash  # tests/unit is on sys.path (pyproject: pythonpath)

from core.ingest import SourceReader
from core.sim.clock import FixedClock


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    """The demo as built, and the hash of every file it held then."""
    from core.sim.demo import build_demo

    root = tmp_path_factory.mktemp("demo")
    info = build_demo(root)
    print(f"\nbuild_demo: {info.seconds:.1f} s, {info.answers} answers, {info.data_objects} data objects, "
          f"{len(info.jobs)} jobs, {info.workers} workers")
    return info, tree_hash(root)


@pytest.mark.slow
def test_demo_has_a_team_history_and_a_running_job(demo):
    from core.sim.demo import open_demo

    demo, _ = demo
    service, open_uri = open_demo(demo.root, clock=FixedClock(demo.now))
    jobs = {j["LabelingJobName"]: j for j in service.list_labeling_jobs()}
    assert set(jobs) == set(demo.jobs)
    statuses = {j["LabelingJobStatus"] for j in jobs.values()}
    assert {"Completed", "Stopped", "Failed", "InProgress"} <= statuses
    assert jobs[demo.in_progress]["LabelingJobStatus"] == "InProgress"
    assert demo.answers >= 20_000 and len(service.team_members("labeling-team")) >= 12
    assert any(j["LabelCounters"]["FailedNonRetryableError"] for j in jobs.values())
    data = SourceReader(open_uri(demo.output_uri)).load()
    assert len(data.answers) == demo.answers and data.skipped == []
    assert data.answers["worker_id"].nunique() >= 12
    for name, job in jobs.items():
        labeled = data.labels[(data.labels["job"] == name) & (data.labels["status"] == "labeled")]
        assert job["LabelCounters"]["TotalLabeled"] == len(labeled[labeled["job_name"] == name]), name
    # The running job moves on with the clock, writing only new files.
    before = service.describe_labeling_job(demo.in_progress)["LabelCounters"]["HumanLabeled"]
    service.clock.set(demo.now + timedelta(hours=1))
    after = service.describe_labeling_job(demo.in_progress)["LabelCounters"]["HumanLabeled"]
    assert after > before


@pytest.mark.slow
def test_demo_is_the_same_byte_for_byte_for_the_same_seed(demo, tmp_path):
    from core.sim.demo import build_demo

    info, hashes = demo
    again = build_demo(tmp_path / "again")
    assert again.answers == info.answers
    assert tree_hash(again.root) == hashes
