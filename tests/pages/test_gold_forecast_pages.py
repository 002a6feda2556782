"""Issue 17's page parts through AppTest on the session's demo: the Jobs page's Forecast block for the
running job, and Gold in the queue on the Manifests page."""

from decimal import Decimal

from app_page import run_app as run

DIGITS = "s3://ground-control-demo/datasets/digits/"


def test_jobs_forecast_for_the_running_job_with_what_it_rests_on(demo):
    jobs = run(live="0").dataframe[0].value
    running = jobs.query("status == 'InProgress'").iloc[0]
    at = run(job=running["job"], live="0")
    forecast = at.dataframe[1].value.set_index("scenario")
    assert list(forecast.index) == ["At the current pace", "One more worker per object", "Auto-labeling on",
                                    "2 more workers"]
    left = int(running["unlabeled"])
    assert forecast.loc["At the current pace", "cost"] == f"${Decimal('0.08') * left:,.2f}"  # a private team
    rests_on = "\n".join(m.value for m in at.markdown)
    assert f"{left:,} objects left x" in rests_on and "answers an hour, the pace of the last 24 hours" in rests_on
    done = run(job="digits-batch-1", live="0")
    assert len(done.dataframe) == 1  # a finished job: no forecast


def test_manifests_mixes_gold_from_a_file_and_says_what_it_could_not_use(demo):
    at = run("app_pages/manifests.py", data=DIGITS, goldmix=f"{DIGITS}gold.jsonl")
    assert "all 1,797 of its gold objects are already in the manifest" in at.error[0].value  # every digit is gold
    assert not at.metric  # nothing planned, so nothing can be written without the gold asked for
    at.number_input(key="sample_in").set_value(100).run()
    counts = at.dataframe[0].value["objects"]
    assert counts["gold lines mixed in (tagged)"] == 5 and counts["gold objects already in the manifest (not added "
                                                                    "twice)"] == 100
    assert {m.label: m.value for m in at.metric}["Lines in the manifest"] == "105"
    at.number_input(key="gold_share_in").set_value(20).run()
    assert {m.label: m.value for m in at.metric}["Lines in the manifest"] == "125"
