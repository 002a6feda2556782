"""`python -m core workers`, run as users run it: a subprocess from the repo root."""

from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import boto3
import no_real_aws  # tests/ is on sys.path (pyproject: pythonpath)
import pytest

pytestmark = pytest.mark.slow  # every test here starts `python -m core` as a subprocess

REPO_ROOT = Path(__file__).resolve().parents[2]
REQUIRED = ["worker", "labels", "objects", "jobs", "time_spent_s", "time_per_label_s_min", "time_per_label_s_mean",
            "time_per_label_s_max", "agreement", "accuracy"]
TIME_COLUMNS = ["time_spent_s", "time_per_label_s_min", "time_per_label_s_mean", "time_per_label_s_median",
                "time_per_label_s_max"]


def clean_env(**extra: str) -> dict[str, str]:
    """The caller's environment without AWS settings (no real account is ever touched) or warning filters."""
    env = no_real_aws.subprocess_env(**extra)
    env.pop("PYTHONWARNINGS", None)
    return env


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "core", "workers", *args],
        cwd=REPO_ROOT, capture_output=True, text=True, timeout=120, env=env or clean_env(),
    )


def rows(stdout: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(stdout)))


def workers(records: list[dict]) -> list[dict]:
    return [r for r in records if r["worker"] != "Team"]


@pytest.fixture(scope="module")
def birds_csv(birds_dir) -> subprocess.CompletedProcess:
    return run(str(birds_dir), "--format", "csv")


@pytest.fixture(scope="module")
def birds_gold(birds_dir, tmp_path_factory) -> tuple[Path, dict[str, float]]:
    """A gold CSV from true_labels.json (ImageId -> the manifest's source-ref) and each worker's
    accuracy against it, computed here from the raw files."""
    lines = [json.loads(line) for line in (birds_dir / "output.manifest").read_text().splitlines()]
    truth = {item["ImageId"]: item["Label"] for item in json.loads((birds_dir / "true_labels.json").read_text())}
    gold = [truth[Path(line["source-ref"]).stem] for line in lines]
    path = tmp_path_factory.mktemp("gold") / "gold.csv"
    with path.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["source-ref", "label"])
        writer.writerows((line["source-ref"], label) for line, label in zip(lines, gold, strict=True))
    hits, total = Counter(), Counter()
    for file in (birds_dir / "worker-response").glob("iteration-*/*/*.json"):
        for a in json.loads(file.read_text())["answers"]:
            total[a["workerId"]] += 1
            hits[a["workerId"]] += a["answerContent"]["crowd-image-classifier"]["label"] == gold[int(file.parent.name)]
    return path, {w: hits[w] / total[w] for w in total}


def test_csv_on_the_fixture(birds_csv, birds_dir):
    assert birds_csv.returncode == 0, birds_csv.stderr
    records = rows(birds_csv.stdout)
    assert set(REQUIRED) <= set(records[0])
    assert len(workers(records)) == 97
    assert sum(int(r["labels"]) for r in workers(records)) == 1510
    (team,) = [r for r in records if r["worker"] == "Team"]
    assert (team["labels"], team["objects"], team["jobs"]) == ("1510", "302", "1")
    for r in records:
        for col in TIME_COLUMNS:
            assert r[col] == "", (r["worker"], col, r[col])  # unknown, not 0
        assert r["accuracy"] == ""
        assert r["agreement"] != ""
    assert str(birds_dir / "._output.manifest") in birds_csv.stderr
    assert "public.us-east-1." in birds_csv.stdout


def test_stderr_has_only_skips_and_the_summary(birds_csv):
    """What cron mails is the skipped files and the count, not Python warnings."""
    lines = birds_csv.stderr.splitlines()
    assert lines[-1] == "2 file(s) or answers skipped (listed above)"
    assert all(line.startswith("skipped ") for line in lines[:-1]), lines


def test_json_on_the_fixture(birds_dir):
    done = run(str(birds_dir), "--format", "json")
    assert done.returncode == 0, done.stderr
    records = json.loads(done.stdout)
    assert len(records) == 98
    assert set(REQUIRED) <= set(records[0])
    assert sum(r["labels"] for r in workers(records)) == 1510
    assert all(r[col] is None for r in records for col in TIME_COLUMNS)
    assert all(0 <= r["agreement"] <= 1 for r in records)


def test_gold_fills_accuracy(birds_dir, birds_gold):
    path, expected = birds_gold
    done = run(str(birds_dir), "--format", "csv", "--gold", str(path))
    assert done.returncode == 0, done.stderr
    got = {r["worker_id"]: float(r["accuracy"]) for r in workers(rows(done.stdout))}
    assert got.keys() == expected.keys()
    for worker, value in expected.items():
        assert got[worker] == pytest.approx(value, abs=5e-5), worker


