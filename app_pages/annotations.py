"""Annotations: what was labeled in every task type, how good it is, and what the audits found."""

from __future__ import annotations

import html
from datetime import date

import altair as alt
import pandas as pd
import streamlit as st

from app_pages._selection import sidebar_source
from app_pages._shared import (
    literal,
    load_annotations,
    memo,
    problem_list,
    refresh_button,
    show_error,
    sync_url,
    url_choice,
    url_list,
    url_note,
    url_state,
    workspace,
    workspace_key,
)
from core.annotations import reports
from core.annotations.draw import draw_boxes, draw_mask, marked_text, source_colors
from core.annotations.items import frame_image_uri, item_rows, ranked_items
from core.annotations.reports import Narrow
from core.annotations.source import SourceAnnotations, note_counts
from core.fixes import KINDS as FIX_KINDS
from core.fixes import FixError, fix_kinds, plan_fix, write_manifest
from core.gold import GoldError
from core.launch import LaunchError, launch, request_json
from core.quality.gold import read_gold_annotations
from core.quality.matrices import MatrixError, agreement, confusion
from core.quality.report import DEFAULT_IOU, MAIN, object_scores, quality_report, worst_first
from core.storage import StoreError

ANY = "(any)"
PERIODS = {"day": "D", "hour": "h"}
TASKS = {"classification": "Classification", "multi-label": "Multi-label", "bounding-box": "Bounding boxes",
         "adjustment": "Box adjustment", "ner": "Named entities", "semantic-segmentation": "Segmentation",
         "video-object-detection": "Video detection", "video-object-tracking": "Video tracking",
         "label-verification": "Label verification", "point-cloud": "3D point cloud", "unknown": "Unknown"}
TITLES = {"job": "Job", "task_type": "Task type", "reference": "Compared with", "worker": "Worker",
          "objects": "Answers", "score": "Score", "alpha": "Krippendorff's alpha", "exact_match": "Exact match",
          "jaccard": "Jaccard", "precision": "Precision", "recall": "Recall", "f1": "F1",
          "f1_overlap": "F1 (overlap)", "mean_iou": "Mean IoU", "mean_frame_f1": "Mean frame F1",
          "id_switches": "ID switches", "audited": "Audited", "pass_rate": "Pass rate", "adjusted": "Adjusted"}
SHARES = ["score", "exact_match", "jaccard", "precision", "recall", "f1", "f1_overlap", "mean_iou",
          "mean_frame_f1", "pass_rate", "adjusted"]
TOP_CLASSES = 10
ITEM_TITLES = {"who": "Who", "label": "Class", "confidence": "Confidence", "left": "Left", "top": "Top",
               "width": "Width", "height": "Height", "start": "Start", "end": "End", "frame": "Frame",
               "track_id": "Track", "verdict": "Verdict", "adjustment": "Adjusted", "area": "Pixels",
               "attributes": "Attributes"}
# The annotations' task types with follow-up audits, as the service names them (core.gt.tasks).
SERVICE_TASKS = {"bounding-box": "BoundingBox", "semantic-segmentation": "SemanticSegmentation"}
AUDIT_TITLES = {"job": "Audit job", "audited_job": "Audited job", "audited_attribute": "Audited label",
                "kind": "Kind", "objects": "Objects", "passed": "Passed", "failed": "Failed", "adjusted": "Adjusted",
                "unadjusted": "Unadjusted"}


def empty_state() -> None:
    st.info("Enter an S3 prefix or a folder with Ground Truth output in the sidebar: every job under it, of "
            "any task type, is read.", icon=":material/arrow_back:")


def _choice(key: str, label: str, options: list[str], what: str) -> str | None:
    """A sidebar select seeded from the URL; ANY is no filter."""
    choices = [ANY, *options]
    url_choice(key, choices, ANY, what, where=st.sidebar)
    value = st.sidebar.selectbox(label, choices, key=key)
    return None if value == ANY else value


