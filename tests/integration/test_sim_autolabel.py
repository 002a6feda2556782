"""Automated data labeling in the local Ground Truth (core.sim, docs/ground-truth.md §4, §6, §8): the
pre-trained model walkthrough on 2,600 digits, read back with the real readers."""

from __future__ import annotations

import hashlib
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest

from core.gt import tasks
from core.gt.layout import classify
from core.gt.service import ServiceError
from core.ingest import SourceReader
from core.sim import autolabel
from core.sim.buckets import folder_buckets
from core.sim.clock import FixedClock
from core.sim.datasets import manifest_bytes, put, write_digit_variants, write_shapes
from core.sim.service import SimulatedService
from core.sim.walkthrough import run_walkthrough, walkthrough_request, write_experiment_data
from core.storage import LocalStore, Location

pytestmark = pytest.mark.slow  # runs auto-labeling jobs on thousands of objects

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)
BUCKET = "data"
OUTPUT = f"s3://{BUCKET}/jobs/"
PREFIX = f"s3://{BUCKET}/walkthrough"
MODEL_ARN = re.compile(r"^arn:aws[a-z\-]*:sagemaker:[a-z0-9\-]*:[0-9]{12}:model/.*$")  # the service's pattern (§6)
AUTO_KEY = re.compile(r"activelearning/auto-annotator/(\d+)/output/auto_annotator_output\.txt$")
MODEL_KEY = re.compile(r"training/(\d+)/model/([^/]+)/output/model\.tar\.gz$")


class Sim:
    def __init__(self, root: Path, seed: int = 7, total: int = 2600):
        self.root = root
        self.open_uri = folder_buckets(root / "s3")
        self.clock = FixedClock(T0)
        self.service = SimulatedService(root / "state", self.open_uri, self.clock, seed)
        self.data = write_experiment_data(self.open_uri, PREFIX, self.service, total=total, seed=seed)
        self.bucket = LocalStore(root / "s3" / BUCKET)
        self.gold = {json.loads(x)["source-ref"]: json.loads(x)["label"]
                     for x in self.bucket.get("walkthrough/gold.jsonl").decode().splitlines()}

    def request(self, name: str, half: int = 0, model: str | None = None, manifest: str | None = None,
                **config) -> dict:
        request = walkthrough_request(name, manifest or self.data.halves[half], self.data.labels_uri,
                                      self.service.team_arn("labeling-team"), "us-east-1", output_uri=OUTPUT,
                                      initial_model=model)
        request["HumanTaskConfig"].update(config)
        return request

    def finish(self, *names: str) -> list[dict]:
        self.clock.set(max(self.service.finish_time(n) for n in names))
        return [self.service.describe_labeling_job(n) for n in names]

    def keys(self, job: str) -> list[str]:
        return [info.key for info in self.bucket.list(f"jobs/{job}/")]

    def lines(self, job: str) -> list[dict]:
        return [json.loads(x) for x in self.bucket.get(f"jobs/{job}/manifests/output/output.manifest").splitlines()]


def tree_hash(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(root.rglob("*")) if p.is_file()}


def error(call) -> ServiceError:
    with pytest.raises(ServiceError) as info:
        call()
    return info.value


def share(job: dict) -> float:
    c = job["LabelCounters"]
    return c["MachineLabeled"] / (c["TotalLabeled"] + c["FailedNonRetryableError"] + c["Unlabeled"])


@pytest.fixture(scope="module")
def walk(tmp_path_factory):
    """The three-job walkthrough (S8) on halves of 1,300 digits, run once for the module."""
    sim = Sim(tmp_path_factory.mktemp("walkthrough"))
    result = run_walkthrough(sim.service, sim.open_uri, sim.data, output_uri=OUTPUT)
    return sim, result


# --- one auto-labeling job, read back ------------------------------------------------------------------


