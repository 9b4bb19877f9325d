"""Permissions and visibility: one rule, asked per item or as a query, and they agree."""

import pytest
from sqlmodel import select

from app.domain.errors import NotFound, PermissionDenied
from app.domain.permissions import (
    COMMUNITY_INVITE_TENANT,
    COMMUNITY_LEAVE,
    COMMUNITY_MODERATOR,
    COMMUNITY_VIEW,
    ORG_CREATE_COMMUNITY,
    TENANT_ADMIN,
)
from app.models import Community, Invitation, utcnow
from app.services.access import (
    community_permissions,
    require_community,
    visible_communities,
)
from app.services.communities import add_member, create_community, list_communities
from app.services.invitation_visibility import visible
from tests.helpers import NOW, org, user, viewer


def _wind_farm(db):
    return db.exec(select(Community).where(Community.name == "Wind Farm Analytics")).one()


def test_builtin_roles_have_their_fixed_permissions(db, demo):
    alice = viewer(db, "alice")
    assert alice.permissions == TENANT_ADMIN.permissions
    assert viewer(db, "frank").permissions == frozenset()


def test_community_creator_is_its_community_administrator(db, demo):
    perms = community_permissions(db, viewer(db, "alice"), _wind_farm(db).id)
    assert {COMMUNITY_VIEW, COMMUNITY_INVITE_TENANT} <= perms


def test_tenant_member_without_a_role_sees_nothing(db, demo):
    frank = viewer(db, "frank")
    assert community_permissions(db, frank, _wind_farm(db).id) == frozenset()
    assert list_communities(db, frank) == []


def test_another_tenant_is_refused_by_id(db, demo):
    bob = viewer(db, "bob")
    community_id = _wind_farm(db).id
    with pytest.raises(NotFound):
        require_community(db, bob, COMMUNITY_VIEW, community_id)
    assert list_communities(db, bob) == []


def test_demo_member_tenant_moderator_sees_it_and_may_leave(db, demo):
    wind = _wind_farm(db)
    carol = viewer(db, "carol")
    perms = community_permissions(db, carol, wind.id)
    assert {COMMUNITY_VIEW, COMMUNITY_LEAVE} <= perms
    assert COMMUNITY_INVITE_TENANT not in perms
    with pytest.raises(PermissionDenied):
        require_community(db, carol, COMMUNITY_INVITE_TENANT, wind.id)


def test_roles_count_only_in_the_organization_they_were_given_for(db, demo):
    wind = _wind_farm(db)
    alice_in_child = viewer(db, "alice", "contoso-retail")
    assert alice_in_child.is_tenant_admin  # by switching right
    assert community_permissions(db, alice_in_child, wind.id) == frozenset()


def test_archived_community_is_invisible(db, demo):
    wind = _wind_farm(db)
    wind.archived_at = utcnow()
    db.commit()
    assert community_permissions(db, viewer(db, "alice"), wind.id) == frozenset()
    assert "Wind Farm Analytics" not in [c["name"] for c in list_communities(db, viewer(db, "alice"))]


def test_managed_community_inherits_from_its_mssp_main(db, demo):
    alice = viewer(db, "alice")
    main = create_community(db, alice, "Contoso SOC", kind="mssp", now=NOW)
    client_a = create_community(db, alice, "Client A", kind="managed", parent_id=main.id, now=NOW)
    guest = user(db, "bob")
    add_member(db, main.id, guest.id, org(db, "contoso").id, [COMMUNITY_MODERATOR], now=NOW)
    db.commit()
    from app.services.auth import viewer_for_user
    bob_in_contoso = viewer_for_user(db, guest, org(db, "contoso").id)
    assert COMMUNITY_VIEW in community_permissions(db, bob_in_contoso, client_a.id)
    later = create_community(db, alice, "Client B", kind="managed", parent_id=main.id, now=NOW)
    db.commit()
    assert COMMUNITY_VIEW in community_permissions(db, bob_in_contoso, later.id)


def test_query_and_per_item_rule_agree_for_every_viewer(db, demo):
    alice = viewer(db, "alice")
    create_community(db, alice, "Second", now=NOW)
    db.commit()
    communities = db.exec(select(Community)).all()
    for username, alias in [("alice", None), ("frank", None), ("bob", None), ("carol", None),
                            ("dave", None), ("alice", "contoso-retail")]:
        who = viewer(db, username, alias)
        listed = {c.id for c in db.exec(visible_communities(who)).all()}
        by_rule = {c.id for c in communities
                   if COMMUNITY_VIEW in community_permissions(db, who, c.id)}
        assert listed == by_rule, (username, alias)


def test_create_community_needs_the_permission(db, demo):
    with pytest.raises(PermissionDenied):
        create_community(db, viewer(db, "frank"), "Frank's", now=NOW)
    assert ORG_CREATE_COMMUNITY in viewer(db, "bob").permissions


def _invitation(db, sender, recipient, kind="tenant"):
    inv = Invitation(kind=kind, batch_id="b", organization_id=sender.organization_id,
                     invited_by_user_id=sender.user_id, recipient=recipient,
                     scope_key=f"x:{recipient}", token_hash=recipient.ljust(64, "0")[:64],
                     expires_at=utcnow())
    db.add(inv)
    db.commit()
    return inv


def test_invitation_visible_to_sender_their_admins_and_addressee_only(db, demo):
    frank = viewer(db, "frank")
    inv = _invitation(db, frank, "bob@fabrikam.example")
    cases = {"frank": True, "alice": True, "bob": True, "carol": False, "dave": False}
    for username, expected in cases.items():
        who = viewer(db, username)
        assert visible.holds(who, inv) is expected, username
        listed = db.exec(select(Invitation.id).where(visible.where(who))).all()
        assert (inv.id in listed) is expected, username


@pytest.mark.parametrize("role", ["community_admin", "community_moderator", "community_member"])
@pytest.mark.parametrize("where", ["main", "managed"])
def test_permission_matrix_for_default_roles_main_managed_siblings_and_removal(
        db, demo, role, where):
    from app.domain.permissions import BUILTIN_ROLES
    from app.models import CommunityMember
    from app.services.auth import viewer_for_user
    from app.services.orgs import create_user

    spec = next(r for r in BUILTIN_ROLES if r.key == role)
    ids = {c.name: c.id for c in db.exec(select(Community)).all()}
    contoso = org(db, "contoso")
    guest = create_user(db, contoso, email="guest@client.example", username="guest",
                        display_name="Guest", password="long-enough-pw", role=None,
                        kind="guest", now=NOW)
    target = "Contoso SOC" if where == "main" else "Client A"
    member = add_member(db, ids[target], guest.id, contoso.id, [spec], now=NOW)
    db.commit()
    who = viewer_for_user(db, guest, contoso.id)
    expected = {"Contoso SOC": spec.permissions if where == "main" else frozenset(),
                "Client A": spec.permissions,
                "Client B": spec.permissions if where == "main" else frozenset(),
                "Wind Farm Analytics": frozenset()}
    for name, perms in expected.items():
        assert community_permissions(db, who, ids[name]) == perms, name
    db.get(CommunityMember, member.id).status = "removed"
    db.commit()
    for name in expected:
        assert community_permissions(db, who, ids[name]) == frozenset(), name
