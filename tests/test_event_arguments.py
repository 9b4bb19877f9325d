"""A client can send any handler any arguments: the guard refuses what does not match the
handler's annotations before the handler runs."""

import pytest

import app.app  # noqa: F401  (registers every state and handler)
from app.states.arguments import event_allowed, fits
from app.states.community import CommunityState
from app.states.invitations import InvitationsState
from app.states.managed import ManagedState


def name(state, handler: str) -> str:
    return f"{state.get_full_name()}.{handler}"


@pytest.mark.parametrize("value,hint,ok", [
    (5, int, True), ("5", int, True), ("-5", int, True), (True, int, False),
    ([5], int, False), ({"id": 5}, int, False), ("5; drop", int, False), (2**70, int, False),
    (2**31, int, False), ("2147483648", int, False), (2**31 - 1, int, True),
    ("x", str, True), ("x" * 100_001, str, False), (5, str, False), (None, str, False),
    (True, bool, True), (1, bool, False),
    ([1, 2], list[int], True), ([1, "x"], list[int], False), (list(range(1001)), list[int], False),
    ({"name": "a", "n": 1}, dict, True), ({"n": {"deep": 1}}, dict, False),
    ({f"k{i}": 1 for i in range(51)}, dict, False),
    (None, dict | None, True), (0, int | None, True),
])
def test_values_fit_their_annotations(value, hint, ok):
    assert fits(value, hint) is ok


def test_an_id_taking_handler_takes_only_an_id():
    revoke = name(InvitationsState, "revoke")
    assert event_allowed(revoke, {"invitation_id": 7})
    assert not event_allowed(revoke, {"invitation_id": [7, 8]})
    assert not event_allowed(revoke, {"invitation_id": {"$ne": 0}})
    assert not event_allowed(revoke, {})                                # missing
    assert not event_allowed(revoke, {"invitation_id": 7, "as_admin": True})  # extra


def test_optional_arguments_may_be_left_out():
    assert event_allowed(name(CommunityState, "open_invite"), {})
    assert event_allowed(name(CommunityState, "open_invite"), {"value": False})
    assert not event_allowed(name(CommunityState, "open_invite"), {"value": "yes"})


def test_setvar_reaches_only_this_apps_setters_with_their_types():
    setvar = name(ManagedState, "setvar")
    assert event_allowed(setvar, {"var_name": "role_name", "value": "Analyst"})
    assert not event_allowed(setvar, {"var_name": "role_name", "value": ["Analyst"]})
    assert not event_allowed(setvar, {"var_name": "role_id", "value": 5})      # no setter
    assert not event_allowed(setvar, {"var_name": "members", "value": []})
    assert not event_allowed(setvar, {"var_name": "role_name"})


def test_reflex_own_events_are_left_to_reflex():
    assert event_allowed("reflex___state____state.hydrate", {})
    assert event_allowed("no.such.handler", {"x": 1})


def test_a_submitted_form_passes_as_the_dict_it_becomes():
    from reflex_base.utils.form import FORM_DATA_ENTRIES_KEY

    from app.states.signin import SignInState

    submitted = {FORM_DATA_ENTRIES_KEY: [["tenant", "contoso"], ["next", "/"]]}
    assert event_allowed(name(SignInState, "continue_"), {"form": submitted})
    nested = {FORM_DATA_ENTRIES_KEY: [["tenant", {"$gt": ""}]]}
    assert not event_allowed(name(SignInState, "continue_"), {"form": nested})
