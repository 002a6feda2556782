"""The command line's actions are in the workspace's audit log too, as the person at the machine."""

from __future__ import annotations

import json
import shutil

from core.cli import main


def test_a_manifest_written_from_the_command_line_is_audited(demo, demo_dir, tmp_path, capsys):
    copy = tmp_path / "demo"
    shutil.copytree(demo_dir, copy)
    audit = copy / "buckets" / "ground-control-demo" / "_ground-control" / "audit"
    shutil.rmtree(audit, ignore_errors=True)  # the session's demo holds other tests' lines: only ours count
    args = ["manifest", "s3://ground-control-demo/datasets/digits/", "--sample", "5", "--workspace", "demo",
            "--dir", str(copy), "--out", "s3://ground-control-demo/manifests/five.manifest"]
    assert main(args) == 0
    assert main(args) == 2  # again: refused, nothing overwritten, and that is logged too
    lines = [json.loads(p.read_text()) for p in sorted(audit.rglob("*.json"))]
    assert [(a["action"], a["role"], a["result"]["outcome"]) for a in lines] == [
        ("manifest_write", "lead", "done"), ("manifest_write", "lead", "failed")]
    assert all(a["who"].startswith("local:") for a in lines)
    assert lines[0]["request"] == {"manifest": "s3://ground-control-demo/manifests/five.manifest", "parts": 1,
                                   "lines": 5, "replace": False}
    assert "already exists" in lines[1]["result"]["error"]
