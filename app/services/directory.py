"""Read-only lists for the shell's pages: users, child organizations, invitations."""

from sqlmodel import Session, select

from app.domain.invitation_status import display_status
from app.domain.permissions import ORG_MANAGE_USERS
from app.domain.viewer import Viewer
from app.models import (
    Invitation,
    Organization,
    OrganizationMember,
    OrgRoleAssignment,
    Role,
    User,
)
from app.services.access import invitation_filter, require_org


def list_users(db: Session, viewer: Viewer) -> list[dict]:
    """The current organization's members with their organization roles."""
    require_org(viewer, ORG_MANAGE_USERS)
    rows = db.exec(select(User, OrganizationMember.kind)
                   .join(OrganizationMember, OrganizationMember.user_id == User.id)
                   .where(OrganizationMember.organization_id == viewer.organization_id)
                   .order_by(User.display_name)).all()
    roles: dict[int, list[str]] = {}
    for user_id, name in db.exec(
        select(OrgRoleAssignment.user_id, Role.name)
        .join(Role, Role.id == OrgRoleAssignment.role_id)
        .where(OrgRoleAssignment.organization_id == viewer.organization_id,
               OrgRoleAssignment.user_id.is_not(None))).all():
        roles.setdefault(user_id, []).append(name)
    return [{"name": u.display_name, "email": u.email, "username": u.username,
             "kind": kind, "roles": ", ".join(sorted(roles.get(u.id, []))) or "—",
             "active": "Active" if u.is_active else "Inactive"} for u, kind in rows]


def list_child_organizations(db: Session, viewer: Viewer) -> list[dict]:
    """Organizations directly below the current one."""
    children = db.exec(select(Organization)
                       .where(Organization.parent_id == viewer.organization_id)
                       .order_by(Organization.name)).all()
    return [{"name": o.name, "alias": o.alias, "tenant_id": o.tenant_id,
             "parent": viewer.org_name} for o in children]


def list_invitations(db: Session, viewer: Viewer, now, limit: int = 50) -> list[dict]:
    """The newest invitations the viewer may see."""
    rows = db.exec(select(Invitation).where(invitation_filter(viewer))
                   .order_by(Invitation.created_at.desc(), Invitation.id.desc())
                   .limit(limit)).all()
    return [{"id": i.id, "kind": i.kind, "recipient": i.recipient,
             "status": display_status(i.kind, i.status, i.expires_at, now),
             "sent": i.sent_at.strftime("%Y-%m-%d %H:%M"),
             "expires": i.expires_at.strftime("%Y-%m-%d %H:%M")} for i in rows]
