"""`python -m core manifest` and `python -m core validate`, run as users run them: a subprocess from
the repo root, on a folder of images and on the demo bucket."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import no_real_aws  # tests/ is on sys.path (pyproject: pythonpath)
import pytest
from test_manifests import DEMO_BUCKET, touch  # tests/unit is on sys.path (pyproject: pythonpath)

REPO_ROOT = Path(__file__).resolve().parents[2]


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "core", *args], cwd=REPO_ROOT, capture_output=True, text=True,
                          timeout=120, env=no_real_aws.subprocess_env())


@pytest.mark.slow
def test_cli_manifest_dry_run_writes_nothing(images, tmp_path):
    out = tmp_path / "out" / "batch.manifest"
    out.parent.mkdir()
    run = cli("manifest", str(images / "data"), "--out", str(out), "--dry-run", "--preview", "2")
    assert run.returncode == 0, run.stderr
    assert not out.exists()
    lines = run.stdout.splitlines()
    assert lines[0] == f"# {out}: 6 lines (dry run: nothing written)"
    assert [json.loads(line) for line in lines[1:]] == [{"source-ref": str(images / "data" / "cats" / "c1.jpg")},
                                                         {"source-ref": str(images / "data" / "cats" / "c2.JPEG")}]
    assert "objects listed" in run.stderr and "lines in the manifest" in run.stderr


def test_cli_manifest_leaves_out_appledouble_files_and_says_how_many(synced, tmp_path):
    out = tmp_path / "synced.manifest"
    run = cli("manifest", str(synced / "data"), "--out", str(out))
    assert run.returncode == 0, run.stderr
    written = [json.loads(line)["source-ref"] for line in out.read_text().splitlines()]
    assert len(written) == 6 and not [r for r in written if "/._" in r]
    assert any(line.split() == ["3", "macOS", "._", "metadata", "files", "left", "out"]
               for line in run.stderr.splitlines()), run.stderr


@pytest.mark.slow
def test_cli_manifest_split_then_refuses_to_overwrite(images, tmp_path):
    out = tmp_path / "batch.manifest"
    args = ["manifest", str(images / "data"), "--out", str(out), "--split", "2", "--seed", "9"]
    run = cli(*args)
    assert run.returncode == 0, run.stderr
    parts = [tmp_path / "batch-part1-of-2.manifest", tmp_path / "batch-part2-of-2.manifest"]
    assert run.stdout.split() == [str(p) for p in parts]
    written = [p.read_bytes() for p in parts]
    assert sorted(len(w.splitlines()) for w in written) == [3, 3]
    again = cli(*args[:-1], "10")
    assert again.returncode == 2 and again.stdout == ""
    assert again.stderr.strip().splitlines()[-1].startswith("error: ") and "nothing was written" in again.stderr
    assert [p.read_bytes() for p in parts] == written
    replaced = cli(*args[:-1], "10", "--overwrite")
    assert replaced.returncode == 0, replaced.stderr


@pytest.mark.slow
def test_cli_validate_exit_codes(tmp_path, demo, demo_dir):
    good = touch(tmp_path / "good.manifest", b'{"source":"a"}\n{"source":"b"}\n')
    bad = touch(tmp_path / "bad.manifest", b'{"source":"a"}\n{"source":"a"}\nnope\n')
    run = cli("validate", str(good))
    assert run.returncode == 0, run.stderr
    run = cli("validate", str(bad))
    assert run.returncode == 1
    assert f"{bad}:2: duplicate: same source as line 1" in run.stdout and f"{bad}:3: invalid_json" in run.stdout
    as_json = json.loads(cli("validate", str(bad), "--format", "json").stdout)
    assert [(p["line"], p["kind"]) for p in as_json["problems"]] == [(2, "duplicate"), (3, "invalid_json")]
    missing = cli("validate", str(tmp_path / "nope.manifest"))
    assert missing.returncode == 2 and missing.stderr.startswith("error: ")
    output = f"{DEMO_BUCKET}/labeling-jobs/digits-batch-2/manifests/output/output.manifest"
    run = cli("validate", output, "--workspace", "demo", "--dir", str(demo_dir))
    assert run.returncode == 0, run.stdout + run.stderr
    header, row = run.stdout.splitlines()[-2:]
    assert header.split() == ["attribute", "labeled", "failed", "unlabeled", "human", "machine"]
    assert row.split()[0] == "digit" and int(row.split()[2]) > 0
