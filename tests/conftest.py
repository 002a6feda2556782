"""Shared test data: the real 2019 bird job (extracted once per session) and a writer of
private-workforce job output in Ground Truth's real S3 layout and answer shape (docs/ground-truth.md §1-§3).

Fixtures
    birds_dir -> Path          the extracted `ic_data` folder of ../shared/fixtures/birds-ic-2019
    gt_output -> GtOutput      writes jobs under a fresh tmp folder; see GtOutput's methods
    fake_aws(region)           no real AWS in this test (tests/no_real_aws.py), dummy credentials
    moto_server -> str         the session's one moto server (every AWS service moto has): its endpoint
    moto_settings -> AwsSettings  that server, emptied per module, and no real AWS while the module runs
    demo -> Workspace          the session's demo workspace, built on first use
"""

from __future__ import annotations

import json
import tarfile
import urllib.request
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import no_real_aws  # tests/ is on sys.path (pyproject: pythonpath)
import pytest

BIRDS_ARCHIVE = Path(__file__).resolve().parents[1].parent / "shared" / "fixtures" / "birds-ic-2019" / "ic_data.tar.gz"

REGION = "eu-west-1"
POOL_ID = "eu-west-1_AbCdEf123"
ISSUER = f"https://cognito-idp.{REGION}.amazonaws.com/{POOL_ID}"
LABEL_ATTRIBUTE = "animal"
# Every demo a test opens ends its history here and its clock stands still (GC_DEMO_AT): what the
# demo holds depends on the hour and weekday it ends at, so it must not be the wall clock's.
DEMO_AT = "2026-03-16T15:00:00+00:00"


def pytest_configure(config) -> None:
    """Every parsed-answer cache a test writes goes to a folder of this run, never the user's; under
    pytest-xdist, each worker gets a folder of its own inside the run's (workers inherit the
    controller's environment), so no two processes write the same cache at once."""
    import os
    import tempfile

    if "GC_CACHE_DIR" not in os.environ:
        os.environ["GC_CACHE_DIR"] = os.environ["GC_TEST_RUN_CACHE_DIR"] = config._gc_cache_dir = tempfile.mkdtemp(
            prefix="gc-test-cache-")
    elif (worker := os.environ.get("PYTEST_XDIST_WORKER")) and os.environ["GC_CACHE_DIR"] == os.environ.get(
            "GC_TEST_RUN_CACHE_DIR"):  # the run's folder, made by the controller: removed with it
        os.environ["GC_CACHE_DIR"] = tempfile.mkdtemp(prefix=f"{worker}-", dir=os.environ["GC_TEST_RUN_CACHE_DIR"])


def pytest_unconfigure(config) -> None:
    """The run's cache folder goes with the run: 58 of them had piled up in /tmp (13 MB each)."""
    import shutil

    if folder := getattr(config, "_gc_cache_dir", None):
        shutil.rmtree(folder, ignore_errors=True)


def pytest_collection_modifyitems(items) -> None:
    """Browser tests start a server and Chromium: they are in the slow tier wherever they live.

    Then the files with the most slow tests run first (pyproject: --no-loadscope-reorder keeps this
    order for pytest-xdist's files): a long file dealt out last kept one core busy for minutes while
    the other, done with the quick ones, waited."""
    for item in items:
        if item.get_closest_marker("browser") and not item.get_closest_marker("slow"):
            item.add_marker(pytest.mark.slow)
    heavy: dict[str, int] = {}  # per file: its tests that are slow, or open the demo or a moto server
    for item in items:
        file = item.nodeid.split("::")[0]
        heavy[file] = heavy.get(file, 0) + bool(
            item.get_closest_marker("slow") or HEAVY_FIXTURES.intersection(getattr(item, "fixturenames", ())))
    items.sort(key=lambda item: -heavy[item.nodeid.split("::")[0]])  # stable: a file's tests keep their order


HEAVY_FIXTURES = {"demo_dir", "moto_server"}  # the session's demo build, its moto server


