"""Reliability battery, row 2: two people act on the same thing at the same moment.

Each pair of actions starts together behind a barrier, round after round; whatever the
order the database gives them, the end is one that running them one after the other could
give: never a revoked invitation with a membership, never a reopened invitation, never two
memberships, and every refusal a plain message, never a database error.
"""

from sqlmodel import func, select

from app.models import CommunityTenant, Invitation
from app.services import community_members as cm
from app.services import community_tenants as ct
from app.services import tenant_invitations as ti
from app.services import user_invitations as ui
from app.services.community_admin import archive_community
from tests.helpers import NOW, SECRET, org, viewer
from tests.test_battery_races import (
    MAILER,
    carol_members,
    tenant_invitation,
    together,
    user_invitation,
)

ROUNDS = 50


def _tenants(db, community_id: int, organization_id: int) -> int:
    return db.exec(select(func.count()).select_from(CommunityTenant).where(
        CommunityTenant.community_id == community_id,
        CommunityTenant.organization_id == organization_id,
        CommunityTenant.status == "active")).one()


def test_join_against_revoke(engine, demo, db):
    for round_ in range(ROUNDS):
        _, inv_id, token = tenant_invitation(db, f"Interleaved {round_}")
        got = together(
            engine, ("bob", lambda s, v, t=token: ti.join(s, v, t, now=NOW, mailer=MAILER)),
            ("alice", lambda s, v, i=inv_id: ti.revoke_invitation(s, v, i, now=NOW)))
        db.expire_all()
        status = db.get(Invitation, inv_id).status
        # join first: the revoke ends the accepted invitation or is refused; revoke first:
        # the join is refused
        assert got in (["done", "done"], ["done", "refused"], ["refused", "done"]), got
        assert status == {("done", "refused"): "accepted", ("refused", "done"): "revoked",
                          ("done", "done"): "revoked"}[tuple(got)], (got, status)


def test_join_against_resend(engine, demo, db):
    for round_ in range(ROUNDS):
        _, inv_id, token = tenant_invitation(db, f"Interleaved {round_}")
        got = together(
            engine, ("bob", lambda s, v, t=token: ti.join(s, v, t, now=NOW, mailer=MAILER)),
            ("alice", lambda s, v, i=inv_id: ti.resend_invitation(s, v, i, now=NOW,
                                                                  mailer=MAILER)))
        db.expire_all()
        inv = db.get(Invitation, inv_id)
        assert "error" not in " ".join(got), got
        if got[0] == "done":  # joined with the link it had: the resend came too late
            assert inv.status == "accepted" and got[1] == "refused", got
        else:  # the resend replaced the link first
            assert inv.status == "pending" and got[1] == "done", got


def test_two_admins_confirm_at_once_and_confirm_against_remove(engine, demo, db):
    from app.services.orgs import create_user

    create_user(db, org(db, "contoso"), email="amy@contoso.example", username="amy",
                display_name="Amy", password_hash="x",
                role=__import__("app.domain.permissions", fromlist=["TENANT_ADMIN"]).TENANT_ADMIN,
                now=NOW)
    db.commit()
    fabrikam = org(db, "fabrikam").id
    for round_ in range(ROUNDS):
        community_id, inv_id, token = tenant_invitation(db, f"Interleaved {round_}")
        ti.join(db, viewer(db, "bob"), token, now=NOW, mailer=MAILER)
        db.commit()
        got = together(engine, *[(who, lambda s, v, i=inv_id: ti.confirm_tenant(s, v, i,
                                                                             now=NOW))
                                  for who in ("alice", "amy")])
        assert sorted(got) == ["done", "refused"], got
        db.expire_all()
        assert db.get(Invitation, inv_id).status == "confirmed"
        assert _tenants(db, community_id, fabrikam) == 1
        # removing the tenant while a second admin confirms again: removed, never twice in
        got = together(
            engine,
            ("alice", lambda s, v, c=community_id: ct.remove_tenant(s, v, c, fabrikam,
                                                                    now=NOW)),
            ("amy", lambda s, v, i=inv_id: ti.confirm_tenant(s, v, i, now=NOW)))
        assert got == ["done", "refused"], got
        db.expire_all()
        assert _tenants(db, community_id, fabrikam) == 0


def test_user_accept_against_revoke_and_against_archiving(engine, demo, db):
    for round_ in range(ROUNDS):
        name = f"Interleaved client {round_}"
        managed, inv_id, token = user_invitation(db, name)
        other = (("alice", lambda s, v, i=inv_id: cm.revoke(s, v, i, now=NOW)) if round_ % 2
                 else ("alice", lambda s, v, c=managed, n=name: archive_community(
                     s, v, c, n, now=NOW)))
        got = together(engine, ("carol", lambda s, v, t=token: ui.accept(
            s, v, t, now=NOW, secret_key=SECRET)), other)
        assert "error" not in " ".join(got), got
        db.expire_all()
        inv = db.get(Invitation, inv_id)
        members = carol_members(db, managed)
        assert members <= 1
        if inv.status == "revoked":  # never a revoked invitation with a membership
            assert members == 0, (got, members)
        assert inv.status != "pending" or got[0] == "refused", (got, inv.status)
