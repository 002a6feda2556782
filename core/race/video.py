"""The race as a video (MP4 or GIF): bar_chart_race's frames (core.race.barchart) drawn in parallel
and encoded by ffmpeg (core.race.ffmpeg), cached by what the video shows.

Speed: the frames are split into contiguous chunks, one per worker process (spawned; one per core
by default); each writes an MP4 part and ffmpeg's concat demuxer joins them without re-encoding
(for a GIF the parts are lossless and one palette pass makes the GIF). Every worker builds the
race from the FULL table, so fixed_max, the figure size, the axes rectangle, the colours and the
ranks are those of the whole race and frame i of a part is frame i of the race. Within a worker
the frames are bar_chart_race's own, drawn with less work (see core.race.barchart); H.264 preset
'veryfast'.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import multiprocessing
import os
import tempfile
from collections.abc import Callable
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from pathlib import Path

import matplotlib
import numpy as np
import pandas as pd

from core.race.barchart import _isolated, _make_race
from core.race.barchart import _plain as _plain  # the names below are re-exported: tests and bench use them
from core.race.barchart import plain_names as plain_names
from core.race.barchart import prepare_wide_data as prepare_wide_data
from core.race.barchart import race_kwargs as race_kwargs
from core.race.ffmpeg import VideoError as VideoError
from core.race.ffmpeg import _encoder_args, _FFmpegPipe, _join  # looked up here: tests patch them on this module
from core.race.ffmpeg import _ffmpeg as _ffmpeg
from core.race.frames import RaceOptions

FORMATS = ("mp4", "gif")
RENDER_VERSION = 2  # bump when the pixels or the encoding change: it is part of the cache key
MIN_FRAMES_PER_PART = 60  # by default no worker gets fewer: starting one costs ~1 s (imports)


def frame_count(table: pd.DataFrame, options: RaceOptions) -> int:
    """Frames bar_chart_race draws: every interpolation step between periods, plus the last period."""
    return 0 if table.empty else (len(table) - 1) * options.steps_per_period + 1


def cache_key(table: pd.DataFrame, options: RaceOptions, fmt: str = "mp4") -> str:
    """sha256 of what the video shows: the table's index, columns and values, the options, fmt."""
    h = hashlib.sha256()
    index = table.index
    h.update(json.dumps([RENDER_VERSION, matplotlib.__version__, fmt, str(index.dtype), index.name,
                         list(map(str, table.columns)), list(table.shape), str(table.values.dtype),
                         dataclasses.asdict(options)], default=str).encode())
    h.update(np.ascontiguousarray(index.asi8 if hasattr(index, "asi8") else index.astype(str)).tobytes())
    h.update(np.ascontiguousarray(table.to_numpy(dtype="float64")).tobytes())
    return h.hexdigest()


def render_part(table: pd.DataFrame, options: RaceOptions, frames: range, out: Path, *, lossless: bool = False,
                on_frame: Callable[[], None] | None = None, bar_kwargs: dict | None = None) -> Path:
    """Frames `frames` of the race as an H.264 MP4 at `out` (the work of one process)."""
    with _isolated():
        race = _make_race(table, options, str(out), bar_kwargs)
        try:
            w, h = race.frame_size()
            fps = f"{1000 * options.steps_per_period}/{options.period_length_ms}"
            args = ["-f", "rawvideo", "-pix_fmt", "rgba", "-s", f"{w}x{h}", "-framerate", fps, "-i", "pipe:",
                    *_encoder_args(lossless), "-f", "mp4", str(out)]
            with _FFmpegPipe(args, "ffmpeg could not encode the race") as pipe:
                for pixels in race.iter_frames(frames):
                    pipe.write(pixels)
                    if on_frame is not None:
                        on_frame()
        finally:
            race.fig.clear()
    return out


# --- processes -----------------------------------------------------------------------------------


class _Cancelled(Exception):
    """Another part failed or the caller gave up: stop drawing."""


_shared = None  # (frames-done counter, cancel event), set in each worker by _init_worker


def _init_worker(counter, cancel) -> None:
    global _shared
    _shared = counter, cancel
    matplotlib.use("Agg")


def _frame_done() -> None:
    counter, cancel = _shared
    with counter.get_lock():
        counter.value += 1
    if cancel.is_set():
        raise _Cancelled


