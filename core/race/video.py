"""The race as a video (MP4 or GIF), drawn by bar_chart_race 0.1.0 through a thin adapter.

bar_chart_race is dormant since 2020 (MIT). Its known problems are handled here, by a subclass
of its `_BarChartRace` (`_Race`), not a fork:
- pandas 3: its `prepare_wide_data` calls `fillna(method='ffill')`, a TypeError; `_Race.prepare_data`
  calls our `prepare_wide_data`, the same lines with `.ffill()` (same values and ranks);
- global state: its `make_animation` rebinds `plt.rcParams` to a copy (later `plt.rcParams[...]`
  settings are then silently ignored). We never call it; we draw inside `matplotlib.rc_context()`
  and leave `plt.rcParams is matplotlib.rcParams`. Rendering happens in spawned worker
  processes anyway, so the app's matplotlib state is never touched;
- it fills in the `bar_kwargs` dict it is given: it gets a fresh copy every time;
- its layout code makes matplotlib warn "set_ticklabels() should only be used with a fixed number
  of ticks" ("FixedFormatter ..." in older matplotlib), and it warns about column colours: those
  messages only are filtered, while a race is drawn;
- "$" in a worker name or the title would be read as matplotlib math: it is escaped.
ffmpeg is the binary of the imageio-ffmpeg wheel (`pip install` alone installs everything); we
pipe raw frames to it ourselves, so neither matplotlib's writers nor rcParams['animation.*'] are
involved.

Speed: the frames are split into contiguous chunks, one per worker process (spawned; one per core
by default); each writes an MP4 part and ffmpeg's concat demuxer joins them without re-encoding
(for a GIF the parts are lossless and one palette pass makes the GIF). Every worker builds the
race from the FULL table, so fixed_max, the figure size, the axes rectangle, the colours and the
ranks are those of the whole race and frame i of a part is frame i of the race. Within a worker
(`_Race.iter_frames`) the frames are, pixel for pixel, those bar_chart_race's own loop saves, for
less work: the axes furniture that fixed_max keeps still is drawn once and restored (blitting),
the y axis draws its ticks without re-measuring its empty label, the bars skip data-limit updates
nobody reads, each distinct text is laid out once, and frames go to ffmpeg as raw RGBA (no
savefig per frame); H.264 preset 'veryfast'.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import json
import multiprocessing
import os
import subprocess
import tempfile
import warnings
from collections.abc import Callable, Iterator
from concurrent.futures import FIRST_EXCEPTION, ProcessPoolExecutor, wait
from operator import attrgetter
from pathlib import Path

import imageio_ffmpeg
import matplotlib
import numpy as np
import pandas as pd
from bar_chart_race._make_chart import _BarChartRace
from matplotlib import pyplot as plt
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.ft2font import FT2Font

from core.errors import GroundControlError
from core.race.colors import palette
from core.race.frames import RaceOptions

FORMATS = ("mp4", "gif")
RENDER_VERSION = 2  # bump when the pixels or the encoding change: it is part of the cache key
MIN_FRAMES_PER_PART = 60  # by default no worker gets fewer: starting one costs ~1 s (imports)

# What bar_chart_race's layout code makes matplotlib say; harmless, and nothing a user can act on.
_QUIET = (
    r".*FixedFormatter should only be used together with FixedLocator.*",
    r"set_ticklabels\(\) should only be used with a fixed number of ticks.*",
    r"Some of your columns never make an appearance in the animation.*",
)


class VideoError(GroundControlError, RuntimeError):
    """The video could not be made (ffmpeg failed); the message ends with ffmpeg's stderr."""


# --- data ----------------------------------------------------------------------------------------


