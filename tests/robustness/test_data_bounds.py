"""Data that must not make the app hang, eat memory, print inf or lose answers (issue 9, defects 1,
5, 6 and 10): a generated corpus of bad worker responses in Ground Truth's real layout, one test per
class, and a memory ceiling for the race and the workers report on absurd dates.

Modules added by the fix are imported inside the tests, so that on the code before it each test
fails on its own behaviour, not on an import.
"""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys
import textwrap
from datetime import UTC, datetime, timedelta
from pathlib import Path

import no_real_aws  # tests/ is on sys.path (pyproject: pythonpath)
import pandas as pd
import pytest

from core import metrics
from core.ingest import SourceData, SourceReader
from core.race.frames import race_table
from core.storage import open_location
from core.workers import worker_report

REPO_ROOT = Path(__file__).resolve().parents[2]
T0 = datetime(2024, 3, 12, 10, 0, tzinfo=UTC)
NOW = datetime(2024, 3, 20, 12, 0, tzinfo=UTC)  # the caller's clock, pinned: no wall clock here
ABSURD = ["0001-01-01T00:00:00.000Z", "9999-12-31T23:59:59.999Z"]


def load(root: Path) -> SourceData:
    return SourceReader(open_location(str(root))).load()


def write_raw(gt_output, job: str, object_id: int, text: str) -> Path:
    """A worker-response file with exactly `text` (some payloads are not what json.dumps writes)."""
    path = gt_output.response(job, 1, object_id, [gt_output.answer(1, "Cat", T0)])
    path.write_text(text, encoding="utf-8")
    return path


def with_time(answer: dict, submitted: str) -> dict:
    return {**answer, "acceptanceTime": submitted, "submissionTime": submitted}


def absurd_dates_source(gt_output, workers: int = 2) -> Path:
    """Per worker: two answers in March 2024 and one each on 0001-01-01 and 9999-12-31."""
    objects: dict[int, list[dict]] = {}
    for w in range(1, workers + 1):
        objects[4 * w] = [gt_output.answer(w, "Cat", T0 + timedelta(hours=w))]
        objects[4 * w + 1] = [gt_output.answer(w, "Dog", T0 + timedelta(days=2, hours=w))]
        for k, when in enumerate(ABSURD, start=2):
            objects[4 * w + k] = [with_time(gt_output.answer(w, "Cat", T0), when)]
    return gt_output.job("absurd", objects)


def reasons(items) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for item in items:
        out.setdefault(Path(item.uri).parent.name, []).append(item.reason)
    return out


# ---- absurd dates ------------------------------------------------------------------------------

def test_absurd_dates_are_suspect_counted_and_kept_out_of_time_views(gt_output):
    from core.bounds import screen_dates

    root = absurd_dates_source(gt_output)
    soon = NOW + timedelta(days=3)  # past the caller's now and its day of slack
    gt_output.response("absurd", 1, 50, [with_time(gt_output.answer(1, "Cat", T0), f"{soon:%Y-%m-%dT%H:%M:%S}.000Z")])
    data = screen_dates(load(root), NOW)

    found = reasons(data.suspect)
    assert sorted(found) == ["10", "11", "50", "6", "7"]  # objects of the absurd answers, nothing else
    assert all("answers[0] submissionTime" in r[0] and "counted as a label" in r[0] for r in found.values())
    assert "0001-01-01" in found["6"][0] and "before 2018" in found["6"][0]
    assert "9999-12-31" in found["7"][0] and "future" in found["7"][0]
    assert data.skipped == []

    report = worker_report(data).set_index("worker")
    one = report.loc[gt_output.worker_id(1)]
    assert one["labels"] == 5 and report.loc[metrics.TEAM, "labels"] == 9  # every answer still a label
    assert one["first_submission"] == pd.Timestamp(T0 + timedelta(hours=1))
    assert one["last_submission"] == pd.Timestamp(T0 + timedelta(days=2, hours=1))
    assert one["active_days"] == 2 and one["labels_per_active_hour"] == 1.0  # two dated labels, two hours

    table = race_table(data.answers, {}, "h")
    assert table.index[0] == pd.Timestamp(T0 + timedelta(hours=1)) and len(table) == 50  # 11:00 to 12:00 two days on
    assert table.iloc[-1].sum() == 4  # the dated answers; the undated have no period
    over = metrics.labels_over_time(data.answers, "D")
    assert [f"{p:%Y-%m-%d}" for p in sorted(over["period"].unique())] == ["2024-03-12", "2024-03-13", "2024-03-14"]


