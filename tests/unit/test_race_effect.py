"""Did the races help? (core.race_effect): on the simulator's workforce (core.sim.race_team), a team
that works a quarter faster after a race is found faster, the same team with no change gets "no clear
change", and thin data gets "not enough days"; the team's figures are checked against labels and
active hours counted here in plain Python. Where the races come from (core.race.sent): the audit trail
as the real AuditLog writes it, saved races' names, and a file of dates."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from types import SimpleNamespace

import pandas as pd
import pytest

from core.access import Identity
from core.audit import AuditLog
from core.ingest import SourceReader
from core.race.sent import RacesError, read_races_file, workspace_races
from core.race_effect import CAVEAT, MIN_DAYS, Race, first_races, race_effect, race_effects, summary_rows
from core.sim.race_team import race_time, team_answer_times
from core.storage import LocalStore, Location, open_location

START = datetime(2026, 3, 2, tzinfo=UTC)  # a Monday
RACE = race_time(START, 7)  # the next Monday, 07:00 UTC
LEAD = Identity(who="lead@example.com", role="lead")


def at_race(how: str = "test") -> Race:
    return Race(pd.Timestamp(RACE), how)


@pytest.fixture(scope="module")
def faster():
    return team_answer_times(7, START, 14, RACE, lift=1.25)


@pytest.fixture(scope="module")
def unchanged():
    return team_answer_times(7, START, 14, RACE, lift=1.0)


def counted_by_hand(answers: pd.DataFrame, start: datetime, end: datetime) -> float:
    """Labels over (worker, clock hour) pairs with an answer, between start and end."""
    labels, hours = 0, set()
    for worker, t in zip(answers["worker_id"], answers["submission_time"], strict=True):
        if start <= t < end:
            labels += 1
            hours.add((worker, t.floor("h")))
    return labels / len(hours)


def test_a_team_that_works_faster_after_the_race_is_found_faster(faster):
    effect = race_effect(faster, at_race())
    pace = effect.pace
    assert pace.before == pytest.approx(counted_by_hand(faster, RACE - timedelta(days=7), RACE))
    assert pace.after == pytest.approx(counted_by_hand(faster, RACE, RACE + timedelta(days=7)))
    assert pace.change == pytest.approx(pace.after / pace.before - 1)
    assert 0 < pace.low < pace.change < pace.high  # the interval holds the change and not zero
    assert pace.verdict.startswith(f"pace rose by {pace.change * 100:.0f} % (95 % interval ")
    # Worker by worker, a week a side is less evidence: the typical worker is faster, none is said to
    # be slower, and a claim is made only where a worker's own days bear it out.
    workers = effect.workers
    assert workers["change"].median() > 0.1
    assert not workers["verdict"].str.startswith("pace fell").any()
    claimed = workers["verdict"].str.startswith("pace rose")
    assert (workers.loc[claimed, "change_low"] > 0).all() and (workers.loc[~claimed, "change_low"] <= 0).all()
    assert "(and" not in effect.headline and pace.verdict in effect.headline


def test_the_same_team_with_no_change_gets_no_clear_change(unchanged):
    effect = race_effect(unchanged, at_race())
    assert effect.pace.low < 0 < effect.pace.high
    assert effect.pace.verdict.startswith("no clear change (interval includes zero)")
    assert effect.active.verdict.startswith("no clear change (interval includes zero)")
    assert effect.active.change == pytest.approx(effect.active.after - effect.active.before)


def test_fewer_workers_active_before_races_is_the_share_that_rises():
    answers = team_answer_times(7, START, 14, RACE, skip_before=0.6)
    effect = race_effect(answers, at_race())
    share = effect.active
    # The share is of the team (everyone who answered in either window) active each day, in points.
    assert 0 <= share.before < share.after <= 1
    assert share.verdict.startswith("share of workers active rose by") or share.low <= 0 <= share.high


def test_same_answers_same_interval_and_the_seed_matters(faster):
    a, b = race_effect(faster, at_race()), race_effect(faster.sample(frac=1, random_state=1), at_race())
    assert (a.pace.low, a.pace.high) == (b.pace.low, b.pace.high)
    other = race_effect(faster, at_race(), seed=1)
    assert other.pace.change == a.pace.change and (other.pace.low, other.pace.high) != (a.pace.low, a.pace.high)


def test_too_few_days_make_no_claim(faster):
    # Two days of work before the race: the days before the data are not counted as days without work.
    late = race_effect(faster[faster["submission_time"] >= pd.Timestamp(RACE - timedelta(days=2))], at_race())
    assert late.pace.days_before <= 2 < MIN_DAYS
    assert late.pace.verdict.startswith("not enough days (")
    assert pd.isna(late.pace.change) and pd.isna(late.pace.low)  # no figure that looks like a finding
    assert late.workers["verdict"].str.startswith("not enough days").all()


def test_undated_answers_are_no_days(faster):
    undated = faster.assign(submission_time=faster["submission_time"].where(faster["worker_id"].isna()))  # all NaT
    effect = race_effect(undated, at_race())
    assert (effect.pace.days_before, effect.pace.days_after) == (0, 0) and effect.workers.empty
    assert effect.pace.verdict.startswith("not enough days (0 with answers before, 0 after")
    assert pd.isna(effect.pace.before) and pd.isna(effect.active.before)


def test_the_real_birds_job_is_too_short_for_any_claim(birds_dir):
    """The 2019 birds job took 32 minutes of one day: whatever the race, nothing can be said."""
    answers = SourceReader(open_location(str(birds_dir))).load().answers
    times = answers["submission_time"]
    middle = times.min() + (times.max() - times.min()) / 2
    effect = race_effect(answers, Race(middle, "test"))
    assert effect.pace.verdict.startswith("not enough days (1 with answers before, 1 after")
    assert effect.workers["active_days_before"].add(effect.workers["active_days_after"]).ge(1).all()
    assert len(effect.workers) == answers["worker_id"].nunique()


def test_with_a_daily_race_only_the_first_is_compared(faster):
    daily = [Race(pd.Timestamp(RACE) + timedelta(days=d), "daily") for d in range(5)]
    firsts = first_races(daily)
    assert firsts == [(daily[0], 4)]
    (effect,) = race_effects(faster, daily)
    assert "(and 4 more race(s) in the 7 days after)" in effect.headline
    rows = summary_rows([effect])
    assert rows.loc[0, "later_races"] == 4 and rows.loc[0, "pace_verdict"] == effect.pace.verdict
    assert "not a controlled experiment" in CAVEAT


def test_a_saved_race_without_a_time_leaves_its_day_out(faster):
    day = Race(pd.Timestamp(RACE).normalize(), "saved", exact=False)
    effect = race_effect(faster, day)
    start = pd.Timestamp(RACE).normalize() + timedelta(days=1)
    assert effect.pace.after == pytest.approx(counted_by_hand(faster, start, start + timedelta(days=7)))


# --- where the races come from -------------------------------------------------------------------


def demo_like(tmp_path):
    """A workspace whose own folder is `home`, as the demo's (ws.home_uri), over local folders."""
    home = tmp_path / "home"
    home.mkdir()
    return SimpleNamespace(home_uri=str(home), open=open_location), AuditLog(Location(LocalStore(home), ""))


