"""Parts of the Annotations page that both engines show: the IoU threshold, what was left out of the
reading, and the audits traced to the original workers."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages._annotation_tables import download, readable, show_table
from app_pages._shared import literal, sync_url, url_note, url_state
from core.annotations.source import SourceAnnotations, note_counts
from core.quality.report import DEFAULT_IOU

# The task types whose answers match by overlap (boxes, tracked boxes): the slider is theirs only.
BOXES = frozenset({"bounding-box", "adjustment", "video-object-detection", "video-object-tracking"})


def iou_slider(types) -> float:
    """The IoU slider (`iou` in the link): how much two boxes must overlap to match. Where none of
    the task types `types` draws boxes there is nothing to set: no slider, the default."""
    if not BOXES.intersection(types):
        return DEFAULT_IOU
    raw = url_state("iou", str(DEFAULT_IOU))
    try:
        iou = float(raw)
    except ValueError:  # a link's iou that is no number
        iou = float("nan")
    if not 0.1 <= iou <= 1.0:  # also NaN
        url_note("IoU", raw, f"showing {DEFAULT_IOU}")
        st.session_state["iou"] = str(DEFAULT_IOU)  # said once, not on every rerun
        iou = DEFAULT_IOU
    iou = st.slider("Boxes match from IoU", 0.1, 1.0, value=iou, step=0.05,
                    help="How much a worker's box must overlap the reference box to count as the same")
    sync_url(iou=None if iou == DEFAULT_IOU else iou)
    return iou


def left_out(found: SourceAnnotations) -> None:
    """Files not read and answers left out, counted in one expander (a warning when something could
    not be read; objects Ground Truth itself could not label are the job's result, not a problem)."""
    if not found.unread and not found.notes:
        return
    counts = note_counts(found.notes)
    said = ([f"{len(found.unread):,} file(s) not read"] if found.unread else []) + [
        f"{n:,} {what}" for what, n in counts[:2]]
    more = f" and {len(counts) - 2:,} more" if len(counts) > 2 else ""
    problem = bool(found.unread) or any(note.kind != "failed" for note in found.notes)
    with st.expander(f"Left out: {'; '.join(said)}{more}",
                     icon=":material/warning:" if problem else ":material/info:"):
        for item in found.unread[:200]:
            st.markdown(f"- {literal(item.uri)}: {literal(item.reason)}")
        for what, n in counts:
            st.markdown(f"- {n:,} × {literal(what)}")


def per_original_worker(traced: pd.DataFrame, key: str) -> None:
    """The quality report's audit columns per original worker (`key` names the table and its CSV)."""
    st.subheader("Per original worker")
    st.caption("Each audit traced to the workers who answered that object in the audited job.")
    show_table(readable(traced[["job", "worker", "audited", "pass_rate", "adjusted"]]), key)
    download(traced, "audits-per-worker", f"dl_{key}")
