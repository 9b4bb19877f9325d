"""Archiving a community, and a member tenant's administrator giving their own users roles."""

from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import Session, select

from app.domain import invitation_status as st
from app.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.domain.permissions import (
    COMMUNITY_ADMIN,
    COMMUNITY_MANAGE_ROLES,
    COMMUNITY_MEMBER,
    COMMUNITY_MODERATOR,
    COMMUNITY_VIEW,
)
from app.domain.viewer import Viewer
from app.models import (
    Community,
    CommunityMember,
    CommunityMemberRole,
    CommunityTenant,
    Invitation,
    OrganizationMember,
    Role,
    User,
)
from app.services import audit
from app.services.access import require_community
from app.services.revocations import revoke_where
from app.services.roles import builtin_role_id

GRANTABLE = {COMMUNITY_MODERATOR.key: COMMUNITY_MODERATOR, COMMUNITY_MEMBER.key: COMMUNITY_MEMBER}


def archive_community(db: Session, viewer: Viewer, community_id: int, typed_name: str, *,
                      now: datetime) -> None:
    """Delete (archive) a community the viewer's organization owns; history stays."""
    require_community(db, viewer, COMMUNITY_MANAGE_ROLES, community_id)
    community = db.get(Community, community_id)
    if community.organization_id != viewer.organization_id:
        raise PermissionDenied("Only the tenant that owns a community can delete it.")
    if typed_name.strip() != community.name:
        raise InvalidInput(f"Type {community.name} exactly to confirm.")
    ids = [community_id] + list(db.exec(select(Community.id).where(
        Community.parent_id == community_id, Community.archived_at.is_(None))).all())
    changed = db.exec(update(Community).where(Community.id.in_(ids),
                                              Community.archived_at.is_(None))
                      .values(archived_at=now)).rowcount
    if changed < 1:
        raise Conflict("This community was deleted a moment ago.")
    revoke_where(db, viewer, now, Invitation.community_id.in_(ids),
                 Invitation.status.in_(st.OPEN), reason="archived")
    for table in (CommunityTenant, CommunityMember):
        db.exec(update(table).where(table.community_id.in_(ids), table.status == "active")
                .values(status="removed", removed_at=now))
    audit.record(db, "community.archive", "community", community_id, viewer=viewer, at=now,
                 details={"name": community.name, "with": ids[1:]})


def _is_active_tenant(db: Session, community_id: int, organization_id: int) -> bool:
    return db.exec(select(CommunityTenant.id).where(
        CommunityTenant.community_id == community_id,
        CommunityTenant.organization_id == organization_id,
        CommunityTenant.status == "active")).first() is not None


def my_users_roles(db: Session, viewer: Viewer, community_id: int) -> list[dict]:
    """The viewer's organization's users and the role each holds here for that organization."""
    require_community(db, viewer, COMMUNITY_VIEW, community_id)
    if not (viewer.is_tenant_admin and _is_active_tenant(db, community_id,
                                                         viewer.organization_id)):
        return []
    users = db.exec(select(User).join(OrganizationMember, OrganizationMember.user_id == User.id)
                    .where(OrganizationMember.organization_id == viewer.organization_id)
                    .order_by(User.display_name)).all()
    held = dict(db.exec(select(CommunityMember.user_id, Role.key)
                        .join(CommunityMemberRole, CommunityMemberRole.member_id == CommunityMember.id)
                        .join(Role, Role.id == CommunityMemberRole.role_id)
                        .where(CommunityMember.community_id == community_id,
                               CommunityMember.organization_id == viewer.organization_id,
                               CommunityMember.status == "active")).all())
    return [{"user_id": u.id, "name": u.display_name, "email": u.email,
             "role": held.get(u.id, "none"),
             "locked": held.get(u.id) == COMMUNITY_ADMIN.key} for u in users]


def set_community_role(db: Session, viewer: Viewer, community_id: int, user_id: int,
                       role_key: str, *, now: datetime) -> None:
    """A member tenant's administrator gives one of their own users Moderator, Member or none."""
    require_community(db, viewer, COMMUNITY_VIEW, community_id)
    if not (viewer.is_tenant_admin and _is_active_tenant(db, community_id,
                                                         viewer.organization_id)):
        raise PermissionDenied("Only a Tenant Administrator of a member tenant can do that.")
    if role_key != "none" and role_key not in GRANTABLE:
        raise InvalidInput("Choose Community Moderator, Community Member or no role.")
    own = db.exec(select(OrganizationMember.id).where(
        OrganizationMember.organization_id == viewer.organization_id,
        OrganizationMember.user_id == user_id)).first()
    if own is None:
        raise NotFound("That user is not one of your organization's users.")
    member = db.exec(select(CommunityMember).where(
        CommunityMember.community_id == community_id, CommunityMember.user_id == user_id,
        CommunityMember.status == "active")).first()
    if member is not None and member.organization_id != viewer.organization_id:
        raise PermissionDenied("That user holds a role here for another organization.")
    if member is not None:
        admin_role = builtin_role_id(db, COMMUNITY_ADMIN)
        if db.get(CommunityMemberRole, (member.id, admin_role)) is not None:
            raise PermissionDenied("A Community Administrator's role is not changed here.")
        db.exec(delete(CommunityMemberRole).where(CommunityMemberRole.member_id == member.id))
        if role_key == "none":
            member.status, member.removed_at = "removed", now
    elif role_key != "none":
        member = CommunityMember(community_id=community_id, user_id=user_id,
                                 organization_id=viewer.organization_id, joined_at=now)
        db.add(member)
        db.flush()
    if role_key != "none":
        db.add(CommunityMemberRole(member_id=member.id,
                                   role_id=builtin_role_id(db, GRANTABLE[role_key])))
    audit.record(db, "community.set_member_role", "community", community_id, viewer=viewer,
                 at=now, details={"user_id": user_id, "role": role_key})