@pytest.fixture
def fake_aws(monkeypatch):
    """`fake_aws(region)`: dummy credentials, no real AWS configuration or profile (no_real_aws.use),
    and fresh shared clients (core.aws caches them) before and after the test."""

    def use(region: str = "us-east-1") -> None:
        no_real_aws.use(monkeypatch, region)

    yield use
    no_real_aws.forget_clients()


@pytest.fixture(scope="session")
def moto_server() -> Iterator[str]:
    """The session's one moto server (every service, real HTTP on a free local port): its endpoint."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="module")
def moto_settings(moto_server):
    """Settings that point a client at the moto server, emptied for each module as a server of its own
    would be, with no real AWS configuration (no_real_aws.use) while the module runs."""
    from core.aws import AwsSettings

    with pytest.MonkeyPatch.context() as mp:
        no_real_aws.use(mp, "us-east-1")
        urllib.request.urlopen(urllib.request.Request(f"{moto_server}/moto-api/reset", method="POST"), timeout=30)
        try:
            yield AwsSettings(endpoint_url=moto_server, region="us-east-1")
        finally:
            no_real_aws.forget_clients()


@pytest.fixture(scope="session")
def demo_dir(tmp_path_factory) -> Path:
    """One demo workspace per session, built by the first test that opens it (never ~/.cache)."""
    return tmp_path_factory.mktemp("demo-workspace") / "demo"


@pytest.fixture(scope="session", autouse=True)
def demo_at() -> Iterator[str]:
    """DEMO_AT, in GC_DEMO_AT for the whole session: module- and session-scoped fixtures that open
    the demo run before any function-scoped fixture could set it."""
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("GC_DEMO_AT", DEMO_AT)
        yield DEMO_AT


@pytest.fixture(scope="module")
def demo(demo_dir):
    """The session's demo workspace as a Workspace (built on first use, a few seconds)."""
    from core.workspace import demo_workspace

    ws = demo_workspace(demo_dir)
    ws.service.list_labeling_jobs()  # builds it
    return ws


@pytest.fixture(autouse=True)
def _demo_workspace_env(demo_dir, monkeypatch):
    """Pages and commands see the demo workspace, in the session's folder (pinned to DEMO_AT by
    `demo_at`), whatever AWS configuration the machine has."""
    monkeypatch.setenv("GC_DEMO_DIR", str(demo_dir))
    monkeypatch.setenv("GC_WORKSPACE", "demo")


@pytest.fixture(scope="session")
def birds_dir(tmp_path_factory) -> Path:
    """The real job output, extracted fresh per session (never copied into the repo)."""
    if not BIRDS_ARCHIVE.is_file():
        pytest.skip(f"real fixture ../shared/fixtures/birds-ic-2019 not found: {BIRDS_ARCHIVE} does not exist")
    dest = tmp_path_factory.mktemp("birds")
    with tarfile.open(BIRDS_ARCHIVE) as tar:
        tar.extractall(dest, filter="data")
    folder = dest / "ic_data"
    assert folder.is_dir(), f"{BIRDS_ARCHIVE} has no ic_data/ folder"
    return folder


def gt_time(ts: datetime) -> str:
    """`2024-03-12T10:11:27.475Z`: UTC with milliseconds, as private answers carry them (§2)."""
    return ts.strftime("%Y-%m-%dT%H:%M:%S.") + f"{ts.microsecond // 1000:03d}Z"


