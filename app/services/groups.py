"""Groups of an organization: members, the organization roles a group grants, and the open
parent-user invitations into it (product document 004)."""

from datetime import datetime

from sqlalchemy import delete, func
from sqlmodel import Session, select

from app.domain import invitation_status as st
from app.domain.errors import InvalidInput, NotFound
from app.domain.permissions import BUILTIN_ROLES, ORG_MANAGE_GROUPS, ORGANIZATION
from app.domain.viewer import Viewer
from app.models import (
    Group,
    GroupMember,
    Invitation,
    OrganizationMember,
    OrgRoleAssignment,
    Role,
    User,
)
from app.services import audit
from app.services.access import require_org
from app.services.revocations import end_where
from app.services.roles import builtin_role_id

# The roles a group may grant: the built-in organization roles, in the catalog's order.
GROUP_ROLES = {r.key: r for r in BUILTIN_ROLES if r.scope == ORGANIZATION}
# Invitations of users of the parent organization carry {"group_ids", "groups"} grants
# (parent_invitations.py, which imports this module).
_PARENT_USER = "parent_user"


def role_choices(viewer: Viewer) -> list[dict]:
    """The labelled list a group's roles are picked from; `can_give`: the viewer holds
    every permission of the role."""
    return [{"key": r.key, "name": r.name, "description": r.description,
             "can_give": r.permissions <= viewer.permissions} for r in GROUP_ROLES.values()]


def _role_rows(db: Session, group_ids: list[int]) -> list[tuple[int, Role]]:
    return list(db.exec(select(OrgRoleAssignment.group_id, Role)
                        .join(Role, Role.id == OrgRoleAssignment.role_id)
                        .where(OrgRoleAssignment.group_id.in_(group_ids))).all())


def _member_names(db: Session, group_ids: list[int]) -> dict[int, list[str]]:
    members: dict[int, list[str]] = {}
    for group_id, name in db.exec(select(GroupMember.group_id, User.display_name)
                                  .join(User, User.id == GroupMember.user_id)
                                  .where(GroupMember.group_id.in_(group_ids))).all():
        members.setdefault(group_id, []).append(name)
    return {gid: sorted(names, key=str.lower) for gid, names in members.items()}


def list_groups(db: Session, viewer: Viewer) -> list[dict]:
    require_org(viewer, ORG_MANAGE_GROUPS)
    groups = db.exec(select(Group).where(Group.organization_id == viewer.organization_id)
                     .order_by(Group.name)).all()
    ids = [g.id for g in groups]
    members = _member_names(db, ids)
    roles: dict[int, list[str]] = {}
    for group_id, role in _role_rows(db, ids):
        roles.setdefault(group_id, []).append(role.name)
    return [{"id": g.id, "name": g.name, "description": g.description,
             "members": ", ".join(members.get(g.id, [])) or "—",
             "roles": ", ".join(sorted(roles.get(g.id, []))) or "—"} for g in groups]


def _checked_name(db: Session, viewer: Viewer, name: str, group_id: int | None = None) -> str:
    """The trimmed name, when no other group of the organization is called that (in any
    letter case)."""
    name = name.strip()
    if not name:
        raise InvalidInput("Enter a name for the group.")
    if not 2 <= len(name) <= 80:
        raise InvalidInput("A group name needs 2 to 80 characters.")
    clash = db.exec(select(Group.name).where(Group.organization_id == viewer.organization_id,
                                             func.lower(Group.name) == name.lower(),
                                             Group.id != (group_id or 0))).first()
    if clash is not None:
        raise InvalidInput(f"A group named {clash} already exists.")
    return name


def create_group(db: Session, viewer: Viewer, name: str, description: str = "",
                 role_keys: list[str] | None = None, *, now: datetime) -> int:
    require_org(viewer, ORG_MANAGE_GROUPS)
    name = _checked_name(db, viewer, name)
    group = Group(organization_id=viewer.organization_id, name=name,
                  description=description.strip()[:500], created_at=now)
    db.add(group)
    db.flush()
    audit.record(db, "group.create", "group", group.id, viewer=viewer, at=now,
                 details={"name": name})
    if role_keys:
        set_roles(db, viewer, group.id, list(role_keys), now=now)
    return group.id


def own_group(db: Session, viewer: Viewer, group_id: int) -> Group:
    group = db.get(Group, group_id)
    if group is None or group.organization_id != viewer.organization_id:
        raise NotFound("That group does not exist in this organization.")
    return group


def group_form(db: Session, viewer: Viewer, group_id: int) -> dict:
    """What the edit dialog starts from: the group's name, description and role keys."""
    require_org(viewer, ORG_MANAGE_GROUPS)
    group = own_group(db, viewer, group_id)
    keys = sorted(r.key for _, r in _role_rows(db, [group.id]) if r.key in GROUP_ROLES)
    return {"id": group.id, "name": group.name, "description": group.description,
            "role_keys": keys}


