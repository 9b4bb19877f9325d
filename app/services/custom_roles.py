"""Community roles: the defaults and an organization's custom roles built from the catalog.

Nobody builds or grants a role with a permission they do not hold themselves: the
ceiling is what the viewer may do in the communities concerned.
"""

from datetime import datetime

from sqlalchemy import delete, func
from sqlmodel import Session, select

from app.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.domain.permissions import (
    COMMUNITY,
    COMMUNITY_MANAGE_ROLES,
    unknown_permissions,
)
from app.domain.viewer import Viewer
from app.models import (
    Community,
    CommunityMember,
    CommunityMemberRole,
    Role,
    RolePermission,
    User,
)
from app.services import audit
from app.services.access import community_permissions, visible_communities
from app.services.role_grants import check_edit, offering, permissions_of


def permission_ceiling(db: Session, viewer: Viewer) -> frozenset[str]:
    """Community permissions the viewer holds in the communities their organization owns
    and they manage roles in: what their custom roles may be built from."""
    owned = db.exec(visible_communities(viewer).where(
        Community.organization_id == viewer.organization_id)).all()
    ceiling: set[str] = set()
    for community in owned:
        perms = community_permissions(db, viewer, community.id)
        if COMMUNITY_MANAGE_ROLES in perms:
            ceiling |= perms
    return frozenset(ceiling)


def list_roles(db: Session, viewer: Viewer) -> list[dict]:
    """Default community roles, then the organization's custom roles, with permissions and
    how many people hold each in the communities the organization owns."""
    roles = db.exec(select(Role).where(
        Role.scope == COMMUNITY,
        (Role.organization_id == viewer.organization_id) | Role.key.is_not(None))
        .order_by(Role.organization_id.is_not(None), Role.name)).all()
    perms: dict[int, list[str]] = {}
    for role_id, perm in db.exec(select(RolePermission.role_id, RolePermission.permission)
                                 .where(RolePermission.role_id.in_([r.id for r in roles]))):
        perms.setdefault(role_id, []).append(perm)
    holders = dict(db.exec(select(CommunityMemberRole.role_id, func.count())
                           .join(CommunityMember,
                                 CommunityMember.id == CommunityMemberRole.member_id)
                           .join(Community, Community.id == CommunityMember.community_id)
                           .where(CommunityMember.status == "active",
                                  Community.organization_id == viewer.organization_id,
                                  CommunityMemberRole.role_id.in_([r.id for r in roles]))
                           .group_by(CommunityMemberRole.role_id)).all())
    return [{"id": r.id, "name": r.name, "description": r.description,
             "custom": r.key is None,
             "permissions": ", ".join(sorted(perms.get(r.id, []))),
             "permission_list": sorted(perms.get(r.id, [])),
             "holders": holders.get(r.id, 0)} for r in roles]


def _validate(db: Session, viewer: Viewer, name: str, permissions: list[str],
              role_id: int | None) -> tuple[str, set[str]]:
    name = name.strip()
    if not 2 <= len(name) <= 80:
        raise InvalidInput("A role name needs 2 to 80 characters.")
    wanted = set(permissions)
    if not wanted:
        raise InvalidInput("Pick at least one permission.")
    if unknown := unknown_permissions(COMMUNITY, wanted):
        raise InvalidInput(f"Unknown permissions: {', '.join(sorted(unknown))}.")
    if over := wanted - permission_ceiling(db, viewer):
        raise PermissionDenied("You cannot build a role with permissions you do not hold: "
                               + ", ".join(sorted(over)) + ".")
    clash = db.exec(select(Role.id).where(
        Role.organization_id == viewer.organization_id, func.lower(Role.name) == name.lower(),
        Role.id != (role_id or 0))).first()
    builtin = db.exec(select(Role.id).where(Role.key.is_not(None),
                                            func.lower(Role.name) == name.lower())).first()
    if clash or builtin:
        raise InvalidInput(f"A role named {name} already exists.")
    return name, wanted


