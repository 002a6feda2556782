"""What every page shares: connection settings, cached loading, and URL-backed widget state.

Core never imports Streamlit; the caching wrappers live here.
"""

from __future__ import annotations

import logging
import os
import re
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import streamlit as st

from app_pages._memo import MAX_LOADED, flights, waiting
from core.annotations.reader import AnnotationReader
from core.annotations.source import SourceAnnotations
from core.aws import AwsSettings, setup_problems
from core.errors import GroundControlError, Problem
from core.ingest import SourceData, SourceReader
from core.launch.fields import field_title
from core.workspace import Workspace, aws_workspace, default_kind, demo_dir, demo_workspace

_AWS_KEYS = {"profile": "AWS_PROFILE", "region": "AWS_REGION", "endpoint_url": "AWS_ENDPOINT_URL_S3"}


def aws_settings() -> AwsSettings:
    """The connection chosen in the sidebar; empty fields use the standard AWS chain."""
    values = {k: (st.session_state.get(f"aws_{k}") or "").strip() or None for k in _AWS_KEYS}
    return AwsSettings(**values)


log = logging.getLogger("ground_control")

WORKSPACES = {"demo": "Demo", "aws": "AWS"}


@st.cache_resource(show_spinner=False)
def _demo(root: str) -> Workspace:
    return demo_workspace(Path(root))


class _BuildShown:
    """Shows the demo's first build where it happens (the first page that needs the simulator):
    st.status with a progress bar naming each step. Reading a local folder builds nothing."""

    def __init__(self):
        self.status = self.bar = None
        self.started = time.perf_counter()

    def __call__(self, what: str, done: int, total: int) -> None:
        if self.status is None:
            self.status = st.status("Building the demo workspace (first start only) ...", expanded=True)
            self.bar = self.status.progress(0.0)
        self.bar.progress(done / total, text=f"{what} · step {min(done + 1, total)} of {total}")
        if done >= total:
            self.status.update(label=f"Demo workspace built in {time.perf_counter() - self.started:.0f} s",
                               state="complete", expanded=False)


@st.cache_resource(show_spinner=False, max_entries=8)
def _aws(settings: AwsSettings) -> Workspace:
    return aws_workspace(settings)


def workspace() -> Workspace:
    """The workspace the sidebar shows; `ws` in the URL keeps it in shared links."""
    kind = st.session_state.get("ws") or default_kind()
    if kind != "demo":
        return _aws(aws_settings())
    ws = _demo(str(demo_dir()))
    if not ws.service.is_built():
        ws.service.on_build(_BuildShown())
    return ws


def workspace_sidebar():
    """Say clearly which workspace is shown, and how to switch. Returns the sidebar box, for
    workspace_notice once the page has run."""
    box = st.sidebar.container(border=True)
    url_choice("ws", WORKSPACES, default_kind(), "workspace", where=box)
    kind = box.segmented_control("Workspace", list(WORKSPACES), format_func=WORKSPACES.get, key="ws",
                                 help="Demo: a local Ground Truth simulator, no AWS account needed. "
                                      "AWS: your account, through the standard AWS configuration.")
    kind = kind or default_kind()
    sync_url(ws=None if kind == default_kind() else kind)
    if kind == "demo":
        box.caption(":material/science: **Demo workspace**: simulated jobs and workers on this computer; "
                    "nothing is sent to AWS. Choose **AWS** to work on your account.")
    else:
        with box.expander("AWS connection", icon=":material/cloud:"):
            st.caption("Leave empty to use the standard AWS configuration (environment, ~/.aws).")
            for field, env in _AWS_KEYS.items():
                label = {"profile": "Profile", "region": "Region", "endpoint_url": "S3 endpoint URL"}[field]
                st.text_input(label, key=f"aws_{field}", placeholder=os.environ.get(env, ""))
        if problems := aws_setup_problems():  # short here; the page and the expander say how to fix it
            missing = "; ".join(p.split(":")[0] for p in problems)
            box.warning(f"**AWS is not set up yet**: {missing}. Or choose **Demo**.", icon=":material/key_off:")
            with box.expander("How to set it up", icon=":material/help:"):
                st.markdown(aws_setup_steps(problems))
            return box
        try:
            box.caption(f":material/cloud: {_aws(aws_settings()).label}")
        except Exception as exc:  # a bad profile name: say so, keep the page usable
            box.error(f"AWS configuration problem: {exc}", icon=":material/error:")
    return box