def _days(table: pd.DataFrame) -> tuple[date | None, date | None]:
    times = table["submitted"].dropna()
    if times.empty:
        return None, None
    lo, hi = times.min().date(), times.max().date()
    start = _url_day("from", lo, hi, lo)
    end = _url_day("to", lo, hi, hi)
    picked = st.sidebar.date_input("Dates (UTC)", value=(start, end), min_value=lo, max_value=hi, key="ann_dates")
    start, end = (tuple(picked) + (None, None))[:2] if isinstance(picked, tuple) else (picked, picked)
    sync_url(**{"from": start if start and start != lo else None, "to": end if end and end != hi else None})
    return (start if start != lo else None), (end if end and end != hi else None)


def _url_day(key: str, lo: date, hi: date, fallback: date) -> date:
    raw = url_state(key, "")
    try:
        day = date.fromisoformat(str(raw)[:10]) if raw else fallback
    except ValueError:
        url_note("date", raw, f"showing {lo} to {hi}", where=st.sidebar)
        return fallback
    return day if lo <= day <= hi else fallback


def sidebar_narrow(found: SourceAnnotations) -> Narrow:
    """Jobs, days, class, worker and one label attribute value: each in the URL."""
    table = found.table
    wanted = url_list("ann_jobs", param="job")
    if unknown := [j for j in wanted if j not in found.jobs]:
        url_note("job", ", ".join(unknown), "no such job in this source", where=st.sidebar)
    st.session_state["ann_jobs"] = [j for j in wanted if j in found.jobs]
    jobs = st.sidebar.multiselect("Jobs", found.jobs, key="ann_jobs", placeholder="All jobs")
    start, end = _days(table)
    label = _choice("class", "Class", sorted(set(table["label"].dropna())), "class")
    worker = _choice("worker", "Worker", sorted(set(table["worker_id"].dropna())), "worker")
    pairs = [f"{name} = {value}" for name, values in reports.attribute_names(table).items() for value in values]
    attribute = _choice("attr", "Label attribute", pairs, "label attribute")
    sync_url(job=jobs, **{"class": label, "worker": worker, "attr": attribute})
    split = tuple(attribute.split(" = ", 1)) if attribute else None
    return Narrow(tuple(jobs) if jobs else None, start, end, label, worker, split)


def _download(frame: pd.DataFrame, name: str, key: str) -> None:
    st.download_button("Download CSV", frame.to_csv(index=False), file_name=f"{name}.csv", mime="text/csv",
                       icon=":material/download:", key=key)


def summary(table: pd.DataFrame) -> None:
    result = reports.result(table)
    workers = table[table["source"].eq("worker")]
    cols = st.columns(4)
    cols[0].metric("Annotations", f"{len(result):,}", help="Units of each job's result: a class, a box, an "
                   "entity, a mask class, a box in a frame")
    cols[1].metric("Objects", f"{result[['job', 'object_id']].drop_duplicates().shape[0]:,}")
    cols[2].metric("Jobs", f"{table['job'].nunique():,}")
    cols[3].metric("Workers", f"{workers['worker_id'].nunique():,}")


def over_time_chart(table: pd.DataFrame) -> None:
    st.subheader("Annotations over time")
    url_choice("period", list(PERIODS), "day", "period")
    period = st.segmented_control("Period", list(PERIODS), key="period") or "day"
    sync_url(period=None if period == "day" else period)
    series = reports.over_time(table, PERIODS[period])
    if series.empty:
        st.caption("No dated worker answers in this selection.")
        return
    top = series.groupby("label")["annotations"].sum().nlargest(TOP_CLASSES).index.tolist()
    series = series.assign(label=series["label"].where(series["label"].isin(top), "Others"))
    stacked = series.groupby(["period", "label"], as_index=False)["annotations"].sum()
    st.altair_chart(alt.Chart(stacked).mark_bar().encode(
        x=alt.X("period:T", title="UTC", timeUnit="utcyearmonthdate" if period == "day" else "utcyearmonthdatehours"),
        y=alt.Y("annotations:Q", title=f"Annotations per {period}"),
        color=alt.Color("label:N", title="Class", sort=[*top, "Others"]),
        tooltip=[alt.Tooltip("period:T", title="from (UTC)", format="%Y-%m-%d %H:%M"), "label", "annotations"],
    ).properties(height=280), width="stretch")
    st.caption("What the workers drew or chose, by the time they submitted it (the ten most common classes, "
               "then everything else).")