def save_role(db: Session, viewer: Viewer, name: str, description: str,
              permissions: list[str], role_id: int | None = None, *, now: datetime) -> int:
    """Create a custom role, or edit one of the organization's custom roles."""
    if not permission_ceiling(db, viewer):
        raise PermissionDenied("You need Community Administrator rights to manage roles.")
    name, wanted = _validate(db, viewer, name, permissions, role_id)
    if role_id is None:
        role = Role(organization_id=viewer.organization_id, name=name, scope=COMMUNITY,
                    description=description.strip()[:500], created_at=now)
        db.add(role)
        db.flush()
    else:
        role = _own_role(db, viewer, role_id)
        check_edit(db, viewer, role, permissions_of(db, [role.id]), wanted)
        role.name, role.description = name, description.strip()[:500]
        db.exec(delete(RolePermission).where(RolePermission.role_id == role.id))
    for perm in sorted(wanted):
        db.add(RolePermission(role_id=role.id, permission=perm))
    audit.record(db, "role.create" if role_id is None else "role.update", "role", role.id,
                 viewer=viewer, at=now, details={"name": name, "permissions": sorted(wanted)})
    return role.id


def _own_role(db: Session, viewer: Viewer, role_id: int) -> Role:
    """The organization's custom role, locked until the transaction ends (see role_grants)."""
    role = db.exec(select(Role).where(Role.id == role_id).with_for_update()).first()
    if role is None or role.key is not None or role.organization_id != viewer.organization_id:
        raise NotFound("That custom role does not exist in your organization.")
    return role


def delete_role(db: Session, viewer: Viewer, role_id: int, *, now: datetime) -> None:
    """Delete a custom role nobody holds and no open invitation grants; the role rows of
    people already removed from their community go with it."""
    if not permission_ceiling(db, viewer):
        raise PermissionDenied("You need Community Administrator rights to manage roles.")
    role = _own_role(db, viewer, role_id)
    _refuse_if_used(db, viewer, role)
    db.exec(delete(CommunityMemberRole).where(CommunityMemberRole.role_id == role.id))
    db.exec(delete(RolePermission).where(RolePermission.role_id == role.id))
    db.delete(role)
    audit.record(db, "role.delete", "role", role_id, viewer=viewer, at=now,
                 details={"name": role.name})


def _refuse_if_used(db: Session, viewer: Viewer, role: Role) -> None:
    """Refuse while anyone holds the role or an open invitation offers it, naming only
    people and addresses in communities the viewer may see."""
    seen = visible_communities(viewer).with_only_columns(Community.id)
    held = (select(User.display_name, Community.name)
            .join(CommunityMember, CommunityMember.user_id == User.id)
            .join(Community, Community.id == CommunityMember.community_id)
            .join(CommunityMemberRole, CommunityMemberRole.member_id == CommunityMember.id)
            .where(CommunityMemberRole.role_id == role.id, CommunityMember.status == "active"))
    total = db.exec(select(func.count()).select_from(held.subquery())).one()
    if total:
        named = db.exec(held.where(Community.id.in_(seen))
                        .order_by(Community.name, User.display_name).limit(5)).all()
        who = [f"{person} in {where}" for person, where in named]
        raise Conflict(f"The role {role.name} is in use and cannot be deleted. Held by: "
                       + _and_more(who, total) + ".")
    offers = offering(db, role)
    if offers:
        visible = set(db.exec(seen.where(Community.id.in_(
            {r.community_id for r in offers}))).all())
        shown = sorted({r.recipient for r in offers if r.community_id in visible})[:5]
        hidden = len({r.recipient for r in offers} - set(shown))
        raise Conflict(f"The role {role.name} is granted by open invitations to "
                       + _and_more(shown, len(shown) + hidden) + "; revoke them first.")


def _and_more(names: list[str], total: int) -> str:
    rest = total - len(names)
    if not names:
        return f"{total} {'person' if total == 1 else 'people'} in communities you cannot see"
    return "; ".join(names) + (f" and {rest} more" if rest else "")
