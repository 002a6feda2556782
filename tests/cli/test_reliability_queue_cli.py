"""`python -m core reliability` on a job whose manifest carried gold in the queue (core.manifests.gold_mix):
without --gold, the three accuracies are measured on those objects, as `workers` measures accuracy on
them. In-process, on a simulated job whose output manifest is read here with json alone."""

from __future__ import annotations

import json

import pytest
from test_sim import BUCKET, Sim  # tests/unit is on sys.path

from core import cli
from core.gold import read_gold
from core.gt.manifest import GOLD_KEY
from core.manifests import ManifestSpec, plan_manifest, write_parts
from core.manifests.gold_mix import mix_gold


@pytest.fixture(scope="module")
def queued(tmp_path_factory):
    """100 digits with gold digits mixed in at a 25 % share, 5 workers each; the job's output folder and
    its output manifest's lines."""
    root = tmp_path_factory.mktemp("queued")
    sim = Sim(root, digits=160)
    plan = plan_manifest(sim.open_uri(f"s3://{BUCKET}/digits/"), ManifestSpec(sample=100, seed=1))
    gold = read_gold(sim.digits.gold_uri, sim.open_uri(sim.digits.gold_uri).read())
    mixed, _ = mix_gold(plan, gold, 0.25, sim.digits.gold_uri)
    uri = f"s3://{BUCKET}/manifests/gold.manifest"
    write_parts(sim.open_uri(uri), mixed.parts)
    sim.service.create_labeling_job(sim.request("digits-gold", uri, workers=5, MaxConcurrentTaskCount=100))
    assert sim.run("digits-gold", days=20)["LabelingJobStatus"] == "Completed"
    return root / "s3" / BUCKET / "jobs", sim.output_lines("digits-gold")


def test_without_gold_file_the_accuracies_are_measured_on_the_queued_gold(queued, capsys):
    folder, lines = queued
    tagged = [line for line in lines if GOLD_KEY in line]
    right = sum(line["digit-metadata"].get("class-name") == line[GOLD_KEY] for line in tagged)
    assert len(tagged) >= 25
    assert cli.main(["reliability", str(folder), "--format", "csv"]) == 0
    err = capsys.readouterr().err
    assert f"accuracies against the {len(tagged):,} gold objects mixed into the queue (no --gold given)" in err
    # Ground Truth's consolidated share right on exactly those objects, counted here from the manifest.
    assert (f"against gold, over the {len(tagged):,} objects with a gold label: Ground Truth's consolidated "
            f"{right / len(tagged):.1%}") in err
    assert "Dawid-Skene estimate" in err and "Traceback" not in err


def test_a_gold_file_wins_over_the_queue(queued, tmp_path, capsys):
    folder, lines = queued
    first = next(line for line in lines if GOLD_KEY not in line)
    gold = tmp_path / "gold.jsonl"
    gold.write_text(json.dumps({"source-ref": first["source-ref"], "label": first["digit-metadata"]["class-name"]}))
    assert cli.main(["reliability", str(folder), "--gold", str(gold)]) == 0
    err = capsys.readouterr().err
    assert "mixed into the queue" not in err
    assert "over the 1 objects with a gold label: Ground Truth's consolidated 100.0%" in err
