"""The race video: bar_chart_race through core.race.video's adapter (small tables, tiny frames)."""

from __future__ import annotations

import io
import warnings

import imageio_ffmpeg
import matplotlib
import numpy as np
import pandas as pd
import pytest
from bar_chart_race import _make_chart, bar_chart_race
from matplotlib import animation
from matplotlib import pyplot as plt
from matplotlib.colors import to_hex

from core.race import colors, video
from core.race.frames import RaceOptions
from core.race.html import race_payload

TINY = RaceOptions(period="hour", top=3, figsize=(2.5, 1.5), dpi=50, steps_per_period=5, period_length_ms=500)


def table(workers: int = 4, periods: int = 6, names: list[str] | None = None) -> pd.DataFrame:
    """Cumulative labels per worker and hour, like frames.race_table's (seeded, monotone, int64)."""
    rng = np.random.default_rng(7)
    counts = rng.integers(0, 6, size=(periods, workers)).cumsum(axis=0)
    index = pd.date_range("2026-03-02 08:00", periods=periods, freq="h", tz="UTC", name="period")
    return pd.DataFrame(counts, index=index, columns=names or [f"worker-{i}" for i in range(workers)])


def frames_in(path) -> int:
    return imageio_ffmpeg.count_frames_and_secs(str(path))[0]


def test_frame_count_is_bar_chart_races():
    # bar_chart_race puts steps_per_period frames between two periods and ends on the last one.
    t = table(4, 6)
    values, _ = video.prepare_wide_data(t, n_bars=3, steps_per_period=5)
    assert len(values) == video.frame_count(t, TINY) == (6 - 1) * 5 + 1


@pytest.mark.slow
def test_mp4_decodes_with_the_expected_frames(tmp_path):
    out = video.render_video(table(4, 6), TINY, tmp_path / "race.mp4", processes=1)
    assert out == tmp_path / "race.mp4"
    assert frames_in(out) == 26
    assert [p.name for p in tmp_path.iterdir()] == ["race.mp4"]  # no temporary files left


@pytest.mark.slow
def test_parallel_render_has_the_frames_of_a_single_process_one(tmp_path):
    t = table(5, 9)
    seen = []
    one = video.render_video(t, TINY, tmp_path / "one.mp4", processes=1)
    three = video.render_video(t, TINY, tmp_path / "three.mp4", processes=3,
                               progress=lambda done, total: seen.append((done, total)))
    assert frames_in(one) == frames_in(three) == video.frame_count(t, TINY) == 41
    assert seen and seen[-1] == (41, 41)
    assert all(total == 41 and 0 <= done <= 41 for done, total in seen)
    assert [d for d, _ in seen] == sorted(d for d, _ in seen)


@pytest.mark.slow
def test_gif(tmp_path):
    out = video.render_video(table(4, 4), TINY, tmp_path / "race.gif", fmt="gif", processes=2)
    assert out.read_bytes()[:6] == b"GIF89a"
    assert frames_in(out) == 16


@pytest.mark.slow
def test_cache_renders_once(tmp_path):
    t, cache = table(), tmp_path / "cache"
    calls = []
    first = video.render_video(t, TINY, cache_dir=cache, processes=1, progress=lambda d, n: calls.append(d))
    assert first == cache / f"{video.cache_key(t, TINY, 'mp4')}.mp4" and calls
    mtime = first.stat().st_mtime_ns
    calls.clear()
    again = video.render_video(t.copy(), TINY, cache_dir=cache, progress=lambda d, n: calls.append(d))
    assert again == first and first.stat().st_mtime_ns == mtime and calls == []
    # Copied out on request, still without rendering.
    copy = video.render_video(t, TINY, tmp_path / "mine.mp4", cache_dir=cache, progress=lambda d, n: calls.append(d))
    assert copy.read_bytes() == first.read_bytes() and calls == []