def test_auto_labeling_job_counts_add_up_in_counters_and_files(walk):
    sim, result = walk
    name = result.jobs[0]
    job = sim.service.describe_labeling_job(name)
    assert job["LabelingJobStatus"] == "Completed"
    c = job["LabelCounters"]
    objects = sim.data.objects[0]
    assert c["MachineLabeled"] > 0 and c["HumanLabeled"] > 0
    assert c["TotalLabeled"] == c["HumanLabeled"] + c["MachineLabeled"] == objects - c["FailedNonRetryableError"]
    assert c["Unlabeled"] == 0
    # describe echoes the algorithm config and names the final model (§6).
    assert job["LabelingJobAlgorithmsConfig"] == {
        "LabelingJobAlgorithmSpecificationArn": tasks.algorithm_arn("ImageMultiClass", "us-east-1")}
    arn = job["LabelingJobOutput"]["FinalActiveLearningModelArn"]
    assert MODEL_ARN.match(arn) and arn == result.model_arn
    summary = next(s for s in sim.service.list_labeling_jobs() if s["LabelingJobName"] == name)
    assert summary["LabelingJobOutput"]["FinalActiveLearningModelArn"] == arn

    # The output manifest: human-annotated yes/no as the counters say; machine lines as §3 shows them.
    lines = sim.lines(name)
    assert len(lines) == objects
    metas = [line["digit-metadata"] for line in lines]
    assert sum(m["human-annotated"] == "yes" for m in metas) == c["HumanLabeled"]
    assert sum(m["human-annotated"] == "no" for m in metas) == c["MachineLabeled"]
    machine = [line for line in lines if line["digit-metadata"]["human-annotated"] == "no"]
    for line in machine[:20]:
        meta = line["digit-metadata"]
        assert set(meta) == {"confidence", "job-name", "class-name", "human-annotated", "creation-date", "type"}
        assert meta["type"] == "groundtruth/image-classification" and meta["job-name"] == f"labeling-job/{name}"
        assert 0 < meta["confidence"] <= 1 and line["digit"] == int(meta["class-name"])

    # The real readers: answers and consolidations only for human objects, auto labels per iteration.
    data = SourceReader(Location(sim.bucket, f"jobs/{name}/")).load()
    assert data.skipped == [] and data.jobs == [name]
    assert data.answers["object_id"].nunique() == c["HumanLabeled"]
    assert len(data.consolidations.drop_duplicates(["iteration", "object_id"])) == c["HumanLabeled"]
    auto = data.auto_labels
    assert len(auto) == c["MachineLabeled"] and auto.groupby("iteration").size().sum() == c["MachineLabeled"]
    # Rounds are iterations of their own.
    assert set(auto["iteration"]).isdisjoint(set(data.consolidations["iteration"]))
    machine_ids = {str(i) for i, line in enumerate(lines) if line["digit-metadata"]["human-annotated"] == "no"}
    assert set(auto["token"]) == machine_ids and machine_ids.isdisjoint(set(data.answers["object_id"]))
    assert (data.labels["human_annotated"] == False).sum() == c["MachineLabeled"]  # noqa: E712

    # The probe batch, then MaxConcurrentTaskCount - 10, then the validation set in batches (§4).
    sizes = data.consolidations.groupby("iteration")["object_id"].nunique().to_dict()
    assert sizes[1] == 10 and sizes[2] == 190
    validation = round(0.2 * objects)  # under 5,000 objects
    assert 200 < validation <= 400 and sizes[3] == 200 and sizes[4] == validation - 200
    # Then the first round (iteration 5), then at most MaxConcurrentTaskCount of the least confident.
    assert auto["iteration"].min() == 5 and 5 not in sizes and 0 < sizes[6] <= 200


def test_auto_labels_meet_the_accuracy_target_against_gold(walk):
    sim, result = walk
    for name in result.jobs:
        lines = sim.lines(name)
        machine = [x for x in lines if x["digit-metadata"]["human-annotated"] == "no"]
        right = sum(x["digit-metadata"]["class-name"] == sim.gold[x["source-ref"]] for x in machine)
        assert right / len(machine) >= 0.95, name


