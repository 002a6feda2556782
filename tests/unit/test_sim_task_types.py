"""The simulator's further task types (multi-label, NER, verification, adjustment, video object
tracking, semantic segmentation): small jobs run through SimulatedService, their files read back by
core.annotations as the right task types, and measured by core.quality with something to show."""

from __future__ import annotations

import json
import re
from datetime import timedelta

import pandas as pd
import pytest
from test_sim import BUCKET, OUTPUT, Sim, error_code, tree_hash  # tests/unit is on sys.path

from core.annotations.model import CONSOLIDATED, WORKER, Row, to_frame
from core.annotations.source import read_source
from core.gt import tasks
from core.quality.report import quality_report
from core.sim.datasets import label_config, put, write_shapes
from core.sim.sequences import write_sequences
from core.sim.texts import TEMPLATES, TOPICS, topic_truth, write_sentences, write_topics
from core.storage import Location

BUILT_IN_UI = ("NamedEntityRecognition", "VideoObjectTracking")
JOBS = {  # name: (task, attribute, workers)
    "tags": ("ImageMultiClassMultiLabel", "tags", 3),
    "people": ("NamedEntityRecognition", "entities", 3),
    "topics": ("TextMultiClass", "topic", 3),
    "boxes": ("BoundingBox", "shapes", 3),
    "boxes-verify": ("VerificationBoundingBox", "verify-shapes", 3),
    "boxes-adjust": ("AdjustmentBoundingBox", "adjusted-shapes", 2),
    "tracks": ("VideoObjectTracking", "tracks-ref", 1),
    "masks": ("SemanticSegmentation", "masks-ref", 3),
}


class Built:
    def __init__(self, sim: Sim):
        self.sim = sim
        self.shapes = write_shapes(sim.open_uri, f"s3://{BUCKET}/shapes", 20, seed=3)
        self.texts = write_sentences(sim.open_uri, f"s3://{BUCKET}/texts", 16, seed=3)
        self.topics = write_topics(sim.open_uri, self.texts)
        self.videos = write_sequences(sim.open_uri, f"s3://{BUCKET}/videos", 4, 8, seed=3)
        sim.service.register_truth(self.shapes.truth | self.texts.truth | self.videos.truth)
        self.verdicts = f"s3://{BUCKET}/verdicts.json"
        put(sim.open_uri, self.verdicts, label_config(["good", "bad"]))

    def request(self, name: str, manifest: str | None = None, workers: int | None = None) -> dict:
        task, attribute, default = JOBS[name]
        texts = ("NamedEntityRecognition", "TextMultiClass")
        manifest = manifest or (self.texts.manifest_uri if task in texts else self.videos.manifest_uri
                                if task == "VideoObjectTracking" else self.shapes.manifest_uri)
        labels = {"NamedEntityRecognition": self.texts.labels_uri, "VideoObjectTracking": self.videos.labels_uri,
                  "VerificationBoundingBox": self.verdicts, "TextMultiClass": self.topics.labels_uri}.get(
            task, self.shapes.labels_uri)
        request = self.sim.request(name, manifest, team="box-team", attribute=attribute, task=task, labels=labels,
                                   workers=workers or default)
        if task in BUILT_IN_UI:
            request["HumanTaskConfig"]["UiConfig"] = {"HumanTaskUiArn": tasks.human_task_ui_arn(task, "us-east-1")}
        return request

    def run_all(self) -> None:
        audited = f"{OUTPUT}boxes/manifests/output/output.manifest"
        for name in JOBS:
            manifest = audited if name in ("boxes-verify", "boxes-adjust") else None
            self.sim.service.create_labeling_job(self.request(name, manifest))
            assert self.sim.run(name)["LabelingJobStatus"] == "Completed"


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> Built:
    b = Built(Sim(tmp_path_factory.mktemp("task-types"), digits=10))
    b.run_all()
    return b


@pytest.fixture(scope="module")
def found(built):
    return read_source(Location(built.sim.bucket, "jobs/"))


@pytest.fixture(scope="module")
def table(found) -> pd.DataFrame:
    return found.table


def rows(table: pd.DataFrame, job: str, source: str = CONSOLIDATED) -> pd.DataFrame:
    return table[table["job"].eq(job) & table["source"].eq(source)]


def video_gold(built: Built) -> pd.DataFrame:
    """The true tracks of every sequence as gold rows (the data set's truth, not a job's output:
    the report takes any annotations table)."""
    out = []
    for source, truth in built.videos.truth.items():
        for frame in truth["frames"]:
            out += [Row(job="gold", object_id=source, source=CONSOLIDATED, task_type="video-object-tracking",
                        kind="frame-box", unit=j, label=o["label"], left=o["left"], top=o["top"], width=o["width"],
                        height=o["height"], frame=frame["frame-no"], track_id=o["track"], source_ref=source)
                    for j, o in enumerate(frame["objects"])]
    return to_frame(out)


