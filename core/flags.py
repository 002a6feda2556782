"""Careless work caught early: flags per worker and per UTC day, each with a one-sentence reason in
plain words (its figures in it) and the items it rests on.

What an answer is compared with (its *reference*): the label Ground Truth consolidated for the object
in the job's layer (metrics.consensus, the same as the Workers page's Agreement column), or, where
the job has no consolidated label yet (a running job), the plain majority of the workers' answers
(a tie has none). Labels are compared normalized (metrics.normalize_label). Only answers with one
label (classification) have an agreement; boxes, masks and spans are not flagged, and an answer
without a submission time belongs to no day. "The rest of the team" is always every *other* worker
in the selection, and their figure is the median of the other workers' own (their median times per
answer, their agreement in the job), so neither the worker judged nor one careless colleague moves it.

Three kinds, each stated as a rule:

- Clicking through (CLICKING): on one day and task type (the answer's crowd element, e.g.
  crowd-image-classifier), the worker's median time per answer is under SPEED_RATIO (a third) of
  the rest of the team's (the median of the other workers' own medians for that task type, over the
  whole selection) AND their agreement with the reference is at least AGREEMENT_GAP (20 points)
  below the rest of the team's on the same jobs. Both, not either: a fast worker who is right is a
  good worker, and a slow one who disagrees is a training question, not carelessness. Needs at
  least MIN_DAY_ANSWERS timed and scored answers that day; unknown times (old public-workforce
  answers) are never read as fast.

- The same label over and over (RUN): in the worker's answers to one job on one day, in submission
  order, a run of L identical labels, L >= MIN_RUN, whose chance is below RUN_CHANCE given how often
  the rest of the team gives that label in that job (share p, with one added to each label's count
  so a label no one else gave is rare, not impossible). The chance is the expected number of runs
  of that label at least L long among the worker's n answers that day, if each answer were drawn
  independently with those shares: p^L * (1 + (n - L) * (1 - p)) (a run starts at the first answer,
  or after another label; the Poisson approximation of the longest run, close to the exact chance
  when it is small). And a run is flagged only when the others disagree with it: on at least
  RUN_DISAGREEMENT (a quarter) of the run's items with a reference, the reference is another label.
  That keeps two honest runs unflagged: items that came in the manifest's order (a folder per
  class), and a job that is 95 % one class, where 0.95^L * (1 + ...) stays above RUN_CHANCE until L
  is about 180, and a longer run of that class is right on all but about 5 % of its items.

- Sudden drop in agreement (DROP): the day's agreement is at least DROP_GAP (15 points) below the
  worker's own earlier days pooled (earlier days that were themselves drops left out), the drop is
  beyond chance (one-sided Fisher exact test, p < DROP_P), and the day is also TEAM_GAP (10 points)
  below the rest of the team on the same jobs (a job that is hard for everyone is no drop). Needs at
  least MIN_DAY_ANSWERS scored answers that day and MIN_EARLIER_ANSWERS on the earlier days. Its
  items are the day's answers that disagreed.

Deterministic: answers are ordered by (worker, submission time, job, object id) before anything is
counted, and flags by (day, worker, kind).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

import numpy as np
import pandas as pd

from . import metrics

CLICKING, RUN, DROP = "clicking", "run", "drop"
KINDS = {CLICKING: "Clicking through", RUN: "Same label over and over", DROP: "Sudden drop in agreement"}

# Careful workers' speeds differ by about 2x: the simulator draws them lognormal with sigma 0.3 (95 %
# between 0.55 and 1.8 times the typical time), its fast-and-sloppy worker at 0.55. A third is beyond.
SPEED_RATIO = 1 / 3
# With 20 answers the agreement's own noise is about 8 points at 85 %: 20 points is 2.5 times that.
AGREEMENT_GAP = 0.20
# Below 20 answers a day, a median time and an agreement rate say too little about that day.
MIN_DAY_ANSWERS = 20
# Runs shorter than 10 happen in a small day's answers to a two-class job, whatever the chance says.
MIN_RUN = 10
# One in 10,000: 300 worker-days with 10 labels each expect 0.3 runs this improbable by chance alone.
RUN_CHANCE = 1e-4
# A run the others agree with on three items in four is what the items were, not carelessness.
RUN_DISAGREEMENT = 0.25
# A drop: 15 points below the worker's own baseline, beyond chance at 1 in 10,000, and 10 below the rest of
# the team on that day's jobs; a baseline of fewer than 40 answers is no baseline. Random answers of 500
# equally good workers (bench/flags.py, 3 x 15,000 worker-days) give 3 false drops at 1 in 10,000, 10 at
# 1 in 1,000.
DROP_GAP = 0.15
DROP_P = 1e-4
TEAM_GAP = 0.10
MIN_EARLIER_ANSWERS = 40
# A worker's agreement in a job from fewer answers is too noisy to stand for the team's.
MIN_WORKER_ANSWERS = 5

FLAG_COLUMNS = ["day", "worker", "worker_id", "kind", "flag", "items", "jobs", "reason", "objects"]


@dataclass(frozen=True)
class Flag:
    worker_id: str
    day: date
    kind: str  # CLICKING, RUN or DROP
    reason: str  # one sentence with the figures; the worker named as shown
    items: tuple[tuple[str, str], ...]  # (job, object_id), in submission order, each once

    @property
    def jobs(self) -> list[str]:
        return list(dict.fromkeys(job for job, _ in self.items))


# --- the answers as the rules read them ---------------------------------------------------------


def scored_answers(answers: pd.DataFrame, labels: pd.DataFrame, attributes: dict[str, str] | None = None
                   ) -> pd.DataFrame:
    """The dated answers, each with its day, normalized label, reference and `agree` (1, 0, or NaN
    when either label is unknown), ordered by worker and submission time."""
    dated = answers[answers["submission_time"].notna()]
    cols = ["worker_id", "job", "object_id", "task", "time_spent_s", "submission_time", "label"]
    out = dated[cols].copy()
    out["norm"] = out["label"].map({v: metrics.normalize_label(v) for v in out["label"].dropna().unique()})
    if out.empty:
        out["day"], out["reference"], out["consolidated"], out["agree"] = [], [], [], []
        return out
    found = metrics.consensus(dated, labels, attributes)
    found["reference"] = found["consolidated"].where(found["consolidated"].notna(), found["majority"])
    found["consolidated"] = found["consolidated"].notna()  # whether the reference is Ground Truth's own
    out = out.merge(found[["job", "object_id", "reference", "consolidated"]], on=["job", "object_id"], how="left")
    known = out["norm"].notna() & out["reference"].notna()
    out["agree"] = np.where(known, (out["norm"] == out["reference"]).astype(float), np.nan)
    times = out["submission_time"]
    floors = (times.dt.tz_convert("UTC") if times.dt.tz is not None else times).dt.floor("D")
    out["day"] = floors.map({t: t.date() for t in floors.unique()})  # a date per distinct day, not per row
    return out.sort_values(["worker_id", "submission_time", "job", "object_id"], kind="stable").reset_index(drop=True)


def _others_median(values: pd.Series, counted: pd.Series | None = None) -> pd.Series:
    """`values` indexed by (group, worker_id): for each, the median of the *other* workers' values in
    the same group (only those where `counted` is true), NaN when there are none."""
    keys, out = [], []
    for _, group in values.groupby(level=0, sort=False):
        v = group.to_numpy(dtype=float)
        keep = np.ones(len(v), bool) if counted is None else counted.loc[group.index].to_numpy(dtype=bool)
        for i, key in enumerate(group.index):
            rest = v[keep & (np.arange(len(v)) != i)]
            keys.append(key)
            out.append(float(np.median(rest)) if len(rest) else float("nan"))
    return pd.Series(out, index=pd.MultiIndex.from_tuples(keys, names=values.index.names), dtype=float)


def _others_agreement(scored: pd.DataFrame) -> pd.DataFrame:
    """Per (worker, job): the rest of the team's agreement in that job, as the median of the other
    workers' own agreement there (those with at least MIN_WORKER_ANSWERS scored answers in it), so one
    careless worker does not drag down the figure another is compared with. NaN when there is none."""
    per = scored.dropna(subset=["agree"]).groupby(["job", "worker_id"], sort=True)["agree"].agg(["mean", "size"])
    team = _others_median(per["mean"], per["size"] >= MIN_WORKER_ANSWERS)
    return team.rename("team").reset_index()


def _team_rates(rows: pd.DataFrame, team: pd.DataFrame, keys: list[str]) -> pd.Series:
    """Per group of `keys` (the worker's, a day's): the rest of the team's agreement on the group's jobs,
    weighted by the group's scored answers per job."""
    counts = rows.dropna(subset=["agree"]).groupby([*keys, "job"], sort=False).size().rename("n").reset_index()
    counts = counts.merge(team, on=["worker_id", "job"], how="inner").dropna(subset=["team"])
    counts["weighted"] = counts["n"] * counts["team"]
    sums = counts.groupby(keys)[["weighted", "n"]].sum()
    return sums["weighted"] / sums["n"]


