"""The one place that decides what a user may do and see.

`org_permissions` and `community_permissions` answer "may this user do this permission
here"; `visible_communities` is the same rule as a query, so lists never load rows a viewer
may not see. Tests check the two forms agree. Who may see an invitation is decided in
`invitation_visibility`.
"""

from sqlalchemy import false, or_
from sqlmodel import Session, select

from app.domain.errors import NotFound, PermissionDenied
from app.domain.permissions import COMMUNITY_VIEW, ORG_SWITCH_INTO_CHILDREN, TENANT_ADMIN
from app.domain.viewer import Viewer
from app.models import (
    Community,
    CommunityMember,
    CommunityMemberRole,
    CommunityTenant,
    GroupMember,
    Organization,
    OrgRoleAssignment,
    RolePermission,
)


def ancestors(db: Session, organization_id: int) -> list[int]:
    """The ids above `organization_id`, nearest first."""
    chain: list[int] = []
    parent = db.get(Organization, organization_id).parent_id
    while parent is not None and parent not in chain:
        chain.append(parent)
        parent = db.get(Organization, parent).parent_id
    return chain


def held_permissions(user_id, organization_id):
    """The statement of the permissions `user_id` holds in `organization_id` directly or
    through groups (values, or columns of an outer statement)."""
    groups = select(GroupMember.group_id).where(GroupMember.user_id == user_id)
    return (
        select(RolePermission.permission)
        .join(OrgRoleAssignment, OrgRoleAssignment.role_id == RolePermission.role_id)
        .where(
            OrgRoleAssignment.organization_id == organization_id,
            or_(OrgRoleAssignment.user_id == user_id, OrgRoleAssignment.group_id.in_(groups)),
        )
    )


def _held_org_permissions(db: Session, user_id: int, organization_id: int) -> set[str]:
    return set(db.exec(held_permissions(user_id, organization_id)).all())


def org_permissions(db: Session, user_id: int, organization_id: int,
                    held: set[str] | None = None) -> frozenset[str]:
    """What `user_id` may do in `organization_id`, directly, through groups, or by switching
    (`held`: the first two, when the caller has read them already).

    A holder of `org.switch_into_children` in an ancestor acts as Tenant Administrator.
    """
    held = set(_held_org_permissions(db, user_id, organization_id) if held is None else held)
    for ancestor in ancestors(db, organization_id):
        if ORG_SWITCH_INTO_CHILDREN in _held_org_permissions(db, user_id, ancestor):
            held |= TENANT_ADMIN.permissions
            break
    return frozenset(held)


def community_permissions(db: Session, viewer: Viewer, community_id: int) -> frozenset[str]:
    """What the viewer may do in a community (empty when they may not even see it)."""
    community = db.get(Community, community_id)
    if community is None or community.archived_at is not None:
        return frozenset()
    reach = [community.id] + ([community.parent_id] if community.parent_id else [])
    query = (
        select(RolePermission.permission)
        .join(CommunityMemberRole, CommunityMemberRole.role_id == RolePermission.role_id)
        .join(CommunityMember, CommunityMember.id == CommunityMemberRole.member_id)
        .where(
            CommunityMember.user_id == viewer.user_id,
            CommunityMember.organization_id == viewer.organization_id,
            CommunityMember.status == "active",
            CommunityMember.community_id.in_(reach),
        )
    )
    perms = set(db.exec(query).all())
    if viewer.is_tenant_admin and _tenant_reaches(db, viewer.organization_id, community):
        perms.add(COMMUNITY_VIEW)
    return frozenset(perms)


def _tenant_reaches(db: Session, organization_id: int, community: Community) -> bool:
    if community.organization_id == organization_id:
        return True
    active = select(CommunityTenant.id).where(
        CommunityTenant.community_id == community.id,
        CommunityTenant.organization_id == organization_id,
        CommunityTenant.status == "active",
    )
    return db.exec(active).first() is not None


def organization_takes_part(viewer: Viewer):
    """The condition "the viewer's organization owns the community or is an active member
    tenant of it" (what its Tenant Administrators see)."""
    member_of = select(CommunityTenant.community_id).where(
        CommunityTenant.organization_id == viewer.organization_id,
        CommunityTenant.status == "active",
    )
    return or_(Community.organization_id == viewer.organization_id,
               Community.id.in_(member_of))


def visible_communities(viewer: Viewer):
    """A `select(Community)` of what the viewer may see: the query form of the rule above."""
    mine = select(CommunityMember.community_id).where(
        CommunityMember.user_id == viewer.user_id,
        CommunityMember.organization_id == viewer.organization_id,
        CommunityMember.status == "active",
    )
    as_tenant = organization_takes_part(viewer) if viewer.is_tenant_admin else false()
    return select(Community).where(
        Community.archived_at.is_(None),
        or_(as_tenant, Community.id.in_(mine), Community.parent_id.in_(mine)),
    )


def require_org(viewer: Viewer, permission: str) -> None:
    if permission not in viewer.permissions:
        raise PermissionDenied()


def require_community(db: Session, viewer: Viewer, permission: str, community_id: int) -> None:
    """Refuse unless the viewer holds `permission` in the community; unseen looks missing."""
    perms = community_permissions(db, viewer, community_id)
    if COMMUNITY_VIEW not in perms:
        raise NotFound()
    if permission not in perms:
        raise PermissionDenied()
