"""Who may change things: roles from the identity token's groups, and the one server-side check.

A hosted Ground Control signs people in with OpenID Connect (Streamlit's st.login); their ID token's
groups claim (Cognito's `cognito:groups`, or `groups`) is mapped to a role by the `[roles]` settings:

    viewer   sees every report
    lead     also launches, stops and chains jobs, writes manifests, saves and sends races

Every action that changes something calls `check(identity, action)` where it happens, on the
server, whatever the page showed: a viewer who reaches an action is refused with a plain message.
With no sign-in configured, the app runs for the one person at the machine, as a lead
(`local_identity`). Pure: no Streamlit, no I/O.
"""

from __future__ import annotations

import getpass
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .errors import GroundControlError, Problem

VIEWER, LEAD = "viewer", "lead"
ROLES = (VIEWER, LEAD)

# Every action that changes something in AWS or in storage, in the words a refusal uses.
ACTIONS = {
    "launch": "launch a labeling job",
    "stop": "stop a labeling job",
    "chain": "start a chained labeling job",
    "manifest_write": "write a manifest",
    "race_save": "save a race to the workspace",
    "notify": "send a notification",
    "athena": "run queries on Amazon Athena (they create tables, write results and are billed)",
}
ALLOWED = {VIEWER: frozenset(), LEAD: frozenset(ACTIONS)}
GROUPS_CLAIMS = ("cognito:groups", "groups")  # Cognito's claim first, then the common one


class NotAllowed(GroundControlError):
    """The signed-in person's role does not allow the action; the message says so plainly."""


@dataclass(frozen=True)
class Identity:
    who: str  # what the audit log records: the e-mail, else the token's subject, else the local user
    role: str | None  # None: signed in, but in no group the settings map to a role
    name: str = ""
    groups: tuple[str, ...] = ()
    local: bool = False  # no sign-in configured: the one person at this machine

    @property
    def shown(self) -> str:
        return self.name or self.who


def local_identity() -> Identity:
    """The one person at the machine when no sign-in is configured: a lead."""
    try:
        user = getpass.getuser()
    except Exception:  # no user name in this environment (a container without /etc/passwd entry)
        user = "local"
    return Identity(who=f"local:{user}", role=LEAD, name=f"{user} (this computer)", local=True)


def _names(value, where: str) -> frozenset[str]:
    if value is None:
        return frozenset()
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) and v.strip() for v in value):
        raise GroundControlError(problems=[Problem(where, "must be a list of group names, e.g. [\"leads\"]")])
    return frozenset(v.strip() for v in value)


@dataclass(frozen=True)
class RoleMap:
    """The `[roles]` settings: which groups make a lead or a viewer.

    `lead_groups`: members of any of these are leads. `viewer_groups`: members are viewers; when
    empty, every signed-in person outside the lead groups is a viewer. Someone in neither (with
    viewer groups set) has no role and sees nothing. `groups_claim` names the token claim to read.
    `viewer_names`: viewers see workers' real names (otherwise anonymised)."""

    lead_groups: frozenset[str] = frozenset()
    viewer_groups: frozenset[str] = frozenset()
    groups_claim: str | None = None
    viewer_names: bool = False
    claims: tuple[str, ...] = field(default=GROUPS_CLAIMS, repr=False)

    @classmethod
    def from_settings(cls, settings: Mapping | None) -> RoleMap:
        settings = dict(settings or {})
        unknown = sorted(set(settings) - {"lead_groups", "viewer_groups", "groups_claim", "viewer_names"})
        if unknown:
            raise GroundControlError(problems=[Problem(f"roles.{k}", "is not a setting of [roles]") for k in unknown])
        claim = settings.get("groups_claim")
        if claim is not None and (not isinstance(claim, str) or not claim.strip()):
            raise GroundControlError(problems=[Problem("roles.groups_claim", "must be a claim name, e.g. groups")])
        names = settings.get("viewer_names", False)
        if not isinstance(names, bool):
            raise GroundControlError(problems=[Problem("roles.viewer_names", "must be true or false")])
        return cls(lead_groups=_names(settings.get("lead_groups"), "roles.lead_groups"),
                   viewer_groups=_names(settings.get("viewer_groups"), "roles.viewer_groups"),
                   groups_claim=claim.strip() if claim else None, viewer_names=names)

    def groups_of(self, claims: Mapping) -> tuple[str, ...]:
        """The token's groups: a list, or one string of names separated by commas or spaces."""
        for name in ([self.groups_claim] if self.groups_claim else self.claims):
            value = claims.get(name)
            if value is None:
                continue
            if isinstance(value, str):
                value = value.replace(",", " ").split()
            if isinstance(value, Iterable):
                return tuple(sorted({str(v).strip() for v in value if str(v).strip()}))
        return ()

    def role_of(self, groups: Iterable[str]) -> str | None:
        groups = set(groups)
        if groups & self.lead_groups:
            return LEAD
        if not self.viewer_groups or groups & self.viewer_groups:
            return VIEWER
        return None

    def identity(self, claims: Mapping) -> Identity:
        """The signed-in person from their ID token's claims (what st.user holds)."""
        who = str(claims.get("email") or claims.get("sub") or "unknown")
        groups = self.groups_of(claims)
        name = str(claims.get("name") or claims.get("preferred_username") or claims.get("email") or "")
        return Identity(who=who, role=self.role_of(groups), name=name, groups=groups)


def can(identity: Identity | None, action: str) -> bool:
    if action not in ACTIONS:
        raise ValueError(f"unknown action {action!r}")
    return identity is not None and identity.role is not None and action in ALLOWED[identity.role]


def check(identity: Identity | None, action: str) -> None:
    """Raise NotAllowed unless `identity` may do `action`: called where the action happens."""
    if can(identity, action):
        return
    what = ACTIONS[action]
    if identity is None:
        raise NotAllowed(f"Sign in to {what}.")
    if identity.role is None:
        raise NotAllowed(f"Your account ({identity.who}) is in no group that may use Ground Control, so it cannot "
                         f"{what}. Ask a lead to add you to a group.")
    raise NotAllowed(f"Only a lead can {what}. You are signed in as a {identity.role} ({identity.who}); "
                     "nothing was changed.")
