"""The Annotations page on the demo (AppTest): a text classification item shows its text, and
workers are named as on the Workers page (names from Cognito, or anonymous)."""

import html
import json
from pathlib import Path

from streamlit.testing.v1 import AppTest

APP = str(Path(__file__).resolve().parents[2] / "streamlit_app.py")
PAGE = "app_pages/annotations.py"


def open_page(**params) -> AppTest:
    at = AppTest.from_file(APP, default_timeout=120)
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    at.switch_page(PAGE)
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


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
