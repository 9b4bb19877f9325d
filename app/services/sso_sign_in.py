"""Signing in through an organization's OpenID Connect provider: the sign-in under way
(`begin`: its state, nonce and PKCE verifier, bound to the browser), then the account
the verified ID token names (`finish`).

A provider signs in only its own organization's people: an account is found by the
provider's subject once linked, else by the email the provider says it verified, and only
an account whose home is that organization; an unknown verified address of one of its
domains gets an account when the administrator allowed that (just in time). Sessions
opened here carry the provider and stay in its organization."""

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import idna
from sqlalchemy import delete, func, update
from sqlmodel import Session, select

from app.domain.errors import DomainError
from app.domain.names import normalize_email
from app.domain.permissions import TENANT_MEMBER
from app.domain.tokens import hash_token
from app.models import (
    ExternalIdentity,
    IdentityProvider,
    IdentityProviderDomain,
    Organization,
    OrganizationMember,
    SsoLogin,
    User,
)
from app.services import audit
from app.services.auth import (
    THROTTLE_WINDOW,
    WINDOW_MINUTES,
    find_organization,
    open_session,
    throttle_address,
)
from app.services.orgs import create_user, free_username
from app.services.passwords import NO_PASSWORD

LOGIN_MINUTES = 10  # from the redirect to the callback
MAX_STARTS_PER_IP = 30  # sign-ins started from one address in THROTTLE_WINDOW


class SsoRefused(DomainError):
    """The provider's person does not sign in here; the message says why, and which
    identity was expected when one was."""


@dataclass(frozen=True)
class Started:
    """A sign-in under way: what the redirect to the provider carries."""

    provider: IdentityProvider
    state: str
    nonce: str
    code_verifier: str
    browser_secret: str  # set as a cookie on the browser that starts it
    expected: str        # the invited address, normalized ("" for none)


def provider_for(db: Session, tenant: str) -> tuple[IdentityProvider, Organization] | None:
    """The enabled provider of the organization with alias or Tenant ID `tenant`, and the
    organization."""
    org = find_organization(db, tenant)
    if org is None:
        return None
    provider = db.exec(select(IdentityProvider).where(
        IdentityProvider.organization_id == org.id, IdentityProvider.enabled)).first()
    return (provider, org) if provider else None


def sign_in_options(db: Session, tenant: str) -> tuple[str, bool]:
    """What the sign-in page offers after Continue: the provider's name ("" for none) and
    whether the password form stays."""
    found = provider_for(db, tenant)
    return (found[0].name, found[0].password_sign_in) if found else ("", True)


@dataclass(frozen=True)
class SignsInAt:
    alias: str          # the organization where the address signs in ("" unknown)
    provider_name: str  # its identity provider ("" for passwords)


def signs_in_at(db: Session, address: str) -> SignsInAt:
    """Where an invited address signs in: its account's home organization (through that
    organization's provider when it has one); without an account, the organization whose
    provider answers for the address's verified domain."""
    home = db.exec(select(Organization).join(User, User.home_organization_id == Organization.id)
                   .where(User.email == address)).first()
    if home is not None:
        found = provider_for(db, home.alias)
        return SignsInAt(home.alias, found[0].name if found else "")
    found = provider_for_address(db, address)
    return SignsInAt(found[1].alias, found[0].name) if found else SignsInAt("", "")


def domain_of(email: str) -> str:
    """The address's domain as the providers' domains are kept: lowercase ASCII (xn--)."""
    domain = email.rpartition("@")[2].strip().rstrip(".").lower()
    try:
        return idna.encode(domain, uts46=True).decode("ascii")
    except (idna.IDNAError, UnicodeError, ValueError):
        return domain


def provider_for_address(db: Session, email: str) -> tuple[IdentityProvider, Organization] | None:
    """The provider (and its organization) that answers for `email`'s domain, verified, if
    any."""
    domain = domain_of(email)
    found = db.exec(select(IdentityProvider, Organization)
                    .join(IdentityProviderDomain,
                          IdentityProviderDomain.provider_id == IdentityProvider.id)
                    .join(Organization, Organization.id == IdentityProvider.organization_id)
                    .where(IdentityProviderDomain.domain == domain,
                           IdentityProviderDomain.verified_at.is_not(None),
                           IdentityProvider.enabled)).first()
    return tuple(found) if found else None


