"""Gold in the queue (core.manifests.gold_mix): gold objects mixed into a manifest at seeded places, tagged
with their true label; Ground Truth (here the simulator) carries the tag into the output manifest
(docs/ground-truth.md §3), and the reports measure workers on those objects and keep them out of the
ordinary output counts. The command: tests/cli/test_manifests_cli.py."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from core.annotations.reports import class_counts, without_gold
from core.annotations.source import read_source
from core.gold import queued_gold, read_gold
from core.gt import tasks
from core.gt.manifest import GOLD_KEY, read_manifest
from core.ingest import SourceReader
from core.manifests import ManifestError, ManifestSpec, manifest_bytes, plan_manifest, write_parts
from core.manifests.gold_mix import gold_count, mix_gold
from core.sim.buckets import folder_buckets
from core.sim.clock import FixedClock
from core.sim.datasets import write_digits
from core.sim.service import SimulatedService
from core.storage import LocalStore, Location
from core.workers import manifest_counts, worker_report

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning: the simulated team works


def images(root: Path, n: int) -> Location:
    """`n` images under root/data, named so the gold file can point at them by URI."""
    for i in range(n):
        (root / "data").mkdir(parents=True, exist_ok=True)
        (root / "data" / f"img-{i:03d}.png").write_bytes(b"\x89PNG-ish")
    return Location(LocalStore(root), "data")


def gold_for(location: Location, names: list[str]) -> dict[str, str]:
    return {location.store.uri_of(f"gold/{name}"): f"class-{name[0]}" for name in names}


def tagged(lines: list[dict]) -> list[int]:
    return [i for i, line in enumerate(lines) if GOLD_KEY in line]


def digits_job(service: SimulatedService, digits, name: str, manifest: str) -> dict:
    """The CreateLabelingJob request of a digits classification job (3 workers an image) on the
    simulated team, its output under s3://data/jobs/."""
    return {
        "LabelingJobName": name, "LabelAttributeName": "digit",
        "InputConfig": {"DataSource": {"S3DataSource": {"ManifestS3Uri": manifest}}},
        "OutputConfig": {"S3OutputPath": "s3://data/jobs/"}, "RoleArn": "arn:aws:iam::123456789012:role/GroundTruth",
        "LabelCategoryConfigS3Uri": digits.labels_uri,
        "HumanTaskConfig": {
            "WorkteamArn": service.team_arn("labeling-team"), "UiConfig": {"UiTemplateS3Uri": "s3://data/t.html"},
            "PreHumanTaskLambdaArn": tasks.pre_lambda_arn("ImageMultiClass", "us-east-1"), "TaskTitle": "Digits",
            "TaskDescription": "Which digit?", "NumberOfHumanWorkersPerDataObject": 3, "TaskTimeLimitInSeconds": 300,
            "AnnotationConsolidationConfig": {
                "AnnotationConsolidationLambdaArn": tasks.acs_lambda_arn("ImageMultiClass", "us-east-1")}}}


def simulated_digits(root: Path):
    """The simulated team under `root` (buckets in root/s3, its clock at T0), the digits dataset (60
    images, their true labels registered) and the plan of a 40-object manifest of them."""
    open_uri = folder_buckets(root / "s3")
    clock = FixedClock(T0)
    service = SimulatedService(root / "state", open_uri, clock, 7)
    digits = write_digits(open_uri, "s3://data/digits", count=60)
    service.register_truth(digits.truth)
    plan = plan_manifest(open_uri("s3://data/digits/"), ManifestSpec(sample=40, seed=1))
    return open_uri, clock, service, digits, plan


def two_digits_jobs(root: Path) -> Location:
    """Two digits jobs (40 objects, 3 workers each) run by the simulator under `root` a week apart, the
    first with 4 gold lines mixed into its queue; their output under jobs/ of the returned folder (the
    bucket s3://data)."""
    open_uri, clock, service, digits, plan = simulated_digits(root)
    mixed, _ = mix_gold(plan, read_gold(digits.gold_uri, open_uri(digits.gold_uri).read()), 0.1, digits.gold_uri)
    for name, manifest in (("digits-gold", "gold.manifest"), ("digits-later", "plain.manifest")):
        write_parts(open_uri(f"s3://data/manifests/{manifest}"), mixed.parts if name == "digits-gold" else [plan.lines])
        service.create_labeling_job(digits_job(service, digits, name, f"s3://data/manifests/{manifest}"))
        clock.set(clock.now() + timedelta(days=6))  # the second job's answers on another day
        assert service.describe_labeling_job(name)["LabelingJobStatus"] == "Completed"
    return Location(LocalStore(root / "s3" / "data"), "jobs/")


