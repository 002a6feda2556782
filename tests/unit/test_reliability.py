"""Reliability without gold (core.reliability): Dawid-Skene on the real 2019 birds job, checked
against its gold file beside Ground Truth's consolidated labels and a plain majority vote computed
here with json and collections only; and on the simulator, where every answer's truth and every
worker's error chance are known."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr
from test_metrics import Birds, load
from test_sim import Sim

from core import reliability
from core.gold import read_gold
from core.sim.annotate import error_chance

# --- the real fixture ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def birds(birds_dir):
    return load(birds_dir)


@pytest.fixture(scope="module")
def birds_raw(birds_dir) -> Birds:
    return Birds(birds_dir)


@pytest.fixture(scope="module")
def gold(birds_dir) -> dict[str, str]:
    """The fixture's own gold file, keyed by Open Images' ImageId (matched to the sources by name)."""
    path = birds_dir / "true_labels.json"
    return read_gold(path.name, path.read_bytes())


@pytest.fixture(scope="module")
def estimated(birds, gold) -> reliability.Reliability:
    return reliability.estimate(birds.answers, birds.labels, birds.objects, gold)


def test_fixture_three_accuracies_on_exactly_the_gold_objects(estimated, birds_raw):
    acc = estimated.accuracies()
    # Every one of the 302 images has a gold label, and the three figures are over those 302 alone.
    assert acc["objects"] == len(birds_raw.truth) == 302
    scored = estimated.objects[estimated.objects["gold"].notna()]
    assert sorted(scored["object_id"].astype(int)) == list(range(302))
    assert scored["estimate"].notna().all()  # every gold object has an estimate
    norm = reliability.metrics.normalize_label
    consolidated_hits = sum(norm(c) == norm(t) for c, t in zip(birds_raw.consolidated, birds_raw.truth, strict=True))
    majority_hits = sum(birds_raw.majority[i] is not None and norm(birds_raw.majority[i]) == norm(birds_raw.truth[i])
                        for i in range(302))
    assert consolidated_hits == 272 and round(acc["consolidated"], 3) == 0.901  # the 90.1 %
    assert acc["consolidated"] == consolidated_hits / 302
    assert acc["majority"] == majority_hits / 302 == 271 / 302  # 89.7 %: 3 ties have no majority
    assert acc["majority_ties"] == sum(v is None for v in birds_raw.majority.values()) == 3
    # Dawid-Skene with a 10 x 10 confusion matrix per worker, from ~15 answers each: 86.4 %, below
    # both. Pinned so the README's figure stays the one the code gives.
    assert round(acc["estimate"] * 302) == 261
    line = reliability.summary_line(acc)
    assert "consolidated 90.1%" in line and "majority vote 89.7%" in line and "estimate 86.4%" in line


def test_fixture_workers_and_their_intervals(estimated, birds_raw):
    workers = estimated.workers
    assert len(workers) == 97 and workers["answers"].sum() == 1510
    assert workers.set_index("worker_id")["answers"].to_dict() == {
        w: n for w, n in pd.Series([w for w, _, _ in birds_raw.answers]).value_counts().items()}
    assert workers["reliability"].between(0, 1).all()
    assert (workers["reliability_low"] <= workers["reliability"]).all()
    assert (workers["reliability"] <= workers["reliability_high"]).all()
    # The interval is about the worker's number of answers: one with many is narrower than one with few
    # at a similar estimate.
    width = workers["reliability_high"] - workers["reliability_low"]
    many, few = workers.iloc[0], workers.iloc[-1]
    assert many["answers"] > 5 * few["answers"]
    assert width.iloc[0] < width.iloc[-1]
    assert estimated.iterations <= reliability.N_ITER


def test_reliability_is_the_diagonal_weighted_by_the_workers_own_classes(birds):
    """The docstring's claim: expected right answers / answers equals the fitted confusion matrix's
    diagonal weighted by the expected classes of the objects the worker saw."""
    triples = reliability.classification_answers(birds.answers)
    model = reliability._fit(triples)
    probas = model.probas_
    got = reliability.estimate(birds.answers, birds.labels, birds.objects).workers.set_index("worker_id")
    for worker in got.index[:10]:
        mine = triples[triples["worker"] == worker]
        seen = probas.loc[mine["task"]]  # expected true classes of the worker's objects
        diag = np.array([model.errors_.loc[(worker, c), c] if (worker, c) in model.errors_.index else 0.0
                         for c in probas.columns])
        weighted = float((seen.sum(axis=0).to_numpy() * diag).sum() / len(mine))
        assert got.loc[worker, "reliability"] == pytest.approx(weighted, abs=1e-9)


def test_disagreements_are_where_the_estimate_and_ground_truth_differ(estimated):
    dis = estimated.disagreements
    objects = estimated.objects
    expected = objects[(objects["estimate"] != objects["consolidated"]) & objects["estimate"].notna()
                       & objects["consolidated"].notna()]
    assert set(dis["object_id"]) == set(expected["object_id"]) and len(dis) == 13
    assert list(dis["confidence"]) == sorted(dis["confidence"], reverse=True)  # surest first


def test_same_answers_in_another_order_same_estimate(birds, gold, estimated):
    shuffled = birds.answers.sample(frac=1, random_state=3)
    again = reliability.estimate(shuffled, birds.labels, birds.objects, gold)
    pd.testing.assert_frame_equal(again.workers, estimated.workers)
    pd.testing.assert_frame_equal(again.objects, estimated.objects)


def test_without_gold_there_are_no_accuracies(birds):
    got = reliability.estimate(birds.answers, birds.labels, birds.objects)
    assert got.accuracies() is None and got.objects["gold"].isna().all()
    assert "no gold labels" in reliability.summary_line(None)


def test_answers_without_a_label_give_an_empty_estimate(birds):
    boxes = birds.answers.assign(label=None)
    got = reliability.estimate(boxes, birds.labels, birds.objects)
    assert got.workers.empty and got.objects["estimate"].isna().all() and not got.objects["disagrees"].any()
    assert not reliability.has_classification(boxes) and reliability.has_classification(birds.answers)


# --- the simulator: each worker's truth is known ----------------------------------------------

SIM_SEED, SIM_DIGITS, SIM_WORKERS = 7, 1000, 5


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    """A 1,000-digit classification job, 5 workers an object, on the simulator's fixed clock."""
    sim = Sim(tmp_path_factory.mktemp("sim"), seed=SIM_SEED, digits=SIM_DIGITS)
    sim.service.create_labeling_job(sim.request("digits", workers=SIM_WORKERS, MaxConcurrentTaskCount=100))
    assert sim.run("digits", days=30)["LabelingJobStatus"] == "Completed"
    return sim, sim.read("digits")


