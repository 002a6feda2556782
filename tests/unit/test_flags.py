"""Careless work caught early (core.flags): on the simulator, where we make one worker careless (fast
and nearly random) and another slip after a good week, and on the real 2019 birds job, which gives no
flag for reasons the test checks from the files themselves."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pandas as pd
import pytest
from test_metrics import Birds, load
from test_sim import T0, Sim

from core import flags
from core.ingest import ANSWER_COLUMNS, LABEL_COLUMNS, SourceReader
from core.sim.workforce import Schedule
from core.storage import Location

# --- the simulator: a careless worker, a steady one, and one who slips -------------------------------


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    """Two 400-digit jobs a week apart, 3 workers an object. The two team members who start work first
    on T0 (so both are sure to answer): the first is made careless for both jobs (a tenth of the
    typical time, a wrong class 90 % of the time), the second stays as the simulator made them; and a
    third, who answers in week 2, goes wrong half the time in week 2 only."""
    sim = Sim(tmp_path_factory.mktemp("sim"), seed=7, digits=400)
    people, t0 = sim.service.workers, int(T0.timestamp() * 1000)

    def wait(i: int, at: int) -> int:  # how long after `at` the worker can start
        return Schedule(people[i], sim.service.seed).next_available(at)[0] - at

    members = sim.service.teams[0]["members"]
    careless, steady = sorted(members, key=lambda i: wait(i, t0))[:2]
    people[careless] = dataclasses.replace(people[careless], speed=0.1, error=0.9)
    sim.service.create_labeling_job(sim.request("week-1", MaxConcurrentTaskCount=100))
    assert sim.run("week-1", days=6)["LabelingJobStatus"] == "Completed"
    sim.clock.set(T0 + timedelta(days=7))
    week2 = sim.request("week-2", MaxConcurrentTaskCount=100)
    for slipping in sorted((i for i in members if i not in (careless, steady)), key=lambda i: wait(i, t0)):
        steady_self = people[slipping]
        people[slipping] = dataclasses.replace(steady_self, error=0.5)
        # The simulator's plan of week 2 with them slipping (preview stores nothing): they must answer
        # enough that week for a drop to be judged; else the next one in line slips instead.
        answered = sum(a.worker == slipping for run in sim.service.preview(week2).objects.values()
                       for a in run.answers)
        if answered >= 2 * flags.MIN_DAY_ANSWERS:
            break
        people[slipping] = steady_self
    sim.service.create_labeling_job(week2)
    assert sim.run("week-2", days=6)["LabelingJobStatus"] == "Completed"
    data = SourceReader(Location(sim.bucket, "jobs/")).load()
    ids = {role: people[i].worker_id for role, i in
           (("careless", careless), ("steady", steady), ("slipping", slipping))}
    return data, ids, {w.worker_id: w.name for w in people}


def by_worker(found: list[flags.Flag]) -> dict[str, list[flags.Flag]]:
    out: dict[str, list[flags.Flag]] = {}
    for f in found:
        out.setdefault(f.worker_id, []).append(f)
    return out


def test_the_careless_worker_is_flagged_each_day_and_the_steady_one_never(simulated):
    data, ids, names = simulated
    found = flags.find_flags(data.answers, data.labels, names=names)
    mine = by_worker(found)
    assert ids["steady"] not in mine
    clicking = [f for f in found if f.kind == flags.CLICKING]
    assert {f.worker_id for f in clicking} == {ids["careless"]}  # nobody else is fast and wrong
    answers = data.answers.assign(day=data.answers["submission_time"].dt.date)
    careless = answers[answers["worker_id"] == ids["careless"]]
    assert sorted(f.day for f in clicking) == sorted(careless["day"].unique())  # every day they worked
    for f in clicking:
        theirs = careless[careless["day"] == f.day]
        # Its items are every answer of that day, in submission order.
        assert f.items == tuple(zip(theirs.sort_values("submission_time")["job"],
                                    theirs.sort_values("submission_time")["object_id"], strict=True))
        assert f.reason.startswith(f"{names[ids['careless']]} gave {len(theirs):,} answers on ")
        assert "the rest of the team" in f.reason and f.reason.endswith("on the same jobs).")


def test_the_slipping_worker_is_a_drop_on_the_second_week_not_clicking_through(simulated):
    """Slower than a third of the team's time, they are never clicking through, whatever their
    agreement: the rule needs both."""
    data, ids, names = simulated
    found = flags.find_flags(data.answers, data.labels, names=names)
    slipping = by_worker(found)[ids["slipping"]]
    assert [f.kind for f in slipping] == [flags.DROP]
    drop = slipping[0]
    scored = flags.scored_answers(data.answers, data.labels)
    week2 = scored[(scored["worker_id"] == ids["slipping"]) & (scored["job"] == "week-2")]
    assert drop.day == week2["day"].iloc[0] and set(week2["day"]) == {drop.day}
    # Its items are that day's answers that disagreed with the consolidated label.
    assert drop.items == tuple(zip(week2.loc[week2["agree"] == 0, "job"], week2.loc[week2["agree"] == 0, "object_id"],
                                   strict=True))
    before = scored[(scored["worker_id"] == ids["slipping"]) & (scored["job"] == "week-1")]
    rate, earlier = week2["agree"].mean(), before["agree"].mean()
    assert earlier - rate >= flags.DROP_GAP
    assert f"on {rate * 100:.0f} % of {len(week2):,} answers" in drop.reason
    assert f"down from {earlier * 100:.0f} % of {len(before):,} on their earlier days" in drop.reason


def test_unknown_times_are_never_fast(simulated):
    data, ids, names = simulated
    untimed = data.answers.assign(time_spent_s=float("nan"))
    found = flags.find_flags(untimed, data.labels, names=names)
    assert not [f for f in found if f.kind == flags.CLICKING]
    assert {f.kind for f in found} <= {flags.DROP, flags.RUN}


def test_answers_without_one_label_or_a_date_are_not_judged(simulated):
    """Boxes, masks and spans carry no single label, so no agreement: even the careless worker's fast
    answers are not flagged without one. An answer without a submission time belongs to no day."""
    data, _, names = simulated
    assert flags.find_flags(data.answers.assign(label=None), data.labels, names=names) == []
    assert flags.find_flags(data.answers.assign(submission_time=pd.NaT), data.labels, names=names) == []


def test_same_answers_in_another_order_same_flags(simulated):
    data, _, names = simulated
    shuffled = data.answers.sample(frac=1, random_state=5)
    assert flags.find_flags(shuffled, data.labels, names=names) == flags.find_flags(data.answers, data.labels,
                                                                                     names=names)


# --- the real fixture ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def birds(birds_dir):
    return load(birds_dir)


def test_fixture_gives_no_flag_for_reasons_in_its_files(birds, birds_dir):
    """The 2019 birds job: public-workforce answers without timeSpentInSeconds or an acceptance time
    (no speed, so never clicking through), all submitted on one UTC day (no earlier day to drop from),
    and no worker's longest run of one label reaches MIN_RUN (it is 5, read here with json alone)."""
    raw = Birds(birds_dir)
    assert birds.answers["time_spent_s"].isna().all()
    assert birds.answers["submission_time"].dt.date.nunique() == 1
    longest, last = {}, {}
    answers = birds.answers.sort_values(["worker_id", "submission_time", "object_id"], kind="stable")
    for worker, label in zip(answers["worker_id"], answers["label"], strict=True):
        run = last[worker][1] + 1 if worker in last and last[worker][0] == label else 1
        last[worker] = (label, run)
        longest[worker] = max(longest.get(worker, 0), run)
    assert len(longest) == len({w for w, _, _ in raw.answers}) == 97
    assert max(longest.values()) == 5 < flags.MIN_RUN
    assert flags.find_flags(birds.answers, birds.labels) == []


