"""Manifests: build an input manifest from a prefix, or check one, before a job reads it."""

from __future__ import annotations

import dataclasses

import pandas as pd
import streamlit as st

from app_pages._access import act, lead_only
from app_pages._gold_queue import gold_in_queue
from app_pages._shared import show_error, sync_url, url_state, workspace, workspace_key
from core.errors import GroundControlError
from core.gt import tasks
from core.manifests import (
    PROBLEM_KINDS,
    ManifestError,
    ManifestSpec,
    manifest_bytes,
    part_keys,
    plan_manifest,
    validate_manifest,
    write_parts,
)
from core.storage import ObjectExists, StoreError, output_location

KINDS = {"images": "Images (by extension)", "files": "Any files (by reference)", "text": "Text files, one item a line",
         "rows": "Rows of CSV / JSON-lines files"}
PREVIEW_LINES = 5


def lines_of(text: str) -> tuple[str, ...]:
    return tuple(x.strip() for x in text.replace(",", "\n").splitlines() if x.strip())


def spec_form() -> tuple[str, ManifestSpec | None]:
    ws = workspace()
    demo_data = "s3://ground-control-demo/datasets/digits/" if ws.kind == "demo" else ""
    source = st.text_input("Data prefix or folder", value=url_state("data", demo_data), key="data_in",
                           placeholder="s3://bucket/photos/")
    left, right = st.columns(2)
    kind = left.selectbox("What becomes a line", list(KINDS), format_func=KINDS.get, key="kind_in")
    column = right.text_input("Column or key (rows)", key="column_in", disabled=kind != "rows",
                              placeholder="source, then text, then the first column")
    with st.expander("Filters", icon=":material/filter_alt:"):
        ext = lines_of(st.text_input("Extensions", key="ext_in", placeholder="jpg, jpeg, png"))
        include = lines_of(st.text_input("Include patterns", key="include_in", placeholder="*/2024-*/*"))
        exclude = lines_of(st.text_input("Exclude patterns", key="exclude_in", placeholder="*/thumbnails/*"))
        max_mb = st.number_input("Size cap (MB)", 0.0, 10_000.0, value=40.0 if kind == "images" else 0.0,
                                 key="maxmb_in", help="Ground Truth refuses images over 40 MB. 0 = no cap.")
        not_in = lines_of(st.text_area("Leave out objects already in these manifests", key="notin_in", height=68,
                                       placeholder="s3://bucket/manifests/batch-1.manifest"))
    left, mid, right = st.columns(3)
    sample = left.number_input("Random sample of N (0 = all)", 0, 1_000_000, value=0, key="sample_in")
    seed = mid.number_input("Seed", 0, 2**31 - 1, value=0, key="seed_in",
                            help="The same seed picks the same sample and split on any machine.")
    split = right.number_input("Split into K parts", 1, 100, value=1, key="split_in",
                               help="E.g. 2 for the pre-trained model workflow: half now, half later.")
    sync_url(data=source.strip() or None)
    if not source.strip():
        return "", None
    try:
        spec = ManifestSpec(kind=kind, extensions=ext or None, include=include, exclude=exclude,
                            max_bytes=round(max_mb * 1_000_000) or None, column=column.strip() or None,
                            exclude_manifests=not_in, sample=sample or None, seed=int(seed),
                            split=split if split > 1 else None)
    except ManifestError as exc:
        show_error(exc)
        return source.strip(), None
    return source.strip(), spec


@st.cache_data(ttl=120, show_spinner="Listing and reading the data ...")
def _plan(source: str, spec: ManifestSpec, ws_key: tuple):
    ws = workspace()
    return plan_manifest(ws.open(source), spec, open_uri=ws.open)


def build_tab() -> None:
    source, spec = spec_form()
    if spec is None:
        st.info("Enter where the data is: an S3 prefix or a folder.", icon=":material/folder_open:")
        return
    try:
        plan = _plan(source, spec, workspace_key())
    except (ManifestError, StoreError) as exc:
        show_error(exc)
        return
    if (plan := gold_in_queue(plan)) is None:
        return
    counts = pd.DataFrame(plan.count_rows(), columns=["", "objects"]).set_index("")
    left, right = st.columns([2, 3])
    left.dataframe(counts, width="stretch")
    with right:
        sizes = ", ".join(f"{len(p):,}" for p in plan.parts)
        st.metric("Lines in the manifest", f"{len(plan.lines):,}", help=f"Parts: {sizes}" if len(plan.parts) > 1
                  else None)
        for warning in plan.warnings:
            st.warning(warning, icon=":material/warning:")
    if plan.skipped:
        with st.expander(f"{len(plan.skipped):,} object(s) or row(s) left out", icon=":material/warning:"):
            st.dataframe(pd.DataFrame([(s.uri, s.reason) for s in plan.skipped], columns=["object", "reason"]),
                         hide_index=True, width="stretch")
    if not plan.lines:
        st.info("Nothing to write: no object matched.", icon=":material/search_off:")
        return
    st.caption(f"First {PREVIEW_LINES} lines of each part:")
    for i, part in enumerate(plan.parts, start=1):
        head = f"# part {i} of {len(plan.parts)}: {len(part):,} lines\n" if len(plan.parts) > 1 else ""
        st.code(head + manifest_bytes(part[:PREVIEW_LINES]).decode(), language="json")
    write_section(plan)


