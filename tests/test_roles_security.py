"""A custom role's permissions apply wherever it is held, so nobody raises, grants or reads
about one beyond what they hold and see there (issue 10, finding 2)."""

import pytest
from sqlmodel import select

from app.domain.errors import Conflict, InvalidInput, PermissionDenied
from app.domain.permissions import (
    COMMUNITY_ADMIN,
    COMMUNITY_MANAGE_MEMBER,
    COMMUNITY_MEMBER,
    COMMUNITY_PERMISSIONS,
    COMMUNITY_VIEW,
)
from app.models import (
    Community,
    CommunityMember,
    CommunityMemberRole,
    Invitation,
    Role,
    RolePermission,
)
from app.services import community_members as cm
from app.services import custom_roles as cr
from app.services import user_invitations as ui
from app.services.access import community_permissions
from app.services.communities import add_member, create_community
from app.services.role_grants import grantable_roles
from tests.helpers import NOW, org, user, viewer
from tests.test_user_invitations import (
    MAILER,
    community,
    invite,
    link_token,
    new_user_accepts,
    role_id,
)

EVERYTHING = sorted(COMMUNITY_PERMISSIONS)


def custom_role(db, name, *perms):
    rid = cr.save_role(db, viewer(db, "alice"), name, "", list(perms), now=NOW)
    db.commit()
    return rid


def make_member(db, username, where, *roles, alias="contoso"):
    """`username` joins community `where` (acting in `alias`) holding the named roles."""
    member = add_member(db, community(db, where), user(db, username).id, org(db, alias).id, [],
                        now=NOW)
    for name in roles:
        db.add(CommunityMemberRole(member_id=member.id, role_id=role_id(db, name)))
    db.commit()
    return member.id


def perms_of(db, rid):
    return set(db.exec(select(RolePermission.permission)
                       .where(RolePermission.role_id == rid)).all())


def guest_admin_of_client_a(db):
    invite(db, "guest@partner.example", ["Client A"], roles=("Community Administrator",))
    return new_user_accepts(db, "guest@partner.example",
                            link_token(db, "guest@partner.example"))


def test_an_admin_elsewhere_cannot_raise_a_role_they_hold_in_another_community(db, demo):
    rid = custom_role(db, "Viewer", COMMUNITY_VIEW)
    make_member(db, "frank", "Client A", COMMUNITY_ADMIN.name)
    make_member(db, "frank", "Client B", "Viewer")
    frank = viewer(db, "frank")
    with pytest.raises(PermissionDenied, match="it is held in Client B, where you do not"):
        cr.save_role(db, frank, "Viewer", "", EVERYTHING, rid, now=NOW)
    db.rollback()
    assert perms_of(db, rid) == {COMMUNITY_VIEW}
    assert community_permissions(db, frank, community(db, "Client B")) == {COMMUNITY_VIEW}
    cr.save_role(db, frank, "Reader", "renamed, same permissions", [COMMUNITY_VIEW], rid, now=NOW)
    cr.save_role(db, viewer(db, "alice"), "Reader", "", EVERYTHING, rid, now=NOW)  # alice holds all


def test_a_guest_administrator_cannot_edit_the_owners_role_held_elsewhere(db, demo):
    rid = custom_role(db, "Viewer", COMMUNITY_VIEW)
    make_member(db, "frank", "Client B", "Viewer")
    guest = guest_admin_of_client_a(db)
    with pytest.raises(PermissionDenied, match="a community you do not administer") as err:
        cr.save_role(db, guest, "Viewer", "", EVERYTHING, rid, now=NOW)
    assert "Client B" not in str(err.value)
    db.rollback()
    assert perms_of(db, rid) == {COMMUNITY_VIEW}


def test_taking_a_permission_away_needs_it_where_the_role_is_held(db, demo):
    rid = custom_role(db, "Lead", COMMUNITY_VIEW, COMMUNITY_MANAGE_MEMBER)
    make_member(db, "frank", "Client A", COMMUNITY_ADMIN.name)
    make_member(db, "frank", "Client B", COMMUNITY_MEMBER.name)
    make_member(db, "bob", "Client B", "Lead")
    with pytest.raises(PermissionDenied, match="cannot take community.manage_member from Lead"):
        cr.save_role(db, viewer(db, "frank"), "Lead", "", [COMMUNITY_VIEW], rid, now=NOW)
    db.rollback()
    assert perms_of(db, rid) == {COMMUNITY_VIEW, COMMUNITY_MANAGE_MEMBER}


