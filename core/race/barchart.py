"""bar_chart_race 0.1.0 through a thin adapter: the race's figure and frames, drawn in-process.

bar_chart_race is dormant since 2020 (MIT). Its known problems are handled here, by a subclass
of its `_BarChartRace` (`_Race`), not a fork:
- pandas 3: its `prepare_wide_data` calls `fillna(method='ffill')`, a TypeError; `_Race.prepare_data`
  calls our `prepare_wide_data`, the same lines with `.ffill()` (same values and ranks);
- global state: its `make_animation` rebinds `plt.rcParams` to a copy (later `plt.rcParams[...]`
  settings are then silently ignored). We never call it; we draw inside `matplotlib.rc_context()`
  and leave `plt.rcParams is matplotlib.rcParams`. Rendering happens in spawned worker
  processes anyway (core.race.video), so the app's matplotlib state is never touched;
- it fills in the `bar_kwargs` dict it is given: it gets a fresh copy every time;
- its layout code makes matplotlib warn "set_ticklabels() should only be used with a fixed number
  of ticks" ("FixedFormatter ..." in older matplotlib), and it warns about column colours: those
  messages only are filtered, while a race is drawn;
- "$" in a worker name or the title would be read as matplotlib math: it is escaped.

`_Race.iter_frames` gives, pixel for pixel, the frames bar_chart_race's own loop saves, for less
work: the axes furniture that fixed_max keeps still is drawn once and restored (blitting), the y
axis draws its ticks without re-measuring its empty label, the bars skip data-limit updates nobody
reads, each distinct text is laid out once, and the frames are raw RGBA (no savefig per frame).
"""

from __future__ import annotations

import contextlib
import warnings
from collections.abc import Iterator
from functools import partial
from operator import attrgetter

import matplotlib
import numpy as np
import pandas as pd
from bar_chart_race._make_chart import _BarChartRace
from matplotlib import pyplot as plt
from matplotlib.backends.backend_agg import FigureCanvasAgg, RendererAgg, get_hinting_flag
from matplotlib.ft2font import FT2Font

from core.race.colors import palette
from core.race.frames import RaceOptions

# What bar_chart_race's layout code makes matplotlib say; harmless, and nothing a user can act on.
_QUIET = (
    r".*FixedFormatter should only be used together with FixedLocator.*",
    r"set_ticklabels\(\) should only be used with a fixed number of ticks.*",
    r"Some of your columns never make an appearance in the animation.*",
)


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


def _summary(values: pd.Series, ranks: pd.Series, unit: str = "labels") -> dict:
    return {"x": 0.95, "y": 0.06, "s": f"Total {unit}: {values.sum():,.0f}", "ha": "right", "va": "center",
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
        period_fmt=_plain(options.label_format),
        period_summary_func=partial(_summary, unit=options.unit) if options.summary else None,
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

