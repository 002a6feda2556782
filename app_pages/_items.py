"""The Annotations page's Items tab: the items furthest from the result, one item drawn with every
source's annotations, and the follow-up job that fixes the items listed first."""

from __future__ import annotations

import html

import pandas as pd
import pyarrow as pa
import streamlit as st

from app_pages._access import act, lead_only
from app_pages._annotation_names import Naming
from app_pages._annotation_tables import readable, show_table
from app_pages._memo import memo
from app_pages._shared import (
    literal,
    problem_list,
    show_error,
    sync_url,
    url_choice,
    url_state,
    workspace,
    workspace_key,
)
from core.access import NotAllowed
from core.annotations.draw import classed_text, draw_boxes, draw_mask, marked_text, source_colors
from core.annotations.duck_quality import item_frame, job_frame
from core.annotations.items import frame_image_uri, item_rows, ranked_items
from core.annotations.people import rename_workers
from core.annotations.rowset import answered_jobs
from core.annotations.source import SourceAnnotations
from core.audit import AuditError
from core.fixes import KINDS as FIX_KINDS
from core.fixes import FixError, fix_kinds, plan_fix, write_manifest
from core.launch import LaunchError, launch, request_json
from core.quality.report import object_scores
from core.storage import StoreError

ITEM_TITLES = {"who": "Who", "label": "Class", "confidence": "Confidence", "left": "Left", "top": "Top",
               "width": "Width", "height": "Height", "start": "Start", "end": "End", "frame": "Frame",
               "track_id": "Track", "verdict": "Verdict", "adjustment": "Adjusted", "area": "Pixels",
               "attributes": "Attributes"}
# The annotations' task types with follow-up audits, as the service names them (core.gt.tasks).
SERVICE_TASKS = {"bounding-box": "BoundingBox", "semantic-segmentation": "SemanticSegmentation"}


@st.cache_data(show_spinner=False, max_entries=64)
def _bytes(uri: str, ws_key: tuple) -> bytes:
    return workspace().open(uri).read()  # a failure is raised, so never cached


def _picture(uri: str) -> bytes | str:
    """The bytes at `uri` through the workspace, or why not (said to the user as it is)."""
    try:
        return _bytes(uri, workspace_key())
    except StoreError as exc:
        return str(exc)


def items_tab(found: SourceAnnotations, rows: pa.Table, gold, iou: float, worker: str | None,
              naming: Naming) -> None:
    """The items furthest from the result (`worker`'s, an id, when one is chosen), one of them
    shown, and its fix; workers named by `naming`. `rows`: the selection's rows (Arrow)."""
    jobs = memo("item_jobs", rows, None, lambda: answered_jobs(rows))
    url_choice("ijob", jobs, jobs[0], "job")
    job = st.selectbox("Job", jobs, key="ijob", help="The job whose items are listed")
    sync_url(ijob=None if job == jobs[0] else job)
    # Items are scored within their job: only the chosen job's rows, and only the columns the
    # measures read, become a pandas frame (shared with the matrices); one item's rows, all columns.
    table = memo("job_frame", rows, job, lambda: job_frame(rows, job))
    scores = memo("object_scores", found, (id(table), iou, id(gold)),
                  lambda: object_scores(table, gold=gold, iou=iou, masks=found.masks))
    items = ranked_items(scores, table, job, worker)
    if items.empty:
        st.caption("No answers to this job in this selection.")
        return
    who = f"{naming.of(worker)}'s worst items first" if worker else "The most disputed items first"
    st.caption(f"{literal(who)}: ranked by how far the answers are from the job's result (its task type's main "
               "figure, 100 % is the same). Choose a row to see the item.")
    shown = items.head(500)
    picked = st.dataframe(shown, hide_index=True, on_select="rerun", selection_mode="single-row", key="items_table",
                          width="stretch", height=min(300, 38 + 35 * len(shown)), column_config={
                              "job": None, "object": st.column_config.Column("Object"),
                              "source_ref": st.column_config.Column("Data object"),
                              "answers": st.column_config.NumberColumn("Answers"),
                              "score": st.column_config.NumberColumn("Mean score", format="percent"),
                              "lowest": st.column_config.NumberColumn("Lowest", format="percent")})
    url_state("item", "")
    chosen = picked.selection.rows if picked is not None else []
    if chosen:
        st.session_state["item"] = str(shown.iloc[chosen[0]]["object"])
    item = st.session_state["item"] if st.session_state["item"] in set(items["object"]) else items.iloc[0]["object"]
    sync_url(item=item)
    show_item(found, memo("item_frame", rows, (job, item), lambda: item_frame(rows, job, item)), job, item, gold,
              scores, naming)
    fix_items(job, items, task_of(table, job))


