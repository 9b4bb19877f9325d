"""Status keys inside, words at the edge: lists filter by status in SQL (whatever their
length), the transition table agrees with what the services do, and services hand pages
keys and `can_*` flags, never labels."""

import re
import uuid
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, update
from sqlmodel import select

from app.domain import invitation_status as st
from app.domain import transitions as tr
from app.domain.errors import DomainError
from app.models import Community, Invitation, Role
from app.services import community_members as cm
from app.services import community_tenants as ct
from app.services import invitation_actions as acts
from app.services import parent_invitations as pi
from app.services import tenant_invitations as ti
from app.services import user_invitations as ui
from app.services.invitation_list import Filters, details, page
from app.services.status_sql import effective_status, status_is, status_rank
from tests.helpers import NOW, SECRET, org, user, viewer

MAIL = acts.MailSettings(SECRET, "http://localhost:3000")
# 600 rows: how many of each effective status
MIX = {st.PENDING: 250, st.EXPIRED: 250, st.ACCEPTED: 40, st.CONFIRMED: 30,
       st.DECLINED: 20, st.REVOKED: 10}
ALL_LABELS = {text for labels in st.LABELS.values() for text in labels.values()}


def cid(db, name: str) -> int:
    return db.exec(select(Community.id).where(Community.name == name)).one()


def _bulk(db, kind: str, **where) -> None:
    """600 invitations of `kind` in one statement, statuses as in MIX: pending ones valid
    for hours, expired ones ended up to a day ago (one exactly at NOW). The oldest 100 hold
    every status, so a list cut at 500 rows before filtering misses some of each."""
    left = dict(MIX)
    statuses = []
    while len(statuses) < 600:  # round robin over the statuses, oldest first
        for status in [s for s, n in left.items() if n]:
            statuses.append(status)
            left[status] -= 1
    statuses.reverse()  # index 0 is the newest
    assert set(statuses[500:]) == set(MIX)
    rows = []
    for i, status in enumerate(statuses):
        expires = {st.PENDING: NOW + timedelta(hours=1 + i % 24),
                   st.EXPIRED: NOW - timedelta(minutes=i % 1440)}.get(status, NOW)
        created = NOW - timedelta(days=10, minutes=i)
        rows.append({"kind": kind, "batch_id": uuid.uuid4().hex, "recipient": f"r{i:03d}",
                     "grants": {}, "token_hash": uuid.uuid4().hex,
                     "status": st.PENDING if status == st.EXPIRED else status,
                     "expires_at": expires, "created_at": created, "sent_at": created,
                     **where})
    db.exec(insert(Invitation), params=rows)
    db.commit()


@pytest.fixture
def six_hundred_tenant_invitations(db, demo):
    alice = user(db, "alice")
    community_id = cid(db, "Wind Farm Analytics")
    _bulk(db, "tenant", organization_id=alice.home_organization_id,
          invited_by_user_id=alice.id, community_id=community_id,
          scope_key=f"community:{community_id}")
    return community_id


@pytest.fixture
def six_hundred_parent_invitations(db, demo):
    retail = org(db, "contoso-retail")
    _bulk(db, "parent_user", organization_id=retail.id, target_organization_id=retail.id,
          invited_by_user_id=user(db, "dave").id, scope_key=f"organization:{retail.id}")
    return retail.id


# --- a 600-row list filtered by status shows every matching row ---------------------------
@pytest.mark.parametrize("status", list(MIX))
def test_the_community_invitations_tab_filtered_by_status_shows_every_matching_row(
        db, six_hundred_tenant_invitations, status):
    shown = ct.list_invitations(db, viewer(db, "alice"), six_hundred_tenant_invitations, NOW,
                                status)
    assert shown["total"] == MIX[status] == len(shown["rows"])
    assert {r["status"] for r in shown["rows"]} == {status}
    sent = [r["sent"] for r in shown["rows"]]
    assert sent == sorted(sent, reverse=True)  # newest first


def test_the_whole_community_tab_shows_a_stated_page_and_shows_more_on_request(
        db, six_hundred_tenant_invitations):
    alice = viewer(db, "alice")
    first = ct.list_invitations(db, alice, six_hundred_tenant_invitations, NOW)
    assert first["total"] == 600 and len(first["rows"]) == ct.PAGE
    more = ct.list_invitations(db, alice, six_hundred_tenant_invitations, NOW,
                               limit=2 * ct.PAGE)
    assert len(more["rows"]) == 600 and more["rows"][:ct.PAGE] == first["rows"]
    assert len({r["id"] for r in more["rows"]}) == 600


