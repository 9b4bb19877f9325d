"""One unit of work per action: the time stored is the `now` the caller passed, never the
wall clock, and nothing commits halfway: the caller's transaction decides."""

import re
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from app.domain.errors import SignInFailed
from app.domain.permissions import COMMUNITY_VIEW
from app.mail import sender
from app.mail.links import opened
from app.models import (
    AuditEvent,
    Community,
    CommunityMember,
    CommunityTenant,
    Group,
    Invitation,
    Organization,
    OrganizationMember,
    OutboxMessage,
    Role,
    SignInFailure,
    User,
)
from app.services import auth, groups, tenant_invitations, user_invitations
from app.services import custom_roles as cr
from app.services.audit import written_ids
from app.services.communities import create_community
from app.services.delivery_log import record_delivery
from app.services.demo import DEMO_PASSWORD
from app.services.directory import create_child_organization
from app.services.reminders import send_due_reminders
from tests.helpers import NOW, SECRET, org, user, viewer
from tests.smtp_server import TestSMTPServer

BASE = "http://localhost:3000"
MAILER = tenant_invitations.Mailer(SECRET, BASE, days=14)
AT = NOW + timedelta(days=2, hours=3, minutes=7, seconds=11)  # far from the wall clock


def _wind(db) -> int:
    return db.exec(select(Community.id).where(Community.name == "Wind Farm Analytics")).one()


def _link(db, to: str, path: str) -> str:
    row = db.exec(select(OutboxMessage).where(OutboxMessage.to_addr == to)
                  .order_by(OutboxMessage.id.desc())).first()
    return re.search(rf"/{path}/(\S+)", opened(row)[0]).group(1)


def _events(db) -> list[AuditEvent]:
    """The audit events this unit of work wrote so far."""
    return [db.get(AuditEvent, event_id) for event_id in written_ids(db)]


def _invite_bob(db) -> int:
    inv_id = tenant_invitations.invite_tenant(db, viewer(db, "alice"), _wind(db),
                                              "bob@fabrikam.example", now=NOW, mailer=MAILER)
    db.commit()
    return inv_id


# --- the caller's `now` is the time stored ----------------------------------------------------


def test_confirming_a_tenant_stores_the_confirmations_now_as_the_members_joined_at(db, demo):
    inv_id = _invite_bob(db)
    tenant_invitations.join(db, viewer(db, "bob"), _link(db, "bob@fabrikam.example", "invite"),
                            now=NOW + timedelta(days=1), mailer=MAILER)
    db.commit()
    tenant_invitations.confirm_tenant(db, viewer(db, "alice"), inv_id, now=AT)
    assert [(e.action, e.at) for e in _events(db)] == [("invitation.confirm", AT)]
    db.commit()
    member = db.exec(select(CommunityMember).where(
        CommunityMember.community_id == _wind(db),
        CommunityMember.user_id == user(db, "bob").id)).one()
    tenant = db.exec(select(CommunityTenant).where(
        CommunityTenant.community_id == _wind(db),
        CommunityTenant.organization_id == org(db, "fabrikam").id)).one()
    assert member.joined_at == AT and tenant.joined_at == AT


def test_accepting_with_a_new_account_stores_the_acceptances_now_everywhere(db, demo):
    client_a = db.exec(select(Community.id).where(Community.name == "Client A")).one()
    member_role = db.exec(select(Role.id).where(Role.name == "Community Member",
                                                Role.organization_id.is_(None))).one()
    user_invitations.invite_users(db, viewer(db, "alice"), "gina@client.example", [client_a],
                                  [member_role], now=NOW, mailer=MAILER)
    db.commit()
    user_invitations.create_account_and_accept(
        db, _link(db, "gina@client.example", "join"), "Gina", "a-long-password", now=AT,
        secret_key=SECRET)
    assert {e.action for e in _events(db)} == {"user.create", "invitation.accept"}
    assert {e.at for e in _events(db)} == {AT}
    db.commit()
    gina = db.exec(select(User).where(User.email == "gina@client.example")).one()
    membership = db.exec(select(OrganizationMember).where(
        OrganizationMember.user_id == gina.id)).one()
    member = db.exec(select(CommunityMember).where(CommunityMember.user_id == gina.id)).one()
    assert gina.created_at == gina.updated_at == membership.created_at == AT
    assert member.joined_at == AT


def _create_community(db):
    community = create_community(db, viewer(db, "alice"), "Solar", now=AT)
    tenant = db.exec(select(CommunityTenant).where(
        CommunityTenant.community_id == community.id)).one()
    member = db.exec(select(CommunityMember).where(
        CommunityMember.community_id == community.id)).one()
    return community.created_at, tenant.joined_at, member.joined_at