def update_group(db: Session, viewer: Viewer, group_id: int, name: str, description: str,
                 role_keys: list[str], *, now: datetime) -> None:
    """Rename the group, describe it and set the roles it grants, in one go. A new name
    also shows in the open invitations into the group."""
    require_org(viewer, ORG_MANAGE_GROUPS)
    group = own_group(db, viewer, group_id)
    name, description = _checked_name(db, viewer, name, group.id), description.strip()[:500]
    if name != group.name:
        old, group.name = group.name, name
        renamed = open_invitations_into(db, viewer, group.id)
        for inv in renamed:  # the names are what the Invitations tab and accept page show
            pairs = zip(inv.grants.get("group_ids", []), inv.grants.get("groups", []),
                        strict=False)
            names = [name if gid == group.id else shown for gid, shown in pairs]
            inv.grants = {**inv.grants, "groups": names}
            db.add(inv)
        audit.record(db, "group.rename", "group", group.id, viewer=viewer, at=now,
                     details={"name": name, "from": old, "invitations": len(renamed)})
    if description != group.description:
        group.description = description
        audit.record(db, "group.describe", "group", group.id, viewer=viewer, at=now,
                     details={"name": name})
    db.add(group)
    if sorted(set(role_keys)) != group_form(db, viewer, group.id)["role_keys"]:
        set_roles(db, viewer, group.id, role_keys, now=now)


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
    role_keys = sorted(set(role_keys))
    if unknown := set(role_keys) - set(GROUP_ROLES):
        raise InvalidInput(f"Unknown roles: {', '.join(sorted(unknown))}.")
    for key in role_keys:
        if GROUP_ROLES[key].permissions - viewer.permissions:
            raise InvalidInput("You cannot give a group a role with permissions you lack.")
    db.exec(delete(OrgRoleAssignment).where(OrgRoleAssignment.group_id == group.id))
    for key in role_keys:
        db.add(OrgRoleAssignment(organization_id=viewer.organization_id,
                                 role_id=builtin_role_id(db, GROUP_ROLES[key]),
                                 group_id=group.id))
    audit.record(db, "group.set_roles", "group", group.id, viewer=viewer, at=now,
                 details={"roles": role_keys})


def open_invitations_into(db: Session, viewer: Viewer, group_id: int) -> list[Invitation]:
    """The organization's pending (or expired, so still resendable) invitations of parent
    users whose grants name the group, by username. The grants are JSON: read the
    organization's open rows and look inside in Python, the same on every engine."""
    rows = db.exec(select(Invitation).where(
        Invitation.kind == _PARENT_USER,
        Invitation.target_organization_id == viewer.organization_id,
        Invitation.status == st.PENDING).order_by(Invitation.recipient, Invitation.id)).all()
    return [r for r in rows if group_id in r.grants.get("group_ids", [])]


def deletion_preview(db: Session, viewer: Viewer, group_id: int) -> dict:
    """What deleting the group would take away: its members (display names), the roles it
    grants (names) and the usernames of the open invitations into it."""
    require_org(viewer, ORG_MANAGE_GROUPS)
    group = own_group(db, viewer, group_id)
    return {"id": group.id, "name": group.name,
            "members": _member_names(db, [group.id]).get(group.id, []),
            "roles": sorted(r.name for _, r in _role_rows(db, [group.id])),
            "invitations": [i.recipient for i in open_invitations_into(db, viewer, group.id)]}


def delete_group(db: Session, viewer: Viewer, group_id: int, *, now: datetime) -> list[int]:
    """Delete the group: its members lose what it granted and the open invitations into it
    end (their links die), each with its own audit event. Returns the ended invitations."""
    preview = deletion_preview(db, viewer, group_id)
    audit.record(db, "group.delete", "group", group_id, viewer=viewer, at=now,
                 details={"name": preview["name"], "members": len(preview["members"]),
                          "roles": preview["roles"]})
    # Invitations first: an acceptance racing this either finished (its member row is
    # deleted below) or now waits on the invitation and finds it deleted.
    ids = [i.id for i in open_invitations_into(db, viewer, group_id)]
    ended = end_where(db, viewer, now, Invitation.id.in_(ids),
                      Invitation.status == st.PENDING) if ids else []
    for invitation_id in ended:
        audit.record(db, "invitation.delete", "invitation", invitation_id, viewer=viewer,
                     at=now, details={"reason": "group_deleted", "group": preview["name"]})
    # Lock the group so no member is added between the deletes below.
    group = db.exec(select(Group).where(Group.id == group_id).with_for_update()).one()
    db.exec(delete(GroupMember).where(GroupMember.group_id == group.id))
    db.exec(delete(OrgRoleAssignment).where(OrgRoleAssignment.group_id == group.id))
    db.delete(group)
    db.flush()
    return ended