def test_every_time_grid_is_capped_coarsened_and_says_so(gt_output):
    from core.bounds import MAX_PERIODS

    answers = load(absurd_dates_source(gt_output)).answers  # not screened: the grids guard themselves
    table = race_table(answers, {}, "D")
    assert len(table) <= MAX_PERIODS and table.iloc[-1].sum() == len(answers)
    assert (table.diff().dropna() >= 0).all().all()
    note = table.attrs["note"]
    assert note.startswith(f"Periods coarsened to {table.attrs['step']}: by day, 0001-01-01 to 9999-12-31"), note
    over = metrics.labels_over_time(answers, "5min")
    assert over["period"].nunique() <= MAX_PERIODS and over["labels"].sum() == len(answers)
    assert "coarsened" in over.attrs["note"]

    # Within the cap nothing changes: the same answers a week apart, by day, keep their days.
    dated = answers[answers["submission_time"].dt.year == 2024]
    assert len(race_table(dated, {}, "D")) == 3 and race_table(dated, {}, "D").attrs["note"] is None


def test_a_grid_coarsens_step_by_step_and_never_starts_in_year_zero():
    from core.bounds import time_grid

    three_weeks = pd.Series(pd.to_datetime(["2024-03-11T10:03Z", "2024-03-31T23:59Z"], utc=True))
    grid = time_grid(three_weeks, "5min")  # 5,928 periods of 5 min, 1,976 of 15
    assert (grid.step, len(grid.index)) == ("15 min", 1976)
    assert grid.periods.tolist() == [pd.Timestamp("2024-03-11T10:00Z"), pd.Timestamp("2024-03-31T23:45Z")]
    weekly = time_grid(three_weeks, "week")
    assert list(weekly.index.day_name()) == ["Monday"] * 3 and weekly.note is None
    ages = pd.Series(pd.to_datetime(ABSURD, utc=True, format="ISO8601"))
    grid = time_grid(ages, "h")
    assert len(grid.index) <= 2000 and grid.index[0].year >= 1 and grid.periods.iloc[0].year == 1
    with pytest.raises(ValueError, match="fortnight"):
        time_grid(three_weeks, "fortnight")


# ---- huge and non-finite numbers ---------------------------------------------------------------

def test_implausible_times_are_reported_per_answer_and_left_out(gt_output):
    bad = {"1e308": 1e308, "NaN": float("nan"), "Infinity": float("inf"), "-5": -5, "over a day": 90_000,
           "a string": "12", "true": True, "400 digits": 10**400}
    answers = [gt_output.answer(1, "Cat", T0, spent=2.0)]
    answers += [{**gt_output.answer(i, "Dog", T0), "timeSpentInSeconds": v} for i, v in enumerate(bad.values(), 2)]
    path = gt_output.response("times", 1, 0, answers)
    path.write_text(json.dumps({"answers": answers}))  # NaN and Infinity as Python's json writes them
    data = load(gt_output.root)

    assert data.skipped == []
    assert len(data.answers) == 1 + len(bad) and data.answers["label"].notna().all()  # labels kept
    known = data.answers.set_index("answer")["time_spent_s"]
    assert known[0] == 2.0 and known.drop(0).isna().all()  # no fallback to acceptance-to-submission
    notes = [s.reason for s in data.suspect]
    assert [n.split(" ")[0] for n in notes] == [f"answers[{i}]" for i in range(1, len(bad) + 1)]
    assert all("timeSpentInSeconds" in n and "left out of time statistics" in n for n in notes)
    assert "a 401-digit number" in notes[-1] and len(notes[-1]) < 200


def test_a_huge_time_never_makes_the_team_row_inf(gt_output):
    huge = {i: [gt_output.answer(1 + i % 2, "Cat", T0 + timedelta(minutes=i), spent=1e308, accepted=None)]
            for i in range(4)}
    gt_output.job("huge", huge | {9: [gt_output.answer(3, "Cat", T0, spent=4.0)]})
    report = worker_report(load(gt_output.root))
    numbers = report.select_dtypes("number")
    assert numbers.map(lambda v: pd.isna(v) or math.isfinite(v)).all().all(), numbers
    team = report.set_index("worker").loc[metrics.TEAM]
    assert team["labels"] == 5 and team["time_spent_s"] == 4.0

    from core.tables import format_table

    def no_constants(name):
        raise AssertionError(f"{name} in JSON: the Workers grid could not parse it")

    json.loads(format_table(report, "json"), parse_constant=no_constants)