def test_the_community_tab_sorts_in_the_query(db, six_hundred_tenant_invitations):
    alice, community_id = viewer(db, "alice"), six_hundred_tenant_invitations
    by_status = ct.list_invitations(db, alice, community_id, NOW, sort="status", limit=600)
    order = [st.STATUSES.index(r["status"]) for r in by_status["rows"]]
    assert order == sorted(order)
    by_recipient = ct.list_invitations(db, alice, community_id, NOW, st.EXPIRED,
                                       sort="recipient")
    names = [r["recipient"] for r in by_recipient["rows"]]
    assert names == sorted(names) and len(names) == MIX[st.EXPIRED]


@pytest.mark.parametrize("status", list(MIX))
def test_the_parent_invitations_tab_filtered_by_status_shows_every_matching_row(
        db, six_hundred_parent_invitations, status):
    shown = pi.list_invitations(db, viewer(db, "dave"), NOW, status)
    assert shown["total"] == MIX[status] == len(shown["rows"])
    assert {r["status"] for r in shown["rows"]} == {status}
    sent = [r["sent"] for r in shown["rows"]]
    assert sent == sorted(sent, reverse=True)


def test_the_whole_parent_tab_shows_a_stated_page_and_shows_more_on_request(
        db, six_hundred_parent_invitations):
    dave = viewer(db, "dave")
    assert pi.list_invitations(db, dave, NOW)["total"] == 600
    assert len(pi.list_invitations(db, dave, NOW)["rows"]) == pi.PAGE
    assert len(pi.list_invitations(db, dave, NOW, limit=2 * pi.PAGE)["rows"]) == 600


def test_an_unknown_status_is_refused_rather_than_ignored(db, six_hundred_parent_invitations):
    with pytest.raises(DomainError):
        pi.list_invitations(db, viewer(db, "dave"), NOW, "Pending")


def test_the_sql_status_agrees_with_the_python_status_at_the_boundary(db, demo):
    alice = user(db, "alice")
    community_id = cid(db, "Wind Farm Analytics")
    for i, (status, offset) in enumerate((s, o) for s in ("pending", "accepted", "revoked")
                                          for o in (-1, 0, 1)):
        db.add(Invitation(kind="tenant", batch_id=f"b{i}",
                          organization_id=alice.home_organization_id,
                          invited_by_user_id=alice.id, recipient=f"edge{i}@x.example",
                          scope_key=f"community:{community_id}", community_id=community_id,
                          status=status, token_hash=f"t{i}",
                          expires_at=NOW + timedelta(seconds=offset)))
    db.commit()
    rows = db.exec(select(Invitation, effective_status(NOW), status_rank(NOW))).all()
    assert len(rows) == 9
    for inv, in_sql, rank in rows:
        assert in_sql == st.effective_status(inv.status, inv.expires_at, NOW)
        assert rank == st.STATUSES.index(in_sql)
    for key in st.STATUSES:
        chosen = set(db.exec(select(Invitation.id).where(*status_is(key, NOW))).all())
        assert chosen == {inv.id for inv, in_sql, _ in rows if in_sql == key}


# --- the transition table agrees with the services ----------------------------------------
@pytest.fixture
def one_of_each(db, demo):
    """One invitation of each kind, with its inviter and its recipient."""
    alice = viewer(db, "alice")
    tenant_id = ti.invite_tenant(db, alice, cid(db, "Wind Farm Analytics"),
                                 "bob@fabrikam.example", now=NOW, mailer=MAIL.tenant())
    member = db.exec(select(Role.id).where(Role.name == "Community Member")).one()
    ui.invite_users(db, alice, "carol@northwind.example", [cid(db, "Client A")], [member],
                    now=NOW, mailer=MAIL.user())
    pi.invite_parent_users(db, viewer(db, "dave"), ["alice"], [], now=NOW, secret_key=SECRET,
                           base_url=MAIL.base_url)
    db.commit()
    ids = {kind: db.exec(select(Invitation.id).where(Invitation.kind == kind)).one()
           for kind in st.KINDS}
    assert ids["tenant"] == tenant_id
    return {"tenant": (ids["tenant"], "alice", "bob"),
            "community_user": (ids["community_user"], "alice", "carol"),
            "parent_user": (ids["parent_user"], "dave", "alice")}