def test_a_pending_invitation_offering_the_role_counts_as_held(db, demo):
    rid = custom_role(db, "Viewer", COMMUNITY_VIEW)
    invite(db, "new@client.example", ["Client B"], roles=("Viewer",))
    make_member(db, "frank", "Client A", COMMUNITY_ADMIN.name)
    with pytest.raises(PermissionDenied, match="an open invitation offers it in a community"):
        cr.save_role(db, viewer(db, "frank"), "Viewer", "", EVERYTHING, rid, now=NOW)
    db.rollback()
    assert perms_of(db, rid) == {COMMUNITY_VIEW}


def fabrikam_role(db):
    bob = viewer(db, "bob")
    create_community(db, bob, "Fabrikam Grid", now=NOW)
    rid = cr.save_role(db, bob, "Fabrikam Viewer", "", [COMMUNITY_VIEW], now=NOW)
    db.commit()
    return rid


def test_another_organizations_role_cannot_be_granted_in_a_community(db, demo):
    foreign = fabrikam_role(db)
    member_id = make_member(db, "frank", "Client A", COMMUNITY_MEMBER.name)
    alice = viewer(db, "alice")
    with pytest.raises(InvalidInput, match="roles of the organization that owns Client A"):
        cm.change_roles(db, alice, member_id, [foreign], now=NOW)
    db.rollback()
    assert db.exec(select(CommunityMemberRole.role_id).where(
        CommunityMemberRole.member_id == member_id)).all() == [role_id(db, "Community Member")]
    with pytest.raises(InvalidInput):
        ui.invite_users(db, alice, "x@client.example", [community(db, "Client A")], [foreign],
                        now=NOW, mailer=MAILER)
    with pytest.raises(InvalidInput):
        grantable_roles(db, alice, [foreign], [db.get(Community, community(db, "Client A"))])
    db.rollback()
    assert db.exec(select(Invitation)).all() == []


def test_delete_names_no_holder_or_community_the_viewer_cannot_see(db, demo):
    rid = custom_role(db, "Analyst", COMMUNITY_VIEW)
    make_member(db, "frank", "Client B", "Analyst")
    guest = guest_admin_of_client_a(db)
    with pytest.raises(Conflict, match="1 person in communities you cannot see") as err:
        cr.delete_role(db, guest, rid, now=NOW)
    assert "Frank" not in str(err.value) and "Client B" not in str(err.value)
    with pytest.raises(Conflict, match="Frank Fielding in Client B"):
        cr.delete_role(db, viewer(db, "alice"), rid, now=NOW)
    db.rollback()
    offered = custom_role(db, "Offered", COMMUNITY_VIEW)
    invite(db, "new@client.example", ["Client B"], roles=("Offered",))
    with pytest.raises(Conflict, match="communities you cannot see") as err:
        cr.delete_role(db, guest, offered, now=NOW)
    assert "new@client.example" not in str(err.value)


def test_builtin_role_holder_counts_are_per_organization(db, demo):
    def counts(username):
        return {r["name"]: r["holders"] for r in cr.list_roles(db, viewer(db, username))}
    assert counts("alice")["Community Administrator"] == 4  # Wind Farm, SOC, Client A and B
    assert counts("alice")["Community Moderator"] == 1  # carol of Northwind in Wind Farm
    assert set(counts("bob").values()) == {0}
    assert counts("carol")["Community Moderator"] == 0


def test_a_role_once_held_by_a_removed_member_can_be_deleted(db, demo):
    rid = custom_role(db, "Temporary", COMMUNITY_VIEW)
    member_id = make_member(db, "frank", "Client A", "Temporary")
    cm.remove_member(db, viewer(db, "alice"), member_id, now=NOW)
    db.commit()
    cr.delete_role(db, viewer(db, "alice"), rid, now=NOW)
    db.commit()
    assert db.get(Role, rid) is None
    assert db.get(CommunityMember, member_id).status == "removed"