def task_of(table: pd.DataFrame, job: str) -> str:
    rows = table[table["job"].eq(job)]
    consolidated = rows[rows["source"].eq("consolidated")]
    return (consolidated if not consolidated.empty else rows)["task_type"].iloc[0]


def fix_items(job: str, items: pd.DataFrame, task: str) -> None:
    """A dry run of the follow-up job for the items listed first, then the one launch path."""
    st.subheader("Fix these items")
    kinds = fix_kinds(SERVICE_TASKS.get(task, ""))
    left, right = st.columns([1, 2])
    with left:
        count = st.number_input("How many of the items above, from the top", 1, len(items), min(10, len(items)),
                                key="fix_n")
    with right:
        kind = st.radio("Follow-up", kinds, format_func=FIX_KINDS.get, horizontal=True, key="fix_kind",
                        help="Verify or adjust: workers check the labels of exactly these items (bounding boxes "
                             "and masks). Label again: these items go out again as new tasks.")
    objects = [str(o) for o in items["object"].head(int(count))]
    if not st.toggle("Plan it (a dry run: nothing is written or started)", key="fix_plan"):
        return
    try:
        plan = plan_fix(workspace(), job, objects, kind)
    except FixError as exc:
        st.warning(literal(str(exc)), icon=":material/block:")
        return
    st.markdown(literal(f"{plan.config.job_name}: {plan.config.task.title}, {len(plan.objects):,} item(s)"))
    st.caption(literal(f"Reads {plan.manifest_uri} (written on launch, never over another file)"))
    st.code("\n".join(plan.cost.lines()), language=None)
    if plan.problems:
        st.error("Fix these before launching:\n\n" + problem_list(list(plan.problems)), icon=":material/error:")
        return
    with st.expander("The exact create_labeling_job request"):
        st.code(request_json(plan.request), language="json")
    if st.button("Write the manifest and launch", type="primary", icon=":material/rocket_launch:", key="fix_go",
                 help=lead_only("launch")):
        try:
            def write_and_launch() -> str:
                write_manifest(workspace(), plan)
                return launch(plan.config, workspace())

            act("launch", {"job": plan.config.job_name, "follow-up of": job, "items": len(plan.objects),
                           "manifest": plan.manifest_uri}, write_and_launch, describe=lambda arn: {"arn": arn})
        except FixError as exc:
            st.error(literal(str(exc)), icon=":material/error:")
            return
        except (LaunchError, NotAllowed, AuditError) as exc:
            show_error(exc, "Not launched")
            return
        st.success(literal(f"Launched {plan.config.job_name}"), icon=":material/rocket_launch:")
        st.page_link("app_pages/jobs.py", label="Watch it on the Jobs page", icon=":material/work_history:",
                     query_params={"job": plan.config.job_name})


def _described(rows: pd.DataFrame) -> pd.DataFrame:
    """An item's rows as a person reads them."""
    columns = [c for c in ("who", "label", "confidence", "left", "top", "width", "height", "start", "end", "frame",
                           "track_id", "verdict", "adjustment", "area") if c in rows and rows[c].notna().any()]
    shown = rows[columns].copy()
    if "confidence" in shown:  # workers give none: a blank, not the table's grey "None"
        shown["confidence"] = shown["confidence"].map(lambda v: "" if pd.isna(v) else f"{v:.2f}")
    attrs = rows["attributes"].map(lambda a: ", ".join(f"{k}: {v}" for k, v in a.items()))
    if attrs.ne("").any():
        shown["attributes"] = attrs
    return shown


