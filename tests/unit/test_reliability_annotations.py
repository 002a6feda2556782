"""Reliability without gold over the annotations table (core.annotations.reliability), as the
Annotations page reads it: on the real birds job, the same estimate as the Workers page's, per job
and worker too; and the multi-label counterpart (core.reliability_multilabel) on a simulated
multi-label job, where every image's true classes and every worker's answers are known."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from scipy.stats import spearmanr
from test_metrics import load
from test_sim import BUCKET, OUTPUT, Sim

from core import reliability
from core.annotations import reliability as from_table
from core.annotations.source import read_source
from core.gold import read_gold
from core.quality.gold_files import read_gold as read_gold_table
from core.sim.datasets import write_shapes
from core.storage import Location, open_location

# --- classification: the birds fixture through the Annotations page's table ------------------------


@pytest.fixture(scope="module")
def birds_table(birds_dir) -> pd.DataFrame:
    return read_source(open_location(str(birds_dir))).table


@pytest.fixture(scope="module")
def birds_gold_table(birds_dir, birds_table, tmp_path_factory) -> pd.DataFrame:
    """The fixture's gold as the Annotations page's gold box reads it, which matches the data object
    exactly: JSON lines with each image's source-ref and label (its own file is a JSON list keyed by
    Open Images' ImageId, a shape that box refuses)."""
    path = tmp_path_factory.mktemp("gold") / "gold.jsonl"
    refs = birds_table["source_ref"].dropna().unique()
    by_id = {ref.rsplit("/", 1)[-1].rsplit(".", 1)[0]: ref for ref in refs}
    records = json.loads((birds_dir / "true_labels.json").read_text())
    path.write_text("".join(json.dumps({"source-ref": by_id[r["ImageId"]], "label": r["Label"]}) + "\n"
                            for r in records))
    return read_gold_table(str(path), open_location)


def test_the_table_gives_the_workers_page_estimate_and_its_three_accuracies(birds_dir, birds_table):
    """The same 1,510 answers, consolidations and gold as core.ingest's: the same fit, to the digit."""
    path = birds_dir / "true_labels.json"
    gold = read_gold(path.name, path.read_bytes())
    data = load(birds_dir)
    want = reliability.estimate(data.answers, data.labels, data.objects, gold)
    answers, labels, objects, attributes = from_table.classification_inputs(birds_table)
    got = reliability.estimate(answers, labels, objects, gold, attributes)
    pd.testing.assert_frame_equal(got.workers, want.workers)
    assert got.accuracies() == want.accuracies()
    assert round(got.accuracies()["estimate"] * 302) == 261  # 86.4 %, the README's figure
    assert len(got.disagreements) == 13


def test_per_job_and_worker_rows_are_the_workers_own_answers_in_that_job(birds_table):
    got = from_table.classification(birds_table)
    per = got.job_workers
    assert list(per.columns) == reliability.JOB_WORKER_COLUMNS
    # One job here: each worker's row in it is their row over the selection.
    assert set(per["job"]) == set(birds_table["job"])
    pd.testing.assert_frame_equal(per.drop(columns=["job"]), got.workers)
    assert (per["reliability_low"] <= per["reliability"]).all()
    assert (per["reliability"] <= per["reliability_high"]).all()


def test_two_jobs_are_one_fit_split_by_job(birds_table):
    """The birds job and a copy of it under another name: each (job, worker) row holds that job's
    answers alone, and its reliability is the mean of those answers' chances of being right."""
    copy = birds_table.assign(job=birds_table["job"] + "-copy")
    got = from_table.classification(pd.concat([birds_table, copy], ignore_index=True))
    per = got.job_workers.set_index(["job", "worker_id"])
    workers = got.workers.set_index("worker_id")
    job = birds_table["job"].iloc[0]
    for worker, row in workers.head(5).iterrows():
        mine, theirs = per.loc[(job, worker)], per.loc[(job + "-copy", worker)]
        assert mine["answers"] + theirs["answers"] == row["answers"]
        assert (mine["answers"] * mine["reliability"] + theirs["answers"] * theirs["reliability"]
                == pytest.approx(row["answers"] * row["reliability"]))


def test_gold_from_a_gold_table_is_matched_by_the_data_object(birds_table, birds_gold_table):
    gold = from_table.gold_labels(birds_gold_table)
    assert gold is not None and len(gold) == 302
    got = from_table.classification(birds_table, birds_gold_table)
    assert got.accuracies()["objects"] == 302 and round(got.accuracies()["estimate"] * 302) == 261
    assert from_table.gold_labels(None) is None


