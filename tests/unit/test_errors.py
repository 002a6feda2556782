"""One error base carrying problems by field, printed one way by the command line and shown one way
on the pages."""

from __future__ import annotations

import json

import pytest
from streamlit.testing.v1 import AppTest

from core.benchmark.experiment import ExperimentError
from core.chaining import ChainError
from core.cli import CliError, main
from core.errors import GroundControlError, Problem
from core.gold import GoldError
from core.gt.errors import BadFile
from core.gt.jsonio import JsonError
from core.gt.rules import Problem as RulesProblem
from core.gt.service import ServiceError
from core.gt.tasks import UnsupportedRegion
from core.identity import IdentityError
from core.launch import ConfigError, LaunchError
from core.manifests import ManifestError
from core.notify import NotifyError
from core.storage import ObjectExists, StoreError

ERRORS = [BadFile, ChainError, CliError, ConfigError, ExperimentError, GoldError, IdentityError, JsonError,
          LaunchError, ManifestError, NotifyError, ObjectExists, ServiceError, StoreError, UnsupportedRegion]
VALUE_ERRORS = [BadFile, ChainError, ConfigError, GoldError, IdentityError, JsonError, ManifestError, UnsupportedRegion]


def test_every_error_a_user_reads_has_one_base_and_keeps_its_kind():
    assert all(issubclass(cls, GroundControlError) for cls in ERRORS)
    assert all(issubclass(cls, ValueError) for cls in VALUE_ERRORS)  # `except ValueError` still catches them
    assert RulesProblem is Problem  # one Problem, wherever it is imported from
    found = [Problem("workers_per_object", "must be 1 to 9 workers (got 12)"), Problem("labels", "is required")]
    assert ConfigError(found).problems == found and str(ConfigError(found)) == "; ".join(map(str, found))
    assert str(LaunchError(found)) == "\n".join(map(str, found))
    assert ServiceError("ResourceNotFound", "no job x").problems == [] and str(StoreError("gone")) == "gone"


def test_the_command_line_prints_the_error_then_each_problem_under_it(tmp_path, capsys):
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"job_name": "x", "colour": "red"}))
    assert main(["launch", "--config", str(bad), "--workspace", "demo"]) == 2
    out, err = capsys.readouterr()
    lines = err.splitlines()
    assert out == "" and lines[0] == f"error: {bad} is not a launch config: nothing was launched"
    assert lines[1].startswith("  colour: is not a launch setting (known: job_name, ")
    assert "  task_type: is required" in lines and all(line.startswith("  ") for line in lines[1:])


def _page_showing(exc_kind: str) -> None:
    from app_pages._shared import show_error
    from core.errors import Problem
    from core.launch import LaunchError
    from core.storage import StoreError

    if exc_kind == "launch":
        show_error(LaunchError([Problem("job_name", "is taken"), Problem("role", "needs `iam:PassRole`")]),
                   "Not launched")
    else:
        show_error(StoreError("s3://bucket/race.mp4 already holds another file"), "Not saved")


@pytest.mark.parametrize(("kind", "shown"), [
    ("launch", "Not launched:\n\n- **Job name**: is taken\n- **IAM role**: needs \\`iam:PassRole\\`"),
    ("store", "Not saved: s3://bucket/race.mp4 already holds another file"),
])
def test_a_page_shows_an_error_as_its_lead_and_its_problems_by_field_title(kind, shown):
    at = AppTest.from_function(_page_showing, args=(kind,)).run()
    assert not at.exception
    assert [e.value for e in at.error] == [shown]
