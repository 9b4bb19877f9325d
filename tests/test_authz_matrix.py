"""Every handler that takes an id, driven through Reflex's own event processing with a real
session cookie by someone who must not reach the object: a user of another organization,
a signed-out client, a guest of one managed community and a removed member, on each
engine. Each call is refused, changes nothing in the database, and sends the tab nothing
that names another organization's people or places."""

import dataclasses
import importlib
import json

import pytest

from tests.handler_table import HANDLERS, QUIET, REFUSED, VIEWER
from tests.matrix_fixtures import ACTORS, targets, world  # noqa: F401
from tests.reflex_harness import Browser, full_name

CASES = [(name, actor) for name, entry in HANDLERS.items() if entry.call for actor in ACTORS]
# (handler, actor) -> why: holes found and not yet closed (strict xfail: a fix shows).
KNOWN_HOLES: dict[tuple[str, str], str] = {}


def state_of(name: str):
    module, cls, _ = name.rsplit(".", 2)
    return getattr(importlib.import_module(module), cls)


def step_name(state_cls, handler: str) -> str:
    """A step names a handler of the entry's state, or `module.Class.handler` of another
    (the page's on-load handler before one of its pane's)."""
    if "." in handler:
        state_cls, handler = state_of(handler), handler.rpartition(".")[2]
    return full_name(state_cls, handler)


def _strings(value) -> list[str]:
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list):
        return [s for v in value for s in _strings(v)]
    return [str(value)] if isinstance(value, str) and len(value) > 3 else []


def leaked(text: str, markers: list[str], sent: list[str]) -> list[str]:
    """The markers in `text` once what the client itself sent is taken out."""
    for own in sorted(sent, key=len, reverse=True):
        text = text.replace(json.dumps(own)[1:-1], "")
    return [m for m in markers if m in text]


def refused(got, state_cls) -> bool:
    """Sent to sign-in, told off in a toast, or shown an error in the page's own fields."""
    if any(path.startswith("/signin") for path in got.redirects) or got.toasts("error"):
        return True
    if got.toasts("warning"):
        return True
    return any(v for k, v in got.delta(state_cls).items() if k.endswith("error") and v)


def diff(before: dict, after: dict) -> dict:
    return {t: {"gone": [r for r in before[t] if r not in after[t]],
                "new": [r for r in after[t] if r not in before[t]]}
            for t in before if before[t] != after[t]}


def run(world, name, actor, aim):  # noqa: F811
    """Send the entry's call as `actor`; returns (call, replies, before, after) and puts the
    world back when the call changed it."""
    call, state_cls = HANDLERS[name].call(aim), state_of(name)
    before = world.dump()
    with Browser() as browser:
        tab = browser.tab(world.cookies[actor], call.path)
        replies = [tab.send(step_name(state_cls, h), payload) for h, payload in call.steps]
    after = world.dump()
    if after != before:
        world.rebuild()
    return call, replies, before, after


def case_id(case):
    name, actor = case
    return f"{name.removeprefix('app.states.')}-{actor}"


@pytest.mark.parametrize("case", [
    pytest.param(c, marks=pytest.mark.xfail(strict=True, reason=KNOWN_HOLES[c]))
    if c in KNOWN_HOLES else c for c in CASES], ids=case_id)
def test_a_foreign_id_is_refused_and_changes_and_reveals_nothing(world, case):  # noqa: F811
    name, actor = case
    entry, state_cls, aim = HANDLERS[name], state_of(name), targets(world, actor)
    call, replies, before, after = run(world, name, actor, aim)
    crashed = [e for r in replies for e in r.errors]
    assert after == before, f"{name} as {actor} changed the database: {diff(before, after)}"
    sent = [s for _, payload in call.steps for s in _strings(payload)]
    text = json.dumps([u for r in replies for u in r.updates])
    assert not leaked(text, aim.markers, sent), f"{name} as {actor} was sent {text[:3000]}"
    assert not crashed, f"{name} as {actor} raised {crashed!r} (a bad call, not a refusal)"
    last = replies[-1]
    assert not last.toasts("success"), f"{name} as {actor} succeeded: {last.events}"
    if entry.expect == REFUSED:
        assert refused(last, state_cls), f"{name} as {actor} was not refused: {last.updates}"
    else:
        assert entry.expect == QUIET