def show_item(found: SourceAnnotations, table: pd.DataFrame, job: str, item: str, gold, scores,
              naming: Naming) -> None:
    """One item drawn with every source's annotations; `table`: its rows (or more, of its job)."""
    rows = rename_workers(item_rows(table, job, item, gold), naming.names, ("who",))
    units = rows[rows["kind"].ne("")]
    task = (rows.loc[rows["source"].eq("consolidated"), "task_type"].tolist() or rows["task_type"].tolist())[0]
    ref = next(iter(rows["source_ref"].dropna()), None)
    st.subheader(f"Item {item} of {job}")
    if ref:
        st.caption(literal(ref))
    colors = source_colors(list(dict.fromkeys(units["who"])))
    left, right = st.columns([3, 2])
    text = found.texts.get((job, item))  # an inline text object's (§3), None for images and videos
    with left:
        if task == "ner":
            _ner_item(text, units, colors)
        elif text is not None:  # text classification: the text, then each source's class
            st.html(classed_text(text, units[units["kind"].eq("class")], colors))
        elif task.startswith("video"):
            _video_item(units, ref, colors)
        elif ref:
            _image_item(found, units, ref, task, job, item, colors, naming)
    with right:
        mine = rename_workers(scores[scores["job"].eq(job) & scores["object"].eq(item)], naming.names)
        if not mine.empty:
            st.markdown("**Measures**")
            measures = [c for c in ("score", "exact_match", "jaccard", "f1", "mean_iou", "mean_frame_f1", "id_switches")
                        if c in mine and mine[c].notna().any()]
            show_table(readable(mine[["worker", *measures]]), "item_measures")
        st.markdown("**Annotations**")
        st.dataframe(_described(units), hide_index=True, width="stretch", key="item_rows",
                     column_config={c: st.column_config.Column(t) for c, t in ITEM_TITLES.items()})


def _ner_item(text: str | None, units: pd.DataFrame, colors: dict[str, str]) -> None:
    if text is None:
        st.info("The text of this item is not in the output manifest.")
    for who in dict.fromkeys(units["who"]):
        spans = units[units["who"].eq(who) & units["kind"].eq("span")]
        st.markdown(f"**{literal(str(who))}**")
        st.html(f'<div style="line-height:1.9">{marked_text(text or "", spans, colors[who])}</div>')


def _image_item(found, units, ref, task, job, item, colors, naming: Naming) -> None:
    data = _picture(ref)
    if isinstance(data, str):
        st.info(f"The picture is not available: {literal(data)}", icon=":material/image_not_supported:")
        return
    try:
        if task == "semantic-segmentation":
            masks = {("Result" if m.worker_id is None else naming.of(m.worker_id)): m for m in found.masks
                     if m.job == job and m.object_id == item}
            if masks:
                whose = st.radio("Mask of", list(masks), horizontal=True, key="mask_of")
                st.image(draw_mask(data, masks[whose]), width="stretch")
                return
        boxes = units[units["kind"].eq("box")]
        st.image(draw_boxes(data, boxes, colors) if not boxes.empty else data, width="stretch")
    except (OSError, ValueError) as exc:
        st.info(f"The picture cannot be drawn: {literal(type(exc).__name__)}", icon=":material/image_not_supported:")
        return
    if not units.empty:
        st.html(_legend({w: c for w, c in colors.items() if w in set(units["who"])}))


def _legend(colors: dict[str, str]) -> str:
    """Who drew in which colour, as HTML: the names escaped, the colours our own palette's."""
    keys = "".join(f'<span style="white-space:nowrap"><span style="color:{c}">&#9632;</span> '
                   f"{html.escape(str(who))}</span>" for who, c in colors.items())
    return f'<div style="display:flex;flex-wrap:wrap;gap:0.2em 1.2em;font-size:0.85rem;color:#555">{keys}</div>'


def _video_item(units, ref, colors) -> None:
    frames = sorted({int(f) for f in units["frame"].dropna()})
    if not frames:
        st.caption("No frame of this video has an annotation.")
        return
    frame = st.select_slider("Frame", frames, key="frame") if len(frames) > 1 else frames[0]
    here = units[units["frame"].eq(frame)]
    sequence = _picture(ref) if ref else "no sequence file named"
    uri = frame_image_uri(sequence, frame) if isinstance(sequence, bytes) else None
    missing = sequence if isinstance(sequence, str) else "the sequence file names no such frame"
    data = _picture(uri) if uri else missing
    if isinstance(data, str):
        st.info(f"The frame's picture is not available: {literal(data)}", icon=":material/image_not_supported:")
        return
    try:
        st.image(draw_boxes(data, here, colors), width="stretch")
    except (OSError, ValueError) as exc:
        st.info(f"The frame cannot be drawn: {literal(type(exc).__name__)}", icon=":material/image_not_supported:")
        return
    st.html(_legend({w: c for w, c in colors.items() if w in set(here["who"])}))