def _put_in(db, invitation_id: int, status: str, accepted_by: str) -> None:
    """Make the invitation's effective status `status` (accepting sides filled in)."""
    inv = db.get(Invitation, invitation_id)
    person = user(db, accepted_by)
    values = {"status": st.PENDING if status == st.EXPIRED else status,
              "sent_at": NOW - timedelta(hours=2),  # a resend now is not a repeat click
              "expires_at": NOW - timedelta(hours=1) if status == st.EXPIRED
              else NOW + timedelta(days=1)}
    if status in (st.ACCEPTED, st.CONFIRMED):
        values |= {"accepted_by_user_id": person.id, "accepted_at": NOW - timedelta(hours=1),
                   "accepted_for_organization_id": inv.target_organization_id
                   or person.home_organization_id}
    db.exec(update(Invitation).where(Invitation.id == invitation_id).values(**values))
    db.expire_all()


def _do(db, action: str, who: str, invitation_id: int) -> bool:
    """Whether the service lets `who` take `action` (nothing is kept either way)."""
    call = {tr.RESEND: lambda v: acts.resend(db, v, invitation_id, now=NOW, mail=MAIL),
            tr.REVOKE: lambda v: acts.revoke(db, v, invitation_id, now=NOW),
            tr.CONFIRM: lambda v: acts.confirm(db, v, invitation_id, now=NOW),
            tr.ACCEPT: lambda v: acts.accept(db, v, invitation_id, now=NOW, mail=MAIL),
            tr.DECLINE: lambda v: acts.decline(db, v, invitation_id, now=NOW, mail=MAIL)}[action]
    try:
        call(viewer(db, who))
    except DomainError:
        return False
    return True


# What a service allows beyond the table (each one reported; the table keeps the product's
# rule, the buttons follow the table).
KNOWN_DIFFERENCES: dict = {}


def test_every_action_the_services_allow_is_in_the_transition_table_with_its_side(
        db, one_of_each):
    found = {}
    for kind, (invitation_id, inviter, recipient) in one_of_each.items():
        for status in st.STATUSES:
            for action in tr.ACTIONS:
                sides = set()
                for side, who in ((tr.INVITER, inviter), (tr.RECIPIENT, recipient)):
                    attempt = db.begin_nested()
                    _put_in(db, invitation_id, status, recipient)
                    if _do(db, action, who, invitation_id):
                        sides.add(side)
                    attempt.rollback()
                    db.expire_all()
                expected = {tr.who(kind, status, action)} - {None}
                if sides != expected:
                    found[(kind, status, action)] = (sides, expected)
    assert set(found) == set(KNOWN_DIFFERENCES), found


def test_the_table_offers_each_side_only_its_own_actions():
    assert tr.actions_for("tenant", st.ACCEPTED, tr.INVITER) == {tr.CONFIRM, tr.REVOKE}
    assert tr.actions_for("tenant", st.PENDING, tr.RECIPIENT) == {tr.ACCEPT, tr.DECLINE}
    assert tr.actions_for("parent_user", st.PENDING, tr.RECIPIENT) == {tr.ACCEPT}
    for kind in st.KINDS:
        for status in (st.CONFIRMED, st.DECLINED, st.REVOKED):
            assert not any(tr.allowed(kind, status, a) for a in tr.ACTIONS)
    assert tr.flags("community_user", st.EXPIRED, {tr.INVITER, tr.RECIPIENT}) == {
        "can_resend": True, "can_revoke": True, "can_confirm": False, "can_accept": False,
        "can_decline": False}


# --- services hand pages keys and flags ---------------------------------------------------
def _keys_not_words(row: dict) -> None:
    assert row["status"] in st.STATUSES
    assert not {v for v in row.values() if isinstance(v, str)} & ALL_LABELS, row