# --- the control: the same calls by someone entitled go through -----------------------------
# Who may make each call on the objects the matrix aims at, when not Alice of Contoso.
ENTITLED = {
    "app.states.invitations.InvitationsState.accept": ("ops", "Tailspin Toys"),
    "app.states.invitations.InvitationsState.decline": ("ops", "Tailspin Toys"),
    "app.states.overview.OverviewState.accept": ("ops", "Tailspin Toys"),
    "app.states.overview.OverviewState.decline": ("ops", "Tailspin Toys"),
    "app.states.community.CommunityState.leave": ("ann", "Adventure Works"),
    "app.states.org_users.OrgUsersState.delete_invitation": ("dave", "Contoso Retail"),
    "app.states.org_users.OrgUsersState.resend": ("dave", "Contoso Retail"),
}
# Calls nobody can make as the matrix sends them (each refusal is covered elsewhere).
NO_CONTROL = {
    "app.states.org_users.OrgUsersState.send_invites":
        "the matrix picks Contoso's group, which only Contoso's child could offer",
    "app.states.lists.MailboxState.live_refresh":
        "the tests run without the dev mailbox: the page shows everyone the same error",
}
CONTROLS = [n for n, e in HANDLERS.items() if e.call and e.guard == VIEWER
            and n not in NO_CONTROL]


@pytest.mark.parametrize("name", CONTROLS, ids=lambda n: n.removeprefix("app.states."))
def test_the_same_call_by_someone_entitled_is_not_refused(world, name):  # noqa: F811
    """The matrix's calls are well formed: made by the right person they go through (or,
    for a read, show what the others must not see), so what the matrix sees comes from
    the guard, not from a bad payload."""
    person, org_name = ENTITLED.get(name, ("alice", "Contoso Energy"))
    aim = dataclasses.replace(targets(world, "other-org"), own_org_name=org_name,
                              own_username=person)
    call, replies, _, _ = run(world, name, person, aim)
    last = replies[-1]
    assert not [e for r in replies for e in r.errors]
    if HANDLERS[name].expect == REFUSED:
        assert not refused(last, state_of(name)), f"{name} as {person}: {last.updates}"
    else:
        sent = [s for _, payload in call.steps for s in _strings(payload)]
        assert leaked(json.dumps(last.updates), aim.markers, sent), (
            f"{name} as {person} showed nothing the matrix could catch: {last.updates}")

# --- a real link in the wrong hands -------------------------------------------------------
# The token is the credential for seeing the invitation, so its holder may be shown it; but
# acting on it also needs the invited person (or, to create an account, no account yet).
WRONG_HANDS = [
    ("app.states.accept.AcceptState.join", "/invite/{tenant_link}", "other-org"),
    ("app.states.accept.AcceptState.join", "/invite/{tenant_link}", "signed-out"),
    ("app.states.accept.AcceptState.decline", "/invite/{tenant_link}", "guest"),
    ("app.states.join.JoinState.accept", "/join/{join_link}", "other-org"),
    ("app.states.join.JoinState.accept", "/join/{join_link}", "removed"),
    ("app.states.org_invite.OrgInviteState.accept", "/org-invite/{org_link}", "other-org"),
    ("app.states.org_invite.OrgInviteState.accept", "/org-invite/{org_link}", "signed-out"),
]


@pytest.mark.parametrize("name,path,actor", WRONG_HANDS,
                         ids=[f"{n.rsplit('.', 2)[1]}.{n.rsplit('.', 1)[1]}-{a}"
                              for n, _, a in WRONG_HANDS])
def test_a_real_link_in_the_wrong_hands_changes_nothing(world, name, path, actor):  # noqa: F811
    state_cls, handler = state_of(name), name.rsplit(".", 1)[1]
    before = world.dump()
    with Browser() as browser:
        tab = browser.tab(world.cookies[actor], path.format(**world.ids))
        shown = tab.send(full_name(state_cls, "load"))
        got = tab.send(full_name(state_cls, handler))
    after = world.dump()
    if after != before:
        world.rebuild()
    assert shown.delta(state_cls).get("invitation"), "the real link shows its invitation"
    assert after == before, f"{name} as {actor} changed the database: {diff(before, after)}"
    assert not got.toasts("success") and not got.errors
    assert refused(got, state_cls), got.updates


@pytest.mark.parametrize("name,path,person", [
    ("app.states.accept.AcceptState.join", "/invite/{tenant_link}", "ops"),
    ("app.states.org_invite.OrgInviteState.accept", "/org-invite/{org_link}", "frank"),
], ids=["AcceptState.join-ops", "OrgInviteState.accept-frank"])
def test_the_same_link_in_the_right_hands_goes_through(world, name, path, person):  # noqa: F811
    state_cls, handler = state_of(name), name.rsplit(".", 1)[1]
    before = world.dump()
    with Browser() as browser:
        tab = browser.tab(world.cookies[person], path.format(**world.ids))
        tab.send(full_name(state_cls, "load"))
        got = tab.send(full_name(state_cls, handler))
    after = world.dump()
    if after != before:
        world.rebuild()
    assert after != before and not refused(got, state_cls), got.updates