def _create_child_organization(db):
    tenant_id = create_child_organization(db, viewer(db, "alice"), "Contoso Wind",
                                          "contoso-wind", now=AT)
    return (db.exec(select(Organization).where(Organization.tenant_id == tenant_id))
            .one().created_at,)


def _groups(db):
    alice = viewer(db, "alice")
    group_id = groups.create_group(db, alice, "Night shift", now=AT)
    groups.set_member(db, alice, group_id, "frank", True, now=AT)
    groups.set_roles(db, alice, group_id, ["tenant_member"], now=AT)
    return (db.get(Group, group_id).created_at,)


def _roles(db):
    alice = viewer(db, "alice")
    role_id = cr.save_role(db, alice, "Reader", "", [COMMUNITY_VIEW], now=AT)
    created = db.get(Role, role_id).created_at
    cr.save_role(db, alice, "Reader", "renamed", [COMMUNITY_VIEW], role_id, now=AT)
    cr.delete_role(db, alice, role_id, now=AT)
    return (created,)


def _sessions(db):
    attempt = auth.sign_in(db, secret_key=SECRET, tenant="contoso", identifier="alice",
                           password=DEMO_PASSWORD, now=AT, hours=12, ip="10.0.0.1")
    auth.switch_organization(db, viewer(db, "alice"), org(db, "contoso-retail").tenant_id,
                             now=AT)
    auth.sign_out(db, secret_key=SECRET, token=attempt.token_or_raise(), now=AT)
    return ()


def _reminders(db):
    _invite_bob(db)
    assert send_due_reminders(db, now=NOW + timedelta(days=13, hours=1), hours=24,
                              secret_key=SECRET, base_url=BASE) == 1
    return ()


@pytest.mark.parametrize("action,expected_events", [
    (_create_community, 1), (_create_child_organization, 1), (_groups, 3), (_roles, 3),
    (_sessions, 3), (_reminders, 1),
])
def test_every_event_and_time_an_action_stores_is_the_now_it_was_given(
        db, demo, action, expected_events):
    stored = action(db)
    events = _events(db)
    assert len(events) == expected_events
    at = AT if action is not _reminders else NOW + timedelta(days=13, hours=1)
    assert [e.at for e in events] == [at] * expected_events
    assert list(stored) == [at] * len(stored)


# --- nothing commits halfway --------------------------------------------------------------


def test_a_refused_sign_in_leaves_its_failure_row_to_the_callers_transaction(db, demo):
    attempt = auth.sign_in(db, secret_key=SECRET, tenant="contoso", identifier="alice",
                           password="nope-nope", now=NOW, hours=12, ip="10.0.0.1")
    assert isinstance(attempt.refusal, SignInFailed) and attempt.token is None
    with pytest.raises(SignInFailed):
        attempt.token_or_raise()
    db.rollback()  # the caller's choice: nothing was committed behind its back
    assert db.exec(select(SignInFailure)).all() == []


def test_reminders_are_queued_in_the_callers_transaction(db, demo):
    inv_id = _invite_bob(db)
    assert send_due_reminders(db, now=NOW + timedelta(days=13, hours=1), hours=24,
                              secret_key=SECRET, base_url=BASE) == 1
    db.rollback()
    assert db.get(Invitation, inv_id).reminded_at is None
    assert len(db.exec(select(OutboxMessage)).all()) == 1  # the invitation only


@pytest.fixture
def smtp():
    server = TestSMTPServer().start()
    yield server
    server.stop()


def test_a_delivery_and_its_event_are_stored_at_the_senders_now(engine, db, demo, smtp):
    inv_id = _invite_bob(db)
    out = sender.run_once(engine, worker="w1", smtp_url=smtp.url, sender="no-reply@localhost",
                          delivery_log=record_delivery, now_fn=lambda: AT)
    assert out == {"sent": 1}
    with Session(engine) as fresh:
        row = fresh.exec(select(OutboxMessage)).one()
        event = fresh.exec(select(AuditEvent).where(
            AuditEvent.action == "invitation.delivered")).one()
    assert row.sent_at == event.at == AT and event.target_id == inv_id


def test_a_delivery_outcome_and_its_event_commit_together(engine, db, demo, smtp):
    _invite_bob(db)

    def broken_log(db, **outcome):
        raise RuntimeError("the log failed")

    with pytest.raises(RuntimeError):
        sender.run_once(engine, worker="w1", smtp_url=smtp.url, sender="no-reply@localhost",
                        delivery_log=broken_log, now_fn=lambda: AT)
    with Session(engine) as fresh:
        row = fresh.exec(select(OutboxMessage)).one()
        assert fresh.exec(select(AuditEvent).where(
            AuditEvent.action == "invitation.delivered")).all() == []
    # the outcome was not recorded without its event: the claim runs out and it is retried
    assert row.status == "sending" and row.sent_at is None and row.attempts == 0
