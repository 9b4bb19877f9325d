"""The tenant handshake: every transition and every refusal."""

import re
import threading
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from app.domain import invitation_status as st
from app.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.domain.permissions import COMMUNITY_LEAVE, COMMUNITY_VIEW
from app.mail.links import opened
from app.models import Community, CommunityTenant, Invitation, OutboxMessage
from app.services import community_tenants as ct
from app.services import tenant_invitations as ti
from app.services.access import community_permissions
from app.services.orgs import create_user
from tests.helpers import LATER, NOW, SECRET, org, viewer

MAILER = ti.Mailer(SECRET, "http://localhost:3000", days=14)
BOB = "bob@fabrikam.example"


def wind(db):
    return db.exec(select(Community).where(Community.name == "Wind Farm Analytics")).one().id


def link_token(db, to):
    row = db.exec(select(OutboxMessage).where(OutboxMessage.to_addr == to)
                  .order_by(OutboxMessage.id.desc())).first()
    return re.search(r"/invite/(\S+)", opened(row)[0]).group(1)  # links are sealed at rest


def invite(db, email=BOB, now=NOW):
    inv_id = ti.invite_tenant(db, viewer(db, "alice"), wind(db), email, now=now, mailer=MAILER)
    db.commit()
    return inv_id, link_token(db, email)


def handshake(db):
    inv_id, token = invite(db)
    ti.join(db, viewer(db, "bob"), token, now=NOW, mailer=MAILER)
    ti.confirm_tenant(db, viewer(db, "alice"), inv_id, now=NOW)
    db.commit()
    return inv_id


def test_invite_queues_an_email_with_a_link_stored_only_as_hash(db, demo):
    inv_id, token = invite(db)
    inv = db.get(Invitation, inv_id)
    assert inv.status == "pending" and token not in inv.token_hash and len(token) >= 22
    assert inv.expires_at == NOW + timedelta(days=14)
    mail = db.exec(select(OutboxMessage).where(OutboxMessage.to_addr == BOB)).one()
    assert "Wind Farm Analytics" in mail.subject and "Alice Admin" in mail.body_text


@pytest.mark.parametrize("username", ["frank", "bob"])
def test_only_a_community_administrator_may_invite(db, demo, username):
    with pytest.raises((PermissionDenied, NotFound)):
        ti.invite_tenant(db, viewer(db, username), wind(db), BOB, now=NOW, mailer=MAILER)


def test_a_bad_address_creates_nothing(db, demo):
    with pytest.raises(InvalidInput, match="not a valid email"):
        ti.invite_tenant(db, viewer(db, "alice"), wind(db), "bob@", now=NOW, mailer=MAILER)
    assert db.exec(select(Invitation)).all() == []


def test_a_second_open_invitation_is_refused_with_resend_offered(db, demo):
    first, _ = invite(db)
    with pytest.raises(ti.AlreadyInvited) as err:
        invite(db, email="Bob@Fabrikam.example")
    assert err.value.invitation_id == first and "Resend Invitation" in err.value.message


def test_an_address_of_a_member_tenant_is_refused(db, demo):
    handshake(db)
    with pytest.raises(InvalidInput, match="already a member"):
        invite(db)
    with pytest.raises(InvalidInput, match="already a member"):
        invite(db, email="alice@contoso.example")


def test_opening_the_link_changes_nothing(db, demo):
    inv_id, token = invite(db)
    shown = ti.invitation_view(db, SECRET, token, None, NOW)
    assert shown["community"] == "Wind Farm Analytics" and shown["status"] == "pending"
    assert db.get(Invitation, inv_id).status == "pending"