def test_cache_key_follows_data_options_and_format():
    t = table()
    key = video.cache_key(t, TINY)
    assert key == video.cache_key(t.copy(), RaceOptions(**vars(TINY)))
    changed = t.copy()
    changed.iloc[-1, 0] += 1
    renamed = t.rename(columns={"worker-0": "someone else"})
    shifted = t.set_axis(t.index + pd.Timedelta("1h"))
    others = {video.cache_key(changed, TINY), video.cache_key(renamed, TINY), video.cache_key(shifted, TINY),
              video.cache_key(t, RaceOptions(**{**vars(TINY), "title": "Other"})), video.cache_key(t, TINY, "gif")}
    assert key not in others and len(others) == 5


@pytest.mark.slow
def test_no_global_state_leaks(tmp_path):
    mine = {"alpha": 0.5}
    before = dict(mine)
    matplotlib.rcParams["font.size"] = 11.0
    try:
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            video.render_part(table(), TINY, range(0, 26), tmp_path / "part.mp4", bar_kwargs=mine)
        assert mine == before  # bar_chart_race adds height, ec... to the dict it is given
        assert plt.rcParams is matplotlib.rcParams  # bar_chart_race rebinds it to a copy
        plt.rcParams["font.size"] = 12.0
        assert matplotlib.rcParams["font.size"] == 12.0
        assert not [w for w in caught if "FixedFormatter" in str(w.message) or "set_ticklabels" in str(w.message)]
        assert frames_in(tmp_path / "part.mp4") == 26
    finally:
        matplotlib.rcParams["font.size"] = matplotlib.rcParamsDefault["font.size"]


def test_pandas_3_data_step():
    t = table(5, 6)
    if int(pd.__version__.split(".")[0]) >= 3:
        with pytest.raises(TypeError):  # the trap this adapter exists for
            _make_chart.prepare_wide_data(t, n_bars=3, steps_per_period=5)
    values, ranks = video.prepare_wide_data(t, n_bars=3, steps_per_period=5)
    # bar_chart_race's other branch (interpolated period) avoids fillna(method=): same numbers.
    ref_values, ref_ranks = _make_chart.prepare_wide_data(t, n_bars=3, steps_per_period=5, interpolate_period=True)
    np.testing.assert_array_equal(values.to_numpy(), ref_values.to_numpy())
    np.testing.assert_array_equal(ranks.to_numpy(), ref_ranks.to_numpy())
    assert list(values.index[::5]) == list(t.index) and values.index[4] == t.index[0]  # period label held


class _Capture(animation.AbstractMovieWriter):
    """A movie writer that keeps each frame as the RGBA array matplotlib's pipe writers send."""

    frames: list[np.ndarray] = []

    @classmethod
    def isAvailable(cls):
        return True

    def setup(self, fig, outfile, dpi=None):
        super().setup(fig, outfile, dpi)
        _Capture.frames = []

    def grab_frame(self, **savefig_kwargs):
        buf = io.BytesIO()
        self.fig.savefig(buf, format="rgba", dpi=self.dpi, **savefig_kwargs)
        w, h = self.frame_size
        _Capture.frames.append(np.frombuffer(buf.getvalue(), np.uint8).reshape(h, w, 4))

    def finish(self):
        pass


@pytest.mark.slow
def test_frames_are_bar_chart_races_own(monkeypatch):
    """Our frames, drawn in three parts, are pixel for pixel those of bar_chart_race.bar_chart_race
    itself (pandas fix only) saving through a writer that keeps them."""
    monkeypatch.setattr(_make_chart, "prepare_wide_data", video.prepare_wide_data)
    monkeypatch.setattr(plt, "rcParams", plt.rcParams)  # bar_chart_race rebinds it; put it back after
    monkeypatch.setitem(animation.writers._registered, "gc-capture", _Capture)
    t = table(6, 5)
    n = video.frame_count(t, TINY)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        bar_chart_race(t, "race.mp4", **{**video.race_kwargs(TINY), "writer": "gc-capture"})
    expected = _Capture.frames
    assert len(expected) == n
    with video._isolated():
        for part in video.split(n, 3):
            race = video._make_race(t, TINY, "x.mp4")
            for i, pixels in zip(part, race.iter_frames(part), strict=True):
                np.testing.assert_array_equal(np.asarray(pixels), expected[i], err_msg=f"frame {i}")


