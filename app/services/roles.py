"""Built-in roles in the database, and role assignments."""

from sqlmodel import Session, select

from app.domain.permissions import BUILTIN_ROLES, BuiltinRole
from app.models import OrgRoleAssignment, Role, RolePermission


def ensure_builtin_roles(db: Session) -> None:
    """Create or update the built-in roles so the database matches the catalog."""
    for spec in BUILTIN_ROLES:
        role = db.exec(select(Role).where(Role.key == spec.key)).first()
        if role is None:
            role = Role(key=spec.key, name=spec.name, scope=spec.scope,
                        description=spec.description)
            db.add(role)
            db.flush()
        held = set(db.exec(select(RolePermission.permission)
                           .where(RolePermission.role_id == role.id)).all())
        for perm in spec.permissions - held:
            db.add(RolePermission(role_id=role.id, permission=perm))
        for perm in held - spec.permissions:
            db.delete(db.get(RolePermission, (role.id, perm)))
    db.flush()


def builtin_role_id(db: Session, spec: BuiltinRole) -> int:
    role_id = db.exec(select(Role.id).where(Role.key == spec.key)).first()
    if role_id is None:
        ensure_builtin_roles(db)
        role_id = db.exec(select(Role.id).where(Role.key == spec.key)).one()
    return role_id


def grant_org_role(db: Session, organization_id: int, spec: BuiltinRole, *,
                   user_id: int | None = None, group_id: int | None = None) -> None:
    """Give a user or a group a built-in organization role (idempotent)."""
    role_id = builtin_role_id(db, spec)
    query = select(OrgRoleAssignment).where(
        OrgRoleAssignment.organization_id == organization_id,
        OrgRoleAssignment.role_id == role_id,
        OrgRoleAssignment.user_id == user_id,
        OrgRoleAssignment.group_id == group_id,
    )
    if db.exec(query).first() is None:
        db.add(OrgRoleAssignment(organization_id=organization_id, role_id=role_id,
                                 user_id=user_id, group_id=group_id))
        db.flush()
