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


@pytest.mark.slow
def test_demo_holds_a_job_of_each_further_task_type_with_measures_to_show(demo):
    """Multi-label, NER, text classification, verification, adjustment, video tracking and
    segmentation jobs: read back as their task types, and the quality report has a measure for each
    (core.annotations, core.quality); the texts' gold files are matched on the text."""
    from core.annotations.reports import frame_attribute_counts
    from core.annotations.source import read_source
    from core.quality.gold_files import read_gold
    from core.quality.report import quality_report
    from core.sim.buckets import folder_buckets

    demo, _ = demo
    found = read_source(folder_buckets(demo.buckets_dir)(demo.output_uri))
    expected = {"shapes-tags": "multi-label", "sentences-entities": "ner", "sentences-topics": "classification",
                "shapes-boxes-1-verify": "label-verification", "shapes-boxes-1-adjust": "adjustment",
                "shapes-tracking": "video-object-tracking", "shapes-masks": "semantic-segmentation"}
    types = found.task_types()
    assert {job: types.get(job) for job in expected} == expected
    report = quality_report(found.table).set_index(["job", "worker"])
    measure = {"shapes-tags": "jaccard", "sentences-entities": "f1", "shapes-boxes-1-verify": "exact_match",
               "shapes-boxes-1-adjust": "mean_iou", "shapes-tracking": "mean_frame_f1"}
    for job, column in measure.items():
        assert report.loc[(job, "Team"), column] > 0, job
    assert report.loc[("shapes-boxes-1", "Team"), "pass_rate"] < 1  # some verdicts fail the boxes
    assert report.loc[("shapes-masks", "Team"), "objects"] > 0
    topics = report.loc[("sentences-topics", "Team")]
    assert topics["objects"] == 360 and 0.8 < topics["exact_match"] < 1 and 0 < topics["alpha"] < 1  # some mistakes
    open_uri = folder_buckets(demo.buckets_dir)
    for job, gold in (("sentences-topics", "gold-topics.jsonl"), ("sentences-entities", "gold.jsonl")):
        against = quality_report(found.table, gold=read_gold(f"s3://{demo.bucket}/datasets/sentences/{gold}", open_uri))
        assert set(against.loc[against["job"].eq(job), "reference"]) == {"gold"}, job
    frames = frame_attribute_counts(found.table)
    assert frames.loc[frames["job"].eq("shapes-tracking"), "frames"].sum() == 6 * 12  # boxless frames too