@pytest.mark.slow
def test_hostile_and_unicode_names(tmp_path):
    names = ["<script>alert(1)</script>", "Zoë Ångström", "Łukasz Żółć", "O'Brien & \"Sons\"", "$5 to $10",
             r"a$\frac$b"]
    options = RaceOptions(**{**vars(TINY), "title": "Labels ($0.08 to $0.12 each)"})
    out = video.render_video(table(6, 4, names), options, tmp_path / "names.mp4", processes=1)
    assert frames_in(out) == 16
    # Dollar signs are shown as they are, not read as math.
    text = matplotlib.text.Text(text=video._plain("$5 to $10"))
    assert text._preprocess_math(text.get_text()) == ("$5 to $10", False)


@pytest.mark.slow
def test_one_period(tmp_path):
    out = video.render_video(table(3, 1), TINY, tmp_path / "one.mp4")
    assert frames_in(out) == 1


@pytest.mark.slow
def test_ffmpeg_failure_is_clear_and_leaves_nothing(tmp_path, monkeypatch):
    def broken_join(parts, out, fmt, workdir):
        video._ffmpeg(["-i", str(workdir / "missing.mp4"), str(out)], "ffmpeg could not join the parts")

    monkeypatch.setattr(video, "_join", broken_join)
    with pytest.raises(video.VideoError, match="(?s)could not join.*missing.mp4"):
        video.render_video(table(), TINY, tmp_path / "race.mp4", processes=1)
    assert list(tmp_path.iterdir()) == []


def test_encoder_failure_in_a_part(tmp_path, monkeypatch):
    monkeypatch.setattr(video, "_encoder_args", lambda lossless: ["-c:v", "no-such-encoder"])
    with pytest.raises(video.VideoError, match="(?s)could not encode.*no-such-encoder"):
        video.render_part(table(), TINY, range(0, 26), tmp_path / "part.mp4")


@pytest.mark.slow
def test_giving_up_stops_the_workers_and_leaves_nothing(tmp_path):
    class GaveUp(Exception):
        pass

    def progress(done, total):
        raise GaveUp  # e.g. Streamlit stopping the script while the video renders

    with pytest.raises(GaveUp):
        video.render_video(table(4, 40), TINY, tmp_path / "race.mp4", processes=2, progress=progress)
    assert list(tmp_path.iterdir()) == []


def test_bad_input(tmp_path):
    with pytest.raises(ValueError, match="no data"):
        video.render_video(pd.DataFrame(), TINY, tmp_path / "x.mp4")
    with pytest.raises(ValueError, match="fmt"):
        video.render_video(table(), TINY, tmp_path / "x.webm", fmt="webm")


@pytest.mark.parametrize("palette", ["tableau", "Set2"])
def test_video_and_browser_race_give_each_worker_the_same_colour(palette):
    """One colour assignment (core.race.colors) for both faces of the race, past the palette's end."""
    options = RaceOptions(**{**vars(TINY), "colormap": palette})
    t = table(20, 4)
    browser = dict(zip(t.columns, race_payload(t, options)["colors"], strict=True))
    with video._isolated(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        race = video._make_race(t, options, "x.mp4")
        drawn = dict(zip(race.df_values.columns, (to_hex(c) for c in race.bar_colors), strict=True))
    assert drawn == browser
    n = min(20, len(colors.palette(palette)))
    assert len(set(list(browser.values())[:n])) == n  # distinct until the palette runs out