def test_auto_annotator_output_and_training_files_are_in_the_layout(walk):
    sim, result = walk
    name = result.jobs[0]
    keys = sim.keys(name)
    auto = [k for k in keys if AUTO_KEY.search(k)]
    models = [k for k in keys if MODEL_KEY.search(k)]
    assert auto and models
    for key in auto:
        kind = classify(key)
        assert kind.kind == "auto_labels" and kind.root == f"jobs/{name}/"
        assert kind.iteration == int(AUTO_KEY.search(key)[1])
        # AWS's notebooks: drop the first token, json.loads the rest (§4).
        for line in sim.bucket.get(key).decode().splitlines():
            token, rest = line.split(" ", 1)
            obj = json.loads(rest)
            assert obj["digit-metadata"]["human-annotated"] == "no" and int(token) >= 0
    for key in models:
        parts = key.split("/")
        assert int(parts[-5]) == int(MODEL_KEY.search(key)[1]) and parts[-3].startswith(name)  # §1's reading
    # The simulator's validation record: one per round, where core.benchmark looks (activelearning/).
    records = [json.loads(sim.bucket.get(k)) for k in keys if k.endswith("/validation.json")]
    assert len(records) == len(models)
    for record in records:
        assert record["accuracy_target"] == 0.95 and 0 < record["validation_accuracy"] <= 1
        if record["auto_labeled_objects"]:
            assert record["accuracy_lower_bound"] >= 0.95 and record["confidence_threshold"] > 0
            assert record["expected_accuracy_at_threshold"] >= 0.95
    # model.tar.gz holds the model that labeled: it predicts the same classes for the auto-labeled objects.
    key = models[0]
    number = int(MODEL_KEY.search(key)[1])
    model = autolabel.load_artifact(sim.bucket.get(key))
    auto_key = next(k for k in auto if int(AUTO_KEY.search(k)[1]) == number)
    rows = [json.loads(x.split(" ", 1)[1]) for x in sim.bucket.get(auto_key).decode().splitlines()]
    features = np.stack([autolabel.image_features(sim.bucket.get(r["source-ref"].removeprefix(f"s3://{BUCKET}/")))
                         for r in rows[:50]])
    predicted, confidence = model.predict(features)
    assert [int(p) for p in predicted] == [r["digit"] for r in rows[:50]]
    assert np.allclose(confidence.round(2), [r["digit-metadata"]["confidence"] for r in rows[:50]], atol=0.011)
    assert autolabel.model_artifact(model) == sim.bucket.get(key)  # the same bytes again


def test_a_model_from_an_earlier_job_labels_more_by_machine(walk):
    """The walkthrough's order (§8, S8): job 2 (from job 1's model) above job 3 (same data, no model)."""
    sim, result = walk
    first, with_model, without = (sim.service.describe_labeling_job(n) for n in result.jobs)
    assert with_model["LabelingJobAlgorithmsConfig"]["InitialActiveLearningModelArn"] == result.model_arn
    assert "InitialActiveLearningModelArn" not in without["LabelingJobAlgorithmsConfig"]
    assert share(with_model) > share(without) + 0.05
    assert with_model["LabelCounters"]["HumanLabeled"] < without["LabelCounters"]["HumanLabeled"]
    print(f"\nmachine share: job 1 {share(first):.3f}, job 2 {share(with_model):.3f}, job 3 {share(without):.3f}")
    # Started from a model, the job skips the second human batch: validation follows the probe.
    data = SourceReader(Location(sim.bucket, f"jobs/{result.jobs[1]}/")).load()
    sizes = data.consolidations.groupby("iteration")["object_id"].nunique().to_dict()
    assert sizes[1] == 10 and sizes[2] == 200
    record = json.loads(next(sim.bucket.get(k) for k in sim.keys(result.jobs[1]) if k.endswith("validation.json")))
    assert record["training_objects_from_initial_model"] > 0


# --- requests the service refuses or fails -------------------------------------------------------------


