"""Who a worker is: display names from Cognito or a CSV, or anonymous names for sharing.

Private-workforce answers carry the Cognito `sub` and the pool's issuer URL (docs/ground-truth.md §2).
"""

from __future__ import annotations

import csv
import io
import re

import pandas as pd

from .errors import GroundControlError
from .gt.jsonio import decode_text
from .gt.service import LabelingService, ServiceError

_ISSUER = re.compile(r"^https://cognito-idp\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/(?P<pool>[\w-]+)$")


class IdentityError(GroundControlError, ValueError):
    """Names could not be resolved; the message is safe to show."""


def user_pools(answers: pd.DataFrame) -> list[tuple[str, str]]:
    """(region, user pool id) of every Cognito issuer seen in the answers."""
    pools = set()
    for issuer in answers["issuer"].dropna().unique():
        m = _ISSUER.match(issuer)
        if m:
            pools.add((m["region"], m["pool"]))
    return sorted(pools)


def _display(user: dict) -> str:
    attrs = {a["Name"]: a.get("Value", "") for a in user.get("Attributes", [])}
    full = " ".join(p for p in (attrs.get("given_name"), attrs.get("family_name")) if p)
    return attrs.get("name") or full or attrs.get("email") or user.get("Username", "")


def names_from_users(users: list[dict]) -> dict[str, str]:
    """{sub: name} from Cognito ListUsers' `Users`: name, else given+family name, else email."""
    names = {}
    for user in users:
        sub = next((a["Value"] for a in user.get("Attributes", []) if a["Name"] == "sub"), None)
        if sub:
            names[sub] = _display(user)
    return names


# What the usual refusals mean, in words; the service's code stays beside them for a search.
_WHY = {
    "ResourceNotFoundException": "no such user pool in this account and region",
    "AccessDeniedException": "these credentials may not list its users (cognito-idp:ListUsers)",
    "NotAuthorizedException": "these credentials may not list its users (cognito-idp:ListUsers)",
}


def team_names(service: LabelingService, answers: pd.DataFrame) -> dict[str, str]:
    """{sub: name} for every Cognito pool the answers name, through the workspace's service (which
    reads every page: ListUsers returns at most 60 users a call, Appendix B)."""
    names: dict[str, str] = {}
    for region, pool in user_pools(answers):
        try:
            names.update(names_from_users(service.list_users(pool)))
        except ServiceError as exc:
            why = f" ({_WHY[exc.code]})" if exc.code in _WHY else ""
            raise IdentityError(f"cannot list users of Cognito pool {pool} ({region}): {exc.code}{why}") from exc
    return names


def read_names_csv(name: str, data: bytes) -> dict[str, str]:
    """{sub or workerId: name} from a CSV with a `name` column and a `sub` or `worker_id` column."""
    try:
        reader = csv.DictReader(io.StringIO(decode_text(data)))
        fields = reader.fieldnames or []
        key = next((k for k in ("sub", "worker_id", "workerId") if k in fields), None)
        if key is None or "name" not in fields:
            raise ValueError(f"line 1: needs columns 'sub' (or 'worker_id') and 'name', found {fields}")
        out = {}
        for row in reader:
            if not (row.get(key) or "").strip() or not (row.get("name") or "").strip():
                raise ValueError(f"line {reader.line_num}: empty {key} or name")
            out[row[key].strip()] = row["name"].strip()
    except ValueError as exc:
        raise IdentityError(f"{name}: {exc}") from exc
    except csv.Error as exc:  # e.g. a field over the csv module's size limit
        raise IdentityError(f"{name}: line {reader.line_num + 1}: not CSV: {exc}") from exc
    return out


def display_names(table: pd.DataFrame, names: dict[str, str]) -> pd.Series:
    """Per worker_id (the table's index): a known name by sub or workerId, else the workerId."""
    subs = table["sub"] if "sub" in table else pd.Series(None, index=table.index)
    shown = [
        names[s] if isinstance(s, str) and s in names else names.get(w, w)
        for w, s in zip(table.index, subs, strict=True)
    ]
    return pd.Series(shown, index=table.index)