def test_the_share_is_of_the_lines_written_in_seeded_places_and_tagged_with_the_true_label(tmp_path):
    location = images(tmp_path, 95)
    gold = gold_for(location, [f"{c}{i}.png" for c in "ab" for i in range(20)])
    plan = plan_manifest(location, ManifestSpec(seed=3))
    mixed, mix = mix_gold(plan, gold, 0.05)
    assert gold_count(95, 0.05) == 5 and mix.per_part == (5,)  # 5 of 100 lines
    lines = mixed.parts[0]
    assert len(lines) == 100 and len(tagged(lines)) == 5
    for i in tagged(lines):
        assert lines[i][GOLD_KEY] == gold[lines[i]["source-ref"]] and set(lines[i]) == {"source-ref", GOLD_KEY}
    assert [line for line in lines if GOLD_KEY not in line] == plan.lines  # the ordinary lines, in order
    assert mixed.counts["gold_mixed"] == 5 and mixed.counts["lines"] == 100
    assert mix_gold(plan, gold, 0.05)[0].parts == mixed.parts  # the same seed: the same manifest
    other, _ = mix_gold(plan_manifest(location, ManifestSpec(seed=4)), gold, 0.05)
    assert tagged(other.parts[0]) != tagged(lines)  # another seed: other places


def test_a_gold_object_already_in_the_manifest_is_not_added_twice(tmp_path):
    location = images(tmp_path, 30)
    inside = {location.store.uri_of(f"data/img-{i:03d}.png"): "x" for i in range(10)}  # 10 of the manifest's own
    outside = gold_for(location, ["a1.png", "a2.png"])
    plan = plan_manifest(location, ManifestSpec())
    mixed, mix = mix_gold(plan, inside | outside, 0.2)
    assert mix.offered == 12 and mix.already == 10
    sources = [line["source-ref"] for line in mixed.parts[0]]
    assert len(sources) == len(set(sources))  # no object twice
    assert {mixed.parts[0][i]["source-ref"] for i in tagged(mixed.parts[0])} == set(outside)
    assert "instead of 8" in mix.warnings[0]  # 20 % of 38 lines wanted, only 2 could be had
    with pytest.raises(ManifestError, match="all 10 of its gold objects are already in the manifest"):
        mix_gold(plan, inside, 0.2, "gold.csv")


def test_each_part_of_a_split_manifest_gets_its_share(tmp_path):
    location = images(tmp_path, 60)
    gold = gold_for(location, [f"g{i}.png" for i in range(40)])
    plan = plan_manifest(location, ManifestSpec(split=3, seed=1))
    mixed, mix = mix_gold(plan, gold, 0.1)
    assert mix.per_part == (2, 2, 2)  # 10 % of 22 lines: 2 gold among each part's 20 ordinary
    drawn = [mixed.parts[p][i]["source-ref"] for p in range(3) for i in tagged(mixed.parts[p])]
    assert len(drawn) == len(set(drawn)) == 6  # enough gold: the parts draw different objects
    assert [len(p) for p in mixed.parts] == [22, 22, 22] and not mix.warnings


def test_shares_and_gold_files_that_cannot_be_used_are_refused_with_the_reason(tmp_path, birds_dir):
    location = images(tmp_path, 10)
    plan = plan_manifest(location, ManifestSpec())
    for share in (0, 0.6):
        with pytest.raises(ManifestError, match="the gold share must be above 0 %"):
            mix_gold(plan, {"s3://b/a.png": "x"}, share)
    ids = read_gold("true_labels.json", (birds_dir / "true_labels.json").read_bytes())  # Open Images ImageIds
    with pytest.raises(ManifestError, match=r"true_labels.json: its gold objects are named by file name or ID"):
        mix_gold(plan, ids, 0.05, "true_labels.json")