def test_auto_labeling_requests_are_checked_like_the_service(walk):
    sim, result = walk
    svc = sim.service
    unknown = f"arn:aws:sagemaker:us-east-1:123456789012:model/{result.jobs[0]}-other-model"
    assert error(lambda: svc.create_labeling_job(sim.request("unknown-model", 1, unknown))).code == \
        "ValidationException"
    elsewhere = result.model_arn.replace("us-east-1", "eu-west-1")
    assert error(lambda: svc.create_labeling_job(sim.request("other-region", 1, elsewhere))).code == \
        "ValidationException"
    wrong = sim.request("wrong-algorithm")
    wrong["LabelingJobAlgorithmsConfig"]["LabelingJobAlgorithmSpecificationArn"] = \
        tasks.algorithm_arn("ImageMultiClass", "us-west-2")
    assert error(lambda: svc.create_labeling_job(wrong)).code == "ValidationException"
    shapes = write_shapes(sim.open_uri, f"s3://{BUCKET}/shapes", 5, seed=3)
    boxes = sim.request("boxes", manifest=shapes.manifest_uri) | {"LabelCategoryConfigS3Uri": shapes.labels_uri}
    boxes["HumanTaskConfig"] |= {
        "PreHumanTaskLambdaArn": tasks.pre_lambda_arn("BoundingBox", "us-east-1"),
        "AnnotationConsolidationConfig": {"AnnotationConsolidationLambdaArn": tasks.acs_lambda_arn("BoundingBox",
                                                                                                   "us-east-1")}}
    boxes["LabelingJobAlgorithmsConfig"]["LabelingJobAlgorithmSpecificationArn"] = \
        tasks.algorithm_arn("BoundingBox", "us-east-1")
    problem = error(lambda: svc.create_labeling_job(boxes))
    assert problem.code == "ValidationException" and "auto-labeling for BoundingBox is not simulated" in problem.message
    names = {j["LabelingJobName"] for j in svc.list_labeling_jobs()}
    assert names == set(result.jobs)


def test_fewer_than_1250_objects_fail_the_job_while_initializing(walk, tmp_path):
    sim, _ = walk
    lines = [{"source-ref": s} for s in sim.gold][:1249]
    manifest = f"s3://{BUCKET}/manifests/small.manifest"
    put(sim.open_uri, manifest, manifest_bytes(lines))
    svc = SimulatedService(tmp_path / "state", sim.open_uri, FixedClock(T0))
    request = sim.request("too-small", manifest=manifest)
    request["HumanTaskConfig"]["WorkteamArn"] = svc.team_arn("labeling-team")
    svc.create_labeling_job(request)
    svc.clock.set(T0 + timedelta(days=1))
    job = svc.describe_labeling_job("too-small")
    assert job["LabelingJobStatus"] == "Failed" and "1,250" in job["FailureReason"]
    assert "LabelingJobOutput" not in job


def test_the_job_fails_when_over_10_percent_of_the_first_sample_fails(walk, tmp_path):
    sim, _ = walk
    svc = SimulatedService(tmp_path / "state", sim.open_uri, FixedClock(T0))
    svc.register_truth(sim.service.truth())
    request = sim.request("hurried", TaskAvailabilityLifetimeInSeconds=60)
    request["HumanTaskConfig"]["WorkteamArn"] = svc.team_arn("labeling-team")
    request["OutputConfig"]["S3OutputPath"] = f"s3://{BUCKET}/other-jobs/"
    svc.create_labeling_job(request)
    svc.clock.set(svc.finish_time("hurried") + timedelta(minutes=1))
    job = svc.describe_labeling_job("hurried")
    assert job["LabelingJobStatus"] == "Failed" and "More than 10%" in job["FailureReason"]
    assert job["LabelCounters"]["MachineLabeled"] == 0 and job["LabelCounters"]["FailedNonRetryableError"] > 0
    assert "FinalActiveLearningModelArn" not in job.get("LabelingJobOutput", {})


# --- chaining and determinism ----------------------------------------------------------------------------


