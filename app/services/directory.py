"""Read-only lists for the shell's pages: users, child organizations, invitations."""

from datetime import datetime

from sqlalchemy import or_
from sqlmodel import Session, select

from app.domain.errors import PermissionDenied
from app.domain.permissions import ORG_MANAGE_ORGS, ORG_MANAGE_USERS, ORG_SWITCH_INTO_CHILDREN
from app.domain.viewer import Viewer
from app.models import (
    Invitation,
    Organization,
    OrganizationMember,
    OrgRoleAssignment,
    Role,
    User,
)
from app.services import audit
from app.services.access import require_org
from app.services.orgs import create_organization


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
    marks = {"home": "Member", "shared": "From the parent organization", "guest": "Guest"}
    return [{"name": u.display_name, "email": u.email, "username": u.username,
             "kind": marks.get(kind, kind), "roles": ", ".join(sorted(roles.get(u.id, []))) or "—",
             "active": "Active" if u.is_active else "Inactive"} for u, kind in rows]


def list_descendants(db: Session, viewer: Viewer) -> list[dict]:
    """Every organization below the current one, each with its parent, nearest first: for
    those who may create or switch into them (their Tenant IDs are not for everyone)."""
    if not (viewer.has(ORG_MANAGE_ORGS) or viewer.has(ORG_SWITCH_INTO_CHILDREN)):
        raise PermissionDenied("Only administrators of this organization see the "
                               "organizations below it.")
    rows, frontier, names = [], [viewer.organization_id], {viewer.organization_id: viewer.org_name}
    while frontier:
        children = db.exec(select(Organization).where(Organization.parent_id.in_(frontier))
                           .order_by(Organization.name)).all()
        for org in children:
            names[org.id] = org.name
            rows.append({"name": org.name, "alias": org.alias, "tenant_id": org.tenant_id,
                         "parent": names[org.parent_id]})
        frontier = [o.id for o in children]
    return rows


def create_child_organization(db: Session, viewer: Viewer, name: str, alias: str, *,
                              now: datetime) -> str:
    """A new organization below the current one; returns its Tenant ID."""
    require_org(viewer, ORG_MANAGE_ORGS)
    org = create_organization(db, name, alias, parent_id=viewer.organization_id, now=now)
    audit.record(db, "organization.create", "organization", org.id, viewer=viewer, at=now,
                 details={"name": org.name, "alias": org.alias})
    return org.tenant_id


def invitation_audience(db: Session, invitation_ids: list[int],
                        recipients: list[str]) -> tuple[list[int], list[int]]:
    """Who hears of a change to these invitations (or to invitations for these addresses
    and usernames): the accounts they are for, and the organizations on both sides."""
    emails = {r.lower() for r in recipients if "@" in r}
    usernames = {r.lower() for r in recipients if "@" not in r}
    orgs: set[int] = set()
    if invitation_ids:
        for kind, recipient, sender, accepted_for in db.exec(
                select(Invitation.kind, Invitation.recipient, Invitation.organization_id,
                       Invitation.accepted_for_organization_id)
                .where(Invitation.id.in_(invitation_ids))).all():
            (usernames if kind == "parent_user" else emails).add(recipient)
            orgs |= {sender} | ({accepted_for} if accepted_for else set())
    if not emails and not usernames:
        return [], sorted(orgs)
    users = db.exec(select(User.id).where(
        or_(User.email.in_(emails), User.username.in_(usernames)))).all()
    return list(users), sorted(orgs)
