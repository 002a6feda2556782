"""`python -m core manifest ... --gold FILE --gold-share P`, in-process on the session's demo bucket,
written to a local file (the demo's bucket stays as built)."""

from __future__ import annotations

import json

from core import cli
from core.gt.manifest import GOLD_KEY

DIGITS = "s3://ground-control-demo/datasets/digits/"


def test_manifest_with_gold_in_the_queue(demo, tmp_path, capsys):
    out = tmp_path / "digits.manifest"
    args = ["manifest", DIGITS, "--sample", "90", "--seed", "2", "--gold", f"{DIGITS}gold.jsonl", "--gold-share", "10",
            "--split", "2", "--out", str(out)]
    assert cli.main(args) == 0
    written = capsys.readouterr()
    parts = [tmp_path / "digits-part1-of-2.manifest", tmp_path / "digits-part2-of-2.manifest"]
    assert written.out.split() == [str(p) for p in parts]
    assert "gold lines mixed in (tagged)" in written.err and "gold objects already in the manifest" in written.err
    gold = {json.loads(line)["source-ref"]: json.loads(line)["label"]
            for line in demo.open(f"{DIGITS}gold.jsonl").read().decode().splitlines()}
    for part in parts:
        lines = [json.loads(line) for line in part.read_text().splitlines()]
        tagged = [line for line in lines if GOLD_KEY in line]
        assert len(lines) == 50 and len(tagged) == 5  # 10 % of 50: 5 gold among each part's 45
        assert all(line[GOLD_KEY] == gold[line["source-ref"]] for line in tagged)
    assert cli.main(args) == 2  # never over what is there
    assert "already exist" in capsys.readouterr().err


def test_manifest_gold_refusals_name_the_problem(demo, tmp_path, capsys):
    assert cli.main(["manifest", DIGITS, "--dry-run", "--gold-share", "5"]) == 2
    assert "--gold-share needs --gold FILE" in capsys.readouterr().err
    assert cli.main(["manifest", DIGITS, "--dry-run", "--gold", f"{DIGITS}gold.jsonl"]) == 2  # every digit is gold
    assert "all 1,797 of its gold objects are already in the manifest" in capsys.readouterr().err
    bad = tmp_path / "gold.csv"
    bad.write_text("image,label\na.png,3\n")
    assert cli.main(["manifest", DIGITS, "--dry-run", "--gold", str(bad)]) == 2
    assert "needs columns 'source-ref'" in capsys.readouterr().err