# --- the sentences -----------------------------------------------------------------------------


def _day(d: date) -> str:
    return f"{d.day} {d:%B %Y}"


def _pct(share: float) -> str:
    return f"{share * 100:.0f} %"


def _secs(seconds: float) -> str:
    return f"{seconds:.1f} s" if seconds < 10 else f"{seconds:.0f} s"


def _one_in(chance: float) -> str:
    if chance <= 1e-6:
        return "less than one in a million"
    odds = 1 / chance
    digits = max(0, len(str(int(odds))) - 2)  # two significant figures: "about 1 in 23,000"
    return f"about one in {round(odds, -digits):,.0f}"


def _reference(rows: pd.DataFrame) -> str:
    """What the answers in `rows` were compared with, in words."""
    compared = rows.loc[rows["reference"].notna(), "consolidated"]
    if compared.all():
        return "the consolidated label"
    return "the majority label" if not compared.any() else "the consolidated label (or the majority, before one)"


def _items(rows: pd.DataFrame) -> tuple[tuple[str, str], ...]:
    return tuple(dict.fromkeys(zip(rows["job"].astype(str), rows["object_id"].astype(str), strict=True)))


# --- the three rules ----------------------------------------------------------------------------


def _rows_of(frame: pd.DataFrame, keys: list[str], wanted) -> dict[tuple, pd.DataFrame]:
    """The rows of each wanted group of `keys`, found in one pass over the frame."""
    positions = frame.groupby(keys, sort=False).indices
    return {key: frame.iloc[positions[key]] for key in wanted}


