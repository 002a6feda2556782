"""`python -m core forecast JOB`: the running demo job's time and cost to finish, in-process on the
session's demo (its clock pinned at GC_DEMO_AT)."""

from __future__ import annotations

import json
from decimal import Decimal

from core import cli
from core.gt.job import Job
from core.ingest import SourceReader
from core.jobs import eta


def running_job(demo) -> Job:
    return next(j for j in map(Job.from_summary, demo.service.list_labeling_jobs()) if j.working)


def test_forecast_json_is_the_jobs_eta_and_fee_with_its_what_ifs(demo, capsys):
    job = Job.from_description(demo.service.describe_labeling_job(running_job(demo).name))
    assert cli.main(["forecast", job.name, "--format", "json", "--more-workers", "4"]) == 0
    doc = json.loads(capsys.readouterr().out)
    left = job.counters.unlabeled
    assert doc["objects_left"] == left > 0 and doc["workers_per_object"] == job.workers_per_object
    scenarios = {s["scenario"]: s for s in doc["scenarios"]}
    assert list(scenarios) == ["At the current pace", "One more worker per object", "Auto-labeling on",
                               "4 more workers"]
    answers = SourceReader(demo.open(job.output_folder)).load().answers
    expected = eta(answers[answers["job"] == job.name], left, job.workers_per_object, demo.now())
    assert scenarios["At the current pace"]["hours"] == round(expected.total_seconds() / 3600, 2)
    assert scenarios["At the current pace"]["cost_usd"] == float(Decimal("0.08") * left)  # the demo's private team
    assert all(s["assumptions"] for s in doc["scenarios"])


def test_forecast_table_and_what_it_refuses(demo, capsys):
    job = running_job(demo)
    assert cli.main(["forecast", job.name]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].split() == ["scenario", "time", "cost"]
    assert "At the current pace:" in out and "objects left x" in out
    done = next(j for j in map(Job.from_summary, demo.service.list_labeling_jobs()) if j.status == "Completed")
    assert cli.main(["forecast", done.name]) == 2
    assert f"{done.name} is Completed: only a running job" in capsys.readouterr().err
    assert cli.main(["forecast", "no-such-job"]) == 2
    assert "no-such-job" in capsys.readouterr().err
