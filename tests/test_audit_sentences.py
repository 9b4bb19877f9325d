"""The Audit log reads as sentences: every action has one, names come from one bulk lookup,
and no id, key=value or empty error ever shows."""

import ast
import re
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import event
from sqlmodel import select

from app.domain import permissions
from app.domain.audit_sentences import SENTENCES, Event, InvitationRef, Refs, references, sentence
from app.models import AuditEvent, Community
from app.services import audit, community_tenants, groups
from app.services import tenant_invitations as ti
from app.services.audit_log import list_events
from app.services.auth import switch_organization
from app.services.delivery_log import record_delivery
from tests.helpers import NOW, org, viewer
from tests.test_tenant_invitations import BOB, MAILER, link_token

APP = Path(__file__).resolve().parents[1] / "app"
ACTION = re.compile(r"(invitation|community|group|role|session|user|organization|password"
                    r"|account|mail|identity_provider)\.[a-z_]+")


def actions_in_source() -> set[str]:
    """Every string literal in app/ shaped like an audit action, but for the permission keys
    (domain/) and the models' foreign keys: the names the app records."""
    found = set()
    for path in APP.rglob("*.py"):
        if path.parts[-2] in ("domain", "models"):
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Constant) and isinstance(node.value, str) \
                    and ACTION.fullmatch(node.value):
                found.add(node.value)
    keys = {v for v in vars(permissions).values() if isinstance(v, str)}
    return {a for a in found if a not in keys or a in SENTENCES}


def test_every_action_the_app_records_has_a_sentence():
    found = actions_in_source()
    assert {"invitation.revoke", "invitation.delivered", "session.sign_in",
            "identity_provider.updated"} <= found
    assert found - set(SENTENCES) == set(), "add these to SENTENCES in audit_sentences.py"


def test_recording_an_action_without_a_sentence_is_refused(db):
    with pytest.raises(ValueError, match="No Audit log sentence"):
        audit.record(db, "invitation.teleport", "invitation", 1, at=NOW)


@pytest.mark.parametrize("action", sorted(SENTENCES))
def test_no_sentence_shows_an_id_even_when_nothing_can_be_named(action):
    said = sentence(Event(action, "Alice Admin", action.split(".")[0], 61, {}), Refs())
    assert said.endswith(".") and not re.search(r"61|#|=|None|_", said), said


def test_the_lookup_fetches_only_what_the_event_names():
    e = Event("community.remove_tenant", "A", "community", 4, {"organization_id": 9})
    assert references(e) == {"communities": {4}, "organizations": {9}}
    rename = Event("group.rename", "A", "group", 3, {"name": "New", "from": "Old"})
    assert references(rename) == {"groups": {3}}
    switch = Event("session.switch_organization", "A", "organization", 2, {"from": 1, "to": 2})
    assert references(switch) == {"organizations": {1, 2}}


def test_names_stored_with_the_event_win_and_reasons_read_as_words():
    refs = Refs(invitations={7: InvitationRef("bob@fabrikam.example", "Wind Farm Analytics")})
    revoked = Event("invitation.revoke", "Alice Admin", "invitation", 7, {"reason": "archived"})
    assert sentence(revoked, refs) == ("Alice Admin revoked the invitation to "
                                       "bob@fabrikam.example for Wind Farm Analytics because "
                                       "the community was deleted.")
    failed = Event("invitation.delivery_failed", "", "invitation", 7,
                   {"to": "bob@fabrikam.example", "error": "550 5.1.1 mailbox unavailable"})
    assert sentence(failed, refs) == ("The invitation email to bob@fabrikam.example for Wind "
                                      "Farm Analytics could not be delivered: 550 5.1.1 "
                                      "mailbox unavailable.")
    created = Event("group.create", "Dave", "group", 5, {"name": "Support"})
    assert sentence(created, Refs(groups={5: "Renamed"})) == "Dave created the group Support."
    archived = Event("community.archive", "Alice Admin", "community", 1,
                     {"name": "Contoso SOC", "with": [2, 3]})
    assert sentence(archived, Refs()) == ("Alice Admin deleted the community Contoso SOC and "
                                          "its 2 managed communities.")


def wind(db) -> int:
    return db.exec(select(Community).where(Community.name == "Wind Farm Analytics")).one().id


def sentences(db, username: str, **filters) -> list[str]:
    return [e["sentence"] for e in list_events(db, viewer(db, username), **filters)[0]]


def test_the_handshake_and_its_mail_read_as_sentences_on_both_sides(db, demo):
    alice = viewer(db, "alice")
    inv_id = ti.invite_tenant(db, alice, wind(db), BOB, now=NOW, mailer=MAILER)
    record_delivery(db, invitation_id=inv_id, to=BOB, delivered=True, error="", at=NOW)
    db.commit()
    ti.join(db, viewer(db, "bob"), link_token(db, BOB), now=NOW, mailer=MAILER)
    ti.confirm_tenant(db, alice, inv_id, now=NOW)
    community_tenants.remove_tenant(db, alice, wind(db), org(db, "fabrikam").id, now=NOW)
    gone = ti.invite_tenant(db, alice, wind(db), "nobody@gone.example", now=NOW,
                            mailer=MAILER)
    ti.revoke_invitation(db, alice, gone, now=NOW)
    db.commit()

    mine = sentences(db, "alice", action="invitation.")
    assert mine[:2] == [
        "Alice Admin revoked the invitation to nobody@gone.example for Wind Farm Analytics.",
        "Alice Admin invited nobody@gone.example to Wind Farm Analytics."]
    assert "Alice Admin confirmed Fabrikam Utilities as a tenant of Wind Farm Analytics." in mine
    assert ("The invitation email to bob@fabrikam.example for Wind Farm Analytics was "
            "delivered.") in mine
    assert ("Alice Admin removed the tenant Fabrikam Utilities from Wind Farm Analytics."
            in sentences(db, "alice", action="community."))
    assert sentences(db, "bob", action="invitation.") == [
        "Bob Builder accepted the invitation to Wind Farm Analytics for Fabrikam Utilities."]
    delivered = db.exec(select(AuditEvent).where(AuditEvent.action == "invitation.delivered")
                        ).one()
    assert "error" not in delivered.details
    for said in sentences(db, "alice"):
        assert not re.search(r"#\d|\w=|organization_id|error", said), said


def test_people_groups_and_organizations_are_named(db, demo):
    alice = viewer(db, "alice")
    switch_organization(db, alice, "contoso-retail", now=NOW)
    dave = viewer(db, "dave")
    group = groups.create_group(db, dave, "Support", now=NOW)
    groups.set_member(db, dave, group, "dave", True, now=NOW + timedelta(seconds=1))
    db.commit()
    assert "Alice Admin switched from Contoso Energy to Contoso Retail." in sentences(
        db, "alice", action="session.")
    assert sentences(db, "dave", target="group")[:2] == [
        "Dave Retail added Dave Retail to the group Support.",
        "Dave Retail created the group Support."]


def test_names_are_looked_up_in_bulk_not_once_per_event(db, demo, engine):
    alice = viewer(db, "alice")
    for n in range(12):
        ti.invite_tenant(db, alice, wind(db), f"t{n}@bulk.example", now=NOW, mailer=MAILER)
    db.commit()
    statements = []

    def count(conn, cursor, statement, *rest):
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", count)
    try:
        list_events(db, alice, size=2)
        few = len(statements)
        statements.clear()
        many, _ = list_events(db, alice, size=14)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    assert len(many) == 14 and len(statements) == few
