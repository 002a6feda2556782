"""The Workers page's Flags section (core.flags): careless work per worker and day, each flag one line
with its reason, linked to that worker's items of that day on the Annotations page."""

from __future__ import annotations

import streamlit as st

from app_pages._memo import digest, memo
from app_pages._selection import Chosen
from app_pages._shared import literal
from core.flags import CLICKING, DROP, KINDS, MIN_DAY_ANSWERS, RUN, Flag, find_flags, flags_table
from core.tables import format_table

ICONS = {CLICKING: ":material/bolt:", RUN: ":material/repeat:", DROP: ":material/trending_down:"}
SHOWN = 20  # flags listed as links; all of them in the CSV


def flags_found(chosen: Chosen, layers: dict[str, str]) -> list[Flag]:
    """The flags of this selection, computed once per selection, layers and names."""
    def compute() -> list[Flag]:
        answers, labels, _ = chosen.selection.apply(chosen.data)
        return find_flags(answers, labels, layers, chosen.shown)

    with st.spinner("Looking for careless work, worker by worker and day by day ..."):
        return memo("flags", chosen.data, (chosen.selection, digest(layers), digest(chosen.shown)), compute)


def _link(chosen: Chosen, flag: Flag) -> dict:
    """The Annotations page on this worker's items of that day, the flag's first item shown. Named as
    this page names them: anonymised, the link carries Worker N, never the id."""
    job, item = flag.items[0]
    worker = chosen.shown.get(flag.worker_id, flag.worker_id) if chosen.mode == "anon" else flag.worker_id
    day = flag.day.isoformat()
    link = {"source": st.session_state.get("source", ""), "names": chosen.mode, "worker": worker, "from": day,
            "to": day, "tab": "Items", "item": item}
    # The job is named only where there is a choice, as the reliability links do: the Annotations page
    # may know a job by another name (its manifest's job-name), and an unknown one shows a note.
    if len(chosen.data.jobs) > 1:
        link["ijob"] = job
    return link


def flags_section(chosen: Chosen, layers: dict[str, str]) -> None:
    if not chosen.answers["label"].notna().any():
        st.caption("Flags look at answers with one label (image or text classification): this selection has none.")
        return
    found = flags_found(chosen, layers)
    if not found:
        st.caption(f"No careless work found: no worker clicked through, gave the same label over and over, or "
                   f"suddenly agreed less, on any day with at least {MIN_DAY_ANSWERS} answers with one label.")
        return
    st.caption(f"{len(found):,} flag(s), by day: answers much faster than the rest of the team together with low "
               "agreement, improbably long runs of the same label, or a sudden drop in agreement. Each opens that "
               "worker's items of that day on the Annotations page.")
    for flag in found[:SHOWN]:
        # The sentence wraps in its own column (a link's label is cut at one line); the link beside it.
        text, link = st.columns([6, 1], vertical_alignment="center")
        text.markdown(f"{ICONS[flag.kind]} **{KINDS[flag.kind]}**: {literal(flag.reason)}")
        count = len(flag.items)
        link.page_link("app_pages/annotations.py", label=f"{count:,} item{'s' if count != 1 else ''}",
                       icon=":material/label:", query_params=_link(chosen, flag),
                       help="This worker's items of that day on the Annotations page")
    if len(found) > SHOWN:
        st.caption(f"The first {SHOWN} of {len(found):,}; the CSV holds them all.")
    table = flags_table(found, chosen.shown)
    if chosen.mode == "anon":
        table = table.drop(columns=["worker_id"])
    st.download_button(f"Download all {len(found):,} (CSV)", lambda: format_table(table, "csv"), file_name="flags.csv",
                       mime="text/csv", icon=":material/download:", key="flags_csv")