def test_fixture_worker_who_gives_one_label_to_everything_is_flagged(birds):
    """The busiest birds worker (80 answers) made to answer "Parrot" to everything: a run of 80 where
    the others give Parrot to about a fifth of the answers, and disagree with it on most of the items."""
    busiest = birds.answers["worker_id"].value_counts().idxmax()
    theirs = birds.answers["worker_id"] == busiest
    assert theirs.sum() == 80
    doctored = birds.answers.assign(label=birds.answers["label"].where(~theirs, "Parrot"))
    found = flags.find_flags(doctored, birds.labels, names={busiest: "Worker 7"})
    assert [(f.worker_id, f.kind) for f in found] == [(busiest, flags.RUN)]
    run = found[0]
    order = birds.answers[theirs].sort_values(["submission_time", "object_id"], kind="stable")
    assert run.items == tuple(zip(order["job"], order["object_id"], strict=True))
    others = birds.answers[~theirs]
    share = ((others["label"] == "Parrot").sum() + 1) / (len(others) + others["label"].nunique())
    assert run.reason.startswith("Worker 7 gave the label “Parrot” 80 times in a row on 18 April 2019 in ic_data, "
                                 f"where the rest of the team gives it to {share * 100:.0f} % of the answers")
    assert "less than one in a million" in run.reason


