"""The Workers page in Chromium, for `bench/scale.py --page`: opened on a warm cache by new and
returning visitors, and beside it the same table alone (bench/grid_alone.py), the page's floor.
Also the app-serving helpers the other browser benches use (bench/annotations.py)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import quote

from scale import REPO, child_env, ours  # bench/ is this script's folder, so on sys.path

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]
GRID = 'iframe[title="st_aggrid.AgGrid.agGrid"]'
OPENS = {"first_open": "first open (new visitor)", "second_open": "second open (new visitor)",
         "returning": "second open, returning visitor (scripts cached)"}
APP = '[data-testid="stApp"]'
PAIRS = 5  # returning-visitor opens of the page and of the table alone, in turn


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cpu_of(pid: int) -> float:
    """User+sys seconds of a running process, from /proc (the server runs on)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def start_app(env: dict[str, str], log: Path, script: str = "streamlit_app.py",
              cwd: Path = REPO) -> tuple[subprocess.Popen, str]:
    """`streamlit run script` in `cwd` (the repository, or a copy of it) on a free port, once healthy."""
    port = free_port()
    cmd = [sys.executable, "-m", "streamlit", "run", script, "--server.headless", "true",
           "--server.port", str(port), "--server.address", "127.0.0.1", "--server.fileWatcherType", "none",
           "--browser.gatherUsageStats", "false"]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=out, stderr=out)
    base = f"http://127.0.0.1:{port}"
    for _ in range(240):  # up to a minute
        if proc.poll() is not None:
            raise RuntimeError(f"streamlit exited {proc.returncode}:\n{log.read_text()[-2000:]}")
        try:
            with urllib.request.urlopen(f"{base}/_stcore/health", timeout=2) as r:
                if r.read().strip() == b"ok":
                    return proc, base
        except OSError:
            pass
        try:
            proc.wait(timeout=0.25)
        except subprocess.TimeoutExpired:
            pass
    proc.terminate()
    raise RuntimeError(f"streamlit not healthy after a minute:\n{log.read_text()[-2000:]}")


def timed_open(context, url: str, server: subprocess.Popen, timeout_s: float) -> dict:
    """Open `url` in a new tab of `context`: seconds from goto to the grid drawn (its pinned Team row,
    in the grid's frame) and to the script done, and the server's CPU meanwhile."""
    page = context.new_page()
    page.set_default_timeout(timeout_s * 1000)
    cpu0, t0 = cpu_of(server.pid), time.perf_counter()
    page.goto(url)
    page.frame_locator(GRID).locator(".ag-floating-bottom", has_text="Team").wait_for()
    grid = time.perf_counter() - t0
    page.wait_for_selector(f'{APP}[data-test-script-state="notRunning"]')
    done = time.perf_counter() - t0
    errors = page.locator('[data-testid="stException"]').count()
    page.close()
    return {"grid_s": grid, "script_done_s": done, "server_cpu_s": cpu_of(server.pid) - cpu0, "exceptions": errors}


def measure_page(root: Path, work: Path, timeout_s: float) -> dict:
    """Warm the cache with one `workers` run, start the app on that cache, open the Workers page three
    times (OPENS). Then, as a returning visitor, open it and the same table alone (bench/grid_alone.py,
    its own server) in turn, PAIRS times: the table alone is the page's floor on this machine."""
    from playwright.sync_api import sync_playwright

    cache, demo = work / "cache", work / "demo"
    result: dict = {"warmup": ours(root, cache, demo, work / "warmup.log")}
    env = child_env(GC_CACHE_DIR=str(cache), GC_DEMO_DIR=str(demo), PYTHONUNBUFFERED="1")
    server, base = start_app(env, work / "streamlit.log")
    alone, alone_base = start_app(env | {"GC_GRID_SOURCE": str(root)}, work / "alone.log", "bench/grid_alone.py")
    # names=id: no Cognito look-up (the CLI run makes none either).
    url = f"{base}/workers?source={quote(str(root))}&names=id"
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            # A new visitor each time (a new context: nothing cached), then a returning one: another tab
            # of the second visitor's browser, which has Streamlit's and the grid's scripts cached.
            context = None
            for name in OPENS:
                if name != "returning":
                    if context is not None:
                        context.close()
                    context = browser.new_context(viewport={"width": 1400, "height": 900})
                result[name] = timed_open(context, url, server, timeout_s)
            timed_open(context, alone_base, alone, timeout_s)  # its first open reads the report: untimed
            pairs = [(timed_open(context, url, server, timeout_s), timed_open(context, alone_base, alone, timeout_s))
                     for _ in range(PAIRS)]
            result["pairs"] = {"page": [p["grid_s"] for p, _ in pairs], "alone": [a["grid_s"] for _, a in pairs]}
            context.close()
            browser.close()
    finally:
        for proc in (server, alone):
            proc.terminate()
            proc.wait(timeout=30)
    return result


def page_lines(p: dict) -> list[str]:
    """The report's lines on the page: a row per open, then the page beside the table alone."""
    out = ["", f"Workers page at {p['size']} (warm cache; warm-up run {p['warmup']['wall_s']:.1f} s wall):", ""]
    out += ["| open | grid visible | script done | server CPU | exceptions |", "|---|---|---|---|---|"]
    for name in [n for n in OPENS if n in p]:
        o = p[name]
        out.append(f"| {OPENS[name]} | {o['grid_s']:.1f} s | {o['script_done_s']:.1f} s | "
                   f"{o['server_cpu_s']:.1f} s | {o['exceptions']} |")
    if "pairs" in p:
        page, alone = (sorted(p["pairs"][k]) for k in ("page", "alone"))
        mid = len(page) // 2
        out += ["", f"Returning visitor, {len(page)} opens each in turn, grid visible: the Workers page median "
                f"{page[mid]:.1f} s ({page[0]:.1f}-{page[-1]:.1f}); the same table alone (bench/grid_alone.py) "
                f"median {alone[mid]:.1f} s ({alone[0]:.1f}-{alone[-1]:.1f}); ratio {page[mid] / alone[mid]:.2f}."]
    return out
