"""Sign-in, server-side sessions, throttling and switching organization."""

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import bindparam, func, or_, update
from sqlmodel import Session, select

from app.domain.errors import (
    DomainError,
    NotSignedIn,
    PermissionDenied,
    SignInFailed,
    TooManyAttempts,
)
from app.domain.permissions import ORG_SWITCH_INTO_CHILDREN
from app.domain.tokens import hash_token, new_token
from app.domain.viewer import Viewer
from app.models import (
    AuthSession,
    IdentityProvider,
    Organization,
    OrganizationMember,
    RolePermission,
    SignInFailure,
    User,
)
from app.services import audit
from app.services.access import ancestors, held_permissions, org_permissions
from app.services.passwords import verify_password
from app.settings import derive_key

THROTTLE_WINDOW = timedelta(minutes=15)
MAX_FAILURES_PER_ACCOUNT = 5
MAX_FAILURES_PER_IP = 30
WINDOW_MINUTES = int(THROTTLE_WINDOW.total_seconds() // 60)
SEEN_EVERY = timedelta(minutes=5)  # how stale a session's last_seen_at may get


def find_organization(db: Session, tenant: str) -> Organization | None:
    """The organization whose alias or Tenant ID is `tenant` (case-insensitive)."""
    value = tenant.strip().lower()
    if not value:
        return None
    query = select(Organization).where(
        or_(Organization.alias == value, Organization.tenant_id == value)
    )
    return db.exec(query).first()


def throttle_key(secret_key: str, org: Organization | None, user: User | None,
                 identifier: str) -> str:
    """Whose failures these are: the account itself, however it was typed (alias or
    Tenant ID, email or username); for no account, the organization and the name typed."""
    if user is not None:
        return f"user:{user.id}"
    raw = f"org:{org.id if org else 'none'}|{identifier.strip().lower()}"
    return hmac.new(derive_key(secret_key, "sign-in-throttle"), raw.encode(),
                    hashlib.sha256).hexdigest()


def throttle_address(ip: str) -> str:
    """The address bucket failures count against: an IPv6 client holds a whole /64."""
    try:
        address = ipaddress.ip_address(ip)
    except ValueError:
        return ip[:64]
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address)


def recent_failures(db: Session, column, value: str, now: datetime) -> int:
    """Failed password checks within the window where `column` (key or ip) is `value`."""
    return db.exec(select(func.count()).select_from(SignInFailure)
                   .where(column == value, SignInFailure.at > now - THROTTLE_WINDOW)).one()


class PasswordSignInOff(DomainError):
    def __init__(self, org_name: str, provider_name: str):
        super().__init__(f"{org_name} signs in through {provider_name}; password sign-in is "
                         "turned off.")


def password_off(db: Session, org: Organization) -> str:
    """The name of the organization's provider when it turned password sign-in off."""
    return db.exec(select(IdentityProvider.name).where(
        IdentityProvider.organization_id == org.id, IdentityProvider.enabled,
        IdentityProvider.password_sign_in.is_(False))).first() or ""


def _find_member(db: Session, org: Organization, identifier: str) -> User | None:
    ident = identifier.strip().lower()
    column = User.email if "@" in ident else User.username
    query = (select(User).join(OrganizationMember, OrganizationMember.user_id == User.id)
             .where(column == ident, OrganizationMember.organization_id == org.id))
    return db.exec(query).first()


@dataclass(frozen=True)
class SignInAttempt:
    """What one sign-in attempt gave: the new session's cookie token, or why not.

    A refused attempt is returned, not raised, so that the caller commits what it wrote
    (its failure row, which the next attempts count) before telling the person.
    """

    token: str | None = None
    refusal: DomainError | None = None

    def token_or_raise(self) -> str:
        """The cookie token; raises the refusal (SignInFailed, TooManyAttempts)."""
        if self.refusal is not None:
            raise self.refusal
        return self.token


