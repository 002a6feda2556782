"""Browser-test harness: runs the Streamlit app in a subprocess and drives it with Debian's Chromium.

Fixtures
    start_app(env=None) -> base_url   session-scoped factory; one server per distinct ``env`` dict; the
                                      demo is pinned to DEMO_AT and built (if GC_DEMO_DIR names a folder)
                                      before the server starts, so no page load waits for it
    app_server -> base_url            the app started with no extra env
    browser                           headless Chromium (skips locally if /usr/bin/chromium is missing,
                                      fails in CI)
    page                              a fresh 1400x900 page per test
    wait_for_app, settle, screenshot  the helper functions below, as fixtures, so tests need not
                                      import from conftest

Helpers
    wait_for_app(page)      wait until the browser is connected and the script run has finished
    settle(page_or_frame)   wait until it has painted and its transitions have ended
    screenshot(page, name)  save tests/browser/screenshots/<name>.png
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path

import no_real_aws  # tests/ is on sys.path (pyproject: pythonpath)
import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
SCREENSHOT_DIR = Path(__file__).resolve().parent / "screenshots"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
APP_START_TIMEOUT_S = 60
VIEWPORT = {"width": 1400, "height": 900}

# Only these variables reach the app from the outer environment; anything else (GC_*, AWS_*, ...)
# must be passed explicitly to start_app(), so a developer's real credentials never leak into tests.
PASSTHROUGH_ENV = (
    "PATH", "HOME", "USER", "LANG", "LC_ALL", "LC_CTYPE", "TZ", "TMPDIR", "TEMP", "TMP",
    "VIRTUAL_ENV", "PYENV_VERSION", "SYSTEMROOT",
)  # fmt: skip
DEFAULT_APP_ENV = {
    "PYTHONUNBUFFERED": "1",
    **no_real_aws.ISOLATED,  # HOME passes through: no ~/.aws profile is read, no metadata lookup hangs
}


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() == "true"


def _free_port() -> int:
    """A port free now, from this pytest-xdist worker's share of them: the app binds it only seconds
    later, and a worker starting an app meanwhile must not be handed the same one. (Linux hands out
    ports of one parity to bind(): the share is by port // 2.)"""
    workers = int(os.environ.get("PYTEST_XDIST_WORKER_COUNT", "1"))
    mine = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
    for _ in range(100 * workers):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port // 2 % workers == mine:
            return port
    raise RuntimeError(f"no free port for worker {mine} of {workers} in {100 * workers} tries")


def _tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "<no output>"


class _App:
    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.port = _free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        log_dir.mkdir(parents=True, exist_ok=True)
        self.stdout_path = log_dir / "stdout.log"
        self.stderr_path = log_dir / "stderr.log"
        full_env = {k: os.environ[k] for k in PASSTHROUGH_ENV if k in os.environ}
        full_env.update(DEFAULT_APP_ENV)
        full_env.update(env)
        cmd = [
            sys.executable, "-m", "streamlit", "run", "streamlit_app.py",
            "--server.headless", "true",
            "--server.port", str(self.port),
            "--server.address", "127.0.0.1",
            "--server.fileWatcherType", "none",
            "--browser.gatherUsageStats", "false",
        ]  # fmt: skip
        with open(self.stdout_path, "wb") as out, open(self.stderr_path, "wb") as err:
            self.proc = subprocess.Popen(
                cmd, cwd=REPO_ROOT, env=full_env, stdin=subprocess.DEVNULL, stdout=out, stderr=err
            )

    def wait_healthy(self, timeout_s: float = APP_START_TIMEOUT_S) -> float:
        start = time.monotonic()
        last_error = ""
        while time.monotonic() - start < timeout_s:
            if self.proc.poll() is not None:
                self._fail(f"exited with code {self.proc.returncode} before becoming healthy")
            try:
                with urllib.request.urlopen(f"{self.base_url}/_stcore/health", timeout=2) as resp:
                    body = resp.read().decode().strip()
                if body == "ok":
                    return time.monotonic() - start
                last_error = f"health answered {body!r}"
            except (urllib.error.URLError, OSError) as exc:
                last_error = str(exc)
            try:  # the next try in 0.25 s, or at once if the server has exited
                self.proc.wait(timeout=0.25)
            except subprocess.TimeoutExpired:
                pass
        self._fail(f"did not answer /_stcore/health with 'ok' within {timeout_s:.0f}s ({last_error})")
        raise AssertionError("unreachable")

    def _fail(self, what: str) -> None:
        self.stop()
        pytest.fail(
            f"Streamlit app on {self.base_url} {what}.\n"
            f"--- stderr tail ({self.stderr_path}) ---\n{_tail(self.stderr_path)}\n"
            f"--- stdout tail ({self.stdout_path}) ---\n{_tail(self.stdout_path)}",
            pytrace=False,
        )

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)


