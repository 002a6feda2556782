"""The Workers page's estimated reliability (AppTest, as tests/pages/test_pages.py): the column beside
agreement and accuracy with its interval as the tooltip, and the objects where the estimate and
Ground Truth disagree, linked to the Annotations page's item view; on the real birds fixture."""

import json
from urllib.parse import parse_qs

import pyarrow as pa
import pytest
from test_metrics import load
from test_pages import run
from test_quality_report import source  # noqa: F401  (tests/unit is on sys.path)

from core import reliability
from core.gold import read_gold

ESTIMATE = "Estimate vs Ground Truth"  # the tab below the table, as a link names it (view=)


def grid(at):
    """The AgGrid's column settings and rows (AppTest shows the component as opaque: read its args)."""
    element = at.get("component_instance")[0]
    options = json.loads(element.proto.json_args)["gridOptions"]
    rows = pa.ipc.open_stream(element.proto.special_args[0].arrow_dataframe.data.data).read_pandas()
    return {c["field"]: c for c in options["columnDefs"]}, rows, options["pinnedBottomRowData"][0]


@pytest.fixture(scope="module")
def expected(birds_dir) -> reliability.Reliability:
    """What core.reliability gives for the fixture and its own gold file: what the page must show."""
    data = load(birds_dir)
    path = birds_dir / "true_labels.json"
    return reliability.estimate(data.answers, data.labels, data.objects, read_gold(path.name, path.read_bytes()))


def test_workers_page_shows_the_estimated_reliability_and_where_to_audit(birds_dir, expected):
    at = run("app_pages/workers.py", source=str(birds_dir), gold=str(birds_dir / "true_labels.json"),
             view=ESTIMATE)
    columns, rows, team = grid(at)
    # Beside agreement and accuracy, in the default columns, with its help and its interval as tooltip.
    order = list(columns)
    assert order.index("reliability") == order.index("accuracy") + 1
    assert columns["reliability"]["headerName"] == "Estimated reliability %"
    assert "without gold" in columns["reliability"]["headerTooltip"]
    assert columns["reliability"]["tooltipField"] == "reliability_interval"
    assert columns["reliability_interval"]["hide"] is True
    want = expected.workers.set_index("worker_id")
    first = want.index[0]  # the worker with the most answers, the grid's first row
    row = rows.iloc[0]
    assert row["worker"] == first
    assert row["reliability"] == round(want.loc[first, "reliability"] * 100, 1)
    assert row["reliability_interval"] == (f"95 % interval: {want.loc[first, 'reliability_low']:.1%} to "
                                           f"{want.loc[first, 'reliability_high']:.1%}")
    assert team["reliability"] == round(want["reliability"].median() * 100, 1)  # the Team row: the median

    # The 13 disagreements, the 10 surest as links to their item on the Annotations page.
    assert "Where the estimate and Ground Truth disagree" in [s.value for s in at.subheader]
    assert any(c.value.startswith("13 object(s)") for c in at.caption)
    assert reliability.accuracy_sentence(expected.accuracies()) in [c.value for c in at.caption]  # 90.1, 89.7, 86.4
    links = [p.proto for p in at.get("page_link") if p.proto.icon == ":material/rule:"]
    top = expected.disagreements.head(10)
    assert len(links) == 10
    for link, obj in zip(links, top.itertuples(), strict=True):
        assert link.page == "annotations"
        params = parse_qs(link.query_string)
        assert params["item"] == [obj.object_id] and params["tab"] == ["Items"]
        assert "ijob" not in params  # one job: nothing to choose, and the Annotations page names it otherwise
        assert params["source"] == [str(birds_dir)]
        text = link.label.replace("\\", "")  # Markdown-escaped data
        assert f"object {obj.object_id}: estimate {obj.estimate}" in text
        assert f"Ground Truth: {obj.consolidated}" in text
        assert "Traceback" not in text and "_" not in text.replace("ic_data", "")


def test_anonymised_names_keep_the_estimate_and_hide_the_ids(birds_dir, expected):
    at = run("app_pages/workers.py", source=str(birds_dir), names="anon")
    _, rows, _ = grid(at)
    assert rows["worker"].str.fullmatch(r"Worker \d+").all()
    assert rows["reliability"].notna().all()
    assert sorted(rows["reliability"]) == sorted((expected.workers["reliability"] * 100).round(1))
    for link in at.get("page_link"):
        assert "public.us-east-1." not in link.proto.query_string


def test_no_classification_answers_no_estimate(source):  # noqa: F811
    at = run("app_pages/workers.py", source=str(source), view=ESTIMATE)  # classification and other jobs
    assert "Where the estimate and Ground Truth disagree" in [s.value for s in at.subheader]
    at.multiselect(key="jobs_widget").set_value(["cars-bb"]).run()  # bounding boxes only
    assert not at.exception
    assert "Where the estimate and Ground Truth disagree" not in [s.value for s in at.subheader]
    assert ("The estimate is made from answers with one label (image or text classification): this selection has "
            "none.") in [c.value for c in at.tabs[1].caption]
    columns, _, _ = grid(at)
    assert "reliability" not in columns
