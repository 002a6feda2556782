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

import boto3

from .aws import AwsSettings
from .gt.service import LabelingService
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


def default_kind() -> str:
    """GC_WORKSPACE wins; otherwise AWS when boto3 finds credentials, else the demo."""
    chosen = os.environ.get("GC_WORKSPACE", "").strip().lower()
    if chosen in ("demo", "aws"):
        return chosen
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
    a local folder can be read in the demo workspace without building anything."""

    def __init__(self, root: Path, seed: int):
        self.root, self.seed = root, seed
        self._opened = None
        self._lock = threading.Lock()  # two sessions on a first start: one build, the other waits
        self._listener = threading.local()  # per thread: the app runs each page in a thread of its own

    def _open(self):
        if self._opened is None:
            from .sim.demo import open_demo

            with self._lock:
                if self._opened is None:
                    progress = getattr(self._listener, "progress", None)
                    self._opened = open_demo(self.root, self.seed, progress=progress)
        return self._opened

    def is_built(self) -> bool:
        return self._opened is not None or (self.root / "state" / "demo.json").is_file()

    def on_build(self, progress) -> None:
        """If this thread's next use builds the demo, `progress(what, done, total)` hears each step."""
        self._listener.progress = progress

    def __getattr__(self, name: str):  # the LabelingService methods, forwarded
        return getattr(self._open()[0], name)

    def open_uri(self, uri: str) -> Location:
        uri = uri.strip()
        return self._open()[1](uri) if uri.startswith("s3://") else open_location(uri)

    def now(self) -> datetime:
        return self._open()[0].clock.now()


def demo_workspace(root: Path | None = None, seed: int = DEMO_SEED) -> Workspace:
    """The demo: its s3:// URIs resolve to its folders; local paths work as anywhere."""
    from .sim.demo import OUTPUT_URI

    root = root or demo_dir()
    demo = _Demo(root, seed)
    return Workspace(kind="demo", label="Demo workspace (local Ground Truth simulator)", open=demo.open_uri,
                     service=demo, notifier=OutboxNotifier(root / "outbox"), now=demo.now, output_uri=OUTPUT_URI)
