"""Roles from the identity token's groups, and the one check every action makes (core.access)."""

import pytest

from core.access import ACTIONS, LEAD, VIEWER, Identity, NotAllowed, RoleMap, can, check, local_identity
from core.errors import GroundControlError

SETTINGS = {"lead_groups": ["labeling-leads"], "viewer_groups": ["stakeholders", "labeling-leads"]}


def test_cognito_groups_make_a_lead_or_a_viewer():
    roles = RoleMap.from_settings(SETTINGS)
    lead = roles.identity({"sub": "s-1", "email": "ana@example.com", "cognito:groups": ["labeling-leads"]})
    viewer = roles.identity({"sub": "s-2", "email": "bo@example.com", "cognito:groups": ["stakeholders"]})
    stranger = roles.identity({"sub": "s-3", "cognito:groups": ["other-team"]})
    assert (lead.role, lead.who) == (LEAD, "ana@example.com")
    assert (viewer.role, viewer.groups) == (VIEWER, ("stakeholders",))
    assert (stranger.role, stranger.who) == (None, "s-3")  # no e-mail: the subject names them


def test_groups_claim_as_a_string_and_a_chosen_claim():
    roles = RoleMap.from_settings({"lead_groups": "leads", "groups_claim": "roles"})
    assert roles.identity({"sub": "x", "roles": "viewers, leads"}).role == LEAD
    assert roles.identity({"sub": "x", "groups": ["leads"]}).role == VIEWER  # another claim is not read
    # Without viewer_groups every signed-in person is at least a viewer.
    assert roles.identity({"sub": "y"}).role == VIEWER


def test_bad_settings_name_the_field():
    with pytest.raises(GroundControlError) as err:
        RoleMap.from_settings({"lead_group": ["x"], "viewer_groups": [3]})
    assert [p.field for p in err.value.problems] == ["roles.lead_group"]
    with pytest.raises(GroundControlError) as err:
        RoleMap.from_settings({"viewer_groups": [3]})
    assert err.value.problems[0].field == "roles.viewer_groups"


def test_only_a_lead_may_change_anything():
    lead, viewer = Identity("a@x", LEAD), Identity("b@x", VIEWER)
    for action in ACTIONS:
        assert can(lead, action)
        assert not can(viewer, action)
        check(lead, action)
        with pytest.raises(NotAllowed, match=r"Only a lead can .* signed in as a viewer \(b@x\)"):
            check(viewer, action)
    with pytest.raises(NotAllowed, match="no group"):
        check(Identity("c@x", None), "stop")
    with pytest.raises(NotAllowed, match="Sign in"):
        check(None, "launch")
    with pytest.raises(ValueError):
        can(lead, "delete_everything")


def test_without_sign_in_the_local_person_is_a_lead():
    me = local_identity()
    assert me.local and me.role == LEAD and me.who.startswith("local:")
    check(me, "stop")