# --- read back as the right task types ---------------------------------------------------------------


def test_every_job_reads_as_its_task_type_with_nothing_left_unread(found):
    assert found.task_types() == {
        "boxes": "bounding-box", "boxes-adjust": "adjustment", "boxes-verify": "label-verification",
        "masks": "semantic-segmentation", "people": "ner", "tags": "multi-label", "topics": "classification",
        "tracks": "video-object-tracking"}
    assert found.unread == []
    assert [n for n in found.notes if n.kind != "unknown-key"] == []


def test_multi_label_units_are_classes_of_the_shapes_shown(built, table):
    mine = rows(table, "tags")
    assert set(mine["kind"]) == {"class"} and set(mine["label"]) <= set(built.shapes.labels)
    assert len(set(rows(table, "tags", WORKER)["worker_id"])) >= 3
    line = built.sim.output_lines("tags")[0]
    meta = line["tags-metadata"]
    assert meta["type"] == "groundtruth/image-classification-multilabel"
    assert set(meta["class-map"]) == set(meta["confidence-map"]) == {str(i) for i in line["tags"]}


def test_ner_units_are_spans_of_the_text(built, table):
    spans = rows(table, "people")
    assert set(spans["kind"]) == {"span"} and set(spans["label"]) <= set(built.texts.labels)
    line = built.sim.output_lines("people")[1]
    entities = line["entities"]["annotations"]["entities"]
    assert len(line["entities-metadata"]["entities"]) == len(entities)
    for e in entities:
        chosen = line["source"][e["startOffset"]:e["endOffset"]]
        assert chosen and chosen.strip() == chosen
    key = next(k for k in built.sim.keys("people") if "consolidation-request" in k)
    request = json.loads(built.sim.bucket.get(key))
    assert "content" in request[0]["dataObject"]


def test_text_classification_of_the_sentences_topics_in_the_real_shapes(built, table):
    """Each worker's answer is `crowd-classifier`'s label (§2); each output line the majority of its
    answers, counted here by hand from the worker-response files, as a class index with its
    class-name (§3); the text stays inline and its gold line names the same topic."""
    lines = built.sim.output_lines("topics")
    answers = rows(table, "topics", WORKER)
    assert set(answers["label"]) <= set(TOPICS) and answers.groupby("object_id").size().eq(3).all()
    for i, line in enumerate(lines):
        meta = line["topic-metadata"]
        assert meta["type"] == "groundtruth/text-classification" and TOPICS[line["topic"]] == meta["class-name"]
        key = next(k for k in built.sim.keys("topics") if re.search(f"/worker-response/iteration-[0-9]+/{i}/", k))
        said = [a["answerContent"]["crowd-classifier"]["label"]
                for a in json.loads(built.sim.bucket.get(key))["answers"]]
        top = max(said.count(x) for x in said)
        assert said.count(meta["class-name"]) == top, (i, said)  # the majority (the first answered on a tie)
        assert line["source"] in built.topics.truth
    gold = [json.loads(x) for x in built.sim.bucket.get("texts/gold-topics.jsonl").decode().splitlines()]
    assert {g["source"]: g["label"] for g in gold} == {s: t["label"] for s, t in built.topics.truth.items()}


def test_a_sentences_topic_comes_from_its_template():
    hiring_at_a_meeting = TEMPLATES.index(("Organization", " hired ", "Person", " after the meeting in ", "Location",
                                           "."))
    truth = topic_truth("Acme Robotics hired Ada Okafor after the meeting in Osaka.", hiring_at_a_meeting, seed=3)
    assert (truth["label"], truth["confusable"]) == ("Hiring", "Meeting") and 0.6 <= truth["difficulty"] <= 0.8
    assert truth == topic_truth("Acme Robotics hired Ada Okafor after the meeting in Osaka.", hiring_at_a_meeting, 3)


def test_verification_verdicts_carry_worker_feedback_and_trace_back_to_the_boxes(table, built):
    verdicts = rows(table, "boxes-verify")
    assert set(verdicts["kind"]) == {"verdict"} and set(verdicts["verdict"]) <= {"pass", "fail"}
    assert set(verdicts["audited_job"]) == {"boxes"} and set(verdicts["audited_attribute"]) == {"shapes"}
    lines = built.sim.output_lines("boxes-verify")
    assert all("shapes" in x and x["verify-shapes-metadata"]["type"] == "groundtruth/label-verification" for x in lines)
    assert any(x["verify-shapes-metadata"]["worker-feedback"] for x in lines)
    assert set(rows(table, "boxes-verify", WORKER)["verdict"]) == {"pass", "fail"}


