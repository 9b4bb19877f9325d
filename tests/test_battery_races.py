"""Reliability battery, row 1: eight people press Accept on the same link at once.

For each kind of invitation, 8 threads wait at a barrier and accept the same invitation;
`ROUNDS` rounds, each on a fresh invitation. Every round: exactly one success, the others
refused with a domain message (never a database error), one membership where accepting
makes one, one "accepted" audit event.
"""

import re
import threading

from sqlmodel import Session, delete, func, select

from app.domain.errors import DomainError
from app.mail.links import opened
from app.models import (
    AuditEvent,
    Community,
    CommunityMember,
    Invitation,
    OrganizationMember,
    OutboxMessage,
    Role,
)
from app.services import parent_invitations as pi
from app.services import tenant_invitations as ti
from app.services import user_invitations as ui
from app.services.communities import create_community
from tests.helpers import NOW, SECRET, org, viewer

ROUNDS = 200
THREADS = 8
BASE = "http://localhost:3000"
MAILER = ti.Mailer(SECRET, BASE, days=14)


def _token(db, to: str, path: str) -> str:
    row = db.exec(select(OutboxMessage).where(OutboxMessage.to_addr == to)
                  .order_by(OutboxMessage.id.desc())).first()
    return re.search(rf"/{path}/(\S+)", opened(row)[0]).group(1)


def together(engine, *actions) -> list[str]:
    """Run each `(who, action(db, viewer))` in its own session, all released at once by a
    barrier; what each got: "done", "refused" (a domain message) or "error: ..."."""
    got = [""] * len(actions)
    barrier = threading.Barrier(len(actions))
    with Session(engine) as db:  # who they are, read once (a Viewer holds no session)
        viewers = {who: viewer(db, who) for who, _ in actions}

    def attempt(i, who, action):
        with Session(engine, expire_on_commit=False) as db:
            me = viewers[who]
            barrier.wait()
            try:
                action(db, me)
                db.commit()
                got[i] = "done"
            except DomainError:
                db.rollback()
                got[i] = "refused"
            except Exception as err:  # noqa: BLE001 - what the battery looks for
                db.rollback()
                got[i] = f"error: {type(err).__name__}: {err}"

    threads = [threading.Thread(target=attempt, args=(i, who, action))
               for i, (who, action) in enumerate(actions)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return got


def _race(engine, who: str, accept) -> list[str]:
    """`THREADS` sessions of `who` call `accept(db, viewer)` at once."""
    return together(engine, *[(who, accept)] * THREADS)


def _accepted_events(db, invitation_ids) -> int:
    return db.exec(select(func.count()).select_from(AuditEvent).where(
        AuditEvent.action == "invitation.accept", AuditEvent.target_type == "invitation",
        AuditEvent.target_id.in_(invitation_ids))).one()


def _one_winner(outcomes: list[str], round_: int) -> None:
    assert (outcomes.count("done"), outcomes.count("refused")) == (1, THREADS - 1), (
        f"round {round_}: {outcomes}")


def tenant_invitation(db, name: str) -> tuple[int, int, str]:
    """A new community of alice's (`name`) with a pending tenant invitation to bob: the
    community's id, the invitation's id, its link's token."""
    alice = viewer(db, "alice")
    community = create_community(db, alice, name, now=NOW)
    inv_id = ti.invite_tenant(db, alice, community.id, "bob@fabrikam.example", now=NOW,
                              mailer=MAILER)
    db.commit()
    return community.id, inv_id, _token(db, "bob@fabrikam.example", "invite")


def user_invitation(db, name: str) -> tuple[int, int, str]:
    """A new managed community of alice's (`name`, under Contoso SOC) with a pending user
    invitation to carol as Community Member: ids and token, as `tenant_invitation`."""
    alice = viewer(db, "alice")
    soc = db.exec(select(Community.id).where(Community.name == "Contoso SOC")).one()
    member = db.exec(select(Role.id).where(Role.name == "Community Member")).one()
    managed = create_community(db, alice, name, kind="managed", parent_id=soc, now=NOW)
    ui.invite_users(db, alice, "carol@northwind.example", [managed.id], [member], now=NOW,
                    mailer=MAILER)
    db.commit()
    inv_id = db.exec(select(Invitation.id).where(Invitation.community_id == managed.id)).one()
    return managed.id, inv_id, _token(db, "carol@northwind.example", "join")


def carol_members(db, community_id: int) -> int:
    carol = viewer(db, "carol").user_id
    return db.exec(select(func.count()).select_from(CommunityMember).where(
        CommunityMember.community_id == community_id, CommunityMember.user_id == carol,
        CommunityMember.status == "active")).one()


def test_tenant_join_has_one_winner_each_round(engine, demo, db):
    for round_ in range(ROUNDS):
        _, inv_id, token = tenant_invitation(db, f"Race {round_}")
        outcomes = _race(engine, "bob", lambda s, bob, token=token: ti.join(
            s, bob, token, now=NOW, mailer=MAILER))
        _one_winner(outcomes, round_)
        db.expire_all()
        assert db.get(Invitation, inv_id).status == "accepted"
        assert _accepted_events(db, [inv_id]) == 1
        assert db.exec(select(func.count()).select_from(OutboxMessage).where(
            OutboxMessage.invitation_id == inv_id,
            OutboxMessage.to_addr == "alice@contoso.example")).one() == 1  # one "joined" mail


def test_user_invitation_accept_has_one_winner_each_round(engine, demo, db):
    for round_ in range(ROUNDS):
        managed, inv_id, token = user_invitation(db, f"Client race {round_}")
        outcomes = _race(engine, "carol", lambda s, carol, token=token: ui.accept(
            s, carol, token, now=NOW, secret_key=SECRET))
        _one_winner(outcomes, round_)
        db.expire_all()
        assert _accepted_events(db, [inv_id]) == 1
        assert carol_members(db, managed) == 1


def test_parent_user_accept_has_one_winner_each_round(engine, demo, db):
    retail = org(db, "contoso-retail")
    for round_ in range(ROUNDS):
        pi.invite_parent_users(db, viewer(db, "dave"), ["alice"], [], now=NOW,
                               secret_key=SECRET, base_url=BASE)
        db.commit()
        inv_id = db.exec(select(func.max(Invitation.id))).one()
        token = _token(db, "alice@contoso.example", "org-invite")
        outcomes = _race(engine, "alice", lambda s, alice, token=token: pi.accept(
            s, alice, token, now=NOW, secret_key=SECRET))
        _one_winner(outcomes, round_)
        db.expire_all()
        assert db.get(Invitation, inv_id).status == "accepted"
        assert _accepted_events(db, [inv_id]) == 1
        shared = select(OrganizationMember).where(
            OrganizationMember.organization_id == retail.id, OrganizationMember.kind == "shared")
        assert len(db.exec(shared).all()) == 1
        # the next round starts afresh: alice no longer shared, her used invitation closed
        db.exec(delete(OrganizationMember).where(
            OrganizationMember.organization_id == retail.id,
            OrganizationMember.kind == "shared"))
        db.get(Invitation, inv_id).status = "confirmed"
        db.commit()
