"""`python -m core reliability`, run as users run it: a subprocess from the repo root, on the real
birds fixture and its own gold file."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import no_real_aws  # tests/ is on sys.path (pyproject: pythonpath)
import pytest

pytestmark = pytest.mark.slow  # every test here starts `python -m core` as a subprocess

REPO_ROOT = Path(__file__).resolve().parents[2]


def run(*args: str) -> subprocess.CompletedProcess:
    env = no_real_aws.subprocess_env()
    env.pop("PYTHONWARNINGS", None)
    return subprocess.run([sys.executable, "-m", "core", "reliability", *args], cwd=REPO_ROOT, capture_output=True,
                          text=True, timeout=120, env=env)


@pytest.fixture(scope="module")
def with_gold(birds_dir) -> subprocess.CompletedProcess:
    return run(str(birds_dir), "--gold", str(birds_dir / "true_labels.json"), "--format", "csv")


def test_workers_table_and_the_three_accuracies(with_gold, birds_dir):
    assert with_gold.returncode == 0, with_gold.stderr
    records = list(csv.DictReader(io.StringIO(with_gold.stdout)))
    assert list(records[0]) == ["worker", "worker_id", "answers", "reliability", "reliability_low",
                                "reliability_high"]
    answers = Counter()
    for path in (birds_dir / "worker-response").glob("iteration-*/*/*.json"):
        for a in json.loads(path.read_text())["answers"]:
            answers[a["workerId"]] += 1
    assert {r["worker_id"]: int(r["answers"]) for r in records} == dict(answers)  # 97 workers, 1,510 answers
    for r in records:
        assert float(r["reliability_low"]) <= float(r["reliability"]) <= float(r["reliability_high"])
    assert ("against gold, over the 302 objects with a gold label: Ground Truth's consolidated 90.1%, "
            "plain majority vote 89.7%, Dawid-Skene estimate 86.4%") in with_gold.stderr
    assert "13 object(s) where the estimate and Ground Truth's consolidated label disagree" in with_gold.stderr


def test_objects_to_audit_and_anonymized_names(birds_dir):
    done = run(str(birds_dir), "--objects", "--format", "csv")
    assert done.returncode == 0, done.stderr
    rows = list(csv.DictReader(io.StringIO(done.stdout)))
    assert len(rows) == 13 and all(r["estimate"] != r["consolidated"] for r in rows)
    assert "no --gold and no gold in the queue: accuracies not computed" in done.stderr
    anon = run(str(birds_dir), "--anonymize")
    assert anon.returncode == 0 and "public.us-east-1." not in anon.stdout and "Worker 1 " in anon.stdout


def test_a_source_without_classification_answers_exits_2(tmp_path):
    (tmp_path / "empty").mkdir()
    done = run(str(tmp_path / "empty"))
    assert done.returncode == 2 and done.stderr.startswith("error: ") and "Traceback" not in done.stderr
