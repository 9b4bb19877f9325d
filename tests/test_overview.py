"""The Overview's "Needs you": each need counts and lists what the viewer may act on, on
their side of the invitation, and nothing of another organization's."""

from datetime import timedelta

from sqlmodel import select

from app.models import Invitation, OutboxMessage
from app.services import tenant_invitations as ti
from app.services.invitation_list import Filters, page
from app.services.overview import NEEDS, need_counts, needs_you
from tests.helpers import NOW, viewer
from tests.test_invitation_list import MAIL, mixed  # noqa: F401 - the fixture
from tests.test_tenant_invitations import MAILER, link_token

BOB = "bob@fabrikam.example"
NOTHING = dict.fromkeys((n.key for n in NEEDS), 0)


def counts(db, who, now=NOW):
    return need_counts(db, viewer(db, who), now)


def tenant_invitation(db):
    return db.exec(select(Invitation).where(Invitation.kind == "tenant")).one()


def test_each_side_sees_what_waits_on_it(db, mixed):  # noqa: F811
    # alice sent a tenant and a user invitation; dave invited alice (a parent user)
    assert counts(db, "alice") == {**NOTHING, "to_answer": 1}
    assert counts(db, "bob") == {**NOTHING, "to_answer": 1}
    assert counts(db, "frank") == NOTHING  # another organization: nothing of theirs

    ti.join(db, viewer(db, "bob"), link_token(db, BOB), now=NOW, mailer=MAILER)
    db.commit()
    assert counts(db, "alice")["to_confirm"] == 1
    assert counts(db, "bob") == NOTHING  # bob answered; confirming is alice's

    shown = {n["key"]: n for n in needs_you(db, viewer(db, "alice"), NOW)}
    confirm = shown["to_confirm"]
    assert [r["recipient"] for r in confirm["rows"]] == [BOB]
    assert confirm["rows"][0]["can_confirm"] is True
    assert confirm["href"] == "/invitations?kind=tenant&status=accepted&direction=sent"
    assert shown["failed"]["rows"] == []  # an empty need reads no rows

    ti.confirm_tenant(db, viewer(db, "alice"), tenant_invitation(db).id, now=NOW)
    db.commit()
    assert counts(db, "alice")["to_confirm"] == 0


def test_a_failed_delivery_waits_on_the_sender_until_a_newer_message(db, mixed):  # noqa: F811
    message = db.exec(select(OutboxMessage).where(OutboxMessage.to_addr == BOB)).one()
    message.status, message.last_error = "failed", "550 no such user"
    db.commit()
    assert counts(db, "alice")["failed"] == 1
    assert counts(db, "bob")["failed"] == 0  # the recipient cannot resend
    failed, _ = page(db, viewer(db, "alice"), Filters(delivery_failed=True), NOW)
    assert [r["recipient"] for r in failed] == [BOB]

    from app.services import invitation_actions as acts
    acts.resend(db, viewer(db, "alice"), tenant_invitation(db).id,
                now=NOW + timedelta(minutes=5), mail=MAIL)
    db.commit()
    assert counts(db, "alice")["failed"] == 0  # the newest message is the resent one


def test_expiring_and_renewal_requests(db, mixed):  # noqa: F811
    soon = NOW + timedelta(days=6)  # carol's 7-day invitation ends within 48 h
    assert counts(db, "alice", soon)["expiring"] == 1
    assert counts(db, "carol", soon)["expiring"] == 1  # she may still accept

    later = NOW + timedelta(days=15)  # bob's 14-day link has expired
    assert counts(db, "alice", later)["renewal"] == 0
    ti.request_new_invitation(db, link_token(db, BOB), now=later, mailer=MAILER)
    db.commit()
    assert counts(db, "alice", later)["renewal"] == 1
    assert counts(db, "bob", later)["renewal"] == 0
    asked, _ = page(db, viewer(db, "alice"), Filters(renewal_asked=True), later)
    assert [r["recipient"] for r in asked] == [BOB]

    from app.services import invitation_actions as acts
    acts.resend(db, viewer(db, "alice"), tenant_invitation(db).id,
                now=later + timedelta(minutes=1), mail=MAIL)
    db.commit()
    # sent again: no longer expired, and a request before the new link does not count
    assert counts(db, "alice", later + timedelta(days=15))["renewal"] == 0
