"""The Race page's quality weighting and its "Did the races help?" section, opened from a link on the
real 2019 birds job (a race date from the link, so no workspace record is needed)."""

from __future__ import annotations

from app_page import open_app_page

from core.ingest import SourceReader
from core.race.frames import race_table
from core.race.weights import label_weights
from core.storage import open_location


def test_weighted_race_and_race_effect_from_a_link(birds_dir):
    at = open_app_page("app_pages/race.py", source=str(birds_dir), names="anon", weight="agreement",
                       race_on="2019-04-17", window="3")
    answers = SourceReader(open_location(str(birds_dir))).load().answers
    weighted = int(race_table(answers, {}, "5min", weights=label_weights(answers, "agreement")).iloc[-1].sum())
    assert weighted < 1510
    assert any(c.value.startswith("Weighted race: each label counts for the share of the other workers")
               for c in at.caption)
    assert at.markdown[0].value.startswith(f"{weighted:,} weighted labels. Top 3: Worker ")
    assert at.selectbox(key="weight").value == "agreement" and at.query_params["weight"] == "agreement"

    assert [h.value for h in at.subheader if h.value == "Did the races help?"]
    assert any(m.value.startswith("**Race of 2019\\-04\\-17**") for m in at.markdown)
    (team,) = [m.value for m in at.markdown if m.value.startswith("- **Labels per active hour**")]
    lines = team.splitlines()
    assert len(lines) == 2 and lines[1].startswith("- **Share of the team active a day**: – before, ")
    assert all("Not enough days \\(0 with answers before, 1 after" in line for line in lines)
    (workers,) = [d.value for d in at.dataframe if "Worker" in d.value]
    assert len(workers) == 97 and workers["Worker"].str.startswith("Worker ").all()
    assert any("not a controlled experiment" in c.value for c in at.caption)


def test_a_mistyped_weight_in_the_link_is_the_plain_race(birds_dir):
    at = open_app_page("app_pages/race.py", source=str(birds_dir), weight="speed", race_on="2019-04-18")
    assert at.selectbox(key="weight").value == "count" and "weight" not in at.query_params
    assert at.markdown[0].value.startswith("1,510 labels.")
    assert any("label weight “speed” was not understood" in c.value for c in at.caption)
    # The date's own day is left out of both sides, and this job worked only that day.
    assert any("Not enough days \\(0 with answers before, 0 after" in m.value for m in at.markdown)
    assert not [e for e in at.expander if e.label == "Each worker"]  # no worker to list
