"""Groups of an organization: members, and the organization roles a group holds."""

from datetime import datetime

from sqlalchemy import delete
from sqlmodel import Session, select

from app.domain.errors import InvalidInput, NotFound
from app.domain.permissions import BUILTIN_ROLES, ORG_MANAGE_GROUPS, ORGANIZATION
from app.domain.viewer import Viewer
from app.models import Group, GroupMember, OrganizationMember, OrgRoleAssignment, Role, User
from app.services import audit
from app.services.access import require_org
from app.services.roles import builtin_role_id


def list_groups(db: Session, viewer: Viewer) -> list[dict]:
    groups = db.exec(select(Group).where(Group.organization_id == viewer.organization_id)
                     .order_by(Group.name)).all()
    ids = [g.id for g in groups]
    members: dict[int, list[str]] = {}
    for group_id, name in db.exec(select(GroupMember.group_id, User.display_name)
                                  .join(User, User.id == GroupMember.user_id)
                                  .where(GroupMember.group_id.in_(ids))).all():
        members.setdefault(group_id, []).append(name)
    roles: dict[int, list[str]] = {}
    for group_id, name in db.exec(select(OrgRoleAssignment.group_id, Role.name)
                                  .join(Role, Role.id == OrgRoleAssignment.role_id)
                                  .where(OrgRoleAssignment.group_id.in_(ids))).all():
        roles.setdefault(group_id, []).append(name)
    return [{"id": g.id, "name": g.name, "description": g.description,
             "members": ", ".join(sorted(members.get(g.id, []))) or "—",
             "roles": ", ".join(sorted(roles.get(g.id, []))) or "—"} for g in groups]


def create_group(db: Session, viewer: Viewer, name: str, description: str = "", *,
                 now: datetime) -> int:
    require_org(viewer, ORG_MANAGE_GROUPS)
    name = name.strip()
    if not 2 <= len(name) <= 80:
        raise InvalidInput("A group name needs 2 to 80 characters.")
    if db.exec(select(Group.id).where(Group.organization_id == viewer.organization_id,
                                      Group.name == name)).first():
        raise InvalidInput(f"A group named {name} already exists.")
    group = Group(organization_id=viewer.organization_id, name=name,
                  description=description.strip()[:500], created_at=now)
    db.add(group)
    db.flush()
    audit.record(db, "group.create", "group", group.id, viewer=viewer, at=now,
                 details={"name": name})
    return group.id


def own_group(db: Session, viewer: Viewer, group_id: int) -> Group:
    group = db.get(Group, group_id)
    if group is None or group.organization_id != viewer.organization_id:
        raise NotFound("That group does not exist in this organization.")
    return group


def set_member(db: Session, viewer: Viewer, group_id: int, username: str, member: bool, *,
               now: datetime) -> None:
    """Add a user of this organization to a group, or take them out."""
    require_org(viewer, ORG_MANAGE_GROUPS)
    group = own_group(db, viewer, group_id)
    user = db.exec(select(User).join(OrganizationMember, OrganizationMember.user_id == User.id)
                   .where(User.username == username.strip().lower(),
                          OrganizationMember.organization_id == viewer.organization_id)).first()
    if user is None:
        raise NotFound(f"{username} is not a user of {viewer.org_name}.")
    present = db.get(GroupMember, (group.id, user.id))
    if member and present is None:
        db.add(GroupMember(group_id=group.id, user_id=user.id))
    elif not member and present is not None:
        db.delete(present)
    audit.record(db, "group.add_member" if member else "group.remove_member", "group",
                 group.id, viewer=viewer, at=now, details={"user_id": user.id})


def set_roles(db: Session, viewer: Viewer, group_id: int, role_keys: list[str], *,
              now: datetime) -> None:
    """The built-in organization roles the group's members hold through it."""
    require_org(viewer, ORG_MANAGE_GROUPS)
    group = own_group(db, viewer, group_id)
    specs = {r.key: r for r in BUILTIN_ROLES if r.scope == ORGANIZATION}
    if unknown := set(role_keys) - set(specs):
        raise InvalidInput(f"Unknown roles: {', '.join(sorted(unknown))}.")
    for key in role_keys:
        if specs[key].permissions - viewer.permissions:
            raise InvalidInput("You cannot give a group a role with permissions you lack.")
    db.exec(delete(OrgRoleAssignment).where(OrgRoleAssignment.group_id == group.id))
    for key in role_keys:
        db.add(OrgRoleAssignment(organization_id=viewer.organization_id,
                                 role_id=builtin_role_id(db, specs[key]), group_id=group.id))
    audit.record(db, "group.set_roles", "group", group.id, viewer=viewer, at=now,
                 details={"roles": sorted(role_keys)})
