"""The Workers page's Flags section (AppTest, as tests/pages/test_pages.py), on the simulator's two
weeks with a careless worker and one who slips (tests/unit/test_flags.py): each flag one readable line
with its reason, and a link to that worker's items of that day, anonymised as the page is."""

from urllib.parse import parse_qs

from test_flags import simulated  # noqa: F401  (tests/unit is on sys.path)
from test_pages import run

from app_pages._flags import ICONS
from core import flags
from core.workers import shown_names


def test_each_flag_is_a_line_with_its_reason_and_a_link_to_the_workers_items(simulated):  # noqa: F811
    data, ids, _ = simulated
    at = run("app_pages/workers.py", source=data.uri, names="anon")
    assert at.tabs[0].label == "Flags"  # the tab below the table that opens first
    names = shown_names(data, {}, anonymize=True)
    expected = flags.find_flags(data.answers, data.labels, names=names)
    assert [f.kind for f in expected] == [flags.CLICKING, flags.CLICKING, flags.DROP]
    lines = [m.value.replace("\\", "") for m in at.markdown if any(t in m.value for t in flags.KINDS.values())]
    assert lines == [f"{ICONS[f.kind]} **{flags.KINDS[f.kind]}**: {f.reason}" for f in expected]
    links = [p.proto for p in at.get("page_link") if "from=" in p.proto.query_string]
    assert len(links) == len(expected)
    for link, flag in zip(links, expected, strict=True):
        params = parse_qs(link.query_string)
        assert link.page == "annotations" and params["tab"] == ["Items"]
        # Anonymised here, anonymised there: the link names Worker N, never the id.
        assert params["worker"] == [names[flag.worker_id]] and "private." not in link.query_string
        assert params["from"] == params["to"] == [flag.day.isoformat()]
        assert (params["ijob"][0], params["item"][0]) == flag.items[0]
        assert link.label == f"{len(flag.items):,} items"

