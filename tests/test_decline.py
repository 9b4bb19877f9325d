"""Declining keeps the reason: the invitation, both sides' timeline, the audit event and an
email to the inviter carry it (issue 12, item 3)."""

from datetime import timedelta

import pytest
from sqlmodel import select

from app.domain.errors import Conflict, InvalidInput
from app.models import Invitation, OutboxMessage
from app.services import invitation_actions as acts
from app.services import tenant_invitations as ti
from app.services.audit_log import list_events
from app.services.invitation_list import details
from app.services.invitation_timeline import timeline
from tests.helpers import NOW, SECRET, viewer
from tests.test_tenant_invitations import MAILER, invite

MAIL = acts.MailSettings(SECRET, "http://localhost:3000")


def _mail_to(db, address):
    return db.exec(select(OutboxMessage).where(OutboxMessage.to_addr == address)
                   .order_by(OutboxMessage.id.desc())).first()


def test_the_reason_reaches_the_timeline_on_both_sides_and_the_inviter_by_email(db, demo):
    inv_id, token = invite(db)
    ti.decline(db, viewer(db, "bob"), token, "  We already use another platform. ", now=NOW,
               mailer=MAILER)
    db.commit()
    assert db.get(Invitation, inv_id).decline_reason == "We already use another platform."
    said = timeline(db, db.get(Invitation, inv_id))[-1]["what"]
    assert said == "Declined (“We already use another platform.”)"
    for side in ("alice", "bob"):
        assert details(db, viewer(db, side), inv_id, NOW)["timeline"][-1]["what"] == said
    mail = _mail_to(db, "alice@contoso.example")
    assert mail.subject == ("bob@fabrikam.example declined your invitation to "
                            "Wind Farm Analytics")
    assert "Their reason: We already use another platform." in mail.body_text
    assert "/communities/" in mail.body_text
    sentences = [e["sentence"] for e in list_events(db, viewer(db, "alice"))[0]]
    assert any('declined the invitation to Wind Farm Analytics, saying "We already use '
               'another platform."' in s for s in sentences), sentences


def test_without_a_reason_the_email_says_none_was_given(db, demo):
    inv_id, _ = invite(db)
    acts.decline(db, viewer(db, "bob"), inv_id, now=NOW, mail=MAIL)
    db.commit()
    assert timeline(db, db.get(Invitation, inv_id))[-1]["what"] == "Declined"
    assert "They gave no reason." in _mail_to(db, "alice@contoso.example").body_text


def test_a_reason_past_its_limit_is_refused_and_nothing_changes(db, demo):
    inv_id, _ = invite(db)
    with pytest.raises(InvalidInput, match="at most 500"):
        acts.decline(db, viewer(db, "bob"), inv_id, now=NOW, mail=MAIL, reason="x" * 501)
    db.rollback()
    assert db.get(Invitation, inv_id).status == "pending"


def test_an_expired_invitation_cannot_be_declined(db, demo):
    inv_id, _ = invite(db)
    with pytest.raises(Conflict, match="no longer pending"):
        acts.decline(db, viewer(db, "bob"), inv_id, now=NOW + timedelta(days=15), mail=MAIL)