def class_chart(table: pd.DataFrame) -> None:
    st.subheader("Per class")
    names = list(reports.attribute_names(table))
    split = st.selectbox("Split by label attribute", ["(none)", *names], key="split",
                         disabled=not names, help="Colour each class's bar by a label attribute's values")
    counts = reports.class_counts(table, None if split == "(none)" else split)
    if counts.empty:
        st.caption("No annotations in this selection.")
        return
    color = alt.Color("value:N", title=split) if "value" in counts else alt.Color("job:N", title="Job")
    order = counts.groupby("label")["annotations"].sum().sort_values(ascending=False).index.tolist()
    st.altair_chart(alt.Chart(counts).mark_bar().encode(
        x=alt.X("annotations:Q", title="Annotations"),
        y=alt.Y("label:N", sort=order, title=None, axis=alt.Axis(labelLimit=240)),
        color=color, tooltip=list(counts.columns),
    ).properties(height=alt.Step(22)), width="stretch")
    _download(counts, "annotations-per-class", "dl_classes")


def frame_chart(table: pd.DataFrame) -> None:
    frames = reports.frame_attribute_counts(table)
    if frames.empty:
        return
    st.subheader("Frames per frame attribute")
    shown = frames.assign(attribute_value=frames["attribute"] + " = " + frames["value"])
    st.altair_chart(alt.Chart(shown).mark_bar().encode(
        x=alt.X("frames:Q", title="Frames"), y=alt.Y("attribute_value:N", title=None),
        color=alt.Color("job:N", title="Job"), tooltip=["job", "attribute", "value", "frames"],
    ).properties(height=alt.Step(22)), width="stretch")
    _download(frames, "frames-per-attribute", "dl_frames")


def per_object_chart(table: pd.DataFrame) -> None:
    counts = reports.per_object(table)
    if counts.empty:
        return
    st.subheader("Annotations per object")
    st.altair_chart(alt.Chart(counts).mark_bar().encode(
        x=alt.X("annotations:O", title="Annotations in one object (or video frame)"),
        y=alt.Y("objects:Q", title="Objects or frames"), color=alt.Color("job:N", title="Job"),
        xOffset="job:N", tooltip=["job", "per", "annotations", "objects"],
    ).properties(height=240), width="stretch")
    _download(counts, "annotations-per-object", "dl_per_object")


def labeled_tab(table: pd.DataFrame) -> None:
    summary(table)
    over_time_chart(table)
    left, right = st.columns(2)
    with left:
        class_chart(table)
    with right:
        per_object_chart(table)
        frame_chart(table)


def _gold(found: SourceAnnotations) -> pd.DataFrame | None:
    url_state("gold", "")
    path = st.text_input("Gold file (optional)", key="gold", placeholder="s3://bucket/gold.jsonl or a local path",
                         help="A trusted job's output manifest (any task type), or JSON lines with source-ref and "
                              "annotations (boxes), labels or label. Workers are then compared with it.").strip()
    sync_url(gold=path)
    if not path:
        return None
    try:
        return memo("gold", found, path, lambda: read_gold_annotations(path, workspace().open(path).read()))
    except (StoreError, GoldError) as exc:
        show_error(exc, "Gold not used")
        return None


def _shown(frame: pd.DataFrame) -> pd.DataFrame:
    """The columns with something in them, task types in words."""
    kept = [c for c in frame.columns if frame[c].notna().any() and not (frame[c].astype(str) == "").all()]
    numbers = {c: pd.to_numeric(frame[c], errors="coerce") for c in kept if c in TITLES and c in SHARES + [
        "alpha", "objects", "audited", "id_switches"]}  # a number column, so a missing value shows empty, not "None"
    shown = frame[kept].assign(**numbers)
    return shown.assign(task_type=shown["task_type"].map(lambda t: TASKS.get(t, t))) if "task_type" in shown else shown