def test_adjustment_answers_say_whether_they_changed_the_boxes(table, built):
    adjusted = rows(table, "boxes-adjust")
    assert set(adjusted["kind"]) == {"box"} and set(adjusted["adjustment"]) == {"adjusted", "unadjusted"}
    assert set(rows(table, "boxes-adjust", WORKER)["adjustment"]) == {"adjusted", "unadjusted"}
    key = next(k for k in built.sim.keys("boxes-adjust") if "/worker-response/" in k)
    answer = json.loads(built.sim.bucket.get(key))["answers"][0]["answerContent"]["boundingBox"]
    assert isinstance(answer["initialValueModified"], bool)


def test_video_tracking_writes_seq_label_json_named_by_the_manifest(table, built):
    line = built.sim.output_lines("tracks")[0]
    uri = line["tracks-ref"]
    assert uri == f"{OUTPUT}tracks/annotations/consolidated-annotation/output/0/SeqLabel.json"
    assert line["tracks-ref-metadata"]["type"] == "groundtruth/video-object-tracking"
    frames = rows(table, "tracks")
    assert set(frames["kind"]) == {"frame-box"} and frames["track_id"].notna().all()
    assert set(frames["frame_attributes"].map(lambda a: a["light"])) <= {"day", "dusk"}
    assert set(frames["attributes"].map(lambda a: a["size"])) == {"small", "large"}
    assert frames["frame"].max() == 7


def test_a_video_job_takes_one_worker_per_sequence(built):
    request = built.request("tracks", workers=3) | {"LabelingJobName": "tracks-three"}
    assert error_code(lambda: built.sim.service.create_labeling_job(request)) == "ValidationException"


def test_segmentation_masks_are_pngs_with_their_color_map(table, built):
    line = built.sim.output_lines("masks")[0]
    meta = line["masks-ref-metadata"]
    assert meta["internal-color-map"]["0"] == {"class-name": "BACKGROUND", "hex-color": "#ffffff",
                                               "confidence": meta["internal-color-map"]["0"]["confidence"]}
    assert line["masks-ref"].startswith(f"{OUTPUT}masks/annotations/consolidated-annotation/output/0_")
    consolidated, answers = rows(table, "masks"), rows(table, "masks", WORKER)
    shapes = consolidated[consolidated["label"].ne("BACKGROUND")]
    assert (shapes["area"] > 0).all() and set(answers["kind"]) == {"mask-class"}
    # Sloppy edges: the workers' areas of a class are not all the consolidated one.
    painted = answers[answers["area"] > 0].merge(shapes, on=["object_id", "label"], suffixes=("", "_c"))
    assert (painted["area"] != painted["area_c"]).any()


# --- measured: something to show for every type ------------------------------------------------------


def _team(report: pd.DataFrame, job: str) -> pd.Series:
    return report.set_index(["job", "worker"]).loc[(job, "Team")]


def _workers(report: pd.DataFrame, job: str) -> pd.DataFrame:
    return report[report["job"].eq(job) & report["worker"].ne("Team")]


def test_quality_measures_have_mistakes_to_show(table):
    report = quality_report(table)
    tags = _workers(report, "tags")["jaccard"]
    assert tags.notna().all() and tags.min() < 1 and tags.max() > 0.8
    people = _workers(report, "people")
    assert people["f1"].min() < 1 and (people["f1_overlap"] >= people["f1"]).all()
    topics = _team(report, "topics")
    assert 0.5 < topics["exact_match"] < 1 and topics["objects"] == 16 * 3  # a mistake or two
    verify = _workers(report, "boxes-verify")["exact_match"]
    assert verify.notna().all() and 0.5 < verify.mean() < 1
    boxes = _team(report, "boxes")
    assert 0 < boxes["pass_rate"] < 1 and boxes["audited"] > 0  # verdicts traced to the box workers
    adjust = _workers(report, "boxes-adjust")
    assert adjust["mean_iou"].notna().all() and adjust["mean_iou"].min() < 1
    assert _team(report, "masks")["objects"] > 0


def test_video_tracking_against_the_true_tracks_shows_switched_ids_and_missed_boxes(table, built):
    report = quality_report(table, gold=video_gold(built))
    tracks = _team(report, "tracks")
    assert tracks["reference"] == "gold"
    assert tracks["id_switches"] > 0 and 0.8 < tracks["recall"] < 1 and tracks["mean_frame_f1"] < 1


# --- deterministic -----------------------------------------------------------------------------------


def test_same_seed_same_bytes(tmp_path, built):
    twice = []
    for run in ("a", "b"):
        b = Built(Sim(tmp_path / run, digits=10))
        b.run_all()
        b.sim.clock.advance(timedelta(days=1))
        twice.append(tree_hash(tmp_path / run / "s3"))
    assert twice[0] == twice[1]
