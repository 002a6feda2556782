"""`python -m core reliability --multi-label`, in-process on the session's demo: the multi-label
counterpart's workers per job and the objects to audit, as core.annotations.reliability gives them."""

from __future__ import annotations

import csv
import io

import pytest

from core import cli
from core.annotations import reliability as from_table
from core.annotations.source import read_source

SOURCE = "s3://ground-control-demo/labeling-jobs/"


@pytest.fixture(scope="module")
def expected(demo):
    return from_table.multi_label(read_source(demo.open(SOURCE)).table)


def test_workers_per_job_and_the_objects_to_audit(demo, expected, capsys):
    assert cli.main(["reliability", SOURCE, "--multi-label", "--format", "csv"]) == 0
    out = capsys.readouterr()
    rows = list(csv.DictReader(io.StringIO(out.out)))
    want = expected.job_workers
    assert [r["worker_id"] for r in rows] == list(want["worker_id"]) and {r["job"] for r in rows} == {"shapes-tags"}
    for r, (_, w) in zip(rows, want.iterrows(), strict=True):
        assert int(r["decisions"]) == w["decisions"] == 3 * w["answers"]  # three classes: circle, square, triangle
        assert float(r["reliability"]) == pytest.approx(w["reliability"], abs=5e-5)  # CSV: 4 decimals
    assert f"{len(expected.disagreements):,} object(s) where the estimated set" in out.err

    assert cli.main(["reliability", SOURCE, "--multi-label", "--objects", "--format", "csv"]) == 0
    audit = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert len(audit) == len(expected.disagreements) > 0
    assert all(r["estimate"] != r["consolidated"] for r in audit)
    first = expected.disagreements.iloc[0]
    assert audit[0]["object_id"] == first["object_id"] and audit[0]["estimate"] == ", ".join(first["estimate"])


def test_refusals_are_sentences(demo, capsys):
    assert cli.main(["reliability", SOURCE, "--multi-label", "--gold", "gold.jsonl"]) == 2
    assert "--gold applies to single-label answers only" in capsys.readouterr().err
    assert cli.main(["reliability", SOURCE, "--multi-label", "--jobs", "digits-pilot"]) == 2
    err = capsys.readouterr().err
    assert "no multi-label answers under" in err and "Traceback" not in err
