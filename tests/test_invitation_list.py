"""The Invitations page across kinds: visibility, filters, counts, keyset pages, actions."""

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from app.domain.errors import InvalidInput, NotFound
from app.mail.links import opened
from app.models import Community, Invitation, OutboxMessage
from app.services import invitation_actions as acts
from app.services import parent_invitations as pi
from app.services import tenant_invitations as ti
from app.services import user_invitations as ui
from app.services.invitation_list import (
    Filters,
    Order,
    details,
    export_rows,
    page,
    places,
    status_counts,
    timeline,
)
from tests.helpers import LATER, NOW, SECRET, viewer

MAIL = acts.MailSettings(SECRET, "http://localhost:3000")


def cid(db, name):
    return db.exec(select(Community.id).where(Community.name == name)).one()


@pytest.fixture
def mixed(db, demo):
    """A tenant invitation, a managed-community invitation and a parent-user invitation."""
    alice = viewer(db, "alice")
    ti.invite_tenant(db, alice, cid(db, "Wind Farm Analytics"), "bob@fabrikam.example",
                     now=NOW, mailer=MAIL.tenant())
    from app.models import Role
    member = db.exec(select(Role.id).where(Role.name == "Community Member")).one()
    ui.invite_users(db, alice, "carol@northwind.example", [cid(db, "Client A")], [member],
                    now=NOW + timedelta(seconds=1), mailer=MAIL.user())
    pi.invite_parent_users(db, viewer(db, "dave"), ["alice"], [],
                           now=NOW + timedelta(seconds=2), secret_key=SECRET,
                           base_url=MAIL.base_url)
    db.commit()


def recipients(db, who, now=NOW, **filters):
    rows, _ = page(db, viewer(db, who), Filters(**filters), now)
    return [r["recipient"] for r in rows]


def test_each_viewer_sees_exactly_what_the_rule_allows(db, mixed):
    assert recipients(db, "alice") == ["alice", "carol@northwind.example",
                                       "bob@fabrikam.example"]
    assert recipients(db, "bob") == ["bob@fabrikam.example"]
    assert recipients(db, "carol") == ["carol@northwind.example"]
    assert recipients(db, "dave") == ["alice"]
    assert recipients(db, "frank") == []


def test_filters_by_kind_direction_prefix_and_expiry(db, mixed):
    assert recipients(db, "alice", kind="tenant") == ["bob@fabrikam.example"]
    assert recipients(db, "alice", direction="received") == ["alice"]
    assert recipients(db, "alice", direction="sent") == ["carol@northwind.example",
                                                         "bob@fabrikam.example"]
    assert recipients(db, "alice", recipient="CA") == ["carol@northwind.example"]
    soon = NOW + timedelta(days=6)
    assert recipients(db, "alice", now=soon, expiring_soon=True) == ["carol@northwind.example"]
    assert recipients(db, "alice", now=soon, status="expired") == ["alice"]


def test_counts_per_status_compute_expired(db, mixed):
    counts = status_counts(db, viewer(db, "alice"), Filters(), NOW + timedelta(days=4))
    assert counts["pending"] == 2 and counts["expired"] == 1


