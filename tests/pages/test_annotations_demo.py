"""The Annotations page on the demo (AppTest): a text classification item shows its text, and
workers are named as on the Workers page (names from Cognito, or anonymous)."""

import html
import json
import re
from pathlib import Path

from app_page import open_app_page
from streamlit.testing.v1 import AppTest
from test_quality_report import source  # noqa: F401  (tests/unit is on sys.path)

PAGE = "app_pages/annotations.py"


def open_page(**params) -> AppTest:
    return open_app_page(PAGE, **params)


def manifest_line(demo_dir: Path, job: str, n: int) -> dict:
    path = demo_dir / "buckets" / "ground-control-demo" / "labeling-jobs" / job / "manifests" / "output"
    return json.loads((path / "output.manifest").read_text().splitlines()[n])


def test_a_text_classification_item_shows_its_text_with_each_workers_class_and_the_result(demo_dir):
    at = open_page(ijob="sentences-topics", item="1")
    assert any(s.value == "Item 1 of sentences-topics" for s in at.subheader)
    line = manifest_line(demo_dir, "sentences-topics", 1)
    bodies = [h.proto.body for h in at.get("html")]
    shown = next((b for b in bodies if html.escape(line["source"]) in b), None)
    assert shown is not None, bodies
    assert "<b>Result</b>: " in shown and html.escape(line["topic-metadata"]["class-name"]) in shown
    assert shown.count("&#9632;") == 1 + 3  # the result and the job's three workers, each in its colour


# ---- worker names: as on the Workers page ------------------------------------------------------------

JOB = "sentences-topics"


def job_workers(demo) -> tuple[dict[str, str], set[str]]:
    """The job's workers as the Workers page names them (Cognito names), and their ids and subs."""
    from core.identity import team_names
    from core.ingest import SourceReader
    from core.workers import shown_names

    data = SourceReader(demo.open(f"{demo.output_uri}{JOB}/")).load()
    names = shown_names(data, team_names(demo.service, data.answers), anonymize=False)
    return names, set(data.answers["worker_id"]) | set(data.answers["sub"].dropna())


def shown_text(at: AppTest) -> str:
    """Everything the page shows as text: tables, HTML, Markdown, captions, widgets' options, URL."""
    frames = [d.value.to_csv() for d in at.dataframe]
    parts = [h.proto.body for h in at.get("html")] + [m.value for m in at.markdown] + [c.value for c in at.caption]
    options = [o for s in at.selectbox for o in s.options]
    return "\n".join([*frames, *parts, *options, json.dumps(dict(at.query_params))])


def quality_workers(at: AppTest) -> set[str]:
    tables = [d.value for d in at.dataframe if "worker" in d.value and "job" in d.value]
    return {w for t in tables for w in t.loc[t["job"].eq(JOB), "worker"]}


def test_workers_are_shown_by_their_cognito_names_in_quality_the_filter_and_the_item(demo):
    names, _ = job_workers(demo)
    assert len(names) >= 3 and not any(n.startswith("private.") for n in names.values())  # names, not ids
    at = open_page(job=JOB, ijob=JOB, item="1")
    assert at.radio(key="names").value == "name"
    assert quality_workers(at) == set(names.values())
    assert set(names.values()) <= set(at.selectbox(key="worker").options)
    item = next(h.proto.body for h in at.get("html") if "<blockquote" in h.proto.body)
    assert sum(f"<b>{html.escape(n)}</b>" in item for n in names.values()) == 3  # the item's three workers


def test_anonymous_mode_shows_worker_n_and_never_an_id_or_a_sub_even_in_the_url(demo):
    names, secret = job_workers(demo)
    at = open_page(job=JOB, names="anon", ijob=JOB, item="1")
    workers = quality_workers(at)
    assert len(workers) == len(names) and all(re.fullmatch(r"Worker \d+", w) for w in workers)
    leaked = [s for s in secret if s in shown_text(at)]
    assert not leaked
    pick = sorted(workers)[0]
    at.selectbox(key="worker").select(pick).run()
    assert not at.exception
    assert at.query_params["worker"] == pick  # the filter is kept as the name, never the id
    assert any(c.value.startswith(f"{pick}'s worst items first") for c in at.caption)
    assert not [s for s in secret if s in shown_text(at)]


def test_an_id_in_an_anonymised_link_becomes_its_worker_n(demo):
    names, _ = job_workers(demo)
    worker_id = sorted(names)[0]
    at = open_page(job=JOB, names="anon", worker=worker_id)
    assert re.fullmatch(r"Worker \d+", at.selectbox(key="worker").value)
    assert at.query_params["worker"] == at.selectbox(key="worker").value
    named = open_page(job=JOB, worker=worker_id)  # names: the id stays the link's key, shown by name
    assert named.selectbox(key="worker").value == worker_id and named.query_params["worker"] == worker_id


# ---- segmentation: IoU per class ---------------------------------------------------------------------

def class_iou_table(at: AppTest):
    return next(d.value for d in at.dataframe if list(d.value.columns) == ["job", "worker", "class", "iou", "images"])


def test_segmentation_iou_per_class_shows_for_shapes_masks_worst_first_and_anonymised(demo):
    at = open_page(job="shapes-masks")
    table = class_iou_table(at)
    assert set(table["job"]) == {"shapes-masks"} and "Team" in set(table["worker"])
    assert table["iou"].is_monotonic_increasing  # worst first
    assert any(b.label == "Download CSV" for b in at.get("download_button"))
    assert any(m.value == "**IoU per class**" for m in at.markdown)
    anon = open_page(job="shapes-masks", names="anon")
    workers = set(class_iou_table(anon)["worker"]) - {"Team"}
    assert workers and all(re.fullmatch(r"Worker \d+", w) for w in workers)


# ---- the IoU threshold: boxes only, and a link's value that is no threshold is said -----------------


def test_a_links_iou_that_is_no_threshold_is_said_and_the_default_used(source):  # noqa: F811
    at = open_page(source=str(source), iou="abc")  # ten small jobs, boxes among them
    notes = [c.value for c in at.caption if "not understood" in c.value]
    assert notes == [":material/link_off: The link's IoU “abc” was not understood: showing 0.5."], notes
    assert [s.value for s in at.slider if s.label == "Boxes match from IoU"] == [0.5]
    assert "iou" not in at.query_params


def test_no_iou_slider_where_no_job_draws_boxes(birds_dir):
    at = open_page(source=str(birds_dir))
    assert at.dataframe and not [s for s in at.slider if s.label == "Boxes match from IoU"]