def test_a_local_folder_is_read_without_looking_for_aws_credentials(birds_dir, birds_csv, tmp_path):
    # Credentials in the environment and no workspace named: the AWS workspace would be chosen, but a
    # local folder reads the same in either, so boto3 (0.2 s) is not imported, nor its credential
    # chain walked (which can wait on an instance's metadata service).
    code = ("import sys; from core.cli import main; code = main(sys.argv[1:]); "
            "print('boto3 imported' if 'boto3' in sys.modules else 'no boto3', file=sys.stderr); sys.exit(code)")
    env = clean_env(credentials=True, region="us-east-1", GC_CACHE_DIR=str(tmp_path))
    del env["GC_WORKSPACE"]  # every test names the demo (tests/conftest.py): this one names none
    done = subprocess.run([sys.executable, "-c", code, "workers", str(birds_dir), "--format", "csv"], cwd=REPO_ROOT,
                          capture_output=True, text=True, timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines()[-1] == "no boto3"
    assert done.stdout == birds_csv.stdout


def test_missing_source_exits_2_with_one_line(tmp_path):
    missing = tmp_path / "no-such-folder"
    done = run(str(missing), "--format", "csv")
    assert done.returncode == 2
    assert done.stdout == ""
    lines = done.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and str(missing) in lines[0], done.stderr


def test_folder_without_ground_truth_output_exits_2(tmp_path):
    (tmp_path / "notes.txt").write_text("hello")
    done = run(str(tmp_path))
    assert done.returncode == 2
    assert done.stderr.splitlines() == [f"error: no Ground Truth job output found under {tmp_path}: "
                                        "no worker-response files and no output manifest"]


def test_bad_gold_exits_2_naming_the_line(birds_dir, tmp_path):
    gold = tmp_path / "gold.csv"
    gold.write_text("source-ref,label\ns3://b/a.jpg,Duck\ns3://b/b.jpg,\n")
    done = run(str(birds_dir), "--format", "csv", "--gold", str(gold))
    assert done.returncode == 2
    assert done.stdout == ""
    last = done.stderr.splitlines()[-1]
    assert last == f"error: {gold}: line 3: no 'label'"
    missing = run(str(birds_dir), "--gold", str(tmp_path / "nope.csv"))
    assert missing.returncode == 2
    assert missing.stderr.splitlines()[-1].startswith("error: ") and "nope.csv" in missing.stderr


def test_unknown_job_exits_2_and_lists_the_jobs(birds_dir):
    done = run(str(birds_dir), "--jobs", "other-job")
    assert done.returncode == 2
    assert done.stderr.splitlines()[-1] == f"error: no job named other-job under {birds_dir}; jobs: ic_data"


def test_anonymize_leaves_no_worker_ids(birds_dir):
    done = run(str(birds_dir), "--format", "csv", "--anonymize")
    assert done.returncode == 0, done.stderr
    assert "public.us-east-1." not in done.stdout + done.stderr
    records = rows(done.stdout)
    assert "worker_id" not in records[0] and "sub" not in records[0]
    assert {r["worker"] for r in workers(records)} == {f"Worker {i}" for i in range(1, 98)}
    table = run(str(birds_dir), "--anonymize")
    assert table.returncode == 0 and "public.us-east-1." not in table.stdout and "Worker 97" in table.stdout


def test_known_times_are_printed(gt_output):
    t = datetime(2024, 3, 12, 10, 0, tzinfo=UTC)
    gt_output.job("job", {0: [gt_output.answer(1, "Cat", t, 2.5), gt_output.answer(2, "Cat", t, None, accepted=None)],
                          1: [gt_output.answer(1, "Dog", t + timedelta(minutes=1), 4.0)]})
    done = run(str(gt_output.root), "--format", "csv", "--since", "2024-03-12", "--until", "2024-03-12")
    assert done.returncode == 0, done.stderr
    by_id = {r["worker_id"]: r for r in workers(rows(done.stdout))}
    w1 = by_id["private.eu-west-1.0000000000000001"]
    assert (w1["labels"], w1["time_spent_s"], w1["time_per_label_s_min"], w1["time_per_label_s_max"]) == (
        "2", "6.5", "2.5", "4.0")
    assert by_id["private.eu-west-1.0000000000000002"]["time_spent_s"] == ""
    later = run(str(gt_output.root), "--format", "csv", "--since", "2024-03-13")
    assert later.returncode == 0 and workers(rows(later.stdout)) == []


def test_cognito_names_from_the_workers_pool(gt_output, moto_settings):
    """`--cognito` finds the pool from the answers' issuer and pages through its users (moto server)."""
    endpoint = moto_settings.endpoint_url  # the session's one moto server (tests/conftest.py)
    idp = boto3.client("cognito-idp", region_name="eu-west-1", endpoint_url=endpoint,
                       aws_access_key_id="testing", aws_secret_access_key="testing")
    pool = idp.create_user_pool(PoolName="labelers")["UserPool"]["Id"]
    subs = []
    for i in range(65):
        user = idp.admin_create_user(UserPoolId=pool, Username=f"u{i}",
                                     UserAttributes=[{"Name": "name", "Value": f"Labeler {i}"}])["User"]
        subs.append(next(a["Value"] for a in user["Attributes"] if a["Name"] == "sub"))
    issuer = f"https://cognito-idp.eu-west-1.amazonaws.com/{pool}"
    t = datetime(2024, 3, 12, 10, 0, tzinfo=UTC)
    gt_output.job("job", {0: [gt_output.answer(1, "Cat", t, sub=subs[0], issuer=issuer),
                              gt_output.answer(2, "Cat", t, sub=subs[64], issuer=issuer)]})
    env = clean_env(GC_WORKSPACE="aws", AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                    AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER=endpoint)
    done = run(str(gt_output.root), "--format", "csv", "--cognito", env=env)
    assert done.returncode == 0, done.stderr
    shown = {r["sub"]: r["worker"] for r in workers(rows(done.stdout))}
    assert shown == {subs[0]: "Labeler 0", subs[64]: "Labeler 64"}
