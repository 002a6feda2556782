"""The race's data, its browser page and saving, on the real fixture. Sending: tests/contract/test_notify.py;
the command: tests/cli/test_race_cli.py."""

from __future__ import annotations

import json
import re
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from core.ingest import SourceReader
from core.notify import OutboxNotifier
from core.race.frames import RaceOptions, race_table, summary_line
from core.race.html import race_html
from core.race.share import race_key, race_message, save_race, send_race, shared
from core.storage import LocalStore, Location, ObjectExists, StoreError, open_location

REPO_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def birds(birds_dir):
    return SourceReader(open_location(str(birds_dir))).load()


def test_every_answer_counts_and_the_grid_has_no_gaps(birds):
    table = race_table(birds.answers, {}, "5min")
    assert table.iloc[-1].sum() == 1510  # AWS's recipe (iteration-1, answers[0]) would count 10
    assert table.shape[1] == 97
    assert not table.isna().any().any()
    assert (table.diff().dropna() >= 0).all().all()  # cumulative: never goes down
    steps = table.index.to_series().diff().dropna().unique()
    assert list(steps) == [pd.Timedelta(minutes=5)]  # a regular grid, quiet periods included
    per_worker = birds.answers["worker_id"].value_counts()
    assert table.iloc[-1].to_dict() == per_worker.to_dict()


def test_empty_periods_repeat_the_last_totals(gt_output):
    from datetime import UTC, datetime, timedelta

    t = datetime(2024, 3, 11, 9, 0, tzinfo=UTC)
    gt_output.job("job", {0: [gt_output.answer(1, "Cat", t)], 1: [gt_output.answer(1, "Cat", t + timedelta(days=3))]})
    data = SourceReader(open_location(str(gt_output.root))).load()
    table = race_table(data.answers, {}, "D")
    assert len(table) == 4 and table.iloc[:, 0].tolist() == [1, 1, 1, 2]


def test_names_replace_ids_and_the_leader_comes_first(birds):
    ids = birds.answers["worker_id"].value_counts()
    table = race_table(birds.answers, {ids.index[0]: "Ana"}, "h")
    assert table.columns[0] == "Ana" and table.iloc[-1, 0] == ids.iloc[0]
    assert summary_line(table).startswith("1,510 labels. Top 3: Ana (80)")


def test_html_race_escapes_names_and_titles_and_needs_no_network():
    table = pd.DataFrame({"</script><script>alert(1)</script>": [1, 2], "Bo & Co": [0, 3]},
                         index=pd.date_range("2024-03-11", periods=2, freq="D", tz="UTC"))
    page = race_html(table, RaceOptions(title="<img src=x onerror=alert(2)>"))
    assert "<script>alert(1)" not in page and "<img src=x" not in page
    assert page.count("</script>") == 2  # only the page's own two scripts close
    assert not re.search(r"(src|href)=[\"']?(https?:)?//", page)  # nothing fetched from a CDN
    data = json.loads(re.search(r'<script id="race-data" type="application/json">(.*?)</script>', page).group(1))
    assert data["names"][0] == "</script><script>alert(1)</script>"  # intact once parsed
    assert data["values"] == [[1, 0], [2, 3]]


def test_html_race_never_substitutes_placeholders_inside_data():
    # Text is data: a title or a worker name that looks like the page's own placeholders stays as typed.
    table = pd.DataFrame({"__HEIGHT__": [1, 2], "__DATA__ x": [0, 3]},
                         index=pd.date_range("2024-03-11", periods=2, freq="D", tz="UTC"))
    page = race_html(table, RaceOptions(title="Race __HEIGHT__ / __DATA__"), height=345)
    data = json.loads(re.search(r'<script id="race-data" type="application/json">(.*?)</script>', page).group(1))
    assert data["title"] == "Race __HEIGHT__ / __DATA__"
    assert data["names"] == ["__HEIGHT__", "__DATA__ x"]
    assert "#race { height: 345px;" in page


def test_race_key_is_predictable_and_saving_never_overwrites(tmp_path):
    loc = Location(LocalStore(tmp_path, uri="s3://team-bucket"), "labeling-jobs/")
    key = race_key(loc.prefix, b"video", "mp4", date(2026, 11, 21))
    assert re.fullmatch(r"labeling-jobs/races/2026-11-21-[0-9a-f]{12}\.mp4", key)
    uri, existed = save_race(loc, b"video", "mp4", date(2026, 11, 21))
    assert uri == f"s3://team-bucket/{key}" and not existed
    assert save_race(loc, b"video", "mp4", date(2026, 11, 21)) == (uri, True)  # same bytes: same key
    (tmp_path / key).write_bytes(b"someone else's file")
    with pytest.raises(StoreError, match="nothing was overwritten"):
        save_race(loc, b"video", "mp4", date(2026, 11, 21))
    assert (tmp_path / key).read_bytes() == b"someone else's file"


def test_a_race_saved_as_a_file_or_in_a_folder_is_shared_and_sent_one_way(birds, tmp_path):
    # The Race page and the race command both call these: the same key, link, caveat and message.
    table, video = race_table(birds.answers, {}, "D"), b"video"
    day, store = date(2026, 11, 21), LocalStore(tmp_path, uri="s3://team-bucket")
    folder = Location(store, "team/")
    uri, _ = save_race(folder, video, "mp4", day)
    assert uri == f"s3://team-bucket/{race_key('team/', video, 'mp4', day)}"
    share = shared(folder, uri, 3600)
    assert (share.link, share.caveat, share.where) == (None, None, uri)  # a folder: no link, nothing to warn
    outbox = OutboxNotifier(tmp_path / "outbox")
    message_id = send_race(outbox, outbox.topics()[0], "Birds race", table, share.where)
    (sent,) = (tmp_path / "outbox" / "labeling-team-updates").glob("*.json")
    subject, body = race_message("Birds race", table, uri)
    assert message_id and json.loads(sent.read_text())["Message"] == body and uri in body
    assert json.loads(sent.read_text())["Subject"] == subject

    exact = Location(store, "races/birds.mp4")  # --out naming a file: that key, as given
    assert save_race(exact, video, "mp4", day, folder=False) == ("s3://team-bucket/races/birds.mp4", False)
    with pytest.raises(ObjectExists):  # and never overwritten
        save_race(exact, b"another video", "mp4", day, folder=False)
    assert (tmp_path / "races" / "birds.mp4").read_bytes() == video


def test_message_names_the_leaders_total_and_link(birds):
    table = race_table(birds.answers, {}, "D")
    subject, body = race_message("Birds race", table, "https://example.com/race.mp4")
    assert subject.startswith("Birds race: 1,510 labels.")
    assert "Top 3:" in body and "https://example.com/race.mp4" in body and "2019-04-18" in body


