"""A workspace is where the app works: AWS (S3 + SageMaker) or the local demo (folders + simulator).

Pages and commands ask the workspace to open URIs and for the labeling service, so the same code
runs against both. The demo never touches AWS: its s3:// URIs resolve to local folders.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from .aws import AwsSettings
from .gt.service import LabelingService, ServiceError
from .notify import Notifier, OutboxNotifier
from .storage import Location, open_location

DEMO_SEED = 7


def _wall_clock() -> datetime:
    return datetime.now(UTC)


@dataclass
class Workspace:
    kind: str  # "demo" | "aws"
    label: str  # what the sidebar says is shown
    open: Callable[[str], Location]
    service: LabelingService
    notifier: Notifier
    now: Callable[[], datetime] = _wall_clock  # the demo runs on the simulator's clock
    output_uri: str = ""  # where the workspace's jobs write (the demo's; empty for AWS)
    notice: Callable[[], str | None] = lambda: None  # something the page should say (a rebuilt demo)
    home_uri: str = ""  # Ground Control's own files (audit log, digests): core.audit.home_uri


def default_kind(probe: bool = True) -> str:
    """GC_WORKSPACE wins; otherwise AWS when boto3 finds credentials, else the demo. `probe=False`
    skips looking for credentials (and the demo is chosen) where either workspace would do the same."""
    chosen = os.environ.get("GC_WORKSPACE", "").strip().lower()
    if chosen in ("demo", "aws"):
        return chosen
    if not probe:
        return "demo"
    import boto3  # only when the workspace is not named: reading a folder in the demo never needs it

    try:
        return "aws" if boto3.Session().get_credentials() is not None else "demo"
    except Exception:  # a broken ~/.aws/config must not keep the demo from opening
        return "demo"


def cache_dir() -> Path:
    """GC_CACHE_DIR, else ~/.cache/ground-control (XDG_CACHE_HOME respected): rendered races and,
    unless GC_DEMO_DIR says otherwise, the demo workspace."""
    if os.environ.get("GC_CACHE_DIR"):
        return Path(os.environ["GC_CACHE_DIR"]).expanduser()
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "ground-control"


def demo_dir() -> Path:
    """GC_DEMO_DIR, else <cache>/demo."""
    if os.environ.get("GC_DEMO_DIR"):
        return Path(os.environ["GC_DEMO_DIR"]).expanduser()
    return cache_dir() / "demo"


def demo_at() -> datetime | None:
    """GC_DEMO_AT (ISO 8601, e.g. 2026-03-16T15:00Z; UTC when no zone is given): a pinned demo whose
    history ends there and whose clock stands still, the same whatever the date (tests set it)."""
    raw = os.environ.get("GC_DEMO_AT", "").strip()
    if not raw:
        return None
    try:
        at = datetime.fromisoformat(raw)
    except ValueError:
        raise ValueError(f"GC_DEMO_AT={raw!r} is not a date and time such as 2026-03-16T15:00Z") from None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)


def aws_workspace(settings: AwsSettings = AwsSettings()) -> Workspace:
    from .gt.sagemaker import SageMakerService
    from .notify import SnsNotifier

    return Workspace(
        kind="aws",
        label=f"AWS · {settings.describe()}",
        open=lambda uri: open_location(uri, settings),
        service=SageMakerService(settings),
        notifier=SnsNotifier(settings),
    )


class _Demo:
    """The demo's simulator, opened (and on first use built) only when something needs it:
    a local folder can be read in the demo workspace without building anything.

    A damaged demo (junk in its state files, its state folder or output deleted) is set aside and
    built again, when opened and whenever a call fails on it, with a notice for the page."""

    def __init__(self, root: Path, seed: int, at: datetime | None):
        self.root, self.seed, self.at = root, seed, at
        self._opened = None
        # One workspace serves every session: two on a first start get one build, the other waits.
        # Reentrant: a repair runs inside an open.
        self._lock = threading.RLock()
        self._listener = threading.local()  # per thread: the app runs each page in a thread of its own
        self.notice: str | None = None

    def _open(self):
        opened = self._opened
        if opened is not None and (self.root / "state" / "demo.json").is_file():  # one stat per call
            return opened
        with self._lock:
            self._repair()  # before the first open, or when the state vanished under a running app
            if self._opened is None:
                from .sim.demo import open_demo

                progress = getattr(self._listener, "progress", None)
                self._opened = open_demo(self.root, self.seed, at=self.at, progress=progress)
            return self._opened

    def _repair(self) -> bool:
        """Set a damaged demo aside (to be built again on open); True if it was damaged."""
        from .sim.demo_check import damage, set_aside

        with self._lock:
            problem = damage(self.root)
            if problem is None:
                return False
            aside = set_aside(self.root)
            self._opened = None
            self.notice = (f"The demo workspace was damaged ({problem}) and has been rebuilt. "
                           f"The damaged copy was kept as the folder “{aside.name}” beside it.")
            return True

    def is_built(self) -> bool:
        return self._opened is not None or (self.root / "state" / "demo.json").is_file()

    def on_build(self, progress) -> None:
        """If this thread's next use builds the demo, `progress(what, done, total)` hears each step."""
        self._listener.progress = progress

    def __getattr__(self, name: str):  # the LabelingService methods, forwarded
        attr = getattr(self._open()[0], name)
        if not callable(attr):
            return attr

        def call(*args, **kwargs):
            try:
                return attr(*args, **kwargs)
            except ServiceError:
                raise  # the service's own answer (not found, validation): not damage
            except Exception:
                if not self._repair():
                    raise
                return getattr(self._open()[0], name)(*args, **kwargs)

        return call

    def open_uri(self, uri: str) -> Location:
        uri = uri.strip()
        if not uri.startswith("s3://"):
            return open_location(uri)
        from .sim.buckets import folder_buckets
        from .sim.names import BUCKET

        if uri[5:].partition("/")[0] != BUCKET:
            # Another bucket of the demo's folder (what a folder read elsewhere points at, e.g. its
            # images): building or checking the demo, minutes on a first start, would not make it appear.
            return folder_buckets(self.root / "buckets")(uri)
        return self._open()[1](uri)

    def now(self) -> datetime:
        return self._open()[0].clock.now()


def demo_workspace(root: Path | None = None, seed: int = DEMO_SEED, at: datetime | None = None) -> Workspace:
    """The demo: its s3:// URIs resolve to its folders; local paths work as anywhere. `at` (default
    GC_DEMO_AT) pins its time."""
    from .sim.names import BUCKET, OUTPUT_URI

    root = root or demo_dir()
    demo = _Demo(root, seed, at or demo_at())
    return Workspace(kind="demo", label="Demo workspace (local Ground Truth simulator)", open=demo.open_uri,
                     service=demo, notifier=OutboxNotifier(root / "outbox"), now=demo.now, output_uri=OUTPUT_URI,
                     notice=lambda: demo.notice, home_uri=f"s3://{BUCKET}/")


def data_now(ws: Workspace, uri: str) -> datetime:
    """"Now" for the data under `uri`: the simulator's clock for the demo's own s3:// buckets, the
    real clock for a folder, which was written in real time (and the demo is not built to read it)."""
    if ws.kind == "demo" and not uri.strip().startswith("s3://"):
        return _wall_clock()
    return ws.now()
