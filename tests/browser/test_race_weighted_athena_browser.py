"""The Race page's weighted race with Amazon Athena as its engine, in Chromium, against the session's
moto server (S3 and Athena over real HTTP from the app's own process): the plan with the weighting
chosen, then, after Run, the race with the local page's caption of what a bar counts."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlencode

import boto3
import pytest
from test_athena_views import _private_output  # tests/unit is on sys.path
from test_workers_athena_browser import REGION, RESULTS, SOURCE, _cli_test, _post

from core.engine import athena_workers as aw
from core.ingest import SourceReader
from core.race.frames import race_table, summary_line
from core.race.weights import MEANING, label_weights
from core.storage import AwsSettings, open_location
from core.workers import shown_names

pytestmark = pytest.mark.browser


@pytest.fixture
def weighted_app(start_app, moto_server, gt_output, tmp_path, fake_aws):
    """The constructed output in a fresh moto, the weighted race's queries' rows queued (computed on
    DuckDB by the engine's own SQL), and an app on the AWS workspace whose every AWS call goes to moto."""
    fake_aws(REGION)
    _post(moto_server, "/moto-api/reset")
    folder = Path(_private_output(gt_output))
    s3 = boto3.client("s3", endpoint_url=moto_server, region_name=REGION, aws_access_key_id="testing",
                      aws_secret_access_key="testing")
    for name in ("gt-out", "gc-results"):
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        s3.put_object(Bucket="gt-out", Key="out/" + path.relative_to(folder).as_posix(), Body=path.read_bytes())
    location = open_location(SOURCE, AwsSettings(endpoint_url=moto_server, region=REGION))
    found = aw.survey(location)
    plan = aw.plan(location, "gc", RESULTS, tables=aw.manifest_tables(location, aw.Survey(found.uri)), found=found)
    sent = _cli_test("test_race_weighted_athena_cli").athena_answers(folder, "h", "agreement", tmp_path, True)
    _cli_test().queue(moto_server, [None] * len(plan.ddl()) + sent)
    url = start_app({"GC_WORKSPACE": "aws", "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
                     "AWS_DEFAULT_REGION": REGION, "AWS_ENDPOINT_URL": moto_server,
                     "GC_CACHE_DIR": str(tmp_path / "cache")})
    return url, folder


def test_the_weighted_race_runs_on_athena(page, weighted_app, wait_for_app, settle, screenshot):
    url, folder = weighted_app
    query = urlencode({"engine": "athena", "source": SOURCE, "results": RESULTS, "database": "gc", "names": "anon",
                       "period": "hour", "weight": "agreement"})
    page.goto(f"{url}/race?{query}")
    wait_for_app(page)
    page.get_by_text("Estimated cost").wait_for()
    app = page.locator('[data-testid="stApp"]')
    assert "$0.000200" in app.inner_text()  # the weighted race's three reads and Worker N's order
    screenshot(page, "race-athena-weighted-plan", full_page=True)

    page.get_by_role("button", name="Run on Athena").click()
    page.get_by_text("Weighted race:").wait_for(timeout=60_000)
    wait_for_app(page)
    data = SourceReader(open_location(str(folder))).load(keep=False)
    weights = label_weights(data.answers, "agreement")
    expected = race_table(data.answers, shown_names(data, {}, True), "h", weights=weights)
    text = app.inner_text()
    assert summary_line(expected) in text and f"Weighted race: {MEANING['agreement']}." in text
    assert "Labels per worker, weighted by agreement" in page.locator("iframe").first.content_frame.locator(
        "body").inner_text()
    assert page.locator('[data-testid="stException"]').count() == 0 and "Traceback" not in text
    assert not re.search(r"\b[a-z]+_[a-z_]+\b", text.split("Computed by")[1].split("What Athena will create")[0])
    page.mouse.move(700, 5)  # no tooltip over the race
    page.get_by_text("Weighted race:").evaluate("e => e.scrollIntoView({block: 'start'})")
    page.get_by_text("Each label counts", exact=True).evaluate("e => e.scrollIntoView({block: 'center'})")
    settle(page)
    screenshot(page, "race-athena-weighted")