def test_chaining_with_the_same_attribute_reuses_the_parents_model(tmp_path):
    sim = Sim(tmp_path, total=1800)
    svc = sim.service
    svc.create_labeling_job(sim.request("parent", manifest=_whole(sim), MaxConcurrentTaskCount=150))
    # Stop the parent once its first model has labeled objects: a stopped job keeps its model (§8).
    t = T0
    while svc.describe_labeling_job("parent")["LabelCounters"]["MachineLabeled"] == 0:
        t += timedelta(minutes=5)
        sim.clock.set(t)
    svc.stop_labeling_job("parent")
    sim.clock.set(t + timedelta(hours=1))
    parent = svc.describe_labeling_job("parent")
    assert parent["LabelingJobStatus"] == "Stopped" and parent["LabelCounters"]["Unlabeled"] > 0
    arn = parent["LabelingJobOutput"]["FinalActiveLearningModelArn"]
    svc.create_labeling_job(sim.request("child", manifest=f"{OUTPUT}parent/manifests/output/output.manifest"))
    (child,) = sim.finish("child")
    assert child["LabelCounters"]["TotalLabeled"] + child["LabelCounters"]["FailedNonRetryableError"] == \
        parent["LabelCounters"]["Unlabeled"]
    records = [json.loads(sim.bucket.get(k)) for k in sim.keys("child") if k.endswith("validation.json")]
    assert records[0]["training_objects_from_initial_model"] > 0
    assert json.loads((tmp_path / "state" / "jobs" / "child" / "job.json").read_text())["spec"]["initial_model"] == arn
    # A new attribute is a new layer: no model carried over.
    svc.create_labeling_job(sim.request("layer", manifest=f"{OUTPUT}parent/manifests/output/output.manifest")
                            | {"LabelAttributeName": "digit-again"})
    spec = json.loads((tmp_path / "state" / "jobs" / "layer" / "job.json").read_text())["spec"]
    assert spec["initial_model"] is None


def _whole(sim: Sim) -> str:
    uri = f"s3://{BUCKET}/manifests/whole.manifest"
    lines = [*sim.bucket.get("walkthrough/half-1.manifest").decode().splitlines(),
             *sim.bucket.get("walkthrough/half-2.manifest").decode().splitlines()]
    put(sim.open_uri, uri, manifest_bytes(lines))
    return uri


def test_same_seed_same_bytes_step_by_step_or_at_once(tmp_path):
    def run(root: Path, steps: bool) -> dict[str, str]:
        sim = Sim(root, total=1300)
        manifest = _whole(sim)
        sim.service.create_labeling_job(sim.request("auto", manifest=manifest))
        end = sim.service.finish_time("auto")
        t = T0
        while steps and t < end:
            t += timedelta(minutes=97)
            sim.clock.set(t)
            sim.service.describe_labeling_job("auto")
        sim.clock.set(end)
        assert sim.service.describe_labeling_job("auto")["LabelCounters"]["MachineLabeled"] > 0
        return tree_hash(root)

    stepwise, at_once, again = run(tmp_path / "a", True), run(tmp_path / "b", False), run(tmp_path / "c", False)
    assert at_once == again  # buckets and simulator state, models included
    bucket = {k: v for k, v in at_once.items() if k.startswith("s3/")}
    assert {k: v for k, v in stepwise.items() if k.startswith("s3/")} == bucket
    assert any("/training/" in k for k in bucket) and any("auto_annotator_output" in k for k in bucket)


def test_digit_variants_keep_their_gold_label(tmp_path):
    open_uri = folder_buckets(tmp_path)
    ds = write_digit_variants(open_uri, f"s3://{BUCKET}/variants", 30, seed=5)
    again = write_digit_variants(open_uri, f"s3://{BUCKET}/variants", 30, seed=5, write=False)
    assert again.sources == ds.sources and again.truth == ds.truth and again.origins == ds.origins
    from core.sim.datasets import load_digits_arrays

    _, classes = load_digits_arrays()
    assert [ds.truth[s]["label"] for s in ds.sources] == [str(classes[o]) for o in ds.origins]
    store = LocalStore(tmp_path / BUCKET)
    gold = [json.loads(x) for x in store.get("variants/gold.jsonl").decode().splitlines()]
    assert [g["label"] for g in gold] == [ds.truth[s]["label"] for s in ds.sources]
    assert autolabel.image_features(store.get("variants/variant-00001.png")).shape == (64,)


def test_experiment_data_is_written_once(walk):
    sim, _ = walk
    before = {i.key: i.version for i in sim.bucket.list("walkthrough/")}
    again = write_experiment_data(sim.open_uri, PREFIX, None, total=2600, seed=7)
    assert again == sim.data and sum(again.objects) == 2600
    assert {i.key: i.version for i in sim.bucket.list("walkthrough/")} == before
    # The halves split the data by shipped digit: a digit and its variants stay on one side.
    digits = {}
    for half, key in enumerate(("walkthrough/half-1.manifest", "walkthrough/half-2.manifest")):
        for line in sim.bucket.get(key).decode().splitlines():
            digits.setdefault(json.loads(line)["source-ref"], half)
    assert len(digits) == 2600
