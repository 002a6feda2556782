"""How fast the browser race is ready: 50 workers x 500 periods (run by hand).

    python bench/race_browser.py [--workers 50] [--periods 500] [--runs 5]

Measures, in one run: building the page in Python (race_table + race_html), its size, and in
headless Chromium the time from navigation start to the first drawn frame (the page stamps
`data-ready` with performance.now() once the first frame is drawn and playback has started).
Goal: under 1 s.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from core.race.frames import RaceOptions, race_table  # noqa: E402
from core.race.html import race_html  # noqa: E402

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                 "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def answers(workers: int, periods: int, seed: int = 7) -> pd.DataFrame:
    """Synthetic answers: each worker's hourly pace differs, so ranks change over the race."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2026-01-05", tz="UTC")
    rows = []
    for w in range(workers):
        rate = rng.uniform(0.5, 6.0)
        counts = rng.poisson(rate * (1 + np.sin(np.arange(periods) / (7 + w % 5))) / 2)
        for p, n in enumerate(counts):
            rows += [(f"worker-{w:02d}", start + pd.Timedelta(hours=p, minutes=int(m))) for m in rng.uniform(0, 59, n)]
    return pd.DataFrame(rows, columns=["worker_id", "submission_time"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=50)
    parser.add_argument("--periods", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    data = answers(args.workers, args.periods)
    started = time.perf_counter()
    table = race_table(data, {}, "h")
    page = race_html(table, RaceOptions(period="hour", title="Benchmark race"))
    build_s = time.perf_counter() - started
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "race.html"
        path.write_text(page, encoding="utf-8")
        ready = []
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            for _ in range(args.runs):
                tab = browser.new_page(viewport={"width": 1000, "height": 600})
                tab.goto(path.as_uri())
                tab.wait_for_selector("#race[data-ready]")
                ready.append(float(tab.get_attribute("#race", "data-ready")))
                assert tab.get_attribute("#race", "data-state") == "playing"
                tab.close()
            browser.close()
    print(f"{args.workers} workers x {len(table)} periods ({len(data):,} labels), {args.runs} page loads in Chromium")
    print(f"  build in Python (race_table + race_html): {build_s * 1000:8.0f} ms")
    print(f"  page size:                                {len(page.encode()) / 1024:8.0f} KiB")
    print(f"  navigation start -> first frame, median:  {statistics.median(ready):8.0f} ms "
          f"(min {min(ready):.0f}, max {max(ready):.0f})   goal: < 1000 ms")


if __name__ == "__main__":
    main()
