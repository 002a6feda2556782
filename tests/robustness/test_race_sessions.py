"""Two sessions rendering different races at once each get their own video (issue 9, defect 2).

The sessions first render one after the other (each then holds the right video). Then both rerun
at the same time, held at a barrier just before the page reads the rendered file back: whatever
one session wrote by then is there when the other reads. A shared output name would hand one of
them the other's race every time; a content-addressed file per race cannot.
"""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")


def race_session(source: Path, title: str) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=300)
    # One hour holds all 32 minutes of the fixture's work: a one-frame video, quick to render.
    for key, value in {"source": str(source), "names": "anon", "period": "hour", "title": title}.items():
        at.query_params[key] = value
    at.run()
    at.switch_page("app_pages/race.py").run()
    at.button(key="render").click().run()
    assert not at.exception and not at.error, [e.value for e in [*at.exception, *at.error]]
    return at


def shown_video(at: AppTest) -> str:
    """The media URL of the video the page shows: Streamlit names media by a hash of the bytes."""
    (video,) = at.get("video")
    return video.proto.url


@pytest.mark.slow  # two one-frame renders: about 30 CPU seconds, mostly starting the render processes
def test_two_sessions_rendering_at_once_each_get_their_own_video(birds_dir, tmp_path, monkeypatch):
    monkeypatch.setenv("GC_CACHE_DIR", str(tmp_path / "cache"))
    first, second = race_session(birds_dir, "Team A"), race_session(birds_dir, "Team B")
    expected = {id(first): shown_video(first), id(second): shown_video(second)}
    assert expected[id(first)] != expected[id(second)]  # different titles, different videos

    races = tmp_path / "cache" / "races"
    barrier, read_bytes = threading.Barrier(2), Path.read_bytes

    def read_after_both_wrote(path: Path) -> bytes:
        if path.parent == races:
            try:
                barrier.wait(timeout=120)
            except threading.BrokenBarrierError:
                pass  # the other session read nothing from this folder: nothing to interleave with
        return read_bytes(path)

    monkeypatch.setattr(Path, "read_bytes", read_after_both_wrote)
    errors: list[BaseException] = []

    def run(at: AppTest) -> None:  # a thread's exception (an AppTest timeout) would otherwise be lost
        try:
            at.run()
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(at,)) for at in (first, second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors, errors
    assert barrier.n_waiting == 0 and not barrier.broken  # both reads met at the barrier
    for at in (first, second):
        assert not at.exception, [e.value for e in at.exception]
        assert shown_video(at) == expected[id(at)]
