"""S3 that fails some of the time: the real 2019 bird job read through a proxy in front of moto's
server that answers a seeded share of requests with 500 InternalError or 503 SlowDown, or resets the
connection. The worker figures must not change; when nothing can be read, the user is told so."""

from __future__ import annotations

import contextlib
import io
import json
import os
import tempfile
from concurrent.futures import ThreadPoolExecutor
from unittest import mock

import pytest

from core import aws
from core.cli import main
from core.gt.layout import classify, is_apple_double

BUCKET = "gc-robust-birds"
PREFIX = "labeling-output/birds-2019/"
SOURCE = f"s3://{BUCKET}/{PREFIX}"


@pytest.fixture(scope="module")
def birds_in_s3(faulty_s3, birds_dir) -> int:
    """The real job output uploaded as is (straight to moto, no faults); the number of its Ground
    Truth files (what a read GETs: not true_labels.json, not the macOS ._ files)."""
    s3 = aws.client("s3", faulty_s3.upstream)
    s3.create_bucket(Bucket=BUCKET)
    files = [p for p in sorted(birds_dir.rglob("*")) if p.is_file()]

    def put(path) -> None:
        s3.put_object(Bucket=BUCKET, Key=PREFIX + path.relative_to(birds_dir).as_posix(), Body=path.read_bytes())

    with ThreadPoolExecutor(8) as pool:
        list(pool.map(put, files))
    keys = [PREFIX + p.relative_to(birds_dir).as_posix() for p in files]
    return sum(1 for key in keys if classify(key) is not None and not is_apple_double(key))


def workers(faulty_s3) -> tuple[int, str, str]:
    """`python -m core workers SOURCE` in process, through the proxy: (exit code, stdout, stderr).
    Each run starts cold (its own answer cache): a warm run would GET nothing for faults to hit."""
    settings = faulty_s3.settings
    out, err = io.StringIO(), io.StringIO()
    with (tempfile.TemporaryDirectory() as cache, mock.patch.dict(os.environ, {"GC_CACHE_DIR": cache}),
          contextlib.redirect_stdout(out), contextlib.redirect_stderr(err)):
        code = main(["workers", SOURCE, "--workspace", "aws", "--region", settings.region,
                     "--endpoint-url", settings.endpoint_url, "--format", "json"])
    return code, out.getvalue(), err.getvalue()


@pytest.fixture(scope="module")
def clean_read(faulty_s3, birds_in_s3) -> tuple[str, str]:
    """The worker table and the skipped files with no faults: what every faulty read must give."""
    faulty_s3.inject(0.0)
    code, out, err = workers(faulty_s3)
    assert code == 0, err
    assert faulty_s3.counts["get presigned"] >= birds_in_s3
    return out, err


def test_the_clean_read_has_every_worker_and_label(clean_read):
    rows = json.loads(clean_read[0])
    team = next(r for r in rows if r["worker"] == "Team")
    assert team["labels"] == 1510  # every answer of the 2019 job (the race's total)
    assert len(rows) > 2


# 20 % draws SlowDowns enough for botocore's adaptive mode to pace every request (about 15 s).
@pytest.mark.parametrize("rate", [0.05, pytest.param(0.20, marks=pytest.mark.slow)])
def test_faults_do_not_change_the_figures(faulty_s3, birds_in_s3, clean_read, rate):
    faulty_s3.inject(rate, seed=int(rate * 100))
    code, out, err = workers(faulty_s3)
    counts = faulty_s3.counts
    assert code == 0, err
    # The faults happened, of every kind, on both GET paths: the presigned GET, then for each error
    # it got, boto3's get_object (at 5 % too few of those fail to be sure one does). A reset kept
    # connection is tried once more on a new one, then boto3's.
    assert all(counts[kind] for kind in ("InternalError", "SlowDown", "reset")), counts
    assert counts["get presigned"] >= birds_in_s3 and counts["faulted get presigned"], counts
    errors = counts["InternalError get presigned"] + counts["SlowDown get presigned"]
    assert counts["get signed"] >= errors, counts
    assert rate < 0.2 or counts["faulted get signed"], counts
    assert (out, err) == clean_read  # the same figures, and no file lost to a fault


def test_every_get_failing_is_reported_not_a_crash(faulty_s3, birds_in_s3):
    # The listing works; no object can be read. SlowDown is left out here: botocore's adaptive
    # mode slows every request down after each one (about 200 s for this job), which the 20 %
    # case covers already.
    faulty_s3.inject(1.0, objects_only=True, kinds=("InternalError", "reset"))
    code, out, err = workers(faulty_s3)
    assert code == 2 and out == ""
    assert "Traceback" not in err
    assert "X-Amz-Signature" not in err and "X-Amz-Credential" not in err  # no presigned URL leaks
    failed = [line for line in err.splitlines() if line.startswith("skipped s3://") and "/._" not in line]
    assert len(failed) == birds_in_s3, err[-2000:]  # each unreadable file named, with its reason
    assert all("InternalError" in line or "Connection was closed" in line for line in failed), failed[:3]
    assert err.strip().splitlines()[-1].startswith("error: ")


def test_every_get_failing_says_how_many_files_could_not_be_read(faulty_s3, birds_in_s3):
    faulty_s3.inject(1.0, objects_only=True, kinds=("InternalError", "reset"))
    code, _, err = workers(faulty_s3)
    last = err.strip().splitlines()[-1]
    assert code == 2 and "no Ground Truth job output found" not in last
    assert f"{birds_in_s3:,}" in last, last  # how many files failed (and why, from the lines above)