def _render_part_in_worker(table, options, frames, out, lossless) -> str:
    render_part(table, options, frames, Path(out), lossless=lossless, on_frame=_frame_done)
    return out


def split(n_frames: int, parts: int) -> list[range]:
    """Contiguous, nearly equal ranges covering range(n_frames)."""
    parts = max(1, min(parts, n_frames))
    bounds = np.linspace(0, n_frames, parts + 1).round().astype(int)
    return [range(a, b) for a, b in zip(bounds[:-1], bounds[1:], strict=True) if b > a]


# --- the entry point -----------------------------------------------------------------------------


def render_video(table: pd.DataFrame, options: RaceOptions, out: Path | None = None, *, fmt: str = "mp4",
                 processes: int | None = None, progress: Callable[[int, int], None] | None = None,
                 cache_dir: Path | None = None) -> Path:
    """Render the race `table` (see frames.race_table) as an MP4 or GIF and return its path.

    Without `cache_dir` the video is written to `out`. With it, the video is
    `cache_dir/<cache_key>.<fmt>`, rendered only if that file does not exist yet (the same data and
    options are never rendered twice); if `out` is given too, the cached file is copied there and
    `out` is returned. `processes` worker processes draw the frames (default: one per core, at
    least MIN_FRAMES_PER_PART frames each); `progress(done, total)` is called from the calling
    thread as frames are done. Writes are atomic: on failure (VideoError for ffmpeg, with its
    stderr) no partial file is left behind.
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, not {fmt!r}")
    if table.empty:
        raise ValueError("The race has no data: nothing to render.")
    if cache_dir is None and out is None:
        raise ValueError("Give `out`, `cache_dir` or both.")
    if cache_dir is None:
        target = Path(out)
    else:
        target = Path(cache_dir) / f"{cache_key(table, options, fmt)}.{fmt}"
        if target.exists():
            if out is None:
                return target
            _atomic_copy(target, Path(out))
            return Path(out)
    total = frame_count(table, options)
    if processes is None:
        processes = min(_cores(), max(1, total // MIN_FRAMES_PER_PART))
    target.parent.mkdir(parents=True, exist_ok=True)
    _render(table, options, target, fmt, split(total, processes), progress)
    if cache_dir is not None and out is not None:
        _atomic_copy(target, Path(out))
        return Path(out)
    return target


def _cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # not on Linux
        return os.cpu_count() or 1


def _atomic_copy(src: Path, dst: Path) -> None:
    dst.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=dst.parent, prefix=f".{dst.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as f, open(src, "rb") as g:
            while chunk := g.read(1 << 20):
                f.write(chunk)
        os.replace(tmp, dst)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _render(table: pd.DataFrame, options: RaceOptions, target: Path, fmt: str, ranges: list[range],
            progress: Callable[[int, int], None] | None) -> None:
    total = ranges[-1].stop
    lossless = fmt == "gif"  # GIF: lossless parts, one palette for the whole GIF at the end
    ctx = multiprocessing.get_context("spawn")  # never fork: the app runs threads
    counter, cancel = ctx.Value("q", 0), ctx.Event()
    with tempfile.TemporaryDirectory(prefix=".race-", dir=target.parent) as tmp:
        workdir = Path(tmp)
        parts = [workdir / f"part-{k:03d}.mp4" for k in range(len(ranges))]
        with ProcessPoolExecutor(len(ranges), mp_context=ctx, initializer=_init_worker,
                                 initargs=(counter, cancel)) as pool:
            try:
                pending = {pool.submit(_render_part_in_worker, table, options, r, str(p), lossless)
                           for r, p in zip(ranges, parts, strict=True)}
                reported = -1
                while pending:
                    done, pending = wait(pending, timeout=0.2, return_when=FIRST_EXCEPTION)
                    for future in done:
                        future.result()  # a worker's exception, raised here
                    if progress is not None and counter.value != reported:
                        reported = counter.value
                        progress(reported, total)
            except BaseException:
                cancel.set()  # the other workers stop at their next frame
                raise
        joined = workdir / f"joined.{fmt}"
        _join(parts, joined, fmt, workdir)
        os.replace(joined, target)