def prepare_wide_data(df, orientation="h", sort="desc", n_bars=None, interpolate_period=False,
                      steps_per_period=10, compute_ranks=True):
    """bar_chart_race.prepare_wide_data with `.ffill()` for `fillna(method='ffill')` (a TypeError on
    pandas 3); the same values and ranks otherwise."""
    if n_bars is None:
        n_bars = df.shape[1]
    df_values = df.reset_index()
    df_values.index = df_values.index * steps_per_period
    new_index = range(df_values.index[-1] + 1)
    df_values = df_values.reindex(new_index)
    if interpolate_period:
        if df_values.iloc[:, 0].dtype.kind == "M":
            first, last = df_values.iloc[[0, -1], 0]
            dr = pd.date_range(first, last, periods=len(df_values))
            df_values.iloc[:, 0] = dr
        else:
            df_values.iloc[:, 0] = df_values.iloc[:, 0].interpolate()
    else:
        df_values.iloc[:, 0] = df_values.iloc[:, 0].ffill()
    df_values = df_values.set_index(df_values.columns[0])
    if compute_ranks:
        df_ranks = df_values.rank(axis=1, method="first", ascending=False).clip(upper=n_bars + 1)
        if (sort == "desc" and orientation == "h") or (sort == "asc" and orientation == "v"):
            df_ranks = n_bars + 1 - df_ranks
        df_ranks = df_ranks.interpolate()
    df_values = df_values.interpolate()
    if compute_ranks:
        return df_values, df_ranks
    return df_values


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


# --- the adapter ---------------------------------------------------------------------------------


def _summary(values: pd.Series, ranks: pd.Series) -> dict:
    return {"x": 0.95, "y": 0.06, "s": f"Total labels: {values.sum():,.0f}", "ha": "right", "va": "center",
            "size": 8}


class _Race(_BarChartRace):
    """bar_chart_race's race, drawn by its own figure, plot_bars and anim_func. Two things differ:
    the data step (pandas 3) and the save loop, which redraws only what a frame changes."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.canvas = _Canvas(self.fig)  # Agg, whatever the pyplot backend

    def prepare_data(self, df):
        # bar_chart_race's method without the fixed_order branches (never used here), calling our
        # prepare_wide_data: its own calls fillna(method='ffill').
        assert self.fixed_order is False
        return prepare_wide_data(df, self.orientation, self.sort, self.n_bars, self.interpolate_period,
                                 self.steps_per_period, True)

    def iter_frames(self, frames: range) -> Iterator[memoryview]:
        """The RGBA pixels of each frame in `frames` (a slice of the race), as bar_chart_race's
        make_animation draws them (pixel for pixel), one buffer reused: consume each before the next.

        With fixed_max the axes furniture (background, x grid, ticks and labels, title) is the same
        in every frame: it is drawn once and restored; then only what plot_bars makes (bars, bar
        labels, period label, summary) and the y axis (the names) are drawn, in Axes.draw's order."""
        assert self.fixed_max and self.orientation == "h", "the x axis must not move between frames"
        canvas, ax = self.canvas, self.ax
        # Both limits are fixed (create_figure sets them; fixed_max), so the data limits that
        # add_patch updates for every bar of every frame are never read: skip that work.
        ax._update_patch_limits = _no_patch_limits
        furniture = {id(a) for a in ax.get_children()} - {id(ax.yaxis)}
        self.plot_bars(frames.start)  # make_animation's init_func
        for artist in ax.get_children():
            if id(artist) not in furniture:
                artist.set_animated(True)
        canvas.draw()
        background = canvas.copy_from_bbox(self.fig.bbox)
        renderer = canvas.get_renderer()
        assert np.asarray(canvas.buffer_rgba()).shape[:2] == self.frame_size()[::-1]
        for i in frames:
            self.anim_func(i)
            canvas.restore_region(background)
            changing = [a for a in ax.get_children() if id(a) not in furniture]
            for artist in sorted(changing, key=attrgetter("zorder")):
                if artist is ax.yaxis:
                    _draw_ticks(artist, renderer)
                else:
                    artist.draw(renderer)
            yield canvas.buffer_rgba()

    def frame_size(self) -> tuple[int, int]:
        """(width, height) in pixels."""
        w, h = self.canvas.get_width_height(physical=True)
        return int(w), int(h)


def _no_patch_limits(patch) -> None:
    return None