def clicking_through(scored: pd.DataFrame, names: dict[str, str]) -> list[Flag]:
    timed = scored.dropna(subset=["time_spent_s"])
    keys = ["worker_id", "day", "task"]
    per = timed.groupby(keys, sort=True).agg(answers=("time_spent_s", "size"), median=("time_spent_s", "median"),
                                             scored=("agree", "count"), rate=("agree", "mean"))
    per = per[(per["answers"] >= MIN_DAY_ANSWERS) & (per["scored"] >= MIN_DAY_ANSWERS)]
    if per.empty:
        return []
    # The rest of the team's time for a task type: the median of the other workers' own medians.
    team_time = _others_median(timed.groupby(["task", "worker_id"], sort=True)["time_spent_s"].median())
    per["team_median"] = [team_time.get((task, worker), np.nan) for worker, _, task in per.index]
    per["team_rate"] = _team_rates(timed, _others_agreement(scored), keys).reindex(per.index)
    hits = per[(per["median"] < SPEED_RATIO * per["team_median"]) & (per["rate"] <= per["team_rate"] - AGREEMENT_GAP)]
    rows = _rows_of(timed, keys, hits.index)
    flags = []
    for (worker, day, task), row in hits.iterrows():
        name, mine = names.get(worker, worker), rows[(worker, day, task)]
        reason = (f"{name} gave {int(row['answers']):,} answers on {_day(day)} in a median {_secs(row['median'])} "
                  f"each (the rest of the team: {_secs(row['team_median'])} on the same task type) and agreed with "
                  f"{_reference(mine)} on {_pct(row['rate'])} of them (the rest of the team: "
                  f"{_pct(row['team_rate'])} on the same jobs).")
        flags.append(Flag(worker, day, CLICKING, reason, _items(mine)))
    return flags