# --- the run rule on small data -----------------------------------------------------------------


def answers_of(rows: list[tuple[str, str, str, str]]) -> pd.DataFrame:
    """(job, object_id, worker, label) in submission order, a minute apart, on 2 March 2026."""
    t = datetime(2026, 3, 2, 9, tzinfo=UTC)
    frame = pd.DataFrame([{col: None for col in ANSWER_COLUMNS} | {
        "job": job, "object_id": obj, "worker_id": worker, "label": label, "task": "crowd-image-classifier",
        "submission_time": t + timedelta(minutes=i), "time_spent_s": 4.0} for i, (job, obj, worker, label)
        in enumerate(rows)])
    frame["submission_time"] = pd.to_datetime(frame["submission_time"], utc=True)
    return frame


def one_label_job(truth: list[str], label: str) -> pd.DataFrame:
    """Two workers who give the truth, and `w` who gives `label` to every object."""
    rows = [("job", str(i), who, t) for who in ("a", "b") for i, t in enumerate(truth)]
    return answers_of(rows + [("job", str(i), "w", label) for i in range(len(truth))])


NO_LABELS = pd.DataFrame(columns=LABEL_COLUMNS)  # no output manifest yet: the majority is the reference


def test_a_run_against_the_others_in_a_balanced_job_is_flagged():
    truth = [c for _ in range(10) for c in "abcd"]  # 40 objects, four classes a quarter each
    found = flags.find_flags(one_label_job(truth, "a"), NO_LABELS)
    assert [(f.worker_id, f.kind, len(f.items), f.day) for f in found] == [("w", flags.RUN, 40, date(2026, 3, 2))]
    assert "on 30 of them the majority label is another" in found[0].reason  # no output manifest yet


def test_a_job_that_is_95_percent_one_class_is_not_flagged_for_runs_of_it():
    """Pressing the common class on everything is right 95 % of the time there: over 200 answers the
    chance of the run is small (0.95^200), but the others agree with it on all but 10 of its items."""
    truth = ["bird"] * 190 + ["cat"] * 10  # a long day: by chance alone, a run of 200 birds is rare
    assert flags.run_chance(0.95, 200, 200) < flags.RUN_CHANCE
    assert flags.find_flags(one_label_job(truth, "bird"), NO_LABELS) == []
    # The same worker giving the rare class to everything is flagged.
    assert [f.kind for f in flags.find_flags(one_label_job(truth, "cat"), NO_LABELS)] == [flags.RUN]


def test_run_chance_follows_the_formula_and_a_short_day_is_not_judged():
    assert flags.run_chance(0.5, 10, 10) == 0.5 ** 10
    assert flags.run_chance(0.5, 10, 30) == pytest.approx(0.5 ** 10 * (1 + 20 * 0.5))
    truth = list("abcdabcd")  # 8 answers: below MIN_RUN, never judged
    assert flags.find_flags(one_label_job(truth, "a"), NO_LABELS) == []