def test_join_then_confirm_makes_the_tenant_a_member_with_a_moderator(db, demo):
    inv_id, token = invite(db)
    ti.join(db, viewer(db, "bob"), token, now=NOW, mailer=MAILER)
    db.commit()
    inv = db.get(Invitation, inv_id)
    assert inv.status == "accepted" and inv.accepted_for_organization_id == org(db, "fabrikam").id
    notice = db.exec(select(OutboxMessage).where(
        OutboxMessage.to_addr == "alice@contoso.example")).one()
    assert f"/communities/{wind(db)}?invitation={inv_id}" in notice.body_text
    assert COMMUNITY_VIEW not in community_permissions(db, viewer(db, "bob"), wind(db))
    ti.confirm_tenant(db, viewer(db, "alice"), inv_id, now=NOW)
    db.commit()
    assert {COMMUNITY_VIEW, COMMUNITY_LEAVE} <= community_permissions(db, viewer(db, "bob"),
                                                                       wind(db))
    names = [t["name"] for t in ct.list_tenants(db, viewer(db, "alice"), wind(db))]
    assert names == ["Contoso Energy", "Fabrikam Utilities", "Northwind Traders"]
    timeline = [e["what"] for e in ct.invitation_details(db, viewer(db, "alice"), inv_id,
                                                         NOW)["timeline"]]
    assert timeline == ["Sent", "Accepted", "Confirmed"]


def test_wrong_address_wrong_role_and_member_tenant_cannot_join(db, demo):
    _, token = invite(db)
    with pytest.raises(PermissionDenied, match="signed in as carol@northwind.example"):
        ti.join(db, viewer(db, "carol"), token, now=NOW, mailer=MAILER)
    create_user(db, org(db, "fabrikam"), email="erin@fabrikam.example", username="erin",
                display_name="Erin", password="long-enough-pw", now=NOW)
    db.commit()
    _, token2 = invite(db, email="erin@fabrikam.example")
    with pytest.raises(PermissionDenied, match="must be a Tenant Administrator"):
        ti.join(db, viewer(db, "erin"), token2, now=NOW, mailer=MAILER)
    assert db.exec(select(Invitation.status)).all() == ["pending", "pending"]


def test_the_link_expires_at_exactly_fourteen_days(db, demo):
    _, token = invite(db)
    at = NOW + timedelta(days=14)
    assert ti.invitation_view(db, SECRET, token, None, at - timedelta(seconds=1))[
        "status"] == "pending"
    with pytest.raises(PermissionDenied, match="expired"):
        ti.join(db, viewer(db, "bob"), token, now=at, mailer=MAILER)


def test_an_expired_invitation_is_reissued_on_reinvite(db, demo):
    first, old = invite(db)
    second, new = invite(db, now=NOW + timedelta(days=15))
    assert first == second and old != new
    with pytest.raises(NotFound):
        ti.join(db, viewer(db, "bob"), old, now=NOW + timedelta(days=15), mailer=MAILER)
    ti.join(db, viewer(db, "bob"), new, now=NOW + timedelta(days=15), mailer=MAILER)


def test_a_used_link_cannot_be_replayed(db, demo):
    _, token = invite(db)
    ti.join(db, viewer(db, "bob"), token, now=NOW, mailer=MAILER)
    db.commit()
    with pytest.raises(PermissionDenied, match="You joined 3 s ago; nothing more to do"):
        ti.join(db, viewer(db, "bob"), token, now=NOW + timedelta(seconds=3), mailer=MAILER)
    with pytest.raises(PermissionDenied) as stranger:  # anyone else: the generic answer
        ti.join(db, viewer(db, "carol"), token, now=NOW, mailer=MAILER)
    assert stranger.value.message == st.LINK_UNUSABLE


def test_a_repeated_resend_sends_one_email_and_says_when(db, demo):
    inv_id, _ = invite(db)
    ti.resend_invitation(db, viewer(db, "alice"), inv_id, now=LATER, mailer=MAILER)
    db.commit()
    sent = db.exec(select(OutboxMessage.id).where(OutboxMessage.to_addr == BOB)).all()
    live = link_token(db, BOB)
    with pytest.raises(Conflict, match="Sent 2 s ago; nothing was sent again"):
        ti.resend_invitation(db, viewer(db, "alice"), inv_id,
                             now=LATER + timedelta(seconds=2), mailer=MAILER)
    db.rollback()
    assert db.exec(select(OutboxMessage.id).where(OutboxMessage.to_addr == BOB)).all() == sent
    assert ti.invitation_view(db, SECRET, live, None, LATER)["status"] == "pending"