def workspace_notice(box) -> None:
    """What the workspace has to say after the page ran (a damaged demo rebuilt), in the sidebar box."""
    if (st.session_state.get("ws") or default_kind()) == "demo":
        notice = _demo(str(demo_dir())).notice()
        if notice:
            box.warning(notice, icon=":material/build:")


# ---- The error boundary: every page runs inside it -------------------------------------------

PAGE_FAILED = (
    "Something went wrong while showing this page, and it stopped here. Nothing was changed or lost. "
    "Choose **Start this page afresh** to open it again with its default settings. If that does not "
    "help, tell whoever runs Ground Control and quote reference **{ref}**: the details are in the "
    "server's log under that reference."
)
_KEEP_ON_RESET = ("ws", "aws_profile", "aws_region", "aws_endpoint_url")  # the connection, not the view


def _start_afresh() -> None:
    keep = {k: st.session_state[k] for k in _KEEP_ON_RESET if k in st.session_state}
    st.query_params.clear()
    for key in list(st.session_state):
        if key not in keep:
            del st.session_state[key]
    if keep.get("ws") and keep["ws"] != default_kind():
        st.query_params["ws"] = keep["ws"]


@contextmanager
def error_boundary() -> Iterator[None]:
    """The one error boundary of every page: an unexpected error is logged with its traceback on
    the server and shown as a plain message with a way out, never as a traceback or a server path.
    Streamlit's own st.rerun, st.stop and st.switch_page raise BaseException subclasses, not
    Exception, so they pass through untouched."""
    try:
        yield
    except Exception:
        ref = uuid.uuid4().hex[:8]
        log.exception("A page failed (reference %s)", ref)
        st.error(PAGE_FAILED.format(ref=ref), icon=":material/error:")
        st.button("Start this page afresh", icon=":material/restart_alt:", key="_start_afresh",
                  on_click=_start_afresh)


def _markdown_safe(message: str) -> str:
    """Service messages may hold characters Markdown would act on."""
    return re.sub(r"([\\`*_{}\[\]<>#|])", r"\\\1", message)


def problem_list(found: list[Problem]) -> str:
    """Problems as a Markdown list, each under the name its field has on the pages."""
    return "\n".join(f"- **{field_title(p.field)}**: {_markdown_safe(p.message)}" for p in found)


def show_error(exc: GroundControlError, lead: str = "", where=None) -> None:
    """The one way a page shows an error of the core: `lead: message`, or, when the error lists
    problems by field, the lead and the list (the command line prints the same, core.cli.main)."""
    box = where or st
    if exc.problems:
        box.error(f"{lead or 'Problems'}:\n\n{problem_list(exc.problems)}", icon=":material/error:")
    else:
        message = _markdown_safe(str(exc))  # names a file or a URI: `my_file_2` must not turn italic
        box.error(f"{lead}: {message}" if lead else message, icon=":material/error:")


@st.cache_data(ttl=30, show_spinner=False)
def _setup_problems(settings: AwsSettings, env: tuple) -> list[str]:
    # Keyed by the AWS_* environment as well: without credentials, looking costs a metadata lookup.
    return setup_problems(settings)


def aws_setup_problems() -> list[str]:
    """What the AWS workspace lacks (profile, credentials, region), in the order to fix it."""
    env = tuple(sorted((k, v) for k, v in os.environ.items() if k.startswith("AWS_")))
    return _setup_problems(aws_settings(), env)