def write_section(plan) -> None:
    st.subheader("Write")
    ws = workspace()
    default = f"{ws.output_uri.rsplit('labeling-jobs/', 1)[0]}manifests/new.manifest" if ws.kind == "demo" else ""
    out = st.text_input("Manifest URI", value=default, key="out_in", placeholder="s3://bucket/manifests/batch.manifest")
    if not out.strip():
        return
    try:  # a local file need not exist yet (only its folder), as on the command line
        loc = output_location(out.strip(), ws.open)
    except StoreError as exc:
        show_error(exc)
        return
    keys = part_keys(loc.prefix, len(plan.parts))
    taken = [k for k in keys if loc.store.exists(k)]
    st.caption("Will write: " + ", ".join(f"`{loc.store.uri_of(k)}`" for k in keys))
    overwrite = False
    if taken:
        st.warning("Already there: " + ", ".join(f"`{loc.store.uri_of(k)}`" for k in taken), icon=":material/warning:")
        overwrite = st.checkbox("Replace them (the old manifests are lost)", key="overwrite_in")
    left, right = st.columns(2)
    blocked = bool(taken) and not overwrite
    if left.button("Write", type="primary", icon=":material/save:", key="write", disabled=blocked,
                   help=lead_only("manifest_write")):
        try:
            written = act("manifest_write", {"manifest": loc.store.uri_of(keys[0]), "parts": len(plan.parts),
                                             "lines": len(plan.lines), "replace": overwrite,
                                             **({"gold lines": plan.counts["gold_mixed"]}
                                                if "gold_mixed" in plan.counts else {})},
                          lambda: write_parts(loc, plan.parts, overwrite=overwrite),
                          describe=lambda uris: {"written": ", ".join(uris)})
            st.success("Written: " + ", ".join(f"`{u}`" for u in written), icon=":material/check_circle:")
            st.page_link("app_pages/launch.py", label="Launch a job on it", icon=":material/rocket_launch:",
                         query_params={"manifest": written[0]})
        except ObjectExists as exc:
            st.error(f"{exc}: nothing was written.", icon=":material/error:")
        except GroundControlError as exc:  # StoreError, NotAllowed, AuditError
            show_error(exc)
    if len(plan.parts) == 1:
        right.download_button("Download", manifest_bytes(plan.lines), file_name=keys[0].rsplit("/", 1)[-1],
                              icon=":material/download:")


def validate_tab() -> None:
    ws = workspace()
    uri = st.text_input("Manifest URI", value=url_state("check", ""), key="check_in",
                        placeholder="s3://bucket/manifests/batch.manifest")
    upload = st.file_uploader("or upload a manifest", type=["manifest", "jsonl", "json", "txt"], key="check_upload")
    left, right = st.columns(2)
    exists = left.toggle("Check that every object exists", value=True, key="exists_in")
    task = right.selectbox("For task type (object quota)", ["", *[t.name for t in tasks.TASKS]], key="quota_in")
    sync_url(check=uri.strip() or None)
    try:
        if upload is not None:
            name, data = upload.name, upload.getvalue()
        elif uri.strip():
            name, data = uri.strip(), ws.open(uri.strip()).read()
        else:
            return
    except StoreError as exc:
        show_error(exc)
        return
    with st.spinner("Checking ..."):
        report = validate_manifest(data, ws.open, check_exists=exists, task=task or None)
    cols = st.columns(4)
    cols[0].metric("Lines", f"{report.lines:,}")
    cols[1].metric("Objects", f"{report.objects:,}")
    cols[2].metric("Problems", f"{len(report.problems):,}")
    cols[3].metric("Objects checked", f"{report.checked:,}")
    if report.ok:
        st.success(f"{name}: no problems.", icon=":material/check_circle:")
    else:
        # In words: the problem codes are for machines (the command line's JSON).
        kinds = {p.kind: PROBLEM_KINDS.get(p.kind, p.kind) for p in report.problems}
        rows = [(p.line, kinds[p.kind][:1].upper() + kinds[p.kind][1:], p.message) for p in report.problems]
        st.dataframe(pd.DataFrame(rows, columns=["Line", "Problem", "Details"]), hide_index=True, width="stretch")
    if report.attributes:
        st.subheader("Labels already in it")
        st.dataframe(pd.DataFrame([dataclasses.asdict(a) for a in report.attributes]), hide_index=True,
                     width="stretch")


def main() -> None:
    st.title("Manifests")
    st.caption(workspace().label)
    build, check = st.tabs(["Build from data", "Check a manifest"])
    with build:
        build_tab()
    with check:
        validate_tab()


main()
