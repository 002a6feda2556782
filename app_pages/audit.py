"""Audit trail: every action that changed something (or was refused), newest first. Leads only."""

from __future__ import annotations

import pandas as pd
import streamlit as st

from app_pages._access import audit_log, identity
from app_pages._shared import show_error
from core.access import ACTIONS, LEAD
from core.audit import SHOWN, AuditError

OUTCOMES = {"done": "Done", "failed": "Failed", "refused": "Refused (not allowed)", "unreadable": "Unreadable line"}


def _value(value) -> str:
    return ("yes" if value else "no") if isinstance(value, bool) else str(value)


def _request_text(request) -> str:
    if not isinstance(request, dict):
        return str(request)
    return "; ".join(f"{k}: {_value(v)}" for k, v in request.items())


def _result_text(result: dict) -> str:
    rest = {k: v for k, v in result.items() if k != "outcome"}
    return "; ".join(f"{k}: {_value(v)}" for k, v in rest.items())


def rows(entries: list[dict]) -> pd.DataFrame:
    out = []
    for e in entries:
        result = e.get("result") if isinstance(e.get("result"), dict) else {}
        action = e.get("action")
        out.append({
            "When (UTC)": (e.get("at") or "").replace("T", " ").rstrip("Z")[:19],
            "Who": e.get("who") or "",
            "Role": e.get("role") or "",
            "Action": ACTIONS.get(action, action or "").capitalize(),
            "Request": _request_text(e.get("request") or {}),
            "Outcome": OUTCOMES.get(result.get("outcome"), result.get("outcome") or ""),
            "Details": _result_text(result),
        })
    return pd.DataFrame(out, columns=["When (UTC)", "Who", "Role", "Action", "Outcome", "Request", "Details"])


def main() -> None:
    st.title("Audit trail")
    me = identity()
    if me is None or me.role != LEAD:
        st.info("The audit trail is for leads. You are signed in as a viewer.", icon=":material/lock:")
        return
    log = audit_log()
    st.caption(f"Every launch, stop, chained job, manifest written, race saved, message sent and Athena run, "
               f"and every attempt refused, one line each in `{log.uri}`, never rewritten. The newest {SHOWN} "
               "are listed.")
    try:
        entries = log.entries()
    except AuditError as exc:
        show_error(exc)
        return
    if not entries:
        st.info("Nothing has been changed through Ground Control in this workspace yet.", icon=":material/history:")
        return
    st.dataframe(rows(entries), hide_index=True, width="stretch",
                 column_config={"Request": st.column_config.TextColumn(width="medium"),
                                "Details": st.column_config.TextColumn(width="large")})


main()