def aws_setup_steps(problems: list[str]) -> str:
    return "\n".join(f"{i}. {p}" for i, p in enumerate(problems, start=1))


def aws_setup_text(problems: list[str]) -> str:
    steps = aws_setup_steps(problems)
    return f"**AWS is not set up on this computer yet.**\n\n{steps}\n\nOr choose **Demo** to look around without AWS."


# ---- URL state: a copied link reopens the same view ------------------------------------------

def _seed(key: str, from_url) -> bool:
    # The sidebar's links drop query params, so an arrival without them keeps the session's value.
    return key not in st.session_state or (from_url and st.session_state.get("_arrived", False))


def url_state(key: str, default, param: str | None = None):
    """Seed a widget's session value from the URL (`param`, default `key`) when the session has
    none or the page was just opened with it, so the widget can own it afterwards. Call it before
    the widget is made: the value is set again each run, because each page has its own widget for a
    key (Streamlit starts a new widget from its default), and a page opened from the sidebar would
    otherwise show another source, or real names after Anonymous was chosen."""
    raw = st.query_params.get(param or key)
    value = (default if raw is None else raw) if _seed(key, raw is not None) else st.session_state[key]
    st.session_state[key] = value
    return value


def literal(text: str) -> str:
    """Data (a job name, a URI, a value from a link) shown as text in Markdown: no markup, link, icon
    shortcode, LaTeX or entity in it may act."""
    return re.sub(r"([\\`*_{}\[\]()#+\-.!|<>~$:&])", r"\\\1", text)


def _plain(text, limit: int = 60) -> str:
    """A value from a URL, short and without control characters, shown literally."""
    text = re.sub(r"[\x00-\x1f\x7f]", " ", str(text))
    return literal(text if len(text) <= limit else text[: limit - 1] + "…")


def url_note(what: str, raw, used: str, where=None) -> None:
    """A small note that a value from the link was not understood and what is shown instead."""
    (where or st).caption(f":material/link_off: The link's {what} “{_plain(raw)}” was not understood: {used}.")


def url_choice(key: str, options, default, what: str, where=None, param: str | None = None):
    """A widget's value seeded from the URL (`param`, default `key`) that must be one of `options`;
    anything else falls back to `default`, with a note."""
    value = url_state(key, default, param)
    if value not in options:
        if value not in (None, ""):
            url_note(what, value, f"showing {options[default] if isinstance(options, dict) else default}",
                     where)
        st.session_state[key] = value = default
    return value


def url_list(key: str, param: str | None = None) -> list[str]:
    values = [v for v in st.query_params.get_all(param or key) if v]
    if _seed(key, bool(values)):
        st.session_state[key] = values
    return st.session_state[key]


def sync_url(**values) -> None:
    """Write the view's state to the URL; empty values are removed to keep links short."""
    for key, value in values.items():
        if value in (None, "", [], ()):
            st.query_params.pop(key, None)
        elif isinstance(value, (list, tuple)):
            st.query_params[key] = [str(v) for v in value]
        else:
            st.query_params[key] = str(value)


# ---- Loading ---------------------------------------------------------------------------------

@st.cache_resource(show_spinner=False, max_entries=16)
def _reader(uri: str, _ws: Workspace, ws_key: tuple) -> SourceReader:
    # One reader per source keeps its per-object cache, so a refresh fetches only what is new.
    return SourceReader(_ws.open(uri))


def workspace_key() -> tuple:
    """What identifies the shown workspace, for cache keys: its kind, the AWS settings, the demo's folder."""
    return (st.session_state.get("ws") or default_kind(), aws_settings(), str(demo_dir()))


@st.cache_resource(show_spinner=False)
def _loaded() -> dict:
    """(uri, settings) -> (refresh token, version, SourceData): the last load, shared by all sessions."""
    return {}


