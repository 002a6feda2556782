"""`python -m core manifest ... --gold FILE --gold-share P`, in-process on the session's demo bucket,
written to a local file (the demo's bucket stays as built)."""

from __future__ import annotations

import json

from test_gold_queue import two_digits_jobs  # tests/unit is on sys.path

from core import cli
from core.annotations.reports import over_time, without_gold
from core.annotations.source import read_source
from core.annotations.summary import annotation_summary
from core.gt.manifest import GOLD_KEY
from core.tables import format_table

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


def test_annotations_leave_the_gold_in_the_queue_out_as_the_page_does(tmp_path, capsys):
    """The Annotations page counts gold lines mixed into a queue as checks, not output
    (app_pages/annotations.py what_was_labeled); so does the command, on both of its tables."""
    location = two_digits_jobs(tmp_path)
    found = read_source(location)
    ordinary = without_gold(found.table, found.gold)
    assert len(found.gold) == 4 and len(ordinary) < len(found.table)
    folder = str(location.store.path_of(location.prefix))
    for extra, expected in (((), annotation_summary(ordinary)), (("--over-time", "D"), over_time(ordinary, "D"))):
        assert cli.main(["annotations", folder, "--workspace", "demo", "--format", "csv", *extra]) == 0
        out = capsys.readouterr()
        assert out.out.strip() == format_table(expected, "csv").strip(), extra
        assert "4 gold object(s) mixed into the queue left out" in out.err
    assert cli.main(["annotations", folder, "--workspace", "demo", "--format", "csv", "--jobs", "digits-later"]) == 0
    assert "gold object" not in capsys.readouterr().err  # the gold is in the other job's queue
    assert cli.main(["annotations", folder, "--workspace", "demo", "--over-time", "fortnight"]) == 2
    err = capsys.readouterr().err  # refused before the source is read: nothing said of its gold
    assert "--over-time: period 'fortnight'" in err and "gold object" not in err