def test_resend_kills_the_old_link(db, demo):
    inv_id, old = invite(db)
    ti.resend_invitation(db, viewer(db, "alice"), inv_id, now=LATER, mailer=MAILER)
    db.commit()
    new = link_token(db, BOB)
    assert new != old
    assert ti.invitation_view(db, SECRET, old, None, NOW) == st.closed_view()
    ti.join(db, viewer(db, "bob"), new, now=NOW, mailer=MAILER)


def test_revoked_invitation_cannot_be_joined_or_confirmed(db, demo):
    inv_id, token = invite(db)
    ti.revoke_invitation(db, viewer(db, "alice"), inv_id, now=NOW)
    db.commit()
    with pytest.raises(PermissionDenied, match="revoked"):
        ti.join(db, viewer(db, "bob"), token, now=NOW, mailer=MAILER)
    with pytest.raises(Conflict):
        ti.confirm_tenant(db, viewer(db, "alice"), inv_id, now=NOW)


def test_decline_records_the_reason(db, demo):
    inv_id, token = invite(db)
    ti.decline(db, viewer(db, "bob"), token, "Not now", now=NOW, mailer=MAILER)
    db.commit()
    inv = db.get(Invitation, inv_id)
    assert inv.status == "declined" and inv.decline_reason == "Not now"


def test_owner_can_neither_leave_nor_be_removed(db, demo):
    contoso = org(db, "contoso").id
    with pytest.raises(PermissionDenied):
        ct.remove_tenant(db, viewer(db, "alice"), wind(db), contoso, now=NOW)


def test_removed_tenant_loses_access_and_can_be_invited_again(db, demo):
    handshake(db)
    ct.remove_tenant(db, viewer(db, "alice"), wind(db), org(db, "fabrikam").id, now=NOW)
    db.commit()
    assert community_permissions(db, viewer(db, "bob"), wind(db)) == frozenset()
    history = db.exec(select(CommunityTenant.status).where(
        CommunityTenant.organization_id == org(db, "fabrikam").id)).all()
    assert history == ["removed"]
    inv_id, token = invite(db)
    ti.join(db, viewer(db, "bob"), token, now=NOW, mailer=MAILER)
    ti.confirm_tenant(db, viewer(db, "alice"), inv_id, now=NOW)
    db.commit()
    assert COMMUNITY_VIEW in community_permissions(db, viewer(db, "bob"), wind(db))


def test_demo_northwind_moderator_carol_leaves(db, demo):
    carol = viewer(db, "carol")
    ct.leave_community(db, carol, wind(db), "Northwind Traders", now=NOW)
    db.commit()
    assert community_permissions(db, viewer(db, "carol"), wind(db)) == frozenset()


def test_moderator_leaves_by_typing_the_tenant_name(db, demo):
    handshake(db)
    bob = viewer(db, "bob")
    with pytest.raises(InvalidInput, match="Fabrikam Utilities"):
        ct.leave_community(db, bob, wind(db), "fabrikam", now=NOW)
    ct.leave_community(db, bob, wind(db), "Fabrikam Utilities", now=NOW)
    db.commit()
    assert community_permissions(db, viewer(db, "bob"), wind(db)) == frozenset()


def test_only_the_invitee_tenant_admin_sees_nothing_of_the_invitation_list(db, demo):
    invite(db)
    with pytest.raises((PermissionDenied, NotFound)):
        ct.list_invitations(db, viewer(db, "bob"), wind(db), NOW)


