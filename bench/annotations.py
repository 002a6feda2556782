"""Benchmark: the Annotations page's read and its time to first chart, at 100k and 1M answers.

Run by hand from the repository root, on the synthetic output bench/gen_output.py made (bench/scale.py
makes it under --data):
    python bench/annotations.py [--sizes 100k,1m] [--data /tmp/gc-scale] [--json OUT]
        [--steps reads,page,quality] [--before REV] [--work DIR] [--screenshot DIR]

For each size, each in a fresh child process (its CPU user+sys, wall time and peak RSS from os.wait4):
  (a) cold read: core.annotations.reader.AnnotationReader over the folder with an empty cache;
  (b) warm read: the same, on the cache (a) filled, nothing changed (what a restarted server does):
      the rows as Arrow, memory-mapped, which is all the page's first tab needs;
  (c) warm read and table: (b), then the pandas table made from the rows (what the Quality, Items
      and Audits tabs use, made when one of them opens);
then (step page) the app is started on that cache (GC_WORKSPACE=demo, the folder as the
source) and the Annotations page is opened twice in headless Chromium: timed from goto to the
first chart drawn, and to the script's end, with the server's CPU. The page also names workers
from the Workers page's answers (core.ingest), so that cache is filled first by one
`python -m core workers` run, reported as the warm-up;
then (step quality) the Quality tab, before and after a change side by side: for the code of
`--before REV` (exported with git archive into a temporary folder) and for this checkout, each on a
server of its own over the same cache, the page is opened, then the Quality tab clicked: timed from
the click to its first table drawn, and to the script's end, with the server's CPU over that span,
its resident memory before the click and its peak after; then the Items tab the same way.
Nothing is asserted about time.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import quote

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))

from page_time import APP, CHROMIUM, CHROMIUM_ARGS, cpu_of, start_app  # noqa: E402  (bench/ on sys.path)
from scale import child_env  # noqa: E402

CHART = '[data-testid="stVegaLiteChart"]'
READS = {"cold": "cold read", "warm": "warm read", "warm_table": "warm read, then the pandas table"}


def run_child(cmd: list[str], env: dict[str, str], log: Path) -> dict:
    start = time.perf_counter()
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=REPO, env=env, stdout=out, stderr=subprocess.STDOUT)
        _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        raise RuntimeError(f"{cmd[:4]} failed:\n{log.read_text()[-2000:]}")
    lines = log.read_text().strip().splitlines()
    said = json.loads(lines[-1]) if lines and lines[-1].startswith("{") else {}
    return {"cpu_s": usage.ru_utime + usage.ru_stime, "wall_s": wall, "peak_rss_mb": usage.ru_maxrss / 1024, **said}


def read(root: Path, cache: Path, log: Path, table: bool = False) -> dict:
    return run_child([sys.executable, __file__, "--child", str(root), str(cache), *(["table"] if table else [])],
                     child_env(GC_CACHE_DIR=str(cache.parent), PYTHONPATH=str(REPO)), log)


def child(root: str, cache: str, *table: str) -> None:
    from core.annotations.reader import AnnotationReader
    from core.storage import open_location

    reader = AnnotationReader(open_location(root), cache_root=Path(cache))
    found = reader.load()
    rows = len(found.table) if table else found.rows.num_rows
    print(json.dumps({"rows": rows, "files": found.files, "parsed": reader.parsed,
                      "cached": reader.cached, "unread": len(found.unread)}))


def page(root: Path, work: Path, timeout_s: float, shots: Path | None, label: str) -> dict:
    from playwright.sync_api import sync_playwright

    env = child_env(GC_CACHE_DIR=str(work), GC_DEMO_DIR=str(work / "demo"), GC_WORKSPACE="demo",
                    PYTHONUNBUFFERED="1")
    result = {"warmup": run_child([sys.executable, "-m", "core", "workers", str(root), "--format", "csv"], env,
                                  work / "warmup.log")}
    server, base = start_app(env, work / "streamlit.log")
    url = f"{base}/annotations?source={quote(str(root))}&names=id"  # names=id: no Cognito look-up
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            for name in ("first_open", "second_open"):
                tab = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
                tab.set_default_timeout(timeout_s * 1000)
                cpu0, t0 = cpu_of(server.pid), time.perf_counter()
                tab.goto(url)
                tab.locator(f"{CHART} canvas, {CHART} svg").first.wait_for()
                chart = time.perf_counter() - t0
                tab.wait_for_selector(f'{APP}[data-test-script-state="notRunning"]')
                done = time.perf_counter() - t0
                result[name] = {"first_chart_s": chart, "script_done_s": done,
                                "server_cpu_s": cpu_of(server.pid) - cpu0,
                                "exceptions": tab.locator('[data-testid="stException"]').count()}
                if shots:
                    tab.screenshot(path=str(shots / f"annotations-{label}-{name}.png"), full_page=True)
                tab.context.close()
            browser.close()
        result["server_peak_rss_mb"] = _peak_rss(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=30)
    return result


def _peak_rss(pid: int, field: str = "VmHWM") -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(f"{field}:"):
            return int(line.split()[1]) / 1024
    return float("nan")


TABLE = '[role="tabpanel"]:visible [data-testid="stDataFrame"]'


def quality(root: Path, work: Path, timeout_s: float, shots: Path | None, label: str, before: str | None) -> dict:
    """The Quality and Items tabs' times, for the code of `before` and for this checkout, side by side."""
    env = child_env(GC_CACHE_DIR=str(work), GC_DEMO_DIR=str(work / "demo"), GC_WORKSPACE="demo",
                    PYTHONUNBUFFERED="1")
    result = {}
    if not (work / "answers").exists():  # the page names workers from the Workers page's answers
        result["warmup"] = run_child([sys.executable, "-m", "core", "workers", str(root), "--format", "csv"], env,
                                     work / "warmup.log")
    with tempfile.TemporaryDirectory(prefix="gc-before-") as tmp:
        trees = {"after": REPO}
        if before:
            archive = subprocess.run(["git", "archive", before], cwd=REPO, check=True, capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", tmp], input=archive, check=True)
            trees = {"before": Path(tmp), **trees}
        for name, tree in trees.items():
            result[name] = _tabs(tree, root, env, work / f"streamlit-{name}.log", timeout_s, shots, f"{label}-{name}")
            print(f"{label} quality, {name}: {json.dumps(result[name])}", flush=True)
    return result


def _tabs(tree: Path, root: Path, env: dict, log: Path, timeout_s: float, shots: Path | None, label: str) -> dict:
    from playwright.sync_api import sync_playwright

    server, base = start_app(env, log, cwd=tree)  # this tree's app
    url = f"{base}/annotations?source={quote(str(root))}&names=id"
    out = {}
    try:
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
            tab = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
            tab.set_default_timeout(timeout_s * 1000)
            cpu0, t0 = cpu_of(server.pid), time.perf_counter()
            tab.goto(url)
            tab.locator(f"{CHART} canvas, {CHART} svg").first.wait_for()
            tab.wait_for_selector(f'{APP}[data-test-script-state="notRunning"]')
            # Under LAZY_ROWS every tab is made as the page opens; past it, only the open one.
            out["page"] = {"script_done_s": time.perf_counter() - t0, "server_cpu_s": cpu_of(server.pid) - cpu0,
                           "peak_rss_mb": _peak_rss(server.pid)}
            for name in ("Quality", "Items"):
                rss, cpu0, t0 = _peak_rss(server.pid, "VmRSS"), cpu_of(server.pid), time.perf_counter()
                tab.get_by_role("tab", name=name).click()
                tab.locator(TABLE).first.wait_for()
                first = time.perf_counter() - t0
                tab.wait_for_selector(f'{APP}[data-test-script-state="notRunning"]')
                out[name.lower()] = {"first_table_s": first, "script_done_s": time.perf_counter() - t0,
                                     "server_cpu_s": cpu_of(server.pid) - cpu0, "rss_before_mb": rss,
                                     "peak_rss_mb": _peak_rss(server.pid),
                                     "exceptions": tab.locator('[data-testid="stException"]').count()}
                if shots:
                    tab.screenshot(path=str(shots / f"annotations-{label}-{name.lower()}.png"), full_page=True)
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=30)
    return out