def test_a_400_digit_number_keeps_the_files_other_answers(gt_output):
    answers = [gt_output.answer(w, "Cat", T0 + timedelta(seconds=w)) for w in range(1, 6)]
    answers[2]["timeSpentInSeconds"] = 10**400
    gt_output.job("digits", {0: answers})
    data = load(gt_output.root)
    assert data.skipped == [] and len(data.answers) == 5
    assert data.answers["time_spent_s"].notna().sum() == 4


# ---- deep and huge values in answers -----------------------------------------------------------

def test_deep_and_huge_values_cost_at_most_their_own_file(gt_output):
    good = gt_output.answer(1, "Cat", T0)
    deep = json.dumps({"answers": [good, {**good, "answerContent": "__DEEP__"}]}).replace(
        '"__DEEP__"', "[" * 100_000 + "]" * 100_000)
    write_raw(gt_output, "deep", 0, deep)
    huge = {**gt_output.answer(2, "Dog", T0), "answerContent": {"crowd-image-classifier": {"label": "D" * 1_000_000,
                                                                                          "n": 0}}}
    text = json.dumps({"answers": [good, huge]}).replace('"n": 0', '"n": ' + "7" * 5000)
    write_raw(gt_output, "deep", 1, text)
    data = load(gt_output.root)

    assert [Path(s.uri).parent.name for s in data.skipped] == ["0"]
    reason = data.skipped[0].reason
    assert "levels deep" in reason and "Error" not in reason
    assert len(data.answers) == 2 and set(data.answers["object_id"]) == {"1"}  # the other file is whole
    assert data.answers["label"].str.len().max() == 1_000_000


# ---- an answer without answerContent ------------------------------------------------------------

def test_an_answer_without_answer_content_counts_with_its_label_unknown(gt_output):
    lost = gt_output.answer(2, "Dog", T0, spent=7.0)
    del lost["answerContent"]
    gt_output.job("content", {0: [gt_output.answer(1, "Cat", T0), lost], 1: [gt_output.answer(2, "Cat", T0)]})
    data = load(gt_output.root)
    assert data.skipped == []
    row = worker_report(data).set_index("worker").loc[gt_output.worker_id(2)]
    assert row["labels"] == 2 and row["time_spent_s"] == 9.0  # the answer and its time count
    mine = data.answers[data.answers["worker_id"] == gt_output.worker_id(2)].set_index("object_id")
    assert pd.isna(mine.loc["0", "label"]) and mine.loc["1", "label"] == "Cat"
    assert [s.reason for s in data.suspect] == ["answers[1] has no answerContent object: counted as a label, its label "
                                                "unknown"]


# ---- odd keys ----------------------------------------------------------------------------------

def test_odd_keys_and_shapes_keep_every_answer(gt_output):
    base = gt_output.answer(1, "Cat", T0)
    odd = [
        {**base, "workerMetadata": "not an object"},
        {**base, "workerMetadata": {"identityData": ["a", "list"]}},
        {**base, "workerMetadata": {"identityData": {"sub": 12345, "issuer": None}}},
        {**base, "$ref": "x", "": "empty key", "k\u0000ey": 1, "answerContent": {}},
        {**base, "answerContent": {"a": {"label": "Cat"}, "b": {"label": "Dog"}}},
    ]
    text = json.dumps({"answers": odd})[:-2] + ', {"workerId": "w1", "workerId": "' + base["workerId"] + \
        '", "submissionTime": "2024-03-12T10:00:00.000Z", "answerContent": {"x": {"label": "Dog"}}}]}'
    write_raw(gt_output, "odd", 0, text)
    data = load(gt_output.root)
    assert data.skipped == [] and len(data.answers) == 6
    assert set(data.answers["worker_id"]) == {base["workerId"]}  # the last duplicate key wins, as JSON readers do
    assert data.answers["sub"].iloc[:3].isna().all()  # no identity from the wrong shapes, and no crash
    assert data.answers["label"].tolist()[-1] == "Dog"


# ---- control characters ------------------------------------------------------------------------