class TooManyStarts(DomainError):
    def __init__(self):
        super().__init__(f"Too many sign-ins were started from your network; wait "
                         f"{WINDOW_MINUTES} minutes before trying again.")


def begin(db: Session, provider: IdentityProvider, *, secret_key: str, next_path: str,
          expected: str, now: datetime, ip: str = "") -> Started:
    """Record a sign-in under way; its state is found by hash once, within LOGIN_MINUTES.
    An address (an IPv6 /64) starts at most MAX_STARTS_PER_IP in THROTTLE_WINDOW:
    TooManyStarts."""
    bucket = throttle_address(ip) if ip else ""
    if bucket and db.exec(select(func.count()).select_from(SsoLogin).where(
            SsoLogin.ip == bucket, SsoLogin.created_at > now - THROTTLE_WINDOW)
            ).one() >= MAX_STARTS_PER_IP:
        raise TooManyStarts()
    try:
        expected = normalize_email(expected) if expected.strip() else ""
    except DomainError:  # not an address: nobody arriving can be it
        expected = expected.strip().lower()[:320]
    started = Started(provider=provider, state=secrets.token_urlsafe(32),
                      nonce=secrets.token_urlsafe(24), code_verifier=secrets.token_urlsafe(64),
                      browser_secret=secrets.token_urlsafe(32), expected=expected)
    # ended sign-ins go (along the expiry index) once the throttle no longer counts them
    db.exec(delete(SsoLogin).where(SsoLogin.expires_at < now - THROTTLE_WINDOW))
    db.add(SsoLogin(state_hash=hash_token(secret_key, started.state),
                    browser_hash=hash_token(secret_key, started.browser_secret),
                    provider_id=provider.id, issuer=provider.issuer, nonce=started.nonce,
                    code_verifier=started.code_verifier, next_path=next_path,
                    expected=expected, ip=bucket,
                    created_at=now, expires_at=now + timedelta(minutes=LOGIN_MINUTES)))
    return started


class LoginGone(DomainError):
    def __init__(self):
        super().__init__("That sign-in was already used or took too long.")


def claim(db: Session, *, secret_key: str, state: str, browser_secret: str, tenant_id: str,
          now: datetime) -> SsoLogin:
    """The sign-in this callback ends, used up now, once even when two callbacks race (a
    replayed callback finds it used); LoginGone when it is unknown, used, expired, was
    started in another browser (which leaves it to that browser) or came back to another
    organization's address (a code one provider issued, brought to another: a mix-up)."""
    found = db.exec(select(SsoLogin, Organization.tenant_id)
                    .join(IdentityProvider, IdentityProvider.id == SsoLogin.provider_id)
                    .join(Organization, Organization.id == IdentityProvider.organization_id)
                    .where(SsoLogin.state_hash == hash_token(secret_key, state[:200]))).first()
    if found is None:
        raise LoginGone()
    login, owner = found
    if (login.used_at is not None or login.expires_at <= now or owner != tenant_id
            or not browser_secret
            or hash_token(secret_key, browser_secret[:200]) != login.browser_hash):
        raise LoginGone()
    used = db.exec(update(SsoLogin).where(SsoLogin.id == login.id, SsoLogin.used_at.is_(None))
                   .values(used_at=now)).rowcount
    if used != 1:
        raise LoginGone()
    return login


@dataclass(frozen=True)
class Signed:
    token: str       # the session cookie's value
    next_path: str


def finish(db: Session, login: SsoLogin, claims: dict, *, secret_key: str, now: datetime,
           hours: int, ip: str = "", user_agent: str = "") -> Signed:
    """Open a session for the account the verified claims name (SsoRefused otherwise)."""
    provider = db.get(IdentityProvider, login.provider_id)
    if provider is None or provider.issuer != login.issuer or not provider.enabled:
        raise SsoRefused("This organization's identity provider changed while you signed "
                         "in. Sign in again.")
    org = db.get(Organization, provider.organization_id)
    user = _account(db, provider, org, login, claims, now)
    if not user.is_active or not _member(db, user.id, org.id):
        raise SsoRefused(f"The account {user.email} is not active in {org.name}.")
    token = open_session(db, secret_key=secret_key, user_id=user.id, organization_id=org.id,
                         now=now, hours=hours, ip=ip, user_agent=user_agent,
                         provider_id=provider.id)
    audit.record(db, "session.sign_in", "user", user.id, actor_user_id=user.id,
                 organization_id=org.id, ip=ip or None, at=now,
                 details={"provider": provider.name})
    return Signed(token=token, next_path=login.next_path)