def report(figures: dict) -> str:
    out = ["| answers | step | CPU s | wall s | peak RSS MB | files parsed / cached |", "|---|---|---:|---:|---:|---|"]
    for size, f in figures.items():
        for step, said in READS.items():
            if step not in f:
                continue
            r = f[step]
            out.append(f"| {size} | {said} | {r['cpu_s']:.1f} | {r['wall_s']:.1f} | {r['peak_rss_mb']:.0f} | "
                       f"{r.get('parsed', '?'):,} / {r.get('cached', '?'):,} |")
        if "page" in f:
            p = f["page"]
            for name in ("first_open", "second_open"):
                r = p[name]
                out.append(f"| {size} | page, {name.replace('_', ' ')}: first chart {r['first_chart_s']:.1f} s, "
                           f"script done {r['script_done_s']:.1f} s | {r['server_cpu_s']:.1f} (server) | "
                           f"{r['first_chart_s']:.1f} | {p['server_peak_rss_mb']:.0f} (server) | |")
        if "quality" in f:
            q = f["quality"]
            for name in ("before", "after"):
                if name in q:
                    r = q[name]["page"]
                    out.append(f"| {size} | page open ({name}), script done {r['script_done_s']:.1f} s | "
                               f"{r['server_cpu_s']:.1f} (server) | {r['script_done_s']:.1f} | "
                               f"{r['peak_rss_mb']:.0f} (server) | |")
            for tab in ("quality", "items"):
                for name in ("before", "after"):
                    if name not in q:
                        continue
                    r = q[name][tab]
                    out.append(f"| {size} | {tab.capitalize()} tab, {name}: first table {r['first_table_s']:.1f} s, "
                               f"script done {r['script_done_s']:.1f} s | {r['server_cpu_s']:.1f} (server) | "
                               f"{r['first_table_s']:.1f} | {r['peak_rss_mb']:.0f} (server; {r['rss_before_mb']:.0f} "
                               "before the click) | |")
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--sizes", default="100k,1m")
    ap.add_argument("--data", type=Path, default=Path("/tmp/gc-scale"))
    ap.add_argument("--json", type=Path)
    ap.add_argument("--steps", default="reads,page", help="reads (cold, then warm), page, quality, or several")
    ap.add_argument("--before", help="the quality step: also time the code of this git revision, side by side")
    ap.add_argument("--work", type=Path, help="keep each size's cache here (a later --steps page reuses it)")
    ap.add_argument("--screenshot", type=Path, help="folder for a screenshot of each page open")
    ap.add_argument("--page-timeout", type=float, default=1800)
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(*args.child)
        return
    figures: dict = json.loads(args.json.read_text()) if args.json and args.json.exists() else {}
    steps = set(args.steps.split(","))
    for size in args.sizes.split(","):
        root = args.data / size
        with tempfile.TemporaryDirectory(prefix=f"gc-annotations-{size}-") as tmp:
            work = args.work / size if args.work else Path(tmp)
            work.mkdir(parents=True, exist_ok=True)
            cache = work / "annotations"
            found = figures.setdefault(size, {})
            if "reads" in steps:
                if cache.exists():
                    raise SystemExit(f"{cache} is not empty: a cold read needs an empty cache")
                found |= {"cold": read(root, cache, work / "cold.log"), "warm": read(root, cache, work / "warm.log"),
                          "warm_table": read(root, cache, work / "warm-table.log", table=True)}
                print(f"{size}: {json.dumps(found)}", flush=True)
            if "page" in steps:
                found["page"] = page(root, work, args.page_timeout, args.screenshot, size)
                print(f"{size} page: {json.dumps(found['page'])}", flush=True)
            if "quality" in steps:
                found["quality"] = quality(root, work, args.page_timeout, args.screenshot, size, args.before)
        if args.json:
            args.json.write_text(json.dumps(figures, indent=2))
    print(report(figures))


if __name__ == "__main__":
    main()
