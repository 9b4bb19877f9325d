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


def test_the_needs_and_their_rows_are_read_in_one_statement(db, mixed):  # noqa: F811
    from sqlalchemy import event

    ti.join(db, viewer(db, "bob"), link_token(db, BOB), now=NOW, mailer=MAILER)
    db.commit()
    alice = viewer(db, "alice")
    needs_you(db, alice, NOW)  # built once
    statements = []

    def seen(conn, cursor, statement, *rest):
        statements.append(statement)

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", seen)
    try:
        shown = {n["key"]: n for n in needs_you(db, alice, NOW)}
    finally:
        event.remove(engine, "before_cursor_execute", seen)
    assert len(statements) == 1
    assert shown["to_confirm"]["count"] == 1
    assert [r["recipient"] for r in shown["to_confirm"]["rows"]] == [BOB]


def test_a_need_shows_its_newest_rows_first_and_counts_them_all(db, demo):
    from sqlalchemy import insert

    from tests.helpers import user

    bob = user(db, "bob")
    for i in range(5):
        at = NOW - timedelta(hours=5 - i)  # the last one is the newest
        db.exec(insert(Invitation).values(
            kind="tenant", batch_id=f"b{i}", organization_id=bob.home_organization_id,
            invited_by_user_id=bob.id, recipient="alice@contoso.example", scope_key=f"s{i}",
            grants={}, status="pending", token_hash=f"t{i}", created_at=at, sent_at=at,
            expires_at=NOW + timedelta(days=7)))
    db.commit()
    answer = {n["key"]: n for n in needs_you(db, viewer(db, "alice"), NOW)}["to_answer"]
    assert answer["count"] == 5
    assert [r["sent"][-5:] for r in answer["rows"]] == [
        (NOW - timedelta(hours=h)).isoformat(" ", "minutes")[:16][-5:] for h in (1, 2, 3)]
