"""The Workers page's tabs below the table (AppTest, as tests/pages/test_pages.py): flags, the
estimate's disagreements and the charts, of which only the open one is computed and drawn, and the
open one travels in the link as `view`."""

from test_pages import run

CHARTS = ["Labels per worker", "Time per label", "Labels over time"]
DISAGREE = "Where the estimate and Ground Truth disagree"


def drawn(at) -> dict:
    subheaders = [s.value for s in at.subheader]
    return {"flags": any(c.value.startswith("No careless work found") or "flag(s), by day" in c.value
                         for c in at.caption),
            "estimate": DISAGREE in subheaders, "charts": [s for s in CHARTS if s in subheaders],
            "vega": len(at.get("vega_lite_chart"))}


def test_only_the_open_tab_is_drawn_and_a_link_names_it(birds_dir):
    at = run("app_pages/workers.py", source=str(birds_dir))
    assert [t.label for t in at.tabs] == ["Flags", "Estimate vs Ground Truth", "Charts"]
    assert drawn(at) == {"flags": True, "estimate": False, "charts": [], "vega": 0}
    assert "view" not in at.query_params  # the first tab is the default: the link stays short

    at.session_state["view"] = "Charts"  # as a click on the tab does
    at.run()
    assert not at.exception
    # Labels per worker and over time; the fixture's answers carry no time to chart per label.
    assert drawn(at) == {"flags": False, "estimate": False, "charts": CHARTS, "vega": 2}

    linked = run("app_pages/workers.py", source=str(birds_dir), view="Estimate vs Ground Truth")
    assert drawn(linked) == {"flags": False, "estimate": True, "charts": [], "vega": 0}


def test_a_link_naming_no_such_tab_opens_the_first(birds_dir):
    at = run("app_pages/workers.py", source=str(birds_dir), view="Nope")
    assert drawn(at)["flags"] and "view" not in at.query_params
