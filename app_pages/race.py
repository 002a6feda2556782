"""Race: cumulative labels per worker as a bar chart race, to watch, export, save and send."""

from __future__ import annotations

from datetime import UTC, datetime

import streamlit as st

from app_pages._access import act, lead_only
from app_pages._athena import engine_choice
from app_pages._athena_race import athena_race_table
from app_pages._race_effect import race_effect_section, weighting
from app_pages._selection import choose_answers, skipped_files
from app_pages._shared import show_error, sync_url, url_choice, url_note, url_state, workspace
from core.errors import GroundControlError
from core.notify import NotifyError
from core.race.colors import DEFAULT, PALETTES
from core.race.frames import PERIODS, RaceOptions, natural_period, race_table, summary_line
from core.race.html import race_html
from core.race.share import race_message, save_race, send_race, shared
from core.workspace import cache_dir

LINK_EXPIRY = {"1 hour": 3600, "1 day": 86_400, "7 days": 7 * 86_400}


def empty_state() -> None:
    st.markdown("A race of who labeled the most, period by period. Enter a **source** in the sidebar: an S3 "
                "prefix or a folder that holds Ground Truth job output.")


def options_sidebar(answers) -> RaceOptions:
    st.sidebar.subheader("Race")
    natural = natural_period(answers)
    url_state("title", "Labels per worker")
    url_choice("period", list(PERIODS), natural, "period")  # its labels: the codes ("h") are pandas'
    url_choice("cmap", PALETTES, DEFAULT, "colours")
    top = url_state("top", "10")
    try:
        st.session_state["top"] = min(30, max(3, int(top)))
    except (TypeError, ValueError, OverflowError):
        url_note("number of bars", top, "showing 10")
        st.session_state["top"] = 10
    period = st.sidebar.segmented_control("Period", list(PERIODS), key="period") or natural
    top = st.sidebar.slider("Bars", 3, 30, key="top")
    title = st.sidebar.text_input("Title", key="title", max_chars=120)
    cmap = st.sidebar.selectbox("Colours", list(PALETTES), format_func=PALETTES.get, key="cmap",
                                help="The same colours in the race above and in the video")
    summary = st.sidebar.toggle("Show total labels", value=url_state("summary", "1") == "1", key="summary_on")
    sync_url(period=None if period == natural else period, top=None if top == 10 else top,
             title=None if title == "Labels per worker" else title, cmap=None if cmap == DEFAULT else cmap,
             summary=None if summary else "0")
    return RaceOptions(period=period, top=top, title=title.strip() or "Labels per worker", summary=summary,
                       colormap=cmap)


def _video(table, options: RaceOptions, fmt: str) -> bytes:
    """Rendered once per (data, options, format): render_video keeps finished videos in the cache
    folder by content hash, so a rerun of the page reads the file instead of rendering again.
    Each session reads the content-addressed file itself, never a shared name that another
    session's render could replace between the write and the read."""
    from core.race.video import render_video

    bar = st.progress(0.0, text="Rendering ...")

    def progress(done: int, total: int) -> None:
        bar.progress(done / total if total else 0.0, text=f"Rendering frame {done:,} of {total:,} ...")

    folder = cache_dir() / "races"
    path = render_video(table, options, fmt=fmt, progress=progress, cache_dir=folder)
    bar.empty()
    return path.read_bytes()


def video_section(table, options: RaceOptions) -> bytes | None:
    st.subheader("Video")
    left, right = st.columns([1, 3])
    fmt = left.segmented_control("Format", ["mp4", "gif"], default="mp4", key="fmt",
                                 format_func=str.upper) or "mp4"
    frames = (len(table) - 1) * options.steps_per_period + 1
    right.caption(f"{frames:,} frames at {options.figsize[0]:g}x{options.figsize[1]:g} in, {options.dpi} dpi. "
                  "Rendering takes a while; the same race is never rendered twice.")
    if st.button("Render video", icon=":material/movie:", key="render"):
        st.session_state["rendered"] = (fmt, options)
    if st.session_state.get("rendered") != (fmt, options):
        return None
    try:
        data = _video(table, options, fmt)
    except Exception as exc:  # ffmpeg or matplotlib: say what happened, keep the page
        st.error(f"Rendering failed: {exc}", icon=":material/error:")
        return None
    if fmt == "mp4":
        st.video(data, format="video/mp4")
    else:
        st.image(data)
    st.download_button(f"Download {fmt.upper()}", data, file_name=f"labels-race.{fmt}",
                       mime="video/mp4" if fmt == "mp4" else "image/gif", icon=":material/download:")
    return data