def _table(frame: pd.DataFrame, key: str) -> None:
    config = {c: st.column_config.NumberColumn(TITLES.get(c, c), format="percent") for c in SHARES if c in frame}
    if "alpha" in frame:  # from -1 to 1, not a share
        config["alpha"] = st.column_config.NumberColumn(TITLES["alpha"], format="%.2f")
    config |= {c: st.column_config.Column(TITLES[c]) for c in frame.columns if c in TITLES and c not in config}
    st.dataframe(frame, hide_index=True, column_config=config, width="stretch", key=key)


def quality_tab(found: SourceAnnotations, table: pd.DataFrame) -> tuple[pd.DataFrame | None, float]:
    """The quality tables and matrices; returns the gold and IoU threshold chosen, for the items."""
    left, right = st.columns([1, 2])
    with left:
        url_state("iou", str(DEFAULT_IOU))
        try:
            iou = float(st.session_state["iou"])
        except ValueError:
            iou = DEFAULT_IOU
        iou = st.slider("Boxes match from IoU", 0.1, 1.0, value=min(max(iou, 0.1), 1.0), step=0.05,
                        help="How much a worker's box must overlap the reference box to count as the same")
        sync_url(iou=None if iou == DEFAULT_IOU else iou)
    with right:
        gold = _gold(found)
    report = memo("quality", found, (id(table), iou, id(gold)),
                  lambda: quality_report(table, gold=gold, iou=iou, masks=found.masks))
    if report.empty:
        st.caption("No worker answers in this selection.")
        return gold, iou
    ranked = worst_first(report)
    for task in sorted(set(report["task_type"]), key=lambda t: list(TASKS).index(t) if t in TASKS else 99):
        st.subheader(TASKS.get(task, task))
        jobs = report[report["task_type"].eq(task) & report["worker"].eq("Team")].drop(columns=["worker", "task_type"])
        workers = ranked[ranked["task_type"].eq(task)].drop(columns=["task_type"])
        main = TITLES.get(MAIN.get(task, ""), "")
        st.caption(f"Per job, then each worker in it, worst first{f' by {main}' if main else ''}, against the "
                   "job's consolidated result (or gold).")
        _table(_shown(jobs), f"quality_jobs_{task}")
        _table(_shown(workers.drop(columns=["score"])), f"quality_workers_{task}")
    left, right = st.columns(2)
    with left:
        _download(report[report["worker"].eq("Team")], "quality-per-job", "dl_quality_jobs")
    with right:
        _download(ranked, "quality-per-worker", "dl_quality_workers")
    matrices(table, gold, iou)
    return gold, iou


