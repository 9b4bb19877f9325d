"""Creating organizations and users (demo data, tests, later the Organizations page)."""

import re
from datetime import datetime

from sqlmodel import Session, select

from app.domain.errors import InvalidInput
from app.domain.names import normalize_alias, normalize_email, normalize_username
from app.domain.password_rules import MIN_PASSWORD
from app.domain.permissions import TENANT_ADMIN, TENANT_MEMBER, BuiltinRole
from app.domain.tokens import new_tenant_id
from app.models import Organization, OrganizationMember, User
from app.services.passwords import hash_password
from app.services.roles import grant_org_role


def create_organization(db: Session, name: str, alias: str,
                        parent_id: int | None = None, *, now: datetime) -> Organization:
    alias = normalize_alias(alias)
    name = name.strip()
    if not name:
        raise InvalidInput("An organization needs a name.")
    if db.exec(select(Organization.id).where(Organization.alias == alias)).first():
        raise InvalidInput(f"The alias {alias} is taken.")
    org = Organization(tenant_id=new_tenant_id(), name=name, alias=alias, parent_id=parent_id,
                       created_at=now)
    db.add(org)
    db.flush()
    return org


def create_user(db: Session, org: Organization, *, email: str, username: str,
                display_name: str, password: str | None = None,
                password_hash: str | None = None,
                role: BuiltinRole | None = TENANT_MEMBER, kind: str = "home",
                now: datetime) -> User:
    """A user whose home is `org`, member there with a built-in organization role."""
    email = normalize_email(email)
    username = normalize_username(username)
    if db.exec(select(User.id).where(User.email == email)).first():
        raise InvalidInput(f"{email} already has an account.")
    if db.exec(select(User.id).where(User.username == username)).first():
        raise InvalidInput(f"The username {username} is taken.")
    if password_hash is None:
        if not password or len(password) < MIN_PASSWORD:
            raise InvalidInput("A password needs at least 8 characters.")
        password_hash = hash_password(password)
    user = User(home_organization_id=org.id, email=email, username=username,
                display_name=display_name.strip() or username, password_hash=password_hash,
                created_at=now, updated_at=now)
    db.add(user)
    db.flush()
    db.add(OrganizationMember(organization_id=org.id, user_id=user.id, kind=kind,
                              created_at=now))
    if role is not None:
        grant_org_role(db, org.id, role, user_id=user.id)
    return user


def make_tenant_admin(db: Session, org: Organization, user: User) -> None:
    grant_org_role(db, org.id, TENANT_ADMIN, user_id=user.id)


def free_username(db: Session, address: str) -> str:
    """A username not taken yet, made from the address's local part (alice, alice2, ...)."""
    base = re.sub(r"[^a-z0-9._-]", "", address.split("@")[0].lower())[:50] or "user"
    name, n = base, 1
    while db.exec(select(User.id).where(User.username == name)).first() is not None:
        n += 1
        name = f"{base}{n}"
    return name
