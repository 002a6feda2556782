"""`python -m core race-effect` in process: races from a file or from the workspace's audit trail
(GC_HOME, as a scheduled task keeps it), on the real 2019 birds job, whose 32 minutes of work support
no claim, which the command must say rather than print a change."""

from __future__ import annotations

import csv
import io
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from core import cli
from core.access import Identity
from core.audit import AuditLog
from core.storage import LocalStore, Location

RACE_AT = "2019-04-18T16:25Z"  # between the birds job's first and last answers (found below)


@pytest.fixture
def aws_home(tmp_path, monkeypatch, fake_aws):
    """An AWS workspace that reads local folders, its own files (audit trail) in tmp/home."""
    fake_aws()
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("GC_HOME", str(home))
    return home


@pytest.fixture
def birds(birds_dir, tmp_path):
    """The birds job as this test's own folder: other tests in the worker save races under the
    session's copy (races/), which this command would rightly count."""
    return Path(shutil.copytree(birds_dir, tmp_path / "ic_data", ignore=shutil.ignore_patterns("races")))


def command(birds_dir, *args: str) -> list[str]:
    return ["race-effect", str(birds_dir), "--workspace", "aws", *args]


def test_a_file_of_races_and_a_job_too_short_for_a_claim(birds, aws_home, tmp_path, capsys):
    from core.ingest import SourceReader
    from core.storage import open_location

    times = SourceReader(open_location(str(birds))).load().answers["submission_time"]
    assert times.min() < datetime.fromisoformat(RACE_AT) < times.max()
    races = tmp_path / "races.txt"
    races.write_text(f"# the race\n{RACE_AT}\n")
    assert cli.main(command(birds, "--races", str(races))) == 0
    out, err = capsys.readouterr()
    assert out.startswith("Race of 2019-04-18 16:25 UTC: not enough days (1 with answers before, 1 after; 3 each")
    assert "race 2019-04-18 16:25 UTC: " + str(races) + ", line 2" in err
    assert "not a controlled experiment" in err
    assert cli.main(command(birds, "--races", str(races), "--format", "csv")) == 0
    (row,) = csv.DictReader(io.StringIO(capsys.readouterr()[0]))
    assert row["pace_verdict"].startswith("not enough days") and row["pace_change"] == ""  # no figure, no claim
    assert cli.main(command(birds, "--races", str(races), "--workers", "--anonymize", "--format", "csv")) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr()[0])))
    assert len(rows) == 97 and rows[0]["worker"].startswith("Worker ") and "worker_id" not in rows[0]


def test_races_from_the_audit_trail(birds, aws_home, capsys):
    log = AuditLog(Location(LocalStore(aws_home), ""))
    log.append(Identity(who="local:lead", role="lead"), "notify", {"topic": "arn:aws:sns:us-east-1:1:team",
                                                                  "what": "race"},
               {"outcome": "done", "message": "m"}, datetime(2019, 4, 18, 16, 25, tzinfo=UTC))
    assert cli.main(command(birds)) == 0
    out, err = capsys.readouterr()
    assert "race 2019-04-18 16:25 UTC: race sent to arn:aws:sns:us-east-1:1:team (audit trail)" in err
    assert out.startswith("Race of 2019-04-18 16:25 UTC: not enough days")


def test_no_race_anywhere_and_a_bad_file_are_plain_errors(birds, aws_home, tmp_path, capsys):
    assert cli.main(command(birds)) == 2
    assert "no race has been sent or saved in this workspace" in capsys.readouterr().err
    bad = tmp_path / "races.txt"
    bad.write_text("2019-04-18\nyesterday\n")
    assert cli.main(command(birds, "--races", str(bad))) == 2
    err = capsys.readouterr().err
    assert f"{bad}, line 2: 'yesterday' is not a date or time" in err and "Traceback" not in err
    assert cli.main(command(birds, "--races", str(bad), "--window-days", "0")) == 2
    assert "--window-days must be between 1 and 90" in capsys.readouterr().err