def sign_in(db: Session, *, secret_key: str, tenant: str, identifier: str, password: str,
            now: datetime, hours: int, ip: str = "", user_agent: str = "") -> SignInAttempt:
    """Check the three parts together and open a session, in the caller's transaction.

    Every failure gives the same message. Throttling slows a guesser without locking the
    person out: an address with too many recent failures is refused before any work; an
    account with too many is refused too, except for the right password from an address
    with no recent failures (an unknown address never counts as clean). Wrong passwords
    always count: the caller commits the attempt whatever it gave.
    """
    bucket = throttle_address(ip)
    by_address = recent_failures(db, SignInFailure.ip, bucket, now) if bucket else 0
    if by_address >= MAX_FAILURES_PER_IP:
        return SignInAttempt(refusal=TooManyAttempts(WINDOW_MINUTES))
    org = find_organization(db, tenant)
    if org is not None and (name := password_off(db, org)):
        return SignInAttempt(refusal=PasswordSignInOff(org.name, name))
    user = _find_member(db, org, identifier) if org else None
    key = throttle_key(secret_key, org, user, identifier)
    throttled = recent_failures(db, SignInFailure.key, key, now) >= MAX_FAILURES_PER_ACCOUNT
    ok = verify_password(password, user.password_hash if user else None) and user.is_active
    if not ok:
        db.add(SignInFailure(key=key, ip=bucket, at=now))
    if throttled and not (ok and bucket and by_address == 0):
        return SignInAttempt(refusal=TooManyAttempts(WINDOW_MINUTES))
    if not ok:
        return SignInAttempt(refusal=SignInFailed())
    token = open_session(db, secret_key=secret_key, user_id=user.id, organization_id=org.id,
                         now=now, hours=hours, ip=ip, user_agent=user_agent)
    audit.record(db, "session.sign_in", "user", user.id, actor_user_id=user.id,
                 organization_id=org.id, ip=ip or None, at=now)
    return SignInAttempt(token=token)


def open_session(db: Session, *, secret_key: str, user_id: int, organization_id: int,
                 now: datetime, hours: int, ip: str = "", user_agent: str = "",
                 provider_id: int | None = None) -> str:
    """A new session of `user_id` in `organization_id` (through the organization's identity
    provider `provider_id`, if one signed it in); returns its cookie token (the table
    keeps only the hash). The caller has checked who this is and records it."""
    token = new_token()
    db.add(AuthSession(token_hash=hash_token(secret_key, token), user_id=user_id,
                       organization_id=organization_id, created_at=now, provider_id=provider_id,
                       expires_at=now + timedelta(hours=hours), last_seen_at=now,
                       ip=ip[:64] or None, user_agent=user_agent[:300] or None))
    db.flush()
    return token


@cache
def _session_statement():
    """The session of a token hash, its person, organization and held permissions: one
    statement every event runs, built once."""
    held = held_permissions(AuthSession.user_id, AuthSession.organization_id)
    return (select(AuthSession, User, Organization,
                   held.with_only_columns(func.aggregate_strings(
                       RolePermission.permission, ",")).scalar_subquery())
            .join(User, User.id == AuthSession.user_id)
            .join(Organization, Organization.id == AuthSession.organization_id)
            .where(AuthSession.token_hash == bindparam("token_hash")))


def viewer_for_token(db: Session, *, secret_key: str, token: str | None, now: datetime,
                     ip: str | None = None) -> Viewer:
    """The Viewer of a live session, or NotSignedIn. Notes when the session was last seen
    (a write at most every SEEN_EVERY, so most events only read)."""
    if not token:
        raise NotSignedIn()
    found = db.exec(_session_statement(),
                    params={"token_hash": hash_token(secret_key, token)}).first()
    if found is None:
        raise NotSignedIn()
    session, user, org, permissions = found
    if session.ended_at is not None or session.expires_at <= now or not user.is_active:
        raise NotSignedIn()
    if session.last_seen_at is None or session.last_seen_at <= now - SEEN_EVERY:
        session.last_seen_at = now
    return _viewer(db, user, org, session_id=session.id, ip=ip,
                   held=set(permissions.split(",")) if permissions else set())


def active_member(db: Session, user_id: int, organization_id: int) -> User | None:
    """The user, when their account is active and they still belong to the organization
    (what a credential made earlier acts as, at the time it is used); else None."""
    user = db.get(User, user_id)
    member = db.exec(select(OrganizationMember.id).where(
        OrganizationMember.user_id == user_id,
        OrganizationMember.organization_id == organization_id)).first()
    return user if user is not None and user.is_active and member is not None else None


def viewer_for_user(db: Session, user: User, organization_id: int, *, session_id: int = 0,
                    ip: str | None = None) -> Viewer:
    """A Viewer for `user` acting in `organization_id` (sessions, demo data, tests)."""
    return _viewer(db, user, db.get(Organization, organization_id), session_id=session_id,
                   ip=ip)