def rank_correlations(sim, data) -> tuple[pd.DataFrame, float, float]:
    """Per worker: the estimate, the observed error rate against the simulator's truth and the true
    error chance (core.sim.annotate.error_chance averaged over the worker's objects); Spearman's rho
    of the estimated reliability against each (an error rate ranks the other way: rho of -error)."""
    got = reliability.estimate(data.answers, data.labels, data.objects).workers.set_index("worker_id")
    people = {w.worker_id: w for w in sim.service.workers}
    truth = data.answers["object_id"].map(data.objects.set_index("object_id")["source"]).map(sim.digits.truth)
    answers = data.answers.assign(
        wrong=[label != t["label"] for label, t in zip(data.answers["label"], truth, strict=True)],
        chance=[error_chance(people[w], t) for w, t in zip(data.answers["worker_id"], truth, strict=True)])
    per = answers.groupby("worker_id").agg(observed=("wrong", "mean"), chance=("chance", "mean"))
    per = per.join(got)
    observed = spearmanr(per["reliability"], -per["observed"]).statistic
    chance = spearmanr(per["reliability"], -per["chance"]).statistic
    return per, float(observed), float(chance)


def test_simulator_estimate_ranks_workers_by_their_true_errors(simulated):
    sim, data = simulated
    per, observed, chance = rank_correlations(sim, data)
    assert len(per) >= 8 and per["answers"].sum() == SIM_DIGITS * SIM_WORKERS
    # Against what each worker actually got wrong (the simulator knows every answer's truth): robust,
    # 0.93 to 1.0 over seeds 1-7 here; 0.955 with this seed.
    assert observed >= 0.9, per
    assert round(observed, 3) == 0.955
    # Against the error chance the simulator drew the answers with, the ranking is weaker (0.63 with
    # this seed, 0.63 to 0.93 over seeds 1-7): the workers' chances differ by about a percentage
    # point, about the binomial noise of a few hundred answers each, so even the observed error rates
    # rank them imperfectly. Reported, not asserted high.
    assert round(chance, 3) == 0.627
    assert round(float(spearmanr(-per["observed"], -per["chance"]).statistic), 3) < 1


def test_simulator_estimated_labels_match_the_truth(simulated):
    sim, data = simulated
    got = reliability.estimate(data.answers, data.labels, data.objects)
    truth = got.objects["source"].map(lambda s: sim.digits.truth[s]["label"])
    assert (got.objects["estimate"] == truth).mean() >= 0.99
