"""Gold for inline texts and for videos, against the source of tests/unit/test_quality_report.py:
text objects matched on their text (they have no source-ref), and a trusted video job's manifest
read with the SeqLabel.json files it names, from a local copy of its bucket or through the
workspace's buckets. Figures by hand."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from test_quality_report import MOODS, TEXT, A, B, meta, source  # noqa: F401  (tests/unit is on sys.path)

from core.annotations.draw import GOLD
from core.annotations.items import item_rows
from core.annotations.source import read_source
from core.gold import GoldError
from core.quality.gold import read_gold_annotations
from core.quality.gold_files import read_gold
from core.quality.report import quality_report
from core.sim.buckets import folder_buckets
from core.storage import StoreError, open_location


@pytest.fixture(scope="module")
def found(source):  # noqa: F811
    return read_source(open_location(str(source)))


def lines(*objs: dict) -> bytes:
    return ("\n".join(json.dumps(o) for o in objs) + "\n").encode()


def scored(found, gold: pd.DataFrame) -> pd.DataFrame:
    return quality_report(found.table, gold=gold).set_index(["job", "worker"])


# --- inline texts: matched on the text -----------------------------------------------------------------

# The trusted reader calls the second text negative (sarcasm): A is right once, B never.
MOOD_GOLD = [{"source": MOODS[0], "label": "negative"}, {"source": MOODS[1], "label": "negative"}]


def test_text_classification_is_scored_against_gold_matched_on_the_text(found):
    report = scored(found, read_gold_annotations("gold.jsonl", lines(*MOOD_GOLD)))
    assert report.loc[("mood-tc", A), "reference"] == "gold"
    assert report.loc[("mood-tc", A), "exact_match"] == 0.5
    assert report.loc[("mood-tc", B), "exact_match"] == 0.0
    assert report.loc[("mood-tc", "Team"), "exact_match"] == 0.25
    assert scored(found, None).loc[("mood-tc", A), "exact_match"] == 1.0  # without gold: the result


def test_a_trusted_text_jobs_manifest_is_gold_matched_on_the_text(found):
    trusted = lines(*[{"source": g["source"], "mood": 0, "mood-metadata": meta(
        "trusted", "text-classification", **{"class-name": g["label"]})} for g in MOOD_GOLD])
    report = scored(found, read_gold_annotations("output.manifest", trusted))
    assert (report.loc[("mood-tc", A), "exact_match"], report.loc[("mood-tc", B), "exact_match"]) == (0.5, 0.0)


def test_ner_is_scored_against_gold_spans_matched_on_the_text(found):
    # Gold names the two people and not the place: A's three exact spans hold 2 of 2 (F1 2*2/(2+3));
    # B's Person 0-3 only overlaps Person 0-12 and its Place is not gold (exact 0, overlap 2*1/(2+2)).
    gold = read_gold_annotations("gold.jsonl", lines({"source": TEXT, "entities": [
        {"label": "Person", "startOffset": 0, "endOffset": 12}, {"label": "Person", "startOffset": 17,
                                                                 "endOffset": 32}]}))
    assert set(gold["kind"]) == {"span"} and gold["source_ref"].isna().all()
    report = scored(found, gold)
    assert report.loc[("people-ner", A), "reference"] == "gold"
    assert report.loc[("people-ner", A), "f1"] == pytest.approx(0.8)
    assert report.loc[("people-ner", B), "f1"] == 0.0
    assert report.loc[("people-ner", B), "f1_overlap"] == pytest.approx(0.5)


def test_an_items_gold_is_found_by_its_text(found):
    rows = item_rows(found.table, "mood-tc", "1", read_gold_annotations("gold.jsonl", lines(*MOOD_GOLD)))
    assert rows.set_index("who").loc[GOLD, "label"] == "negative"


def test_a_gold_line_with_neither_uri_nor_text_is_refused_by_line():
    with pytest.raises(GoldError, match="gold.jsonl line 2: no 'source-ref' or 'source'"):
        read_gold_annotations("gold.jsonl", lines(MOOD_GOLD[0], {"label": "negative"}))


# --- video: the SeqLabel.json files a trusted manifest names -------------------------------------------

SEQ = "labeling-jobs/trusted-vot/annotations/consolidated-annotation/output/{}/SeqLabel.json"
MANIFEST = "labeling-jobs/trusted-vot/manifests/output/output.manifest"


def trusted_video(root: Path, bucket: str = "other-bucket") -> Path:
    """A trusted tracking job's output in `root` as in its bucket (a copy starts below the bucket's
    name): gold for traffic-vot's two videos, with only the left car (x = 10 + 2f), track g1."""
    frames = [{"frame-no": str(f), "frame": f"frame_000{f}.jpeg", "annotations": [
        {"class-id": "0", "left": 10 + 2 * f, "top": 10, "width": 20, "height": 20, "object-id": "g1",
         "object-name": "car:1"}]} for f in range(3)]
    for obj in (0, 1):
        path = root / SEQ.format(obj)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps({"tracking-annotations": frames}))
    manifest = root / MANIFEST
    manifest.parent.mkdir(parents=True)
    manifest.write_bytes(lines(*[{"source-ref": f"s3://demo-bucket/video/seq{obj + 1}.json",
                                  "cars-ref": f"s3://{bucket}/{SEQ.format(obj)}",
                                  "cars-ref-metadata": meta("trusted-vot", "video-object-tracking",
                                                            **{"class-map": {"0": "car"}})} for obj in (0, 1)]))
    return manifest