def _viewer(db: Session, user: User, org: Organization, *, session_id: int,
            ip: str | None, held: set[str] | None = None) -> Viewer:
    return Viewer(
        user_id=user.id, organization_id=org.id, session_id=session_id,
        permissions=org_permissions(db, user.id, org.id, held), email=user.email,
        username=user.username, display_name=user.display_name, org_name=org.name,
        org_alias=org.alias, tenant_id=org.tenant_id,
        home_organization_id=user.home_organization_id, ip=ip,
    )


def sign_out(db: Session, *, secret_key: str, token: str | None, now: datetime) -> int | None:
    """End the session of `token` (nothing happens for an unknown or ended one); returns
    the identity provider that signed it in, if one did."""
    if not token:
        return None
    session = db.exec(select(AuthSession).where(
        AuthSession.token_hash == hash_token(secret_key, token),
        AuthSession.ended_at.is_(None))).first()
    if session is None:
        return None
    session.ended_at = now
    audit.record(db, "session.sign_out", "user", session.user_id, at=now,
                 actor_user_id=session.user_id, organization_id=session.organization_id)
    return session.provider_id


def _through_provider(db: Session, viewer: Viewer) -> bool:
    """The viewer's session was signed in by an identity provider: it stays in that
    organization (else a provider could reach other organizations' data)."""
    return db.exec(select(AuthSession.provider_id).where(
        AuthSession.id == viewer.session_id)).first() is not None


def switchable_organizations(db: Session, viewer: Viewer) -> list[dict]:
    """Organizations the viewer may switch into: memberships, and below a switch right;
    none but its own for a session an identity provider signed in."""
    memberships = db.exec(select(OrganizationMember.organization_id)
                          .where(OrganizationMember.user_id == viewer.user_id)).all()
    if _through_provider(db, viewer):
        memberships = []
    reachable = set(memberships) or {viewer.organization_id}
    for org_id in memberships:
        if ORG_SWITCH_INTO_CHILDREN in org_permissions(db, viewer.user_id, org_id):
            reachable |= _descendants(db, org_id)
    closed = set(db.exec(select(IdentityProvider.organization_id).where(
        IdentityProvider.organization_id.in_(reachable), IdentityProvider.enabled,
        IdentityProvider.password_sign_in.is_(False))).all())
    orgs = [o for o in db.exec(select(Organization).where(Organization.id.in_(reachable))).all()
            if o.id == viewer.organization_id or o.id not in closed]
    return sorted(({"tenant_id": o.tenant_id, "name": o.name, "alias": o.alias,
                    "current": o.id == viewer.organization_id} for o in orgs),
                  key=lambda row: row["name"].lower())


def _descendants(db: Session, org_id: int) -> set[int]:
    found: set[int] = set()
    frontier = [org_id]
    while frontier:
        children = db.exec(select(Organization.id)
                           .where(Organization.parent_id.in_(frontier))).all()
        frontier = [c for c in children if c not in found]
        found.update(frontier)
    return found


def switch_organization(db: Session, viewer: Viewer, tenant_id: str, *,
                        now: datetime) -> Viewer:
    """Move the viewer's session into another organization they may act in."""
    target = find_organization(db, tenant_id)
    if target is None:
        raise PermissionDenied("You cannot switch to that organization.")
    if target.id != viewer.organization_id and _through_provider(db, viewer):
        raise PermissionDenied(f"You signed in through {viewer.org_name}'s identity provider, "
                               "so this session stays in it. Sign in with a password to "
                               "switch.")
    if target.id != viewer.organization_id and (name := password_off(db, target)):
        raise PermissionDenied(f"{target.name} signs in through {name} only: sign in there "
                               "to act in it.")
    is_member = db.exec(select(OrganizationMember.id).where(
        OrganizationMember.user_id == viewer.user_id,
        OrganizationMember.organization_id == target.id)).first() is not None
    may_descend = any(ORG_SWITCH_INTO_CHILDREN in org_permissions(db, viewer.user_id, a)
                      for a in ancestors(db, target.id))
    if not (is_member or may_descend):
        raise PermissionDenied("You cannot switch to that organization.")
    db.exec(update(AuthSession).where(AuthSession.id == viewer.session_id)
            .values(organization_id=target.id))
    audit.record(db, "session.switch_organization", "organization", target.id, at=now,
                 viewer=viewer, details={"from": viewer.organization_id, "to": target.id})
    return replace(viewer, organization_id=target.id, org_name=target.name,
                   org_alias=target.alias, tenant_id=target.tenant_id,
                   permissions=org_permissions(db, viewer.user_id, target.id))