def test_races_are_the_sends_in_the_audit_trail(tmp_path):
    ws, log = demo_like(tmp_path)
    sent = datetime(2026, 3, 9, 7, 0, 12, 345000, tzinfo=UTC)
    topic = "arn:aws:sns:us-east-1:123456789012:team"
    log.append(LEAD, "notify", {"topic": topic, "what": "race"}, {"outcome": "done", "message": "m1"}, sent)
    log.append(LEAD, "notify", {"topic": topic, "what": "race"}, {"outcome": "failed", "error": "x"},
               sent + timedelta(days=1))
    log.append(Identity(who="v@example.com", role="viewer"), "notify", {"topic": topic, "what": "race"},
               {"outcome": "refused", "reason": "x"}, sent + timedelta(days=2))
    log.append(LEAD, "race_save", {"source": "s3://b/p/"}, {"outcome": "done"}, sent + timedelta(days=3))
    # A digest counts only on a day a race page was saved in the workspace's races/ folder.
    log.append(LEAD, "notify", {"topic": topic, "what": "digest"}, {"outcome": "done"}, sent + timedelta(days=4))
    log.append(LEAD, "notify", {"topic": topic, "what": "digest"}, {"outcome": "done"}, sent + timedelta(days=5))
    races = tmp_path / "home" / "races"
    races.mkdir()
    (races / f"{sent + timedelta(days=5):%Y-%m-%d}-0123456789ab.html").write_text("<html>")
    (tmp_path / "source").mkdir()
    found = workspace_races(ws, open_location(str(tmp_path / "source")))
    assert [r.at for r in found] == [pd.Timestamp(sent), pd.Timestamp(sent + timedelta(days=5))]
    assert found[0].exact and found[0].how == f"race sent to {topic} (audit trail)"
    assert found[1].how.startswith("digest with a race sent to")


def test_without_a_send_the_saved_races_give_their_day(tmp_path):
    ws, _ = demo_like(tmp_path)
    source = tmp_path / "source"
    (source / "races").mkdir(parents=True)
    (source / "races" / "2026-03-09-0123456789ab.mp4").write_bytes(b"video")
    (source / "races" / "notes.txt").write_text("not a race")
    (found,) = workspace_races(ws, open_location(str(source)))
    assert found.at == pd.Timestamp("2026-03-09", tz="UTC") and not found.exact
    assert found.after_start == pd.Timestamp("2026-03-10", tz="UTC")
    assert "not known to have been sent" in found.how
    (tmp_path / "empty").mkdir()
    assert workspace_races(ws, open_location(str(tmp_path / "empty"))) == []


def test_a_file_of_race_times(tmp_path):
    races = read_races_file("races.txt", b"# when races went out\n2026-03-09T07:00Z\n\n2026-03-02  # a Monday\n")
    assert [(r.at, r.exact) for r in races] == [(pd.Timestamp("2026-03-02", tz="UTC"), False),
                                                (pd.Timestamp("2026-03-09 07:00", tz="UTC"), True)]
    assert races[1].how == "races.txt, line 2"
    with pytest.raises(RacesError, match=r"races.txt, line 3: 'next monday' is not a date or time"):
        read_races_file("races.txt", b"2026-03-09\n\nnext monday\n")
    with pytest.raises(RacesError, match="holds no race time"):
        read_races_file("races.txt", b"# nothing yet\n")
    with pytest.raises(RacesError, match="not UTF-8"):
        read_races_file("races.txt", b"\xff\xfe2026")

