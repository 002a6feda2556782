"""How the Annotations page shows its tables: titles in words, task types by name, shares as
percentages, and the CSV under each."""

from __future__ import annotations

import pandas as pd
import streamlit as st

TASKS = {"classification": "Classification", "multi-label": "Multi-label", "bounding-box": "Bounding boxes",
         "adjustment": "Box adjustment", "ner": "Named entities", "semantic-segmentation": "Segmentation",
         "video-object-detection": "Video detection", "video-object-tracking": "Video tracking",
         "label-verification": "Label verification", "point-cloud": "3D point cloud", "unknown": "Unknown"}
TITLES = {"job": "Job", "task_type": "Task type", "reference": "Compared with", "worker": "Worker",
          "objects": "Answers", "score": "Score", "alpha": "Krippendorff's alpha", "exact_match": "Exact match",
          "jaccard": "Jaccard", "precision": "Precision", "recall": "Recall", "f1": "F1",
          "f1_overlap": "F1 (overlap)", "mean_iou": "Mean IoU", "mean_frame_f1": "Mean frame F1",
          "id_switches": "ID switches (total)", "audited": "Audited", "pass_rate": "Pass rate", "adjusted": "Adjusted",
          "reliability": "Estimated reliability", "reliability_interval": "Reliability, 95 % interval"}
# What a title alone does not say, shown when the pointer rests on it.
HELP = {"id_switches": "How many times a tracked object's ID changed from one frame to the next, added up over "
                       "the worker's videos (on the job's row, over every worker's)",
        "reliability": "Estimated without gold from everyone's answers (Dawid-Skene): the expected share of the "
                       "worker's labels in this job that are right; for multi-label, of their yes or no for each class",
        "reliability_interval": "Where the estimated reliability lies with 95 % confidence: few answers, wide interval"}
COUNTS = ["objects", "audited", "id_switches"]
SHARES = ["score", "exact_match", "reliability", "jaccard", "precision", "recall", "f1", "f1_overlap", "mean_iou",
          "mean_frame_f1", "pass_rate", "adjusted"]


def download(frame: pd.DataFrame, name: str, key: str, label: str = "Download CSV") -> None:
    st.download_button(label, lambda: frame.to_csv(index=False), file_name=f"{name}.csv", mime="text/csv",
                       icon=":material/download:", key=key)


def readable(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns with something in them, task types in words."""
    kept = [c for c in frame.columns if frame[c].notna().any() and not (frame[c].astype(str) == "").all()]
    numbers = {c: pd.to_numeric(frame[c], errors="coerce") for c in kept if c in TITLES and c in SHARES + [
        "alpha", "objects", "audited", "id_switches"]}  # a number column, so a missing value shows empty, not "None"
    shown = frame[kept].assign(**numbers)
    return shown.assign(task_type=shown["task_type"].map(lambda t: TASKS.get(t, t))) if "task_type" in shown else shown


def show_table(frame: pd.DataFrame, key: str) -> None:
    config = {c: st.column_config.NumberColumn(TITLES.get(c, c), format="percent") for c in SHARES if c in frame}
    if "alpha" in frame:  # from -1 to 1, not a share
        config["alpha"] = st.column_config.NumberColumn(TITLES["alpha"], format="%.2f")
    config |= {c: st.column_config.NumberColumn(TITLES[c], help=HELP.get(c), format="localized")  # 100,000
               for c in COUNTS if c in frame}
    config |= {c: st.column_config.Column(TITLES[c], help=HELP.get(c)) for c in frame.columns
               if c in TITLES and c not in config}
    st.dataframe(frame, hide_index=True, column_config=config, width="stretch", key=key)