def test_services_return_status_keys_and_flags_never_labels(db, one_of_each):
    alice, dave = viewer(db, "alice"), viewer(db, "dave")
    tenant_id = one_of_each["tenant"][0]
    wind = cid(db, "Wind Farm Analytics")
    rows = ct.list_invitations(db, alice, wind, NOW)["rows"]
    shown = ct.invitation_details(db, alice, tenant_id, NOW)
    listed = pi.list_invitations(db, dave, NOW)["rows"]
    people = cm.list_people(db, alice, None, NOW)["invitations"]
    everything, _ = page(db, alice, Filters(), NOW)
    for row in [*rows, shown, *listed, *people, *everything,
                details(db, alice, tenant_id, NOW)]:
        _keys_not_words(row)
    assert shown["status"] == st.PENDING and shown["can_resend"] and shown["can_revoke"]
    assert not shown["can_confirm"]
    assert listed[0]["can_resend"] and listed[0]["can_revoke"]
    assert people[0]["can_resend"] and people[0]["can_revoke"]


def test_the_invitations_page_offers_each_side_its_buttons(db, one_of_each):
    """Alice sent the tenant and the user invitation and received the parent one."""
    rows = {r["kind_key"]: r for r in page(db, viewer(db, "alice"), Filters(), NOW)[0]}
    assert rows["tenant"]["can_revoke"] and not rows["tenant"]["can_accept"]
    assert rows["parent_user"]["can_accept"] and not rows["parent_user"]["can_resend"]
    assert not rows["parent_user"]["can_decline"]  # a parent user lets it expire
    bob = {r["kind_key"]: r for r in page(db, viewer(db, "bob"), Filters(), NOW)[0]}
    assert bob["tenant"]["can_accept"] and bob["tenant"]["can_decline"]
    assert not bob["tenant"]["can_revoke"]
    _put_in(db, one_of_each["tenant"][0], st.ACCEPTED, "bob")
    db.commit()
    rows = {r["kind_key"]: r for r in page(db, viewer(db, "alice"), Filters(), NOW)[0]}
    assert rows["tenant"]["can_confirm"] and rows["tenant"]["status"] == st.ACCEPTED


def test_pages_choose_buttons_by_flags_not_by_status_words():
    """No page or state compares a status to text: they show `can_*` flags and map keys
    to labels (app/components/status.py)."""
    app = Path(__file__).resolve().parent.parent / "app"
    compares = re.compile(r"""\[["']status["']\][^\n]*(==|!=|\.contains\()""")
    for path in [*(app / "pages").glob("*.py"), *(app / "states").glob("*.py")]:
        text = path.read_text()
        assert not compares.search(text), path.name
        for label in ("Invitation Pending", "Invitation Accepted"):
            assert f'"{label}"' not in text, (path.name, label)


# --- through the page's state ------------------------------------------------------------
def test_the_community_tab_filters_by_key_and_shows_more_through_its_state(
        db, engine, six_hundred_tenant_invitations, monkeypatch):
    """The status select sends a key; a label (as the old page sent) changes nothing."""
    from app import db as app_db
    from app.models import utcnow
    from app.services.auth import sign_in
    from app.services.demo import DEMO_PASSWORD
    from app.settings import get_settings
    from app.states.community import CommunityState
    from tests.reflex_harness import Browser, full_name

    monkeypatch.setitem(app_db._engines, get_settings().database_url, engine)
    cookie = sign_in(db, secret_key=get_settings().secret_key, tenant="contoso",
                     identifier="alice", password=DEMO_PASSWORD, now=utcnow(),
                     hours=8).token_or_raise()
    db.commit()
    with Browser() as browser:
        tab = browser.tab(cookie, f"/communities/{six_hundred_tenant_invitations}")

        def shown():
            state = tab.state(CommunityState)
            return len(state.invitations), state.invitation_total

        tab.send(full_name(CommunityState, "load"))
        assert shown() == (ct.PAGE, 600)
        tab.send(full_name(CommunityState, "set_status_filter"), {"value": "expired"})
        assert shown() == (MIX[st.EXPIRED], MIX[st.EXPIRED])
        tab.send(full_name(CommunityState, "set_status_filter"),
                 {"value": "Invitation Pending"})
        assert tab.state(CommunityState).status_filter == "expired"
        tab.send(full_name(CommunityState, "set_status_filter"), {"value": "all"})
        tab.send(full_name(CommunityState, "show_more_invitations"))
        assert shown() == (600, 600)
