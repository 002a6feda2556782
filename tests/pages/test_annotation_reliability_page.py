"""The Annotations page's estimated reliability (AppTest) on the real birds fixture: each worker's
estimate and its interval beside the exact match in the Quality tab's table, and the objects where
the estimate and Ground Truth disagree, each opening its object in the Items tab."""

import pytest
from app_page import open_app_page

from core.annotations import reliability as from_table
from core.annotations.source import read_source
from core.storage import open_location


@pytest.fixture(scope="module")
def expected(birds_dir):
    """What core.annotations.reliability gives for the fixture's table: what the page must show."""
    return from_table.classification(read_source(open_location(str(birds_dir))).table)


def test_quality_tab_shows_the_estimate_beside_exact_match_and_opens_disagreements_as_items(birds_dir, expected):
    at = open_app_page("app_pages/annotations.py", source=str(birds_dir), names="ids", tab="Quality")
    workers = next(d.value for d in at.dataframe if "worker" in d.value and "exact_match" in d.value)
    columns = list(workers.columns)
    assert columns[columns.index("exact_match") + 1: columns.index("exact_match") + 3] == [
        "reliability", "reliability_interval"]
    want = expected.job_workers.set_index("worker_id")
    assert len(workers) == len(want) == 97
    for row in workers.head(5).itertuples():
        mine = want.loc[row.worker]
        assert row.reliability == pytest.approx(mine["reliability"])
        assert row.reliability_interval == f"{mine['reliability_low']:.1%} to {mine['reliability_high']:.1%}"

    # The 13 disagreements, the 10 surest as buttons that open the object in the Items tab.
    assert any(c.value.startswith("13 object(s) where the label estimated") for c in at.caption)
    buttons = [b for b in at.button if b.key and b.key.startswith("audit_classification_")]
    top = expected.disagreements.head(10)
    assert len(buttons) == 10
    for button, obj in zip(buttons, top.itertuples(), strict=True):
        text = button.label.replace("\\", "")  # Markdown-escaped data
        assert f"object {obj.object_id}: estimate {obj.estimate}" in text
        assert f"Ground Truth: {obj.consolidated}" in text
        assert "Traceback" not in text
    buttons[2].click().run()
    assert not at.exception, [e.value for e in at.exception]
    third = top.iloc[2]
    assert at.query_params["tab"] == "Items" and at.query_params["item"] == third["object_id"]
    assert any(s.value == f"Item {third['object_id']} of {third['job']}" for s in at.subheader)

    # A worker chosen in the sidebar leaves one answer an object: no estimate, and the page says why.
    one = open_app_page("app_pages/annotations.py", source=str(birds_dir), names="ids", tab="Quality",
                        worker=str(want.index[0]))
    assert not [b for b in one.button if b.key and b.key.startswith("audit_")]
    assert any("not computed while a worker is chosen" in c.value for c in one.caption)
    assert all("reliability" not in d.value for d in one.dataframe)