def test_gold_in_the_queue_measures_the_estimate_when_no_gold_table_is_given(birds_table, birds_gold_table):
    """Gold tags kept by (job, object) as the annotations reader keeps them (SourceAnnotations.gold):
    the estimate is measured on exactly the tagged objects, and a gold table wins over them."""
    truth = from_table.gold_labels(birds_gold_table)
    own = birds_table[birds_table["source"].eq("consolidated")]
    queued = {(job, obj): truth[ref] for job, obj, ref in own[["job", "object_id", "source_ref"]].head(100).itertuples(
        index=False)}
    got = from_table.classification(birds_table, None, queued)
    scored = got.objects[got.objects["gold"].notna()]
    assert got.accuracies()["objects"] == len(queued) == 100
    assert set(zip(scored["job"], scored["object_id"], strict=True)) == set(queued)
    assert from_table.classification(birds_table, birds_gold_table, queued).accuracies()["objects"] == 302
    assert from_table.queued_labels(got.objects[["job", "object_id", "source"]], {}) is None


def test_a_table_without_classification_has_no_estimate(birds_table):
    boxes = birds_table.assign(task_type="bounding-box")
    assert from_table.classification(boxes) is None and from_table.multi_label(birds_table) is None


# --- multi-label: a simulated job, the truth known ------------------------------------------------

TAGS_IMAGES, TAGS_WORKERS = 150, 5


@pytest.fixture(scope="module")
def tags(tmp_path_factory):
    """150 images of shapes tagged by 5 workers each, on the simulator's fixed clock."""
    sim = Sim(tmp_path_factory.mktemp("tags"), digits=10)
    shapes = write_shapes(sim.open_uri, f"s3://{BUCKET}/shapes", TAGS_IMAGES, seed=5)
    sim.service.register_truth(shapes.truth)
    request = sim.request("tags", shapes.manifest_uri, team="box-team", attribute="tags",
                          task="ImageMultiClassMultiLabel", labels=shapes.labels_uri, workers=TAGS_WORKERS)
    sim.service.create_labeling_job(request)
    assert sim.run("tags", days=20)["LabelingJobStatus"] == "Completed"
    assert OUTPUT.startswith(f"s3://{BUCKET}/")
    table = read_source(Location(sim.bucket, "jobs/")).table
    truth = {source: tuple(sorted({box["label"] for box in t["boxes"]})) for source, t in shapes.truth.items()}
    return table, truth, from_table.multi_label(table)


def _true_sets(table: pd.DataFrame, truth: dict) -> pd.Series:
    refs = table.dropna(subset=["source_ref"]).groupby("object_id")["source_ref"].first()
    return refs.map(truth)


def test_multi_label_estimate_is_closer_to_the_truth_than_ground_truths_union(tags):
    """Ground Truth's multi-label consolidation keeps every class at least one worker ticked
    (docs/ground-truth.md §3), so one worker's stray tick is in it; the estimate weighs the workers."""
    table, truth, got = tags
    objects = got.objects.set_index("object_id")
    true = _true_sets(table, truth).reindex(objects.index)
    # An answer that ticked nothing leaves no row in the table (17 of the 750 here): at most 5 an image.
    assert len(objects) == TAGS_IMAGES and objects["answers"].le(TAGS_WORKERS).all()
    assert objects["answers"].sum() == TAGS_IMAGES * TAGS_WORKERS - 17
    estimated = (objects["estimate"] == true).mean()
    consolidated = (objects["consolidated"] == true).mean()
    # Measured with this seed: the estimate has all 150 images' classes exactly right, the union 131 (87.3 %).
    assert estimated > consolidated + 0.1, (estimated, consolidated)
    assert estimated == 1.0 and round(consolidated * TAGS_IMAGES) == 131
    # Every disagreement is an object whose estimate is not the union; most are the union's stray ticks.
    dis = got.disagreements
    assert set(dis.index) == set(objects.reset_index().index[objects["disagrees"].to_numpy()])
    assert len(dis) == int((objects["estimate"] != objects["consolidated"]).sum())
    assert list(dis["confidence"]) == sorted(dis["confidence"], reverse=True)


def test_multi_label_reliability_ranks_workers_by_their_true_mistakes(tags):
    """Each worker's observed share of wrong yes/no decisions against the true classes, and the
    estimated reliability: Spearman's rho of reliability against minus the error."""
    table, truth, got = tags
    answers = from_table.reliability_multilabel.answer_sets(
        table[table["source"].eq("worker") & table["task_type"].eq("multi-label")])
    true = _true_sets(table, truth)
    classes = sorted({c for labels in answers["labels"] for c in labels} | {c for t in truth.values() for c in t})
    wrong = [sum((c in said) != (c in true[o]) for c in classes) / len(classes)
             for o, said in zip(answers["object_id"], answers["labels"], strict=True)]
    observed = answers.assign(wrong=wrong).groupby("worker_id")["wrong"].mean()
    per = got.workers.set_index("worker_id").join(observed)
    assert len(per) >= 5 and (per["decisions"] == per["answers"] * len(classes)).all()
    rho = float(spearmanr(per["reliability"], -per["wrong"]).statistic)
    assert rho >= 0.8, per
    assert round(rho, 3) == 0.991  # with this seed; the README reports it



def test_multi_label_same_answers_in_another_order_same_estimate(tags):
    table, _, got = tags
    again = from_table.multi_label(table.sample(frac=1, random_state=3))
    pd.testing.assert_frame_equal(again.workers, got.workers)
    pd.testing.assert_frame_equal(again.objects, got.objects)
