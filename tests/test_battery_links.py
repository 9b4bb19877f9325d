"""Reliability battery, row 4: forged and replayed links.

Every kind of link, opened or acted on with a token that is not its own (a flipped
character, truncated, another invitation's, in other letter case, empty, 10 KB), gives one
generic answer, logs no error and changes nothing. A used link replayed by its recipient
says what became of it; by anyone else, the generic answer again.
"""

import logging

import pytest
from sqlalchemy import func
from sqlmodel import select

from app.domain import invitation_status as st
from app.domain.errors import DomainError
from app.models import (
    AuditEvent,
    CommunityMember,
    CommunityTenant,
    Invitation,
    OrganizationMember,
    OutboxMessage,
)
from app.services import parent_invitations as pi
from app.services import tenant_invitations as ti
from app.services import user_invitations as ui
from tests.helpers import NOW, SECRET, viewer
from tests.test_battery_races import BASE, MAILER, _token
from tests.test_user_invitations import community, role_id


def _forgeries(token: str, others: list[str]) -> dict[str, str]:
    flipped = token[:5] + ("A" if token[5] != "A" else "B") + token[6:]
    return {"flipped": flipped, "truncated": token[:-1], "half": token[: len(token) // 2],
            "upper": token.upper(), "lower": token.lower(), "swapped": token.swapcase(),
            "empty": "", "space": token + " ", "10 KB": "A" * 10_240,
            **{f"another {i}": other for i, other in enumerate(others)}}


def _world(db) -> dict:
    """What a forged link could change: every row that acting on a link writes."""
    statuses = db.exec(select(Invitation.id, Invitation.status, Invitation.token_hash)
                       .order_by(Invitation.id)).all()
    counts = {m.__name__: db.exec(select(func.count()).select_from(m)).one()
              for m in (AuditEvent, OutboxMessage, CommunityMember, CommunityTenant,
                        OrganizationMember)}
    return {"invitations": [tuple(r) for r in statuses], **counts}


@pytest.fixture
def links(db, demo):
    """One live link of each kind (each names another invitation's token for the others)."""
    alice = viewer(db, "alice")
    wind = community(db, "Wind Farm Analytics")
    ti.invite_tenant(db, alice, wind, "bob@fabrikam.example", now=NOW, mailer=MAILER)
    ui.invite_users(db, alice, "carol@northwind.example", [community(db, "Client A")],
                    [role_id(db, "Community Member")], now=NOW, mailer=MAILER)
    pi.invite_parent_users(db, viewer(db, "dave"), ["alice"], [], now=NOW, secret_key=SECRET,
                           base_url=BASE)
    db.commit()
    return {"tenant": _token(db, "bob@fabrikam.example", "invite"),
            "user": _token(db, "carol@northwind.example", "join"),
            "parent": _token(db, "alice@contoso.example", "org-invite")}


# per kind: its recipient, the page's view, its answers (each a callable of db, viewer, token)
KINDS = {
    "tenant": ("bob", lambda db, v, t: ti.invitation_view(db, SECRET, t, v, NOW), [
        lambda db, v, t: ti.join(db, v, t, now=NOW, mailer=MAILER),
        lambda db, v, t: ti.decline(db, v, t, "", now=NOW, mailer=MAILER),
        lambda db, v, t: ti.request_new_invitation(db, t, now=NOW, mailer=MAILER)]),
    "user": ("carol", lambda db, v, t: ui.join_view(db, SECRET, t, v, NOW), [
        lambda db, v, t: ui.accept(db, v, t, now=NOW, secret_key=SECRET),
        lambda db, v, t: ui.create_account_and_accept(
            db, t, "Someone", "a-long-password", now=NOW, secret_key=SECRET)]),
    "parent": ("alice", lambda db, v, t: pi.invitation_view(db, SECRET, t, v, NOW), [
        lambda db, v, t: pi.accept(db, v, t, now=NOW, secret_key=SECRET)]),
}


# the link alone is the credential: a new account, asking for a new invitation
SIGNED_OUT = [KINDS["user"][2][1], KINDS["tenant"][2][2]]


@pytest.mark.parametrize("kind", KINDS)
def test_a_forged_link_gets_one_generic_answer_and_changes_nothing(db, links, kind, caplog):
    recipient, view, answers = KINDS[kind]
    others = [t for k, t in links.items() if k != kind]
    before = _world(db)
    caplog.set_level(logging.WARNING)
    for name, forged in _forgeries(links[kind], others).items():
        for who in (None, recipient, "frank"):
            v = viewer(db, who) if who else None
            assert view(db, v, forged) == st.closed_view(), (name, who)
            for answer in answers:
                if v is None and answer not in SIGNED_OUT:
                    continue  # a page asks for sign-in before these answers
                with pytest.raises(DomainError) as refused:
                    answer(db, v, forged)
                db.rollback()
                assert refused.value.message == st.LINK_UNUSABLE, (name, who)
    assert _world(db) == before
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    # and the real link still works for its recipient
    assert view(db, viewer(db, recipient), links[kind])["status"] == st.PENDING


@pytest.mark.parametrize("kind", KINDS)
def test_a_used_link_speaks_to_its_recipient_only(db, links, kind):
    recipient, view, answers = KINDS[kind]
    me = viewer(db, recipient)
    answers[0](db, me, links[kind])
    db.commit()
    assert view(db, me, links[kind])["status"] == st.ACCEPTED
    with pytest.raises(DomainError) as again:
        answers[0](db, me, links[kind])
    db.rollback()
    assert again.value.message != st.LINK_UNUSABLE  # what became of it, to its recipient
    assert "ago" in again.value.message or "already" in again.value.message
    for stranger in (None, "frank", "dave"):
        v = viewer(db, stranger) if stranger else None
        assert view(db, v, links[kind]) == st.closed_view()
        if v is not None:
            with pytest.raises(DomainError) as theirs:
                answers[0](db, v, links[kind])
            db.rollback()
            assert theirs.value.message == st.LINK_UNUSABLE, stranger


@pytest.fixture
def app_db_is_test_db(engine):
    from app import db as app_db
    from app.settings import get_settings

    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(app_db._engines, get_settings().database_url, engine)
        yield


@pytest.mark.parametrize("path", ["invite", "join", "org-invite"])
def test_a_forged_link_page_is_sent_the_generic_answer_only(db, links, app_db_is_test_db,
                                                           path, caplog):
    from reflex.state import State

    from app.states.accept import AcceptState
    from app.states.join import JoinState
    from app.states.org_invite import OrgInviteState
    from tests.reflex_harness import Browser

    page, kind = {"invite": (AcceptState, "tenant"), "join": (JoinState, "user"),
                  "org-invite": (OrgInviteState, "parent")}[path]
    caplog.set_level(logging.WARNING)
    others = [t for k, t in links.items() if k != kind]
    with Browser() as browser:
        for name, forged in _forgeries(links[kind], others).items():
            if not forged.strip():
                continue  # an empty segment is another route
            tab = browser.tab(None, f"/{path}/{forged}")
            got = tab.send(f"{State.get_full_name()}.hydrate_and_load")
            shown = tab.state(page)
            assert (shown.invitation, shown.error, got.errors) == (st.closed_view(), "", []), name
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