class GtOutput:
    """Writes constructed job output into `root` in the real layout:

        <root>/<job>/annotations/worker-response/iteration-N/<objectId>/<YYYY-MM-DD_HH:MM:SS>.json
        <root>/<job>/manifests/output/output.manifest
    """

    region = REGION
    pool_id = POOL_ID
    issuer = ISSUER
    attribute = LABEL_ATTRIBUTE

    def __init__(self, root: Path):
        self.root = root

    @staticmethod
    def worker_id(n: int, region: str = REGION) -> str:
        """`private.<region>.<16 hex>`, as private workforces write it (§2)."""
        return f"private.{region}.{n:016x}"

    @staticmethod
    def sub(n: int) -> str:
        return f"5b7d7d09-7257-4087-8c15-{n:012x}"

    def answer(
        self,
        worker: int | str,
        label: str,
        submitted: datetime,
        spent: float | None = 2.0,
        *,
        accepted: datetime | None | bool = True,
        sub: str | None = None,
        issuer: str | None = None,
        element: str = "crowd-image-classifier",
    ) -> dict:
        """One private-workforce answer in the exact shape of docs/ground-truth.md §2.

        `spent=None` leaves out timeSpentInSeconds; `accepted=True` puts acceptanceTime `spent`
        seconds before submission, `accepted=None` leaves acceptanceTime out.
        """
        worker_id = worker if isinstance(worker, str) else self.worker_id(worker)
        if accepted is True:
            accepted = submitted - timedelta(seconds=spent or 0)
        raw: dict = {}
        if accepted:
            raw["acceptanceTime"] = gt_time(accepted)
        raw["answerContent"] = {element: {"label": label}}
        raw["submissionTime"] = gt_time(submitted)
        if spent is not None:
            raw["timeSpentInSeconds"] = spent
        raw["workerId"] = worker_id
        raw["workerMetadata"] = {
            "identityData": {
                "identityProviderType": "Cognito",
                "issuer": issuer or self.issuer,
                "sub": sub or self.sub(int(worker_id.rsplit(".", 1)[1], 16)),
            }
        }
        return raw

    def job_root(self, job: str, parent: str = "") -> Path:
        return self.root / parent / job

    def response(
        self,
        job: str,
        iteration: int,
        object_id: int | str,
        answers: list[dict],
        *,
        parent: str = "",
        annotations_level: bool = True,
    ) -> Path:
        """A worker-response file named by the latest submission, as Ground Truth names them."""
        base = self.job_root(job, parent) / ("annotations" if annotations_level else "")
        latest = max(datetime.fromisoformat(a["submissionTime"]) for a in answers) if answers else datetime(2024, 1, 1)
        path = base / "worker-response" / f"iteration-{iteration}" / str(object_id) / (
            latest.strftime("%Y-%m-%d_%H:%M:%S") + ".json"
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"answers": answers}, separators=(",", ":")))
        return path

    def manifest_line(self, index: int, class_name: str, job: str, *, class_index: int = 0) -> dict:
        """A labeled image-classification line (§3) for the object with datasetObjectId `index`."""
        return {
            "source-ref": f"s3://bucket/images/{index}.jpg",
            self.attribute: class_index,
            f"{self.attribute}-metadata": {
                "class-name": class_name,
                "confidence": 0.95,
                "type": "groundtruth/image-classification",
                "job-name": f"labeling-job/{job}",
                "human-annotated": "yes",
                "creation-date": "2024-03-12T10:40:59.217995",
            },
        }

    def manifest(self, job: str, lines: list[dict | str], *, parent: str = "", path: str | None = None) -> Path:
        """`manifests/output/output.manifest` (or `path` under the job root); str lines are raw."""
        target = self.job_root(job, parent) / (path or "manifests/output/output.manifest")
        target.parent.mkdir(parents=True, exist_ok=True)
        text = "\n".join(line if isinstance(line, str) else json.dumps(line) for line in lines) + "\n"
        target.write_text(text, encoding="utf-8")
        return target

    def job(
        self,
        job: str,
        objects: dict[int, list[dict]],
        classes: dict[int, str] | None = None,
        *,
        iteration: int = 1,
        parent: str = "",
        annotations_level: bool = True,
    ) -> Path:
        """Responses for `objects` ({datasetObjectId: answers}) and a manifest with one line per
        object (0..max id) whose class is `classes[id]` (default: the first answer's label)."""
        for object_id, answers in objects.items():
            self.response(job, iteration, object_id, answers, parent=parent, annotations_level=annotations_level)
        lines = []
        for index in range(max(objects) + 1):
            label = (classes or {}).get(index)
            if label is None and objects.get(index):
                label = objects[index][0]["answerContent"]["crowd-image-classifier"]["label"]
            lines.append(self.manifest_line(index, label or "none", job))
        self.manifest(job, lines, parent=parent)
        return self.job_root(job, parent)


@pytest.fixture
def gt_output(tmp_path) -> GtOutput:
    return GtOutput(tmp_path / "gt-output")
