"""Benchmark: the race as an MP4, core.race.video against bar_chart_race on its own.

Run by hand from the repository root:  python bench/race.py [--workers 30] [--periods 200] [--quick]

Synthetic but realistic data (seeded): `workers` annotators labelling in daily shifts over
`periods` hours, made into the race's table by core.race.frames.race_table. The settings are those
of AWS's published recipe: figsize 5x3, dpi 144, 5 steps per period, fixed_max, label_bars, a
period summary ("Total labels: N"), 10 bars. In one run, each in its own child process:
  (1) bar_chart_race.bar_chart_race alone, with only the pandas-3 fix (its prepare_wide_data
      replaced by the same function with .ffill(); nothing else patched), writing an MP4;
  (2) core.race.video.render_video (worker processes, one per core by default);
  (3) render_video again with a cache folder: the second call must not render.
Reported: wall seconds of the render call, the ratio (2)/(1), peak memory (the process tree's RSS
sampled from /proc every 20 ms, and getrusage's max RSS of the process and of its largest child),
frame counts of both MP4s (must be equal) and how far apart a few decoded frames of the two are.
This is a measurement, not a test: it asserts nothing about time.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import imageio_ffmpeg  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from core.race.frames import RaceOptions, race_table  # noqa: E402

FIRST = ["Ana", "Bo", "Chidi", "Dana", "Emeka", "Fatima", "Gustavo", "Hana", "Ivan", "Jia", "Kofi", "Lena",
         "Mateo", "Nadia", "Omar", "Priya", "Quinn", "Rosa", "Sven", "Tariq", "Uma", "Viktor", "Wen", "Ximena",
         "Yusuf", "Zoë"]
LAST = ["Silva", "Nguyen", "Okafor", "Kowalczyk", "Haddad", "Tanaka", "Müller", "García-López", "Singh", "Ng",
        "Andersson", "Mensah", "O'Brien", "Ivanova", "Rossi"]


def make_table(workers: int, periods: int, seed: int = 7) -> tuple[pd.DataFrame, int]:
    """The race table of a labeling job: workers with different speeds, start days and shifts."""
    rng = np.random.default_rng(seed)
    start = pd.Timestamp("2026-03-02", tz="UTC")
    rows = []
    for w in range(workers):
        speed = rng.gamma(2.0, 4.0)  # labels per active hour
        first_hour = int(rng.integers(0, max(1, periods // 4)))
        shift_start = int(rng.integers(6, 14))
        shift_len = int(rng.integers(4, 9))
        for hour in range(first_hour, periods):
            if not shift_start <= hour % 24 < shift_start + shift_len or rng.random() < 0.15:
                continue
            n = rng.poisson(speed)
            if n:
                at = start + pd.to_timedelta(hour * 3600 + np.sort(rng.uniform(0, 3600, n)), unit="s")
                rows.append(pd.DataFrame({"worker_id": f"us-east-1_{w:04d}", "submission_time": at}))
    answers = pd.concat(rows, ignore_index=True)
    # Make sure the grid spans every period: one label in the first and in the last hour.
    edge = pd.DataFrame({"worker_id": ["us-east-1_0000"] * 2,
                         "submission_time": [start, start + pd.Timedelta(hours=periods - 1, minutes=30)]})
    answers = pd.concat([answers, edge], ignore_index=True)
    names = {f"us-east-1_{w:04d}": f"{FIRST[w % len(FIRST)]} {LAST[(w * 7) % len(LAST)]}" for w in range(workers)}
    table = race_table(answers, names, "h")
    return table, len(answers)


OPTIONS = RaceOptions(period="hour", top=10, title="Labels per worker", summary=True, colormap="dark12",
                      steps_per_period=5, period_length_ms=500, figsize=(5.0, 3.0), dpi=144)


# --- the variants (each runs in its own child process) -------------------------------------------


def variant_baseline(table: pd.DataFrame, out: Path) -> dict:
    import warnings

    import bar_chart_race
    import matplotlib
    from bar_chart_race import _make_chart

    from core.race import video

    # The one fix bar_chart_race needs to run on pandas 3; ffmpeg from the imageio-ffmpeg wheel.
    _make_chart.prepare_wide_data = video.prepare_wide_data
    matplotlib.rcParams["animation.ffmpeg_path"] = imageio_ffmpeg.get_ffmpeg_exe()
    warnings.simplefilter("ignore")  # its matplotlib warnings would clutter the table
    t = time.perf_counter()
    bar_chart_race.bar_chart_race(video.plain_names(table), filename=str(out), **video.race_kwargs(OPTIONS))
    return {"wall": time.perf_counter() - t}


def variant_ours(table: pd.DataFrame, out: Path, processes: int | None, cache: Path | None = None) -> dict:
    from core.race import video

    updates = []
    t = time.perf_counter()
    path = video.render_video(table, OPTIONS, out, processes=processes, cache_dir=cache,
                              progress=lambda done, total: updates.append(done))
    wall = time.perf_counter() - t
    result = {"wall": wall, "progress_updates": len(updates), "last_progress": updates[-1] if updates else None}
    if cache is not None:
        t = time.perf_counter()
        again = video.render_video(table, OPTIONS, cache_dir=cache, progress=lambda d, n: updates.append(d))
        result.update(cached_wall=time.perf_counter() - t, same_bytes=again.read_bytes() == path.read_bytes(),
                      rendered_again=len(updates) > result["progress_updates"])
    return result


def child(args: argparse.Namespace) -> None:
    table, _ = make_table(args.workers, args.periods)
    out = Path(args.out)
    if args.variant == "baseline":
        result = variant_baseline(table, out)
    else:
        cache = Path(args.cache) if args.cache else None
        result = variant_ours(table, out, args.processes, cache)
    result["maxrss_self_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    result["maxrss_child_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps(result))


# --- the parent: runs the variants, samples memory, prints the table ----------------------------


def tree_rss_mb(root: int) -> float:
    """RSS of `root` and all its descendants, from /proc (Linux); 0 where /proc is not there."""
    children: dict[int, list[int]] = {}
    rss: dict[int, int] = {}
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else []:
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                fields = f.read().rsplit(")", 1)[1].split()
            ppid, pages = int(fields[1]), int(fields[21])
        except (OSError, IndexError, ValueError):
            continue
        children.setdefault(ppid, []).append(int(entry))
        rss[int(entry)] = pages
    total, stack = 0, [root]
    while stack:
        pid = stack.pop()
        total += rss.get(pid, 0)
        stack.extend(children.get(pid, []))
    return total * os.sysconf("SC_PAGE_SIZE") / 2**20


def run_variant(argv: list[str]) -> dict:
    proc = subprocess.Popen([sys.executable, __file__, *argv], stdout=subprocess.PIPE, text=True)
    peak = 0.0
    done = threading.Event()

    def sample():
        nonlocal peak
        while not done.is_set():
            peak = max(peak, tree_rss_mb(proc.pid))
            time.sleep(0.02)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    out, _ = proc.communicate()
    done.set()
    sampler.join()
    if proc.returncode:
        raise SystemExit(f"variant {argv} failed ({proc.returncode})")
    result = json.loads(out.strip().splitlines()[-1])
    result["tree_peak_mb"] = peak
    return result


def frame_gap(a: Path, b: Path, frames: list[int]) -> list[float]:
    """Mean absolute difference (0-255) between frame k of a and of b, decoded by ffmpeg."""
    gaps = []
    for k in frames:
        pixels = []
        for path in (a, b):
            raw = subprocess.run(
                [imageio_ffmpeg.get_ffmpeg_exe(), "-v", "error", "-i", str(path), "-vf", f"select=eq(n\\,{k})",
                 "-frames:v", "1", "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], capture_output=True, check=True
            ).stdout
            pixels.append(np.frombuffer(raw, np.uint8).astype(int))
        gaps.append(float(np.abs(pixels[0] - pixels[1]).mean()) if len(pixels[0]) == len(pixels[1]) else float("nan"))
    return gaps


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--workers", type=int, default=30, help="workers in the race (default 30)")
    ap.add_argument("--periods", type=int, default=200, help="hourly periods (default 200)")
    ap.add_argument("--quick", action="store_true", help="10 workers x 40 periods")
    ap.add_argument("--processes", type=int, default=None, help="render_video's processes (default: one per core)")
    ap.add_argument("--keep", action="store_true", help="keep the two MP4s (their folder is printed)")
    ap.add_argument("--variant", choices=["baseline", "ours"], help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    ap.add_argument("--cache", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.quick:
        args.workers, args.periods = 10, 40
    if args.variant:
        child(args)
        return 0

    table, labels = make_table(args.workers, args.periods)
    frames_expected = (len(table) - 1) * OPTIONS.steps_per_period + 1
    common = ["--workers", str(args.workers), "--periods", str(args.periods)]
    folder = Path(tempfile.mkdtemp(prefix="bench-race-"))
    base_mp4, ours_mp4 = folder / "bar_chart_race.mp4", folder / "ours.mp4"
    ours_argv = [*common, "--variant", "ours", "--out", str(ours_mp4), "--cache", str(folder / "cache")]
    if args.processes:
        ours_argv += ["--processes", str(args.processes)]
    base = run_variant([*common, "--variant", "baseline", "--out", str(base_mp4)])
    ours = run_variant(ours_argv)

    n_base = imageio_ffmpeg.count_frames_and_secs(str(base_mp4))[0]
    n_ours = imageio_ffmpeg.count_frames_and_secs(str(ours_mp4))[0]
    gaps = frame_gap(base_mp4, ours_mp4, [0, n_base // 2, n_base - 1])

    print(f"race: {table.shape[1]} workers x {len(table)} periods, {labels:,} labels, {frames_expected} frames; "
          f"figsize {OPTIONS.figsize[0]:g}x{OPTIONS.figsize[1]:g}, dpi {OPTIONS.dpi}, "
          f"{OPTIONS.steps_per_period} steps/period; {os.cpu_count()} cores")
    print()
    print(f"{'':44}{'wall s':>8}{'frames':>8}{'MB':>9}{'tree peak':>11}{'parent':>8}{'max child':>11}")
    print(f"{'(1) bar_chart_race alone (pandas fix only)':44}{base['wall']:>8.2f}{n_base:>8}"
          f"{base_mp4.stat().st_size / 2**20:>9.2f}{base['tree_peak_mb']:>9.0f}MB{base['maxrss_self_mb']:>6.0f}MB"
          f"{base['maxrss_child_mb']:>9.0f}MB")
    print(f"{'(2) core.race.video.render_video':44}{ours['wall']:>8.2f}{n_ours:>8}"
          f"{ours_mp4.stat().st_size / 2**20:>9.2f}{ours['tree_peak_mb']:>9.0f}MB{ours['maxrss_self_mb']:>6.0f}MB"
          f"{ours['maxrss_child_mb']:>9.0f}MB")
    print(f"{'(3) render_video again, cached':44}{ours['cached_wall']:>8.3f}"
          f"   {'RE-RENDERED' if ours['rendered_again'] else 'not re-rendered'}, "
          f"{'same file' if ours['same_bytes'] else 'DIFFERENT FILE'}")
    print()
    print(f"(2)/(1) wall: {ours['wall'] / base['wall']:.2f}  (goal <= 0.33);  "
          f"speed-up {base['wall'] / ours['wall']:.1f}x")
    print(f"frame counts: {n_base} vs {n_ours} ({'equal' if n_base == n_ours else 'DIFFERENT'}; "
          f"expected {frames_expected})")
    print(f"decoded frames 0, {n_base // 2}, {n_base - 1}: mean |difference| "
          + ", ".join(f"{g:.2f}" for g in gaps) + " of 255 (both H.264, different presets)")
    print(f"progress callbacks during (2): {ours['progress_updates']}, last {ours['last_progress']}")
    if args.keep:
        print(f"videos kept in {folder}")
    else:
        for path in sorted(folder.rglob("*"), reverse=True):
            path.rmdir() if path.is_dir() else path.unlink()
        folder.rmdir()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