def local_only(uri: str):
    """Opens local paths; no bucket is reachable (a file not in the copy is not found anywhere)."""
    if uri.startswith("s3://"):
        raise StoreError(f"{uri}: no such bucket here")
    return open_location(uri)


def test_video_gold_from_a_local_copy_of_its_bucket(found, tmp_path):
    gold = read_gold(str(trusted_video(tmp_path / "copy")), local_only)
    assert len(gold) == 6 and set(gold["kind"]) == {"frame-box"} and set(gold["track_id"]) == {"g1"}
    report = scored(found, gold)
    a, b = report.loc[("traffic-vot", A)], report.loc[("traffic-vot", B)]
    assert a["reference"] == "gold"
    # Each worker drew both cars in 3 frames of 2 videos: 6 of 12 boxes match the 6 gold boxes.
    assert (a["precision"], a["recall"], a["f1"]) == (0.5, 1.0, pytest.approx(2 / 3))
    # g1 is A's a, a, b in video 0 (one switch) and a, a, a in video 1; B keeps x throughout.
    assert (a["id_switches"], b["id_switches"]) == (1, 0)


def test_video_gold_through_the_workspaces_buckets(found, tmp_path):
    trusted_video(tmp_path / "buckets" / "gold-bucket", bucket="gold-bucket")
    gold = read_gold(f"s3://gold-bucket/{MANIFEST}", folder_buckets(tmp_path / "buckets"))
    assert scored(found, gold).loc[("traffic-vot", A), "id_switches"] == 1


def test_video_gold_whose_sequence_file_is_missing_is_refused_naming_it(tmp_path):
    manifest = trusted_video(tmp_path / "copy")
    (tmp_path / "copy" / SEQ.format(1)).unlink()
    with pytest.raises(GoldError, match=r"1 of the 2 SeqLabel.json .* s3://other-bucket/.*/output/1/SeqLabel.json"):
        read_gold(str(manifest), local_only)
    with pytest.raises(GoldError, match="2 of the 2"):  # the pure reader, given no way to fetch
        read_gold_annotations("output.manifest", manifest.read_bytes())


# --- video: a sequence's frames inline, the demo's videos' gold.jsonl line -----------------------------

def inline_frames(object_id: bool = True) -> list[dict]:
    """traffic-vot's gold as SeqLabel.json frames inline: the left car only, as in trusted_video."""
    return [{"frame-no": str(f), "frame": f"frame_000{f}.jpeg", "frame-attributes": {"light": "day"},
             "annotations": [{"label": "car", "left": 10 + 2 * f, "top": 10, "width": 20, "height": 20,
                              **({"object-id": "g1"} if object_id else {})}]} for f in range(3)]


def test_video_gold_lines_with_inline_frames_score_a_tracking_job(found):
    gold = read_gold_annotations("gold.jsonl", lines(*[{"source-ref": f"s3://demo-bucket/video/seq{n}.json",
                                                         "frames": inline_frames()} for n in (1, 2)]))
    assert set(gold["task_type"]) == {"video-object-tracking"} and set(gold["track_id"]) == {"g1"}
    a, b = (scored(found, gold).loc[("traffic-vot", w)] for w in (A, B))
    assert a["reference"] == "gold"
    assert (a["precision"], a["recall"], a["id_switches"], b["id_switches"]) == (0.5, 1.0, 1, 0)  # as from a manifest


def test_video_gold_without_object_ids_is_detection_gold_and_serves_a_tracking_job_too(found):
    gold = read_gold_annotations("gold.jsonl", lines({"source-ref": "s3://demo-bucket/video/seq1.json",
                                                      "frames": inline_frames(object_id=False)}))
    assert set(gold["task_type"]) == {"video-object-detection"}
    a = scored(found, gold).loc[("traffic-vot", A)]
    assert (a["reference"], a["recall"]) == ("gold", 1.0)
    assert pd.isna(a["id_switches"])  # no ids in the gold: no switches to count


@pytest.mark.parametrize(("frames", "said"), [
    ([{"frame-no": "0", "annotations": [{"label": "car", "left": 1, "top": 1, "width": -2, "height": 2}]}],
     "frames[0].annotations[0]"),
    ([{"frame-no": "0", "annotations": [{"left": 1, "top": 1, "width": 2, "height": 2}]}], "has no 'label'"),
    (["not a frame"], "frames[0]"),
])
def test_video_gold_with_a_bad_frame_is_refused_naming_it(frames, said):
    with pytest.raises(GoldError, match=re.escape(said)):
        read_gold_annotations("gold.jsonl", lines({"source-ref": "s3://demo-bucket/video/seq1.json",
                                                   "frames": frames}))