def _build_demo(env: dict[str, str]) -> None:
    """Build the demo the app will open, here and now, rather than on the first page load."""
    if env.get("GC_WORKSPACE", "demo") != "demo" or not env.get("GC_DEMO_DIR"):
        return
    from core.sim.demo import open_demo

    open_demo(Path(env["GC_DEMO_DIR"]), at=datetime.fromisoformat(env["GC_DEMO_AT"]))


@pytest.fixture(scope="session")
def start_app(tmp_path_factory: pytest.TempPathFactory, demo_at: str) -> Iterator[Callable[..., str]]:
    """Factory: ``start_app({"GC_DEMO_DIR": ...})`` returns the base URL of an app started with that
    extra env (and GC_DEMO_AT). Servers are cached per env for the whole session and stopped at its end."""
    apps: dict[tuple[tuple[str, str], ...], _App] = {}

    def _start(env: dict[str, str] | None = None) -> str:
        key = tuple(sorted(({"GC_DEMO_AT": demo_at} | (env or {})).items()))
        if key not in apps:
            _build_demo(dict(key))
            app = _App(dict(key), tmp_path_factory.mktemp("streamlit-app"))
            apps[key] = app
            took = app.wait_healthy()
            print(f"\n[browser] app {app.base_url} healthy after {took:.1f}s (env keys: {sorted(dict(key))})")
        return apps[key].base_url

    yield _start
    for app in apps.values():
        app.stop()


@pytest.fixture(scope="session")
def app_server(start_app: Callable[..., str], demo_dir) -> str:
    """Base URL of the app as a newcomer starts it with no AWS configured: the demo workspace
    (in the session's folder, not ~/.cache)."""
    return start_app({"GC_DEMO_DIR": str(demo_dir)})


@pytest.fixture(scope="session")
def browser():
    if not os.path.exists(CHROMIUM):
        msg = f"{CHROMIUM} not found; install it with `apt-get install chromium` (see .ci/run)"
        if in_ci():
            pytest.fail(f"CI=true but {msg}", pytrace=False)
        pytest.skip(msg)
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
    except Exception:
        pw.stop()
        raise
    yield browser
    browser.close()
    pw.stop()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport=VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


def wait_for_app(page, timeout_ms: int = 30_000) -> None:
    """Wait until the page is connected to the server and the script run has finished.

    Streamlit 1.67 sets ``data-test-connection-state`` (``CONNECTED``) and ``data-test-script-state``
    (``initial`` / ``running`` / ``notRunning`` / ``rerunRequested`` / ``stopRequested`` /
    ``compilationError``) on ``[data-testid="stApp"]``; the top-right "Running..." icon is
    ``[data-testid="stStatusWidgetRunningIcon"]``. After a click, call this only once the rerun can
    have started (e.g. after expecting the new content), or it may return before the rerun begins.
    """
    app = '[data-testid="stApp"]'
    page.wait_for_selector(f'{app}[data-test-connection-state="CONNECTED"]', timeout=timeout_ms)
    page.wait_for_selector(
        f'{app}[data-test-script-state="notRunning"], {app}[data-test-script-state="compilationError"]',
        timeout=timeout_ms,
    )
    page.wait_for_selector('[data-testid="stAppSkeleton"]', state="detached", timeout=timeout_ms)
    page.wait_for_selector('[data-testid="stStatusWidgetRunningIcon"]', state="detached", timeout=timeout_ms)
    if page.locator(f'{app}[data-test-script-state="compilationError"]').count():
        raise AssertionError("Streamlit reports a compilation error in the app script")
    settle(page)


FINITE_ANIMATIONS_DONE = """() => document.getAnimations().every(
    a => a.playState !== "running" || a.effect?.getTiming().iterations === Infinity)"""


def settle(page_or_frame) -> None:
    """Wait until the browser has painted what is in the DOM (two animation frames) and no finite CSS
    transition or animation is still running (spinners loop forever): a condition, not a guessed pause."""
    page_or_frame.evaluate("() => new Promise(done => requestAnimationFrame(() => requestAnimationFrame(done)))")
    page_or_frame.wait_for_function(FINITE_ANIMATIONS_DONE)


def screenshot(page, name: str, **kwargs) -> Path:
    """Save ``tests/browser/screenshots/<name>.png`` (git-ignored) and return its path."""
    SCREENSHOT_DIR.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOT_DIR / f"{name}.png"
    page.screenshot(path=str(path), **kwargs)
    return path


@pytest.fixture(name="wait_for_app")
def _wait_for_app_fixture() -> Callable[..., None]:
    return wait_for_app


@pytest.fixture(name="settle")
def _settle_fixture() -> Callable[..., None]:
    return settle


@pytest.fixture(name="screenshot")
def _screenshot_fixture() -> Callable[..., Path]:
    return screenshot