def test_keyset_pages_walk_everything_once(db, demo):
    alice = viewer(db, "alice")
    wind = cid(db, "Wind Farm Analytics")
    for i in range(23):
        ti.invite_tenant(db, alice, wind, f"p{i:02d}@partner.example",
                         now=NOW + timedelta(seconds=i // 2), mailer=MAIL.tenant())
    db.commit()
    seen, after = [], None
    while True:
        rows, after = page(db, alice, Filters(), NOW, after=after, size=5)
        seen += [r["recipient"] for r in rows]
        if after is None:
            break
    assert len(seen) == 23 and len(set(seen)) == 23
    assert [r["recipient"] for r in export_rows(db, alice, Filters(), NOW, batch=4)] == seen


@pytest.mark.parametrize("key", ["sent", "expires", "recipient", "kind"])
@pytest.mark.parametrize("descending", [True, False])
def test_every_sort_walks_every_row_once_in_order(db, demo, key, descending):
    alice = viewer(db, "alice")
    wind = cid(db, "Wind Farm Analytics")
    for i in range(13):  # equal sort values (same second, same kind) cross page edges
        ti.invite_tenant(db, alice, wind, f"p{(i * 7) % 13:02d}@partner.example",
                         now=NOW + timedelta(seconds=i // 3), mailer=MAIL.tenant())
    pi.invite_parent_users(db, viewer(db, "dave"), ["alice"], [], now=NOW,
                           secret_key=SECRET, base_url=MAIL.base_url)
    db.commit()
    order = Order(key, descending)
    seen, after = [], None
    while True:
        rows, after = page(db, alice, Filters(), NOW, after=after, size=4, order=order)
        seen += rows
        if after is None:
            break
    assert len({r["id"] for r in seen}) == len(seen) == 14
    invs = {i.id: i for i in db.exec(select(Invitation)).all()}
    column = {"sent": "created_at", "expires": "expires_at"}.get(key, key)
    expected = sorted(invs.values(), key=lambda i: (getattr(i, column), i.id),
                      reverse=descending)
    assert [r["id"] for r in seen] == [i.id for i in expected]


def test_a_bad_sort_or_cursor_is_refused_with_a_message(db, mixed):
    with pytest.raises(InvalidInput):
        Order("invited_by")
    with pytest.raises(InvalidInput):
        page(db, viewer(db, "alice"), Filters(), NOW, after="not-a-date|3")
    with pytest.raises(InvalidInput):
        page(db, viewer(db, "alice"), Filters(), NOW, after="2026-01-01T00:00:00+00:00|x")


def test_filter_by_community_or_organization_from_the_places_offered(db, mixed):
    alice = viewer(db, "alice")
    offered = dict(places(db, alice))
    wind, client_a = cid(db, "Wind Farm Analytics"), cid(db, "Client A")
    assert offered[f"c:{wind}"] == "Wind Farm Analytics"
    assert offered[f"c:{client_a}"] == "Client A"
    east = [k for k, name in offered.items() if name == "Contoso Retail"]
    assert east, offered   # where dave invited alice as a parent user
    assert recipients(db, "alice", community_id=wind) == ["bob@fabrikam.example"]
    assert recipients(db, "alice", community_id=client_a) == ["carol@northwind.example"]
    assert recipients(db, "alice", organization_id=int(east[0][2:])) == ["alice"]
    # bob was invited to Wind Farm Analytics before joining it: offered from the invitation
    assert f"c:{wind}" in dict(places(db, viewer(db, "bob")))
    assert f"c:{client_a}" not in dict(places(db, viewer(db, "bob")))


def test_details_only_of_a_visible_invitation(db, mixed):
    tenant_inv = db.exec(select(Invitation).where(Invitation.kind == "tenant")).one()
    shown = details(db, viewer(db, "bob"), tenant_inv.id, NOW)
    assert shown["recipient"] == "bob@fabrikam.example"
    assert [e["what"] for e in shown["timeline"]] == ["Sent"]
    with pytest.raises(NotFound):
        details(db, viewer(db, "frank"), tenant_inv.id, NOW)
    with pytest.raises(NotFound):
        details(db, viewer(db, "alice"), 10**9, NOW)


def test_delivery_state_comes_from_the_outbox(db, mixed):
    row = db.exec(select(OutboxMessage).where(OutboxMessage.to_addr == "bob@fabrikam.example")
                  ).one()
    row.status, row.last_error = "failed", "550 no such user"
    db.commit()
    rows, _ = page(db, viewer(db, "alice"), Filters(kind="tenant"), NOW)
    assert rows[0]["delivery"] == "failed" and rows[0]["delivery_error"] == "550 no such user"


def test_received_invitations_are_answered_without_the_email(db, mixed):
    bob = viewer(db, "bob")
    tenant_inv = db.exec(select(Invitation).where(Invitation.kind == "tenant")).one()
    acts.accept(db, bob, tenant_inv.id, now=NOW, mail=MAIL)
    db.commit()
    assert db.get(Invitation, tenant_inv.id).status == "accepted"
    carol_inv = db.exec(select(Invitation).where(Invitation.kind == "community_user")).one()
    acts.decline(db, viewer(db, "carol"), carol_inv.id, now=NOW, mail=MAIL)
    alice_inv = db.exec(select(Invitation).where(Invitation.kind == "parent_user")).one()
    acts.accept(db, viewer(db, "alice"), alice_inv.id, now=NOW, mail=MAIL)
    db.commit()
    assert db.get(Invitation, carol_inv.id).status == "declined"
    assert db.get(Invitation, alice_inv.id).status == "accepted"
    with pytest.raises(NotFound):
        acts.accept(db, viewer(db, "frank"), tenant_inv.id, now=NOW, mail=MAIL)


def test_actions_dispatch_by_kind(db, mixed):
    alice = viewer(db, "alice")
    tenant_inv = db.exec(select(Invitation).where(Invitation.kind == "tenant")).one()
    acts.resend(db, alice, tenant_inv.id, now=LATER, mail=MAIL)
    user_inv = db.exec(select(Invitation).where(Invitation.kind == "community_user")).one()
    acts.revoke(db, alice, user_inv.id, now=NOW)
    db.commit()
    assert db.get(Invitation, user_inv.id).status == "revoked"
    assert db.get(Invitation, tenant_inv.id).resent_at is not None
    body = db.exec(select(OutboxMessage.body_text).where(
        OutboxMessage.to_addr == "bob@fabrikam.example").order_by(OutboxMessage.id.desc())
    ).first()
    assert re.search(r"/invite/\S+", body)


def test_one_reminder_goes_out_a_day_before_expiry_with_a_fresh_link(db, mixed):
    from app.services.reminders import send_due_reminders

    def remind(at, hours=24):
        n = send_due_reminders(db, now=at, hours=hours, secret_key=SECRET,
                               base_url=MAIL.base_url)
        db.commit()
        return n

    tenant_inv = db.exec(select(Invitation).where(Invitation.kind == "tenant")).one()
    old_hash = tenant_inv.token_hash
    assert remind(NOW + timedelta(hours=47)) == 0
    assert remind(NOW + timedelta(hours=49)) == 1       # the 72-hour parent invitation
    assert remind(NOW + timedelta(hours=49)) == 0       # once
    assert remind(NOW + timedelta(days=7, hours=-23)) == 1   # the 7-day user invitation
    day_before = tenant_inv.expires_at - timedelta(hours=23)
    assert remind(day_before, hours=0) == 0             # turned off
    assert remind(day_before) == 1
    db.refresh(tenant_inv)
    assert tenant_inv.token_hash != old_hash and tenant_inv.reminded_at is not None
    mail = db.exec(select(OutboxMessage).where(OutboxMessage.subject.startswith("Reminder"))
                   .where(OutboxMessage.to_addr == "bob@fabrikam.example")).one()
    token = re.search(r"/invite/(\S+)", opened(mail)[0]).group(1)
    assert ti.invitation_view(db, SECRET, token, None, day_before)["status"] == "pending"


def test_audit_log_lists_the_organizations_events_with_filters_and_pages(db, mixed):
    from app.domain.errors import PermissionDenied
    from app.services.audit_log import list_events
    alice = viewer(db, "alice")
    events, _ = list_events(db, alice)
    actions = [e["action"] for e in events]
    assert "invitation.send" in actions and "community.create" in actions
    only, _ = list_events(db, alice, action="invitation.")
    assert {e["action"] for e in only} == {"invitation.send"}
    first, before = list_events(db, alice, size=2)
    second, _ = list_events(db, alice, size=2, before_id=before)
    assert len(first) == 2 and first[-1]["id"] > second[0]["id"]
    assert all(e["sentence"].startswith("Alice Admin ")
               for e in list_events(db, alice, actor="alice")[0])
    with pytest.raises(PermissionDenied):
        list_events(db, viewer(db, "frank"))
    assert list_events(db, viewer(db, "bob"))[0] == []


@pytest.mark.parametrize("kind,to,must", [
    ("tenant", "bob@fabrikam.example",
     ["Alice", "Contoso", "Wind Farm Analytics", "Community Moderator", "expires on", "/invite/"]),
    ("community_user", "carol@northwind.example",
     ["Alice", "Contoso", "Client A", "Community Member", "expires on", "/join/"]),
    ("parent_user", "alice",
     ["Dave", "Contoso Retail", "72 hours", "/org-invite/"]),
])
def test_each_invitation_email_says_who_where_what_until_when_with_the_link(
        db, mixed, kind, to, must):
    inv = db.exec(select(Invitation).where(Invitation.kind == kind)).one()
    message = db.exec(select(OutboxMessage).where(OutboxMessage.invitation_id == inv.id)).one()
    assert message.body_html and message.body_text
    for body in (message.body_text, message.body_html):
        for words in must:
            assert words in body, (kind, words)
    assert "\n" not in message.subject and message.subject


def test_the_timeline_ends_when_the_community_is_deleted(db, mixed):
    from app.services import community_admin as ca
    inv = db.exec(select(Invitation).where(Invitation.kind == "tenant")).one()
    ca.archive_community(db, viewer(db, "alice"), inv.community_id, "Wind Farm Analytics",
                         now=NOW + timedelta(hours=1))
    db.commit()
    assert [e["what"] for e in timeline(db, inv)] == ["Sent",
                                                         "Revoked (Community deleted)"]


def test_delivery_outcomes_join_the_timeline(db, engine, mixed):
    from app.mail import sender
    from app.services.delivery_log import record_delivery
    from tests.smtp_server import TestSMTPServer
    server = TestSMTPServer().start()
    server.failures = ["550 5.1.1 no such mailbox"]   # the first message: the tenant's
    try:
        sender.run_once(engine, worker="w", smtp_url=server.url, sender="no-reply@localhost",
                        delivery_log=record_delivery)
    finally:
        server.stop()
    db.expire_all()
    tenant_inv = db.exec(select(Invitation).where(Invitation.kind == "tenant")).one()
    user_inv = db.exec(select(Invitation).where(Invitation.kind == "community_user")).one()
    assert [e["what"] for e in timeline(db, tenant_inv)] == [
        "Sent", "Email could not be delivered to bob@fabrikam.example "
        "(550 5.1.1 no such mailbox)"]
    assert [e["what"] for e in timeline(db, user_inv)] == [
        "Sent", "Email delivered to carol@northwind.example"]


def test_both_tenants_of_a_handshake_see_it_and_its_timeline(db, mixed):
    from app.domain.permissions import TENANT_ADMIN, TENANT_MEMBER
    from app.services.orgs import create_user
    from tests.helpers import org
    fabrikam = org(db, "fabrikam")
    create_user(db, fabrikam, email="erin@fabrikam.example", username="erin",
                display_name="Erin", password="a-long-password", role=TENANT_ADMIN, now=NOW)
    create_user(db, fabrikam, email="gus@fabrikam.example", username="gus",
                display_name="Gus", password="a-long-password", role=TENANT_MEMBER, now=NOW)
    inv = db.exec(select(Invitation).where(Invitation.kind == "tenant")).one()
    assert recipients(db, "erin") == []            # before Join: Fabrikam is not a side yet
    acts.accept(db, viewer(db, "bob"), inv.id, now=NOW, mail=MAIL)
    db.commit()
    assert recipients(db, "erin") == ["bob@fabrikam.example"]
    assert recipients(db, "erin", direction="received") == ["bob@fabrikam.example"]
    assert recipients(db, "erin", direction="sent") == []
    assert recipients(db, "gus") == []              # not an administrator
    rows, _ = page(db, viewer(db, "erin"), Filters(), NOW)
    assert rows[0]["received"] and not rows[0]["addressed"]
    shown = details(db, viewer(db, "erin"), inv.id, NOW)
    assert [e["what"] for e in shown["timeline"]] == ["Sent", "Accepted"]
    with pytest.raises(NotFound):
        details(db, viewer(db, "gus"), inv.id, NOW)
    alice_rows, _ = page(db, viewer(db, "alice"), Filters(kind="tenant"), NOW)
    assert not alice_rows[0]["received"] and not alice_rows[0]["addressed"]


def test_a_kept_page_statement_runs_with_each_pages_own_values(db, mixed):
    """Page statements are built once per shape and kept: a kept one, run for another
    viewer, filter value, prefix or cursor, reads what a statement built for them does."""
    from app.services import invitation_list

    asks = [(who, Filters(**f), size) for who in ("alice", "bob", "carol", "dave", "frank")
            for f in ({}, {"kind": "tenant"}, {"kind": "parent_user"}, {"recipient": "c"},
                      {"recipient": "b"}, {"status": "pending"}, {"expiring_soon": True},
                      {"direction": "received"}, {"direction": "sent"})
            for size in (1, 50)]

    def read_all(who, f, size):
        pages, after = [], None
        while True:
            rows, after = page(db, viewer(db, who), f, NOW, after=after, size=size)
            pages.append([(r["id"], r["where"], r["invited_by"], r["received"]) for r in rows])
            if after is None:
                return pages

    kept = [read_all(*ask) for ask in asks]
    assert invitation_list._PAGES  # kept, and used for every ask after the first per shape
    fresh = []
    for ask in asks:
        invitation_list._PAGES.clear()
        fresh.append(read_all(*ask))
    assert kept == fresh
    assert any(len(p) > 1 for p in kept) and any(p[0] for p in kept)
    # another viewer's kept statement never shows a row the rule hides
    assert recipients(db, "bob") == ["bob@fabrikam.example"]


def test_kept_page_statements_are_bounded(db, mixed, monkeypatch):
    """Filters, orders and sizes are the client's choice: however many shapes it asks
    for, the process keeps at most KEPT_PAGES statements, and pages stay right."""
    from app.services import invitation_list

    monkeypatch.setattr(invitation_list, "KEPT_PAGES", 5)
    invitation_list._PAGES.clear()
    for size in range(1, 12):
        rows, _ = page(db, viewer(db, "alice"), Filters(), NOW, size=size)
        assert len(rows) == min(size, 3)
        assert len(invitation_list._PAGES) <= 5
    assert recipients(db, "alice") == ["alice", "carol@northwind.example",
                                       "bob@fabrikam.example"]