def _heatmap(matrix: pd.DataFrame, x: str, y: str, value: str, fmt: str) -> alt.Chart:
    long = matrix.rename_axis(index=y, columns=x).stack(future_stack=True).rename(value).reset_index()
    base = alt.Chart(long).encode(x=alt.X(f"{x}:N", title=x, axis=alt.Axis(labelLimit=160)),
                                  y=alt.Y(f"{y}:N", title=y, axis=alt.Axis(labelLimit=160)))
    cells = base.mark_rect().encode(color=alt.Color(f"{value}:Q", title=value, scale=alt.Scale(scheme="blues")),
                                    tooltip=[y, x, alt.Tooltip(f"{value}:Q", format=fmt)])
    text = base.mark_text(fontSize=11).encode(text=alt.Text(f"{value}:Q", format=fmt)).transform_filter(
        f"isValid(datum['{value}'])")  # a worker with itself: no figure, an empty cell
    side = max(28, min(48, 480 // max(len(matrix), 1)))
    return (cells + text).properties(width=alt.Step(side), height=alt.Step(side))


def matrices(table: pd.DataFrame, gold, iou: float) -> None:
    st.subheader("One job's matrices")
    jobs = sorted(set(table["job"]))
    workers = table[table["source"].eq("worker")]
    shared = workers.groupby(["job", "object_id"])["worker_id"].nunique()
    default = next((job for job, _ in shared[shared > 1].index), jobs[0])
    url_choice("mjob", jobs, default, "job")
    job = st.selectbox("Job", jobs, key="mjob")
    sync_url(mjob=None if job == default else job)
    left, right = st.columns(2)
    with left:
        try:
            matrix = confusion(table, job, gold)
        except MatrixError as exc:
            st.caption(f"Confusion matrix: {literal(str(exc))}.")
        else:
            st.markdown("**Confusion matrix** (rows: the reference; columns: what workers answered)")
            st.altair_chart(_heatmap(matrix, "answer", "reference", "answers", "d"), width="stretch")
    with right:
        try:
            pairs = agreement(table, job, iou)
        except MatrixError as exc:
            st.caption(f"Agreement: {literal(str(exc))}.")
            return
        if pairs.agreement.notna().to_numpy().sum() == 0:
            st.caption("Agreement: no two workers answered the same object in this job.")
            return
        st.markdown("**Pairwise agreement** (over the objects both workers answered)")
        st.altair_chart(_heatmap(pairs.agreement, "worker", "with", "agreement", ".0%"), width="stretch")


@st.cache_data(show_spinner=False, max_entries=64)
def _bytes(uri: str, ws_key: tuple) -> bytes:
    return workspace().open(uri).read()  # a failure is raised, so never cached


def _picture(uri: str) -> bytes | str:
    """The bytes at `uri` through the workspace, or why not (said to the user as it is)."""
    try:
        return _bytes(uri, workspace_key())
    except StoreError as exc:
        return str(exc)


def items_tab(found: SourceAnnotations, table: pd.DataFrame, gold, iou: float, worker: str | None) -> None:
    jobs = sorted(set(table[table["source"].eq("worker")]["job"])) or sorted(set(table["job"]))
    url_choice("ijob", jobs, jobs[0], "job")
    job = st.selectbox("Job", jobs, key="ijob", help="The job whose items are listed")
    sync_url(ijob=None if job == jobs[0] else job)
    scores = memo("object_scores", found, (id(table), iou, id(gold)),
                  lambda: object_scores(table, gold=gold, iou=iou, masks=found.masks))
    items = ranked_items(scores, table, job, worker)
    if items.empty:
        st.caption("No answers to this job in this selection.")
        return
    who = f"{worker}'s worst items first" if worker else "The most disputed items first"
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
    rows = picked.selection.rows if picked is not None else []
    if rows:
        st.session_state["item"] = str(shown.iloc[rows[0]]["object"])
    item = st.session_state["item"] if st.session_state["item"] in set(items["object"]) else items.iloc[0]["object"]
    sync_url(item=item)
    show_item(found, table, job, item, gold, scores)
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
    if st.button("Write the manifest and launch", type="primary", icon=":material/rocket_launch:", key="fix_go"):
        try:
            write_manifest(workspace(), plan)
            launch(plan.config, workspace())
        except FixError as exc:
            st.error(literal(str(exc)), icon=":material/error:")
            return
        except LaunchError as exc:
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
    attrs = rows["attributes"].map(lambda a: ", ".join(f"{k}: {v}" for k, v in a.items()))
    if attrs.ne("").any():
        shown["attributes"] = attrs
    return shown


def show_item(found: SourceAnnotations, table: pd.DataFrame, job: str, item: str, gold, scores) -> None:
    rows = item_rows(table, job, item, gold)
    units = rows[rows["kind"].ne("")]
    task = (rows.loc[rows["source"].eq("consolidated"), "task_type"].tolist() or rows["task_type"].tolist())[0]
    ref = next(iter(rows["source_ref"].dropna()), None)
    st.subheader(f"Item {item} of {job}")
    if ref:
        st.caption(literal(ref))
    colors = source_colors(list(dict.fromkeys(units["who"])))
    left, right = st.columns([3, 2])
    with left:
        if task == "ner":
            text = found.texts.get((job, item))
            if text is None:
                st.info("The text of this item is not in the output manifest.")
            for who in dict.fromkeys(units["who"]):
                spans = units[units["who"].eq(who) & units["kind"].eq("span")]
                st.markdown(f"**{literal(str(who))}**")
                st.html(f'<div style="line-height:1.9">{marked_text(text or "", spans, colors[who])}</div>')
        elif task.startswith("video"):
            _video_item(units, ref, colors)
        elif ref:
            _image_item(found, units, ref, task, job, item, colors)
    with right:
        mine = scores[scores["job"].eq(job) & scores["object"].eq(item)]
        if not mine.empty:
            st.markdown("**Measures**")
            measures = [c for c in ("score", "exact_match", "jaccard", "f1", "mean_iou", "mean_frame_f1", "id_switches")
                        if c in mine and mine[c].notna().any()]
            _table(_shown(mine[["worker", *measures]]), "item_measures")
        st.markdown("**Annotations**")
        st.dataframe(_described(units), hide_index=True, width="stretch", key="item_rows",
                     column_config={c: st.column_config.Column(t) for c, t in ITEM_TITLES.items()})


def _image_item(found, units, ref, task, job, item, colors) -> None:
    data = _picture(ref)
    if isinstance(data, str):
        st.info(f"The picture is not available: {literal(data)}", icon=":material/image_not_supported:")
        return
    try:
        if task == "semantic-segmentation":
            masks = {("Result" if m.worker_id is None else m.worker_id): m for m in found.masks
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


def audits_tab(found: SourceAnnotations, table: pd.DataFrame) -> None:
    found_audits = reports.audits(table)
    if found_audits.empty:
        st.info("No verification or adjustment job in this selection audits another job here.",
                icon=":material/fact_check:")
        return
    st.subheader("Audit jobs")
    shown = found_audits.assign(kind=found_audits["kind"].str.capitalize()).rename(columns=AUDIT_TITLES)
    st.dataframe(shown, hide_index=True, width="stretch", key="audits")
    _download(found_audits, "audits", "dl_audits")
    report = memo("quality", found, (id(table), DEFAULT_IOU, None),
                  lambda: quality_report(table, masks=found.masks))
    traced = report[report["audited"].notna() | report["adjusted"].notna()]
    st.subheader("Per original worker")
    st.caption("Each audit traced to the workers who answered that object in the audited job.")
    _table(_shown(traced[["job", "worker", "audited", "pass_rate", "adjusted"]]), "audits_workers")
    _download(traced, "audits-per-worker", "dl_audits_workers")


def unread(found: SourceAnnotations) -> None:
    if not found.unread and not found.notes:
        return
    with st.expander(f"{len(found.unread):,} file(s) not read, {len(found.notes):,} part(s) not read",
                     icon=":material/warning:"):
        for item in found.unread[:200]:
            st.markdown(f"- {literal(item.uri)}: {literal(item.reason)}")
        for what, n in note_counts(found.notes):
            st.markdown(f"- {n:,} × {literal(what)}")


def main() -> None:
    source = sidebar_source()
    st.title("Annotations")
    if not source:
        sync_url(source=None)
        empty_state()
        return
    try:
        found = load_annotations(source)
    except StoreError as exc:
        show_error(exc, "Cannot read the source")
        return
    sync_url(source=source)
    if not found.jobs:
        st.warning(literal(f"No Ground Truth annotations found under {found.uri}."), icon=":material/search_off:")
        unread(found)
        return
    narrow = sidebar_narrow(found)
    with st.sidebar:
        refresh_button()
    table = memo("narrowed", found, narrow, lambda: narrow.apply(found.table))
    types = ", ".join(sorted({TASKS.get(t, t) for t in table["task_type"]}))
    st.caption(literal(f"{found.uri} · {len(found.jobs)} job(s) · {found.files:,} files read · {types}"))
    if table.empty:
        st.info("Nothing in this selection: widen the dates or choose other jobs, classes or workers.")
        return
    labeled, quality, items, audited = st.tabs(["What was labeled", "Quality", "Items", "Audits"])
    with labeled:
        labeled_tab(table)
    with quality:
        gold, iou = quality_tab(found, table)
    with items:
        items_tab(found, table, gold, iou, narrow.worker)
    with audited:
        audits_tab(found, table)
    unread(found)


main()