def share_section(source: str, table, options: RaceOptions, video: bytes, fmt: str) -> None:
    st.subheader("Share")
    ws = workspace()
    loc = ws.open(source)
    expiry = st.selectbox("Link valid for", list(LINK_EXPIRY), index=1, key="expiry")
    if st.button("Save to the workspace", icon=":material/cloud_upload:", key="save", help=lead_only("race_save")):
        try:
            uri, existed = act("race_save", {"source": loc.uri, "format": fmt},
                               lambda: save_race(loc, video, fmt, ws.now().date()),
                               describe=lambda saved: {"saved": saved[0], "already there": saved[1]})
            st.session_state["saved"] = uri
            st.toast("Already saved: same video, same key." if existed else f"Saved {uri}",
                     icon=":material/check_circle:")
        except GroundControlError as exc:  # StoreError, NotAllowed, AuditError
            show_error(exc, "Not saved")
    saved = st.session_state.get("saved")
    if not saved:
        st.caption(f"Saves under `{loc.uri.rstrip('/')}/races/<date>-<hash>.{fmt}`; nothing is ever overwritten.")
        return
    share = shared(loc, saved, LINK_EXPIRY[expiry])
    if share.link:
        st.success(f"Saved to `{saved}`. Link valid for {expiry}:", icon=":material/link:")
        st.code(share.link, language=None, wrap_lines=True)
        if share.caveat:
            st.warning(share.caveat, icon=":material/schedule:")
    else:
        st.success(f"Saved to `{saved}` (a demo folder: no download link without S3).", icon=":material/check:")
    send_section(ws, options.title, table, share.where)


def send_section(ws, title: str, table, where: str) -> None:
    st.subheader("Send to the team")
    try:
        topics = ws.notifier.topics()
    except NotifyError as exc:
        topics = []
        st.caption(f"Topics could not be listed ({exc}); paste the topic ARN.")
    topic = st.selectbox("SNS topic", topics, index=0 if topics else None, key="topic", accept_new_options=True,
                         placeholder="arn:aws:sns:<region>:<account>:<topic>")
    body = race_message(title, table, where)[1]
    st.text_area("Message", body, height=200, disabled=True, key=f"message-{hash(body)}")
    if st.button("Send", icon=":material/send:", key="send", disabled=not topic, help=lead_only("notify")):
        try:  # the audit keeps the topic and the message id, never the body (it holds the share link)
            sent = act("notify", {"topic": topic, "what": "race"},
                       lambda: send_race(ws.notifier, topic, title, table, where),
                       describe=lambda message: {"message": message})
            note = " (demo: written to the outbox, not sent)" if ws.kind == "demo" else ""
            st.success(f"Sent to {topic}{note}. Message {sent}.", icon=":material/mark_email_read:")
        except GroundControlError as exc:  # NotifyError, NotAllowed, AuditError
            show_error(exc)


def main() -> None:
    if engine_choice() == "athena":  # the same race, counted where the output is (app_pages._athena_race)
        ran = athena_race_table(options_sidebar)
        if ran is not None:
            table, options = ran
            # the labels counted (a weighted race's last row sums weights: app_pages._athena_race_weights)
            show_race(table, options, table.attrs.get("answers", int(table.iloc[-1].sum())) if len(table) else 0)
        return
    chosen = choose_answers("Bar chart race", empty_state)
    if chosen is None:
        return
    options, weights = weighting(chosen, options_sidebar(chosen.answers))
    show_race(race_table(chosen.answers, chosen.shown, options.freq, weights=weights), options, len(chosen.answers))
    race_effect_section(chosen, st.session_state["source"].strip())
    skipped_files(chosen.data)


def show_race(table, options: RaceOptions, labels: int) -> None:
    """The race, its video, saving and sending, from race_table's table (of `labels` answers)."""
    if table.empty:
        st.info("None of these answers has a plausible date: there is nothing to race.", icon=":material/timer:")
        return
    st.markdown(summary_line(table, unit=options.unit))
    if table.attrs.get("note"):
        st.caption(table.attrs["note"])
    if len(table) < 2:
        st.info("All these labels fall in one period: choose a shorter period to see a race.",
                icon=":material/timer:")
    height = 150 + 34 * min(options.top, table.shape[1])
    st.iframe(race_html(table, options, height=height - 20), height=height)
    video = video_section(table, options)
    if video is not None:
        share_section(st.session_state["source"].strip(), table, options, video, st.session_state.get("fmt") or "mp4")
    if video is None:
        st.caption(f"From {labels:,} labels.")
    else:
        st.caption(f"Video rendered {datetime.now(UTC):%Y-%m-%d %H:%M} UTC from {labels:,} labels.")


main()