def _draw_ticks(axis, renderer) -> None:
    """Axis.draw minus its label and offset text when both are empty (bar_chart_race's y axis):
    what it skips is the bounding boxes it computes to place those two."""
    if axis.label.get_text() or axis.major.formatter.get_offset() or not hasattr(axis, "_update_ticks"):
        axis.draw(renderer)
    elif axis.get_visible():
        for tick in axis._update_ticks():
            tick.draw(renderer)


class _Renderer(RendererAgg):
    """RendererAgg that lays out each distinct text once: the names, counts and period labels
    of a race repeat from frame to frame. The glyphs and their positions are those matplotlib
    computes (`FT2Font._layout`), so the pixels are the same."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._layouts: dict = {}

    def draw_text(self, gc, x, y, s, prop, angle, ismath=False, mtext=None):
        if ismath:
            return super().draw_text(gc, x, y, s, prop, angle, ismath, mtext)
        features = mtext.get_fontfeatures() if mtext is not None else None
        language = mtext.get_language() if mtext is not None else None
        flags = get_hinting_flag()
        key = (s, prop, repr(features), repr(language), flags)
        items = self._layouts.get(key)
        if items is None:
            font = self._prepare_font(prop)
            items = list(font._layout(s, flags=flags, features=features, language=language))
            self._layouts[(s, prop.copy(), *key[2:])] = items  # a copy: `prop` may change later
        size = prop.get_size_in_points()
        self._draw_text_glyphs_and_boxes(
            gc, x, y, angle, ((item.ft_object, size, item.glyph_index, 0, 1, item.x, item.y) for item in items), [])


_FAST_TEXT = all(hasattr(cls, name) for cls, name in [(RendererAgg, "_draw_text_glyphs_and_boxes"),
                                                      (RendererAgg, "_prepare_font"), (FT2Font, "_layout")])


class _Canvas(FigureCanvasAgg):
    """FigureCanvasAgg drawing with `_Renderer` (matplotlib 3.11's Agg text path; else the stock one)."""

    def get_renderer(self):
        if not _FAST_TEXT:
            return super().get_renderer()
        w, h = self.get_width_height(physical=True)
        key = w, h, self.figure.dpi
        if self._lastKey != key:
            self.renderer = _Renderer(w, h, self.figure.dpi)
            self._lastKey = key
        return self.renderer


def _plain(text: str) -> str:
    """`text` shown as it is: matplotlib reads "$...$" as math (a worker named "$5 to $10" would
    come out in italics, or fail to parse); a non-math text shows "\\$" as "$"."""
    return str(text).replace("$", r"\$")


def race_kwargs(options: RaceOptions) -> dict:
    """The keyword arguments of `bar_chart_race.bar_chart_race` (bar df and filename) for the race
    `options` describe: AWS's recipe (fixed_max, label_bars, a period summary) with our options."""
    return dict(
        orientation="h", sort="desc", n_bars=options.top, fixed_order=False, fixed_max=True,
        steps_per_period=options.steps_per_period, period_length=options.period_length_ms,
        interpolate_period=False, label_bars=True, bar_size=0.95, period_label=True,
        period_fmt=_plain(options.label_format), period_summary_func=_summary if options.summary else None,
        perpendicular_bar_func=None, figsize=tuple(options.figsize), cmap=palette(options.colormap),
        title=_plain(options.title), title_size=None, bar_label_size=7, tick_label_size=7, shared_fontdict=None,
        scale="linear", writer=None, fig=None, dpi=options.dpi, bar_kwargs=None, filter_column_colors=False,
    )


def plain_names(table: pd.DataFrame) -> pd.DataFrame:
    """`table` with "$" in its column names escaped (see _plain)."""
    return table.set_axis([_plain(c) for c in table.columns], axis=1)


def _make_race(table: pd.DataFrame, options: RaceOptions, filename: str, bar_kwargs: dict | None = None) -> _Race:
    kwargs = race_kwargs(options)
    kwargs["bar_kwargs"] = dict(bar_kwargs or {})  # bar_chart_race writes into the dict it gets
    return _Race(plain_names(table), filename, **kwargs)


def _encoder_args(lossless: bool) -> list[str]:
    if lossless:  # GIF parts: exact RGB, made into a GIF once at the end
        return ["-c:v", "libx264rgb", "-preset", "ultrafast", "-qp", "0"]
    # Even width and height for yuv420p (bar_chart_race's figure resizing can make them odd).
    # 'veryfast': ~40% less encoder CPU than the default 'medium' here, for an ~8% larger file.
    return ["-vf", "pad=ceil(iw/2)*2:ceil(ih/2)*2:color=white", "-c:v", "libx264", "-preset", "veryfast",
            "-pix_fmt", "yuv420p"]


@contextlib.contextmanager
def _isolated() -> Iterator[None]:
    """Drawing with no change to the caller's matplotlib state: rcParams restored, `plt.rcParams`
    bound to `matplotlib.rcParams` again, bar_chart_race's layout warnings hushed. (Warning filters
    are process-wide: render_video runs this in its worker processes, never in the app's threads.)"""
    with warnings.catch_warnings(), matplotlib.rc_context():
        for message in _QUIET:
            warnings.filterwarnings("ignore", message=message, category=UserWarning)
        try:
            yield
        finally:
            plt.rcParams = matplotlib.rcParams


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


class _FFmpegPipe:
    """ffmpeg reading raw frames from stdin; stderr goes to a file (no pipe to fill up) and ends
    up in the VideoError if ffmpeg fails."""

    def __init__(self, args: list[str], what: str):
        self.what = what
        self.log = tempfile.TemporaryFile()
        self.proc = subprocess.Popen(
            [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args],
            stdin=subprocess.PIPE, stdout=subprocess.DEVNULL, stderr=self.log)

    def __enter__(self) -> _FFmpegPipe:
        return self

    def write(self, data) -> None:
        try:
            self.proc.stdin.write(data)
        except BrokenPipeError:
            self._fail()

    def _fail(self):
        self.proc.kill()
        self.proc.wait()
        self.log.seek(0)
        raise VideoError(_ffmpeg_message(f"{self.what} (ffmpeg exit {self.proc.returncode})", self.log.read()))

    def __exit__(self, exc_type, exc, tb) -> None:
        try:
            if exc_type is not None:
                self.proc.kill()
                self.proc.wait()
                return
            try:
                self.proc.stdin.close()
            except BrokenPipeError:
                pass
            if self.proc.wait():
                self._fail()
        finally:
            self.log.close()


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


# --- ffmpeg --------------------------------------------------------------------------------------


def _ffmpeg_message(what: str, stderr) -> str:
    if isinstance(stderr, bytes):
        stderr = stderr.decode(errors="replace")
    tail = "\n".join((stderr or "").strip().splitlines()[-15:])
    return f"{what}:\n{tail}" if tail else what


def _ffmpeg(args: list[str], what: str) -> None:
    cmd = [imageio_ffmpeg.get_ffmpeg_exe(), "-hide_banner", "-nostdin", "-loglevel", "error", "-y", *args]
    proc = subprocess.run(cmd, capture_output=True)
    if proc.returncode:
        raise VideoError(_ffmpeg_message(f"{what} (ffmpeg exit {proc.returncode})", proc.stderr))


def _join(parts: list[Path], out: Path, fmt: str, workdir: Path) -> None:
    listing = workdir / "parts.txt"
    listing.write_text("".join(f"file '{p.name}'\n" for p in parts))
    concat = ["-f", "concat", "-safe", "0", "-i", str(listing)]
    if fmt == "mp4":
        _ffmpeg([*concat, "-c", "copy", "-movflags", "+faststart", "-f", "mp4", str(out)],
                "ffmpeg could not join the parts")
    else:
        # Two passes over the (lossless) parts: one palette for the whole GIF, then the GIF. One
        # pass with split/palettegen would hold every frame in memory until the palette is known.
        palette = workdir / "palette.png"
        _ffmpeg([*concat, "-vf", "palettegen", str(palette)], "ffmpeg could not make the GIF's palette")
        _ffmpeg([*concat, "-i", str(palette), "-lavfi", "[0:v][1:v]paletteuse", "-f", "gif", str(out)],
                "ffmpeg could not make the GIF")


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