def run_chance(share: float, length: int, answers: int) -> float:
    """Expected number of runs of one label at least `length` long in `answers` independent answers,
    each that label with chance `share` (the module's docstring says why this formula)."""
    return share ** length * (1 + max(answers - length, 0) * (1 - share))


def _label_shares(given: pd.DataFrame) -> pd.Series:
    """(worker, job, label) -> the rest of the team's share of that label in the job, with one added
    to each label's count (the labels: every label anyone gave in the job)."""
    mine = given.groupby(["worker_id", "job", "norm"]).size().rename("mine").reset_index()
    mine = mine.join(given.groupby(["job", "norm"]).size().rename("everyone"), on=["job", "norm"])
    mine = mine.join(mine.groupby(["worker_id", "job"])["mine"].sum().rename("mine_total"), on=["worker_id", "job"])
    others_total = mine["job"].map(given.groupby("job").size()) - mine["mine_total"]
    mine["share"] = (mine["everyone"] - mine["mine"] + 1) / (others_total + mine["job"].map(
        given.groupby("job")["norm"].nunique()))
    return mine.set_index(["worker_id", "job", "norm"])["share"]


def _runs(given: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame, np.ndarray]:
    """The answers with a label in each (worker, day, job)'s submission order, their maximal runs of
    one label (key, label, length, and the group's answers) and each answer's run number."""
    keys = ["worker_id", "day", "job"]
    ordered = given.sort_values([*keys, "submission_time", "object_id"], kind="stable").reset_index(drop=True)
    new_group = (ordered[keys] != ordered[keys].shift()).any(axis=1)
    run_no = (new_group | (ordered["norm"] != ordered["norm"].shift())).cumsum().to_numpy()
    answers = ordered.groupby(keys, sort=False)["norm"].transform("size")
    runs = ordered.assign(answers=answers).groupby(run_no, sort=True).agg(
        worker_id=("worker_id", "first"), day=("day", "first"), job=("job", "first"), norm=("norm", "first"),
        length=("norm", "size"), answers=("answers", "first"))
    return ordered, runs, run_no


def same_label_runs(scored: pd.DataFrame, names: dict[str, str]) -> list[Flag]:
    given = scored.dropna(subset=["norm"])
    if given.empty:
        return []
    ordered, runs, run_no = _runs(given)
    long = runs[runs["length"] >= MIN_RUN].copy()
    if long.empty:
        return []
    shares = _label_shares(given)
    long["share"] = [float(shares.loc[key]) for key in zip(long["worker_id"], long["job"], long["norm"], strict=True)]
    long["chance"] = [run_chance(p, n, total) for p, n, total in zip(long["share"], long["length"], long["answers"],
                                                                     strict=True)]
    long = long[long["chance"] < RUN_CHANCE]
    members = pd.Series(run_no).groupby(run_no, sort=False).indices if not long.empty else {}
    best: dict[tuple, tuple] = {}  # per (worker, day, job), its most improbable run
    for number, run in long.iterrows():
        rows = ordered.iloc[members[number]]
        refs = rows["reference"].dropna()
        other = int((refs != run["norm"]).sum())
        if len(refs) and other < RUN_DISAGREEMENT * len(refs):
            continue  # the others gave the same label: the items were what the worker said
        key = (run["worker_id"], run["day"], run["job"])
        if key not in best or run["chance"] < best[key][0]:
            best[key] = (run["chance"], run, rows, other, len(refs))
    flags = []
    for (worker, day, job), (chance, run, rows, other, with_ref) in sorted(best.items(), key=lambda kv: kv[0]):
        name = names.get(worker, worker)
        others = (f"on {other:,} of them {_reference(rows)} is another" if with_ref
                  else "none of them has a consolidated or majority label yet")
        reason = (f"{name} gave the label “{rows['label'].iloc[0]}” {int(run['length']):,} times in a row on "
                  f"{_day(day)} in {job}, where the rest of the team gives it to {_pct(run['share'])} of the "
                  f"answers: a run that long is {_one_in(chance)} by chance, and {others}.")
        flags.append(Flag(worker, day, RUN, reason, _items(rows)))
    return flags