def test_simultaneous_joins_have_one_winner(engine, demo, db):
    _, token = invite(db)
    outcomes = []
    barrier = threading.Barrier(4)

    def attempt():
        with Session(engine, expire_on_commit=False) as s:
            bob = viewer(s, "bob")
            barrier.wait()
            try:
                ti.join(s, bob, token, now=NOW, mailer=MAILER)
                s.commit()
                outcomes.append("won")
            except (Conflict, PermissionDenied):
                s.rollback()
                outcomes.append("lost")
            except Exception as err:  # a database lock error counts as a loss, never a win
                s.rollback()
                outcomes.append(f"lost:{type(err).__name__}")

    threads = [threading.Thread(target=attempt) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert outcomes.count("won") == 1, outcomes
    assert db.exec(select(OutboxMessage).where(
        OutboxMessage.to_addr == "alice@contoso.example")).all().__len__() == 1


def test_an_expired_link_can_ask_the_inviter_once_for_a_new_one(db, demo):
    inv_id, token = invite(db)
    with pytest.raises(Conflict):
        ti.request_new_invitation(db, token, now=NOW, mailer=MAILER)
    later = NOW + timedelta(days=14)
    ti.request_new_invitation(db, token, now=later, mailer=MAILER)
    db.commit()
    asks = db.exec(select(OutboxMessage).where(
        OutboxMessage.to_addr == "alice@contoso.example")).all()
    assert len(asks) == 1 and "asks for a new invitation" in asks[0].subject
    assert ti.invitation_view(db, SECRET, token, None, later)["renewal_asked"] is True
    with pytest.raises(Conflict, match="You asked the inviter 3 s ago; nothing was sent"):
        ti.request_new_invitation(db, token, now=later + timedelta(seconds=3), mailer=MAILER)
    timeline = ct.invitation_details(db, viewer(db, "alice"), inv_id, later)["timeline"]
    assert timeline[-1]["what"] == "New invitation requested"


def test_archiving_revokes_open_invitations_and_ends_memberships(db, demo):
    from app.services.community_admin import archive_community
    inv_id, _ = invite(db)
    with pytest.raises(InvalidInput):
        archive_community(db, viewer(db, "alice"), wind(db), "wind farm", now=NOW)
    with pytest.raises(PermissionDenied):
        archive_community(db, viewer(db, "carol"), wind(db), "Wind Farm Analytics", now=NOW)
    archive_community(db, viewer(db, "alice"), wind(db), "Wind Farm Analytics", now=NOW)
    db.commit()
    assert db.get(Invitation, inv_id).status == "revoked"
    assert community_permissions(db, viewer(db, "carol"), wind(db)) == frozenset()
    assert set(db.exec(select(CommunityTenant.status).where(
        CommunityTenant.community_id == wind(db))).all()) == {"removed"}


def test_member_tenant_admin_gives_own_users_roles_and_no_one_elses(db, demo):
    from app.services.community_admin import my_users_roles, set_community_role
    erin = create_user(db, org(db, "northwind"), email="erin@northwind.example",
                       username="erin", display_name="Erin", password="long-enough-pw", now=NOW)
    db.commit()
    carol = viewer(db, "carol")
    rows = {r["email"]: r["role"] for r in my_users_roles(db, carol, wind(db))}
    assert rows == {"carol@northwind.example": "community_moderator",
                    "erin@northwind.example": "none"}
    set_community_role(db, carol, wind(db), erin.id, "community_member", now=NOW)
    db.commit()
    assert community_permissions(db, viewer(db, "erin"), wind(db)) == {COMMUNITY_VIEW}
    with pytest.raises(NotFound):
        set_community_role(db, carol, wind(db), user_id_of(db, "frank"), "community_member",
                           now=NOW)
    with pytest.raises(InvalidInput):
        set_community_role(db, carol, wind(db), erin.id, "community_admin", now=NOW)
    set_community_role(db, carol, wind(db), erin.id, "none", now=NOW)
    db.commit()
    assert community_permissions(db, viewer(db, "erin"), wind(db)) == frozenset()


def user_id_of(db, username):
    from tests.helpers import user
    return user(db, username).id
