"""Sign-in, the signed-in person's role, and the one way a page runs an action that changes something.

With `[auth]` in .streamlit/secrets.toml, nobody sees a page before signing in with Streamlit's own
st.login (OpenID Connect: a Cognito user pool or any provider), and `[roles]` maps the ID token's
groups to viewer or lead (core.access). Without `[auth]`, the app runs for the one person at the
machine, as a lead, and the sidebar says so.

Every action calls `act(...)`: the role is checked here, on the server, when the action runs (not by
hiding its button), and the attempt is appended to the audit log (core.audit), refused or not.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import TypeVar

import streamlit as st

from core.access import ACTIONS, LEAD, Identity, RoleMap, can, local_identity
from core.audit import AuditLog, home_location, perform
from core.errors import GroundControlError

T = TypeVar("T")


def _plain(value):
    """st.secrets' sections as plain dicts and lists."""
    if hasattr(value, "to_dict"):
        return value.to_dict()
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def auth_configured() -> bool:
    """True when .streamlit/secrets.toml has an [auth] section (sign-in is required)."""
    try:
        return bool(st.secrets.load_if_toml_exists()) and "auth" in st.secrets
    except Exception:  # an unreadable secrets file: Streamlit says why in the server log
        return False


def role_map() -> RoleMap:
    try:
        settings = _plain(st.secrets.get("roles", {})) if st.secrets.load_if_toml_exists() else {}
    except Exception:
        settings = {}
    return RoleMap.from_settings(settings)


def identity() -> Identity | None:
    """Who is using this session: the local person without [auth]; None before signing in."""
    if not auth_configured():
        return local_identity()
    if not st.user.is_logged_in:
        return None
    return role_map().identity(st.user.to_dict())


def access_gate() -> Identity | None:
    """Before any page: with [auth], a sign-in screen for whoever has not signed in, and a plain
    refusal for an account in no mapped group. Returns who may see the pages, else None (the
    caller shows nothing more)."""
    try:
        me = identity()
    except GroundControlError as exc:  # [roles] settings the app cannot use: say which field
        st.error("Sign-in is set up, but its [roles] settings cannot be used:\n\n"
                 + "\n".join(f"- **{p.field}**: {p.message}" for p in exc.problems), icon=":material/error:")
        return None
    if me is None:
        st.title("Ground Control")
        st.markdown("Sign in to see the labeling jobs, the reports and the race.")
        st.button("Sign in", type="primary", icon=":material/login:", key="_sign_in", on_click=st.login)
        return None
    if me.role is None:
        st.title("Ground Control")
        st.error(f"You are signed in as {me.who}, but your account is in no group that may use Ground Control. "
                 "Ask a lead to add you to a group.", icon=":material/block:")
        st.button("Sign out", key="_sign_out_refused", on_click=st.logout)
        return None
    return me


def identity_sidebar(me: Identity) -> None:
    box = st.sidebar.container(border=True)
    if me.local:
        box.caption(":material/person: **Local use**: no sign-in is set up, so this app serves only the person "
                    "at this computer, with a lead's rights. Set up sign-in before sharing it (see the README).")
        return
    box.caption(f":material/verified_user: Signed in as **{_escape(me.shown)}**: "
                f"{'a lead' if me.role == LEAD else 'a viewer (reports only)'}")
    box.button("Sign out", key="_sign_out", icon=":material/logout:", on_click=st.logout)


def _escape(text: str) -> str:
    from app_pages._shared import literal

    return literal(text)


def lead_only(action: str) -> str | None:
    """A button's help for someone who may not do `action`: the server will refuse it."""
    me = identity()
    return None if can(me, action) else f"Only a lead can {ACTIONS[action]}; you are a viewer."


def audit_log() -> AuditLog:
    from app_pages._shared import workspace

    return AuditLog(home_location(workspace()))


def act(action: str, request: dict, do: Callable[[], T], describe: Callable[[T], dict] = lambda value: {}) -> T:
    """Run an action as the signed-in person: checked (NotAllowed for a viewer), done, audited.
    Raises what core.audit.perform raises, each a GroundControlError with a message to show."""
    return perform(audit_log(), identity(), action, request, do, describe, now=lambda: datetime.now(UTC))
