"""`python -m core flags`, in process, on the simulator's two weeks with a careless worker and one who
slips (tests/unit/test_flags.py): the three formats say the same flags, and bad arguments end with a
one-line error, never a traceback."""

from __future__ import annotations

import csv
import io
import json

import pytest
from test_flags import simulated  # noqa: F401  (tests/unit is on sys.path)

from core import flags
from core.cli import main


def flags_cli(capsys, tmp_path, *args: str) -> tuple[int, str, str]:
    code = main(["flags", *args, "--workspace", "demo", "--dir", str(tmp_path / "demo")])  # a folder: no demo built
    out = capsys.readouterr()
    return code, out.out, out.err


def test_csv_json_and_table_say_the_same_flags(simulated, capsys, tmp_path):  # noqa: F811
    data, ids, _ = simulated
    expected = flags.find_flags(data.answers, data.labels)
    code, out, err = flags_cli(capsys, tmp_path, data.uri, "--format", "csv")
    assert code == 0, err
    rows = list(csv.DictReader(io.StringIO(out)))
    assert [(r["worker_id"], r["day"], r["kind"]) for r in rows] == [
        (f.worker_id, f.day.isoformat(), f.kind) for f in expected]
    assert [r["objects"].split() for r in rows] == [[f"{j}/{o}" for j, o in f.items] for f in expected]
    assert {r["worker_id"] for r in rows if r["kind"] == "clicking"} == {ids["careless"]}
    assert "3 flag(s) over 2,400 answers (2 clicking through, 0 same label over and over, 1 sudden drop" in err

    code, out, _ = flags_cli(capsys, tmp_path, data.uri, "--format", "json", "--anonymize")
    records = json.loads(out)
    assert code == 0 and [r["kind"] for r in records] == [f.kind for f in expected]
    assert all(r["worker"].startswith("Worker ") and "worker_id" not in r for r in records)
    assert "private." not in out
    assert [[(o["job"], o["object_id"]) for o in r["objects"]] for r in records] == [list(f.items) for f in expected]

    code, out, _ = flags_cli(capsys, tmp_path, data.uri, "--jobs", "week-2")
    assert code == 0 and out.splitlines()[0].split() == ["day", "worker", "flag", "items", "jobs", "reason"]
    # Week 2 alone: the slipping worker has no earlier day to drop from, so only the careless one is left.
    assert len(out.splitlines()) == 2 and "Clicking through" in out and ids["careless"] in out

def test_bad_arguments_end_with_one_line(simulated, capsys, tmp_path):  # noqa: F811
    data, _, _ = simulated
    code, _, err = flags_cli(capsys, tmp_path, data.uri, "--jobs", "week-3")
    assert code == 2 and err.startswith("error: no job named week-3 under ") and "Traceback" not in err
    with pytest.raises(SystemExit) as exit_:
        flags_cli(capsys, tmp_path, data.uri, "--since", "9 March")
    assert exit_.value.code == 2 and "invalid fromisoformat value: '9 March'" in capsys.readouterr().err
    code, _, err = flags_cli(capsys, tmp_path, str(tmp_path / "nothing-here"))
    assert code == 2 and err.startswith("error: ") and "Traceback" not in err
