"""The Annotations page's IoU per class, under Quality's segmentation section: which class each
worker (and the team) paints worst, with its CSV. Workers are named as the page names them."""

from __future__ import annotations

import streamlit as st

from app_pages._annotation_names import Naming
from app_pages._annotation_tables import download
from app_pages._memo import memo
from core.annotations.people import rename_workers
from core.annotations.source import SourceAnnotations
from core.quality.segmentation import class_iou_table, worst_classes_first

TITLES = {"job": "Job", "worker": "Worker", "class": "Class", "iou": "IoU", "images": "Images"}


def class_iou_section(found: SourceAnnotations, table, naming: Naming) -> None:
    """The per-class table, worst first, or nothing when no mask could be compared."""
    per_class = memo("class_iou", found, (id(table),), lambda: class_iou_table(table, found.masks))
    if per_class.empty:
        return
    # Named before anything is shown or downloaded: anonymised, no worker id leaves the page.
    ranked = worst_classes_first(rename_workers(per_class, naming.names))
    st.markdown("**IoU per class**")
    st.caption("Each class's IoU with the consolidated mask, over the images where the worker's or the "
               "result's mask has that class; Team is the whole job. Worst first.")
    config = {c: st.column_config.Column(t) for c, t in TITLES.items()}
    config["iou"] = st.column_config.NumberColumn("IoU", format="percent")
    st.dataframe(ranked, hide_index=True, column_config=config, width="stretch", key="class_iou")
    download(ranked.rename(columns=TITLES), "segmentation-iou-per-class", "dl_class_iou")