def _member(db: Session, user_id: int, organization_id: int) -> bool:
    return db.exec(select(OrganizationMember.id).where(
        OrganizationMember.user_id == user_id,
        OrganizationMember.organization_id == organization_id)).first() is not None


def _verified_email(provider: IdentityProvider, claims: dict) -> str:
    value = claims.get(provider.email_claim)
    if not isinstance(value, str) or "@" not in value:
        return ""
    try:
        return normalize_email(value)
    except DomainError:
        return ""


def _verified_domain(db: Session, provider: IdentityProvider, email: str) -> bool:
    """`email` is of one of the provider's DNS-verified domains: only there is the
    provider's word on an address trusted."""
    found = provider_for_address(db, email)
    return found is not None and found[0].id == provider.id


def _account(db: Session, provider: IdentityProvider, org: Organization, login: SsoLogin,
             claims: dict, now: datetime) -> User:
    """The account the claims name, linked to the subject now if it was not yet."""
    subject = claims.get("sub")
    if not isinstance(subject, str) or not 0 < len(subject) <= 255:
        raise SsoRefused(f"{provider.name} sent no usable subject (sub), so Commons cannot "
                         "tell who signed in.")
    email = _verified_email(provider, claims)
    link = db.exec(select(ExternalIdentity).where(
        ExternalIdentity.provider_id == provider.id, ExternalIdentity.issuer == login.issuer,
        ExternalIdentity.subject == subject)).first()
    user = db.get(User, link.user_id) if link else None
    arrived = user.email if user else (email or f"subject {subject}")
    if login.expected and arrived != login.expected:
        raise SsoRefused(f"This invitation is for {login.expected}, but {provider.name} "
                         f"signed in {arrived}. Nothing was changed.")
    if user is not None:
        if user.home_organization_id != org.id:
            raise SsoRefused(f"{provider.name} signs in only {org.name}'s people.")
        link.last_sign_in_at = now
        return user
    if not email:
        raise SsoRefused(f"{provider.name} did not send an email address, so Commons "
                         "cannot find your account.")
    if claims.get("email_verified") is not True:
        raise SsoRefused(f"{provider.name} did not say that {email} is verified, so "
                         "Commons cannot match it to an account.")
    user = db.exec(select(User).where(User.email == email)).first()
    if user is not None and user.home_organization_id != org.id:
        raise SsoRefused(f"{email} belongs to an account of another organization; "
                         f"{provider.name} signs in only {org.name}'s people.")
    if not _verified_domain(db, provider, email):
        raise SsoRefused(f"{email} is not in an email domain {org.name} has verified for "
                         f"{provider.name}, so Commons cannot match it to an account.")
    if user is None:
        user = _just_in_time(db, provider, org, email, claims, now)
    elif db.exec(select(ExternalIdentity.id).where(
            ExternalIdentity.provider_id == provider.id, ExternalIdentity.user_id == user.id,
            ExternalIdentity.issuer == login.issuer)).first():
        raise SsoRefused(f"The account {email} is already linked to another identity at "
                         f"{provider.name}.")
    db.add(ExternalIdentity(provider_id=provider.id, issuer=login.issuer, subject=subject,
                            user_id=user.id, created_at=now, last_sign_in_at=now))
    audit.record(db, "user.identity_linked", "user", user.id, actor_user_id=user.id,
                 organization_id=org.id, at=now, details={"provider": provider.name})
    return user


def _just_in_time(db: Session, provider: IdentityProvider, org: Organization, email: str,
                  claims: dict, now: datetime) -> User:
    if not provider.just_in_time:
        raise SsoRefused(f"No account of {org.name} has the address {email}. Ask an "
                         "administrator to invite you.")
    name = str(claims.get("name") or email.partition("@")[0])[:200]
    user = create_user(db, org, email=email, username=free_username(db, email),
                       display_name=name, password_hash=NO_PASSWORD, role=TENANT_MEMBER, now=now)
    audit.record(db, "user.created_just_in_time", "user", user.id, actor_user_id=user.id,
                 organization_id=org.id, at=now, details={"provider": provider.name})
    return user