def load_source(uri: str, version=None) -> SourceData:
    """The Ground Truth output under `uri`, loaded once and again only after Refresh, or when
    `version` (e.g. a job's LastModifiedTime) changes.

    Not st.cache_data: the load shows a live progress bar, and the reader underneath already
    caches every object, so a refresh costs one listing plus the new objects.
    """
    key = (uri, workspace_key())
    return _read_once(_loaded(), key, st.session_state.setdefault("refresh", 0), uri,
                      lambda progress: _reader(uri, workspace(), key[1]).load(progress), version)


@st.cache_resource(show_spinner=False)
def _annotations() -> dict:
    """(uri, settings) -> (refresh token, None, SourceAnnotations): the last read, shared by all sessions."""
    return {}


@st.cache_resource(show_spinner=False, max_entries=16)
def _annotation_reader(uri: str, _ws: Workspace, ws_key: tuple) -> AnnotationReader:
    # One reader per source keeps its parsed files (and the disk cache has them after a restart),
    # so a refresh parses only what is new or changed.
    return AnnotationReader(_ws.open(uri))


def load_annotations(uri: str) -> SourceAnnotations:
    """Every task type's annotations under `uri` (core.annotations.reader), read once and again
    only after Refresh; a progress bar while it reads."""
    key = (uri, workspace_key())
    return _read_once(_annotations(), key, st.session_state.setdefault("refresh", 0), uri,
                      lambda progress: _annotation_reader(uri, workspace(), key[1]).load(progress))


def _read_once(loaded: dict, key, token: float, uri: str, read, version=None):
    """`loaded[key]`'s value if it was read for `version` at or after the session's last Refresh
    (`token`, its time; 0 before any), else read(progress) with a progress bar, kept under `key`;
    the oldest of over MAX_LOADED sources goes first. A session never reads again what another
    session's newer Refresh has just read; sessions asking at once read once (the later ones wait)."""
    if fresh := _fresh(loaded, key, token, version):
        return fresh[0]
    turn = flights().turn(("read", id(loaded), key), waiting(literal(
        f"Another visitor is reading {uri}; it shows here as soon as that read ends ...")))
    with turn:
        if fresh := _fresh(loaded, key, token, version):  # read by the session this one waited for
            return fresh[0]
        value = _read_shown(uri, read)
        loaded.pop(key, None)
        loaded[key] = (token, version, value)
        while len(loaded) > MAX_LOADED:  # the oldest source goes first; a reader keeps its object cache
            loaded.pop(next(iter(loaded)))
    return value


def _fresh(loaded: dict, key, token: float, version) -> tuple | None:
    """(value,) when `loaded[key]` was read for `version` at or after the Refresh `token`."""
    hit = loaded.get(key)
    return (hit[2],) if hit is not None and hit[0] >= token and hit[1] == version else None


def _read_shown(uri: str, read):
    """read(progress), with a progress bar that names what it reads."""
    bar = st.progress(0.0, text=f"Reading {uri} ...")

    def progress(phase: str, done: int, total: int) -> None:
        if phase == "list":
            bar.progress(0.0, text=f"Listing {uri}: {done:,} objects so far ...")
        elif phase == "read":  # a local folder's first read: read as it is listed, so no total yet
            bar.progress(0.0, text=f"Reading {uri}: {done:,} files so far ...")
        elif total:
            what = "files" if phase == "fetch" else f"{phase} files"
            bar.progress(done / total, text=f"Reading {done:,} of {total:,} {what} ...")

    try:
        return read(progress)
    finally:
        bar.empty()  # also when the source cannot be read: the error stands alone, not under a bar


def _new_refresh_token() -> None:
    # A fresh token per click: tokens of different sessions never collide.
    st.session_state["refresh"] = time.time()


def refresh_button() -> None:
    # A callback runs before the rerun the click starts, so that very rerun reads again (the button
    # comes after the source is loaded, so its return value would count only on the next one).
    st.button("Refresh", icon=":material/refresh:", help="Fetch only what is new or changed",
              on_click=_new_refresh_token)
