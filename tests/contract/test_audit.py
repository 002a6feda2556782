"""The audit log over both object stores: S3 (moto's server, real HTTP) and a local folder."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime

import pytest

from core import aws
from core.access import LEAD, VIEWER, Identity, NotAllowed
from core.audit import AUDIT_PREFIX, AuditError, AuditLog, perform
from core.errors import GroundControlError
from core.storage import LocalStore, Location, S3Store

_buckets = itertools.count()
AT = datetime(2026, 3, 16, 15, 0, 1, 250000, tzinfo=UTC)
LEAD_ID, VIEWER_ID = Identity("ana@example.com", LEAD), Identity("bo@example.com", VIEWER)


@pytest.fixture(params=["s3", "folder"])
def home(request, tmp_path) -> Location:
    if request.param == "folder":
        return Location(LocalStore(tmp_path), "")
    settings = request.getfixturevalue("moto_settings")
    name = f"gc-audit-{next(_buckets)}"
    aws.client("s3", settings).create_bucket(Bucket=name)
    return Location(S3Store(name, settings), "team/")


def _raw_lines(home: Location) -> dict[str, bytes]:
    keys = [i.key for i in home.store.list(home.prefix + AUDIT_PREFIX)]
    return {k: home.store.get(k) for k in keys}


def test_each_action_is_one_new_json_line_newest_first(home):
    log = AuditLog(home)
    assert log.entries() == []
    first = log.append(LEAD_ID, "stop", {"job": "birds-1"}, {"outcome": "done"}, AT)
    second = log.append(LEAD_ID, "stop", {"job": "birds-2"}, {"outcome": "done"}, AT)  # the same instant
    assert first != second
    assert first.startswith(home.prefix + "_ground-control/audit/2026/03/16/20260316T150001.250000Z-")
    raw = _raw_lines(home)
    assert len(raw) == 2
    for data in raw.values():  # one JSON line each
        assert data.endswith(b"\n") and data.count(b"\n") == 1
        line = json.loads(data)
        assert line["at"] == "2026-03-16T15:00:01.250Z" and line["who"] == "ana@example.com"
    later = log.append(VIEWER_ID, "notify", {"topic": "t"}, {"outcome": "refused"},
                       datetime(2026, 3, 17, tzinfo=UTC))
    entries = log.entries()
    assert [e["request"].get("job") or e["request"].get("topic") for e in entries][0] == "t"
    assert len(entries) == 3 and later.endswith(".json")
    assert _raw_lines(home)[first] == raw[first]  # nothing was rewritten


def test_perform_checks_the_role_then_does_and_logs(home):
    log, done = AuditLog(home), []
    result = perform(log, LEAD_ID, "stop", {"job": "j"}, lambda: done.append("j") or "ok",
                     describe=lambda value: {"said": value})
    assert result == "ok" and done == ["j"]
    with pytest.raises(NotAllowed, match="Only a lead can stop a labeling job"):
        perform(log, VIEWER_ID, "stop", {"job": "j"}, lambda: done.append("viewer"))
    assert done == ["j"]  # the viewer's action never ran

    def fails():
        raise GroundControlError("the job has already ended")

    with pytest.raises(GroundControlError):
        perform(log, LEAD_ID, "stop", {"job": "k"}, fails)
    outcomes = [(e["who"], e["request"]["job"], e["result"]["outcome"]) for e in reversed(log.entries())]
    assert sorted(outcomes) == sorted([("ana@example.com", "j", "done"), ("bo@example.com", "j", "refused"),
                                       ("ana@example.com", "k", "failed")])
    refused = next(e for e in log.entries() if e["result"]["outcome"] == "refused")
    assert refused["role"] == VIEWER and "nothing was changed" in refused["result"]["reason"]


def test_an_unwritable_log_says_so_after_the_action(tmp_path):
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the log's folder should be")
    log = AuditLog(Location(LocalStore(tmp_path), "blocked/"))
    with pytest.raises(AuditError, match="^Done, but the audit line could not be written"):
        perform(log, LEAD_ID, "stop", {"job": "j"}, lambda: None)