def _fisher_less(hits: int, n: int, hits_before: int, n_before: int) -> float:
    """One-sided Fisher exact p: the chance of a day this low if the day and the earlier days shared a rate."""
    from scipy.stats import fisher_exact  # imported only for a candidate: scipy.stats takes a second to import

    return float(fisher_exact([[hits, n - hits], [hits_before, n_before - hits_before]], alternative="less").pvalue)


def agreement_drops(scored: pd.DataFrame, names: dict[str, str]) -> list[Flag]:
    rated = scored.dropna(subset=["agree"])
    if rated.empty:
        return []
    keys = ["worker_id", "day"]
    per = rated.groupby(keys, sort=True)["agree"].agg(hits="sum", n="size")
    per["team_rate"] = _team_rates(rated, _others_agreement(scored), keys).reindex(per.index)
    dropped = []
    for worker, days in per.groupby(level="worker_id", sort=True):
        hits_before = n_before = 0
        for (_, day), row in days.iterrows():
            n, hits = int(row["n"]), int(row["hits"])
            rate, before = hits / n, hits_before / n_before if n_before else float("nan")
            if (n >= MIN_DAY_ANSWERS and n_before >= MIN_EARLIER_ANSWERS and rate <= before - DROP_GAP
                    and rate <= row["team_rate"] - TEAM_GAP and _fisher_less(hits, n, hits_before, n_before) < DROP_P):
                dropped.append((worker, day, rate, n, before, n_before, row["team_rate"]))
            else:  # a drop is not the baseline the next day is measured from
                hits_before, n_before = hits_before + hits, n_before + n
    rows = _rows_of(rated, keys, [(w, d) for w, d, *_ in dropped])
    flags = []
    for worker, day, rate, n, before, n_before, team_rate in dropped:
        name, day_rows = names.get(worker, worker), rows[(worker, day)]
        reason = (f"{name} agreed with {_reference(day_rows)} on {_pct(rate)} of {n:,} answers on {_day(day)}, "
                  f"down from {_pct(before)} of {n_before:,} on their earlier days (the rest of the team: "
                  f"{_pct(team_rate)} on the same jobs).")
        flags.append(Flag(worker, day, DROP, reason, _items(day_rows[day_rows["agree"] == 0])))
    return flags


def find_flags(answers: pd.DataFrame, labels: pd.DataFrame, attributes: dict[str, str] | None = None,
               names: dict[str, str] | None = None) -> list[Flag]:
    """Every flag over a selection's answers (core.workers.Selection.apply), by day, then worker,
    then kind; `names` (worker_id -> shown name) names the workers in the reasons."""
    scored = scored_answers(answers, labels, attributes)
    if scored.empty:
        return []
    names = names or {}
    found = clicking_through(scored, names) + same_label_runs(scored, names) + agreement_drops(scored, names)
    order = list(KINDS)
    return sorted(found, key=lambda f: (f.day, names.get(f.worker_id, f.worker_id), f.worker_id, order.index(f.kind)))


def flags_table(flags: list[Flag], names: dict[str, str] | None = None) -> pd.DataFrame:
    """One row per flag (FLAG_COLUMNS): `objects` lists the items as job/object_id, space-separated."""
    names = names or {}
    rows = [(f.day.isoformat(), names.get(f.worker_id, f.worker_id), f.worker_id, f.kind, KINDS[f.kind],
             len(f.items), " ".join(f.jobs), f.reason, " ".join(f"{job}/{obj}" for job, obj in f.items))
            for f in flags]
    return pd.DataFrame(rows, columns=FLAG_COLUMNS)