def test_control_characters_never_reach_csv_or_a_table_raw(gt_output, fake_aws, monkeypatch, capsys):
    from core.cli import main

    fake_aws()
    monkeypatch.setenv("GC_WORKSPACE", "aws")  # a local folder, read with the wall clock's "now"
    ids = ["private.eu-west-1.nul\x00id", "private.eu-west-1.nulid", "private.eu-west-1.\x1b[31mred\x85\n"]
    gt_output.job("ctl", {i: [gt_output.answer(w, "Cat", T0, sub=f"sub-{i}")] for i, w in enumerate(ids)})
    outputs = {}
    for fmt in ("csv", "table", "json"):
        assert main(["workers", str(gt_output.root), "--format", fmt]) == 0
        outputs[fmt] = capsys.readouterr().out
    for fmt in ("csv", "table"):  # the line break between rows is the only control character
        assert not re.search("[\x00-\x09\x0b-\x1f\x7f-\x9f]", outputs[fmt]), fmt
        assert len(outputs[fmt].strip().splitlines()) == 1 + 3 + 1, fmt  # header, three distinct workers, Team
    values = [v for row in json.loads(outputs["json"]) for v in row.values() if isinstance(v, str)]
    assert not [v for v in values if re.search("[\x00-\x1f\x7f-\x9f]", v)]
    assert "private.eu-west-1.nul\\x00id" in outputs["csv"] and "\\x1b[31mred\\x85\\x0a" in outputs["csv"]
    assert "private.eu-west-1.nul\\x00id" in values  # the same escape in every format


# ---- memory ceiling ----------------------------------------------------------------------------

CEILING_KB = 1_500_000  # peak resident memory of one command
ADDRESS_LIMIT = 3 * 1024**3  # so a regression fails with MemoryError instead of eating the machine

MEASURE = textwrap.dedent("""
    import resource, subprocess, sys
    limit = int(sys.argv[1])
    resource.setrlimit(resource.RLIMIT_AS, (limit, limit))
    done = subprocess.run(sys.argv[2:], capture_output=True, text=True, timeout=600)
    sys.stderr.write(done.stdout[-3000:] + done.stderr[-3000:])
    print(done.returncode, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss)
""")

PAGES = textwrap.dedent("""
    import sys
    from streamlit.testing.v1 import AppTest
    for page in ("race", "workers"):
        # As a link opens them: the entry script's navigation runs the page in its first run (pages
        # link to others), not the Jobs home page first (whose SageMaker calls moto does not have).
        at = AppTest.from_file("streamlit_app.py", default_timeout=300)
        at.query_params["source"] = sys.argv[1]
        at.switch_page(f"app_pages/{page}.py")
        at.run()
        assert not at.exception, [e.value for e in at.exception]
        print(page, [c.value for c in at.caption if "coarsened" in c.value or "limit" in c.value],
              [e.label for e in at.expander])
""")


def peak(*command: str, aws: str) -> tuple[int, str]:
    """Run `command` in a fresh process under an address-space limit, in an AWS workspace whose every
    service is `aws` (the session's moto server): (peak RSS in kB, stderr)."""
    # The pages look up the workers' names in Cognito: with no AWS to reach, each lookup would wait
    # out botocore's ten tries (about half a minute) before it failed; moto answers at once that the
    # pool does not exist, and the pages say they cannot look the names up, as they would then.
    env = no_real_aws.subprocess_env(credentials=True, region="us-east-1", GC_WORKSPACE="aws", AWS_ENDPOINT_URL=aws)
    done = subprocess.run([sys.executable, "-c", MEASURE, str(ADDRESS_LIMIT), *command], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=900, env=env)
    code, rss = done.stdout.split()[-2:]
    assert done.returncode == 0 and code == "0", done.stderr
    return int(rss), done.stderr


@pytest.mark.slow
def test_race_workers_and_their_pages_stay_small_on_absurd_dates(gt_output, tmp_path, moto_server):
    source = str(absurd_dates_source(gt_output, workers=12))
    rss, err = peak(sys.executable, "-m", "core", "race", source, "--out", str(tmp_path / "race.html"),
                    "--period", "hour", aws=moto_server)
    assert rss < CEILING_KB, f"python -m core race peaked at {rss:,} kB"
    assert "Periods coarsened" not in err  # the absurd dates were screened out: 49 hourly periods
    assert "suspect" in err and (tmp_path / "race.html").stat().st_size < 1_000_000
    rss, _ = peak(sys.executable, "-m", "core", "workers", source, "--format", "csv", aws=moto_server)
    assert rss < CEILING_KB, f"python -m core workers peaked at {rss:,} kB"
    rss, out = peak(sys.executable, "-c", PAGES, source, aws=moto_server)
    assert rss < CEILING_KB, f"the Race and Workers pages peaked at {rss:,} kB"
    assert out.count("24 suspect answer value(s)") == 2, out  # listed on both pages