def test_the_birds_output_manifest_as_gold_mixed_into_a_manifest_on_s3_and_read_back(tmp_path, birds_dir,
                                                                                       moto_settings):
    """A real job's output manifest is a gold file keyed by source-ref; the manifest written to S3 (moto)
    reads back with its tags, and as a gold file again gives the same labels."""
    from core.aws import client
    from core.storage import S3Store

    birds = read_gold("output.manifest", (birds_dir / "output.manifest").read_bytes())
    location = images(tmp_path, 200)
    mixed, mix = mix_gold(plan_manifest(location, ManifestSpec(split=2)), birds, 0.05, "output.manifest")
    assert mix.per_part == (5, 5)
    client("s3", moto_settings).create_bucket(Bucket="gold-queue")
    out = Location(S3Store("gold-queue", settings=moto_settings), "batches/birds.manifest")
    uris = write_parts(out, mixed.parts)
    keys = ["batches/birds-part1-of-2.manifest", "batches/birds-part2-of-2.manifest"]
    assert uris == [f"s3://gold-queue/{key}" for key in keys]
    for key, part in zip(keys, mixed.parts, strict=True):
        data = out.store.get(key)
        assert data == manifest_bytes(part)
        back = read_manifest(data)
        assert {back.sources[i]: label for i, label in back.gold.items()} == {
            line["source-ref"]: birds[line["source-ref"]] for line in part if GOLD_KEY in line}
        assert len(back.gold) == 5


def test_the_simulator_carries_the_tag_and_the_reports_measure_workers_on_the_gold(tmp_path):
    open_uri, clock, service, digits, plan = simulated_digits(tmp_path)
    gold = read_gold(digits.gold_uri, open_uri(digits.gold_uri).read())
    mixed, mix = mix_gold(plan, gold, 0.1, digits.gold_uri)
    assert mix.per_part == (4,) and mix.already == 40
    write_parts(open_uri("s3://data/manifests/gold.manifest"), mixed.parts)
    service.create_labeling_job(digits_job(service, digits, "digits-gold", "s3://data/manifests/gold.manifest"))
    clock.set(T0 + timedelta(days=6))
    assert service.describe_labeling_job("digits-gold")["LabelingJobStatus"] == "Completed"
    bucket = LocalStore(tmp_path / "s3" / "data")
    out = [json.loads(line) for line in bucket.get("jobs/digits-gold/manifests/output/output.manifest").splitlines()]
    assert [i for i, line in enumerate(out) if GOLD_KEY in line] == tagged(mixed.parts[0])
    assert all("digit" in line and line[GOLD_KEY] == gold[line["source-ref"]] for line in out if GOLD_KEY in line)

    data = SourceReader(Location(bucket, "jobs/")).load()
    queued = queued_gold(data.objects)
    assert queued == {line["source-ref"]: line[GOLD_KEY] for line in out if GOLD_KEY in line}
    report = worker_report(data, gold=queued)
    on_gold = data.answers[data.answers["object_id"].isin([str(i) for i in tagged(out)])]
    measured = report[report["worker_id"].isin(set(on_gold["worker_id"]))]
    assert measured["accuracy"].notna().all() and len(measured) == on_gold["worker_id"].nunique()
    hits = on_gold.assign(truth=on_gold["object_id"].map(lambda i: out[int(i)][GOLD_KEY]))
    assert report.iloc[-1]["accuracy"] == pytest.approx(  # the Team row: the median worker's share right
        hits.assign(ok=hits["label"].astype(str) == hits["truth"]).groupby("worker_id", observed=True)["ok"]
        .mean().median())
    counts = manifest_counts(data)
    assert counts[["objects", "labeled", "gold"]].iloc[0].tolist() == [40, 40, 4]

    found = read_source(Location(bucket, "jobs/"))
    assert set(found.gold) == {("digits-gold", str(i)) for i in tagged(out)}
    ordinary = without_gold(found.table, found.gold)
    assert set(ordinary["object_id"]) == {str(i) for i in range(44)} - {str(i) for i in tagged(out)}
    assert int(class_counts(ordinary)["annotations"].sum()) == 40  # one class per ordinary object
    assert int(class_counts(found.table)["annotations"].sum()) == 44


def test_the_annotation_cache_keeps_a_manifests_gold_lines(tmp_path):
    """The Annotations page reads through a disk cache: a gold line's tag must come back from it."""
    from core.annotations.cache import add_extra, extras_of
    from core.annotations.parsed import Parsed, parse_manifest

    lines = [{"source-ref": "s3://b/a.png", "animal": 0, "animal-metadata": {
                 "class-name": "cat", "type": "groundtruth/image-classification", "job-name": "labeling-job/j"}},
             {"source-ref": "s3://b/g.png", GOLD_KEY: "dog", "animal": 1, "animal-metadata": {
                 "class-name": "dog", "type": "groundtruth/image-classification", "job-name": "labeling-job/j"}}]
    parsed = parse_manifest(manifest_bytes(lines), "j", "output.manifest")
    assert parsed.gold == {"1": "dog"}
    back = Parsed()
    for _, kind, data, blob in extras_of("k", parsed):
        add_extra(back, kind, data, blob)
    assert back.gold == {"1": "dog"} and back.texts == {}
