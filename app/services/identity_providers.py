"""An organization's OpenID Connect provider, as its Tenant Administrators set it up (the
Identity provider page) and as the operator switches password sign-in from the command
line: what the page shows, save (create or change), remove, and Test connection.

Everything is checked before anything is written; the client secret is kept sealed
(`app/services/sealing.py`) and never shown again. Password sign-in goes off only for an
administrator who has signed in through the provider at its current issuer, and the
provider goes only while password sign-in is on: nobody is locked out."""

import hashlib
import hmac
import re
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlsplit

import dns.exception
import dns.resolver
import idna
from cryptography.exceptions import InvalidTag
from sqlalchemy import delete, func, or_, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app import routes
from app.domain.errors import Conflict, InvalidInput, NotFound
from app.domain.permissions import ORG_MANAGE_USERS
from app.domain.viewer import Viewer
from app.models import (
    AuthSession,
    ExternalIdentity,
    IdentityProvider,
    IdentityProviderDomain,
    Organization,
    SsoLogin,
    User,
)
from app.services import audit
from app.services.access import require_org
from app.services.auth import find_organization
from app.services.sealing import CLIENT_SECRETS
from app.settings import get_settings
from app.sso.discovery import ProviderProblem, discover, forget

MAX_NAME = 100
MAX_ISSUER = 500
MAX_CLIENT_ID = 300
MAX_SECRET = 500       # sealed, it fits the column's 1,000 characters
MAX_SCOPES = 300
MAX_CLAIM = 64
MAX_DOMAINS = 20
DEFAULT_SCOPES = "openid email profile"
DEFAULT_CLAIM = "email"

_CLAIM = re.compile(r"[A-Za-z0-9_.\-]{1,64}")
_LABEL = re.compile(r"[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?")
_SPLIT = re.compile(r"[\s,;]+")
# what `save` compares to say which fields changed (the audit record's words for them
# are in app/domain/audit_sentences.py)
_FIELDS = ("name", "issuer", "client_id", "scopes", "email_claim", "password_sign_in",
           "just_in_time")


# --- checking what was typed ----------------------------------------------------------------
def _text(value: str, limit: int, missing: str, too_long: str) -> str:
    value = " ".join(str(value).split())
    if not value:
        raise InvalidInput(missing)
    if len(value) > limit:
        raise InvalidInput(too_long)
    return value


def checked_issuer(issuer: str) -> str:
    """The issuer URL as typed (trimmed: it must match the provider's exactly), or
    InvalidInput: https:// (http:// only while private addresses are allowed), a host, no
    user name, query or fragment, at most MAX_ISSUER characters."""
    issuer = str(issuer).strip()
    if not issuer:
        raise InvalidInput("Enter the provider's issuer URL (https://…).")
    if len(issuer) > MAX_ISSUER:
        raise InvalidInput(f"The issuer URL has at most {MAX_ISSUER} characters.")
    if any(ch <= " " or ch == "\x7f" for ch in issuer):
        raise InvalidInput("The issuer URL may not contain spaces or control characters.")
    try:
        parts = urlsplit(issuer)
        parts.port  # noqa: B018  (a port that is not a number raises here)
    except ValueError:
        raise InvalidInput(f"The issuer URL is not valid: {issuer}") from None
    schemes = ("https", "http") if get_settings().outbound_allow_private else ("https",)
    if parts.scheme not in schemes:
        raise InvalidInput("The issuer URL must start with https://.")
    if not parts.hostname or "@" in parts.netloc:
        raise InvalidInput("The issuer URL needs a host name (and no user name or password).")
    if parts.query or parts.fragment or issuer.endswith(("?", "#")):
        raise InvalidInput("The issuer URL may not have a query (?…) or a fragment (#…).")
    return issuer


def _scopes(scopes: str) -> str:
    scopes = " ".join(str(scopes).split()) or DEFAULT_SCOPES
    if len(scopes) > MAX_SCOPES:
        raise InvalidInput(f"The scopes have at most {MAX_SCOPES} characters.")
    if "openid" not in scopes.split():
        raise InvalidInput("The scopes must include openid.")
    return " ".join(dict.fromkeys(scopes.split()))


def _claim(claim: str) -> str:
    claim = str(claim).strip() or DEFAULT_CLAIM
    if not _CLAIM.fullmatch(claim):
        raise InvalidInput("The email claim is a claim name: letters, digits, _ . and -, "
                           f"up to {MAX_CLAIM} characters.")
    return claim


def split_domains(text: str) -> list[str]:
    """The domains typed in the page's box, separated by commas, spaces or new lines."""
    return [d for d in _SPLIT.split(str(text)) if d]


def normalize_domain(domain: str) -> str:
    """`domain` lowercase, in its ASCII (xn--) form, without a leading '@'; InvalidInput
    unless it is a syntactically valid domain name of two labels or more."""
    typed = str(domain).strip()
    value = typed.removeprefix("@").rstrip(".").lower()
    try:
        value = idna.encode(value, uts46=True).decode("ascii") if value else ""
    except (idna.IDNAError, UnicodeError, ValueError):
        value = ""
    labels = value.split(".")
    if (not value or len(value) > 253 or len(labels) < 2 or labels[-1].isdigit()
            or not all(_LABEL.fullmatch(label) for label in labels)):
        raise InvalidInput(f"{typed[:100] or 'That'} is not a valid email domain "
                           "(such as example.com).")
    return value


def _domains(domains: list[str]) -> list[str]:
    typed = [d for d in (str(d).strip() for d in domains) if d]
    if len(typed) > MAX_DOMAINS * 2:  # before normalizing each: a pasted list may repeat
        raise InvalidInput(f"A provider answers for at most {MAX_DOMAINS} email domains.")
    found = list(dict.fromkeys(normalize_domain(d) for d in typed))
    if len(found) > MAX_DOMAINS:
        raise InvalidInput(f"A provider answers for at most {MAX_DOMAINS} email domains.")
    return found


# --- reading -------------------------------------------------------------------------------
def provider_of(db: Session, organization_id: int) -> IdentityProvider | None:
    return db.exec(select(IdentityProvider).where(
        IdentityProvider.organization_id == organization_id)).first()


def domains_of(db: Session, provider_id: int) -> list[str]:
    return list(db.exec(select(IdentityProviderDomain.domain).where(
        IdentityProviderDomain.provider_id == provider_id)
        .order_by(IdentityProviderDomain.domain)).all())


def signed_in_through(db: Session, user_id: int, provider: IdentityProvider,
                      issuer: str | None = None) -> bool:
    """`user_id` has an account linked to a subject of `provider` at `issuer` (default:
    its current one): they have signed in through it there."""
    return db.exec(select(ExternalIdentity.id).where(
        ExternalIdentity.user_id == user_id, ExternalIdentity.provider_id == provider.id,
        ExternalIdentity.issuer == (issuer or provider.issuer))).first() is not None


def view(db: Session, viewer: Viewer) -> dict:
    """The organization's provider for the page (an empty form's defaults when it has
    none): never the client secret, only whether one is stored."""
    require_org(viewer, ORG_MANAGE_USERS)
    provider = provider_of(db, viewer.organization_id)
    shown = {"exists": False, "name": "", "issuer": "", "client_id": "", "has_secret": False,
             "scopes": DEFAULT_SCOPES, "email_claim": DEFAULT_CLAIM, "domains": [],
             "password_sign_in": True, "just_in_time": False, "enabled": True,
             "signed_in_through": False, "sign_in_tenant": "", "domain_records": [],
             "redirect_uri": routes.sso_callback(get_settings().base_url, viewer.tenant_id)}
    if provider is None:
        return shown
    return {**shown, "exists": True, "name": provider.name, "issuer": provider.issuer,
            "client_id": provider.client_id, "has_secret": bool(provider.client_secret),
            "scopes": provider.scopes, "email_claim": provider.email_claim,
            "domains": domains_of(db, provider.id),
            "domain_records": domain_records(db, provider),
            "password_sign_in": provider.password_sign_in,
            "just_in_time": provider.just_in_time, "enabled": provider.enabled,
            "signed_in_through": signed_in_through(db, viewer.user_id, provider),
            "sign_in_tenant": viewer.org_alias}


# --- save ----------------------------------------------------------------------------------
def _check_domains_free(db: Session, organization_id: int, provider_id: int | None,
                        domains: list[str]) -> None:
    """Refuse a domain another organization's provider has verified, or where another
    organization's people have their home accounts (a claim another organization made but
    did not verify does not stand in the way: whoever verifies it holds it)."""
    if not domains:
        return
    held = db.exec(select(IdentityProviderDomain.domain).where(
        IdentityProviderDomain.domain.in_(domains),
        IdentityProviderDomain.verified_at.is_not(None),
        IdentityProviderDomain.provider_id != (provider_id or 0))).first()
    if held:
        raise InvalidInput(f"{held} is already claimed by another organization.")
    for domain in domains:
        spelled = {domain, _unicode(domain)}  # addresses keep a Unicode domain as typed
        others = db.exec(select(User.id).where(
            or_(*(func.lower(User.email).endswith("@" + d, autoescape=True) for d in spelled)),
            User.home_organization_id != organization_id).limit(1)).first()
        if others is not None:
            raise InvalidInput(f"{domain} is the email domain of people of another "
                               "organization: it cannot be claimed for this one.")


def _unicode(domain: str) -> str:
    try:
        return idna.decode(domain)
    except (idna.IDNAError, UnicodeError, ValueError):
        return domain


@dataclass(frozen=True)
class _Form:
    name: str
    issuer: str
    client_id: str
    secret: str
    scopes: str
    email_claim: str
    domains: list[str]
    password_sign_in: bool
    just_in_time: bool


def _checked(name, issuer, client_id, client_secret, scopes, email_claim, domains,
             password_sign_in, just_in_time) -> _Form:
    secret = str(client_secret or "").strip()
    if len(secret) > MAX_SECRET:
        raise InvalidInput(f"The client secret has at most {MAX_SECRET} characters.")
    return _Form(
        name=_text(name, MAX_NAME, "Enter the provider's name (shown as “Sign in with …”).",
                   f"The provider's name has at most {MAX_NAME} characters."),
        issuer=checked_issuer(issuer),
        client_id=_text(client_id, MAX_CLIENT_ID, "Enter the client ID the provider gave "
                        "Commons.", f"The client ID has at most {MAX_CLIENT_ID} characters."),
        secret=secret, scopes=_scopes(scopes), email_claim=_claim(email_claim),
        domains=_domains(domains), password_sign_in=bool(password_sign_in),
        just_in_time=bool(just_in_time))


def _changed_secret(provider: IdentityProvider, secret: str) -> bool:
    if not secret:
        return False
    try:
        return CLIENT_SECRETS.unseal(provider.client_secret, provider.organization_id) != secret
    except (InvalidTag, ValueError):
        return True


def save(db: Session, viewer: Viewer, *, name: str, issuer: str, client_id: str,
         client_secret: str, scopes: str, email_claim: str, domains: list[str],
         password_sign_in: bool, just_in_time: bool, now: datetime) -> IdentityProvider:
    """Create or change the viewer's organization's provider (Tenant Administrators). A
    blank secret keeps the stored one. Changing the issuer keeps the linked accounts,
    but they are linked at the old issuer and no longer match."""
    require_org(viewer, ORG_MANAGE_USERS)
    form = _checked(name, issuer, client_id, client_secret, scopes, email_claim, domains,
                    password_sign_in, just_in_time)
    provider = provider_of(db, viewer.organization_id)
    if provider is None and not form.secret:
        raise InvalidInput("Enter the client secret the provider gave Commons.")
    if provider is not None and not form.secret and (
            form.issuer != provider.issuer or form.client_id != provider.client_id):
        raise InvalidInput("Enter the client secret again: a stored secret is sent only to "
                           "the issuer and client ID it was given for.")
    before = {f: getattr(provider, f) for f in _FIELDS} if provider else {}
    password_off = not form.password_sign_in and (provider is None or provider.password_sign_in
                                                  or provider.issuer != form.issuer)
    if password_off and (provider is None
                         or not signed_in_through(db, viewer.user_id, provider, form.issuer)):
        shown = form.name if provider is None else provider.name
        raise InvalidInput(f"Sign in through {shown} once before turning password sign-in "
                           "off" + (" (at its new issuer: save the new issuer with password "
                                    "sign-in on first)." if provider is not None
                                    and provider.issuer != form.issuer else "."))
    old_domains = domains_of(db, provider.id) if provider else []
    added = [d for d in form.domains if d not in old_domains]
    _check_domains_free(db, viewer.organization_id, provider.id if provider else None, added)
    changed = ([f for f in _FIELDS if before[f] != getattr(form, f)] if provider
               else list(_FIELDS))
    if provider is not None and _changed_secret(provider, form.secret):
        changed.append("client_secret")
    if set(old_domains) != set(form.domains):
        changed.append("domains")
    if provider is not None and not changed:
        return provider
    try:
        with db.begin_nested():  # two administrators saving at once: one wins, clearly
            provider = _write(db, viewer, provider, form, old_domains, now)
    except IntegrityError:
        raise Conflict("Someone else changed the identity provider or its domains just "
                       "now; reload the page and try again.") from None
    for address in {before.get("issuer"), form.issuer} - {None}:
        forget(address)  # discovery fetches the provider again
    created = not before
    audit.record(db, "identity_provider.created" if created else "identity_provider.updated",
                 "identity_provider", provider.id, viewer=viewer, at=now,
                 details={"name": provider.name, "changed": changed,
                          "password_sign_in": provider.password_sign_in,
                          "just_in_time": provider.just_in_time, "domains": form.domains})
    return provider


def _write(db: Session, viewer: Viewer, provider: IdentityProvider | None, form: _Form,
           old_domains: list[str], now: datetime) -> IdentityProvider:
    if provider is None:
        provider = IdentityProvider(organization_id=viewer.organization_id,
                                    created_by_user_id=viewer.user_id, created_at=now,
                                    client_secret="")
    if provider.id is not None and provider.password_sign_in and not form.password_sign_in:
        end_password_sessions(db, viewer.organization_id, now, keep=viewer.session_id)
    for f in _FIELDS:
        setattr(provider, f, getattr(form, f))
    if form.secret:
        provider.client_secret = CLIENT_SECRETS.seal(form.secret, viewer.organization_id)
    provider.updated_at = now
    db.add(provider)
    db.flush()
    gone = [d for d in old_domains if d not in form.domains]
    if gone:
        db.exec(delete(IdentityProviderDomain).where(
            IdentityProviderDomain.provider_id == provider.id,
            IdentityProviderDomain.domain.in_(gone)))
    for domain in form.domains:
        if domain not in old_domains:
            db.add(IdentityProviderDomain(provider_id=provider.id, domain=domain))
    db.flush()
    return provider


def end_password_sessions(db: Session, organization_id: int, now: datetime, *,
                          keep: int | None = None) -> None:
    """Password sign-in went off: the organization's sessions a password opened end (but
    `keep`, the administrator's own), so that only the provider lets people in."""
    query = update(AuthSession).where(AuthSession.organization_id == organization_id,
                                      AuthSession.provider_id.is_(None),
                                      AuthSession.ended_at.is_(None))
    if keep:
        query = query.where(AuthSession.id != keep)
    db.exec(query.values(ended_at=now))


# --- verifying a domain (DNS TXT) ---------------------------------------------------------
RECORD_PREFIX = "_commons-verification"


def domain_record(organization_id: int, domain: str) -> tuple[str, str]:
    """The TXT record (name, value) that proves the organization holds `domain`: the value
    is derived from the secret key, the organization and the domain, so it is the same
    every time it is shown and worth nothing for another organization or domain."""
    proof = hmac.new(get_settings().key("sso-domain"), f"{organization_id}:{domain}".encode(),
                     hashlib.sha256).hexdigest()[:32]
    return f"{RECORD_PREFIX}.{domain}", f"commons-verification={proof}"


def domain_records(db: Session, provider: IdentityProvider) -> list[dict]:
    rows = db.exec(select(IdentityProviderDomain).where(
        IdentityProviderDomain.provider_id == provider.id)
        .order_by(IdentityProviderDomain.domain)).all()
    shown = []
    for row in rows:
        name, value = domain_record(provider.organization_id, row.domain)
        shown.append({"domain": row.domain, "verified": row.verified_at is not None,
                      "record_name": name, "record_value": value})
    return shown


def domain_to_verify(db: Session, viewer: Viewer, domain: str) -> tuple[str, str]:
    """The record to look up for one of the viewer's organization's unverified domains;
    NotFound for any other."""
    require_org(viewer, ORG_MANAGE_USERS)
    provider = provider_of(db, viewer.organization_id)
    row = db.exec(select(IdentityProviderDomain).where(
        IdentityProviderDomain.provider_id == (provider.id if provider else 0),
        IdentityProviderDomain.domain == str(domain)[:253])).first() if provider else None
    if row is None:
        raise NotFound("That domain is not one of your identity provider's domains.")
    if row.verified_at is not None:
        raise Conflict(f"{row.domain} is verified already.")
    return domain_record(viewer.organization_id, row.domain)


def txt_records(name: str) -> list[str]:
    """The TXT strings published at `name` ([] when there are none or DNS does not answer
    within 3 s). Blocking: call it off the event loop."""
    resolver = dns.resolver.Resolver()
    resolver.lifetime = 3
    try:
        answer = resolver.resolve(name, "TXT")
    except dns.exception.DNSException:
        return []
    return [b"".join(record.strings).decode("utf-8", "replace") for record in answer]


def mark_verified(db: Session, viewer: Viewer, domain: str, published: list[str], *,
                  now: datetime) -> None:
    """The domain is verified when its TXT record carries the organization's value (then
    other organizations' unverified claims to it go); InvalidInput otherwise."""
    name, value = domain_to_verify(db, viewer, domain)
    if value not in (p.strip() for p in published):
        raise InvalidInput(f"No TXT record {name} with the value {value} was found yet. DNS "
                           "changes can take a while to be seen; try again later.")
    provider = provider_of(db, viewer.organization_id)
    db.exec(delete(IdentityProviderDomain).where(
        IdentityProviderDomain.domain == domain, IdentityProviderDomain.verified_at.is_(None),
        IdentityProviderDomain.provider_id != provider.id))
    try:
        with db.begin_nested():
            marked = db.exec(update(IdentityProviderDomain).where(
                IdentityProviderDomain.provider_id == provider.id,
                IdentityProviderDomain.domain == domain,
                IdentityProviderDomain.verified_at.is_(None)).values(verified_at=now)).rowcount
    except IntegrityError:
        raise Conflict(f"Another organization verified {domain} just now.") from None
    if marked != 1:
        raise Conflict(f"{domain} was changed by someone else just now; reload the page.")
    audit.record(db, "identity_provider.domain_verified", "identity_provider", provider.id,
                 viewer=viewer, at=now, details={"name": provider.name, "domain": domain})


# --- remove --------------------------------------------------------------------------------
def remove(db: Session, viewer: Viewer, *, now: datetime) -> None:
    """Delete the organization's provider with its domains, linked accounts and sign-ins
    under way; the sessions opened through it end. Refused while password sign-in is off
    (its people would have no way in)."""
    require_org(viewer, ORG_MANAGE_USERS)
    provider = provider_of(db, viewer.organization_id)
    if provider is None:
        raise NotFound("Your organization has no identity provider.")
    if not provider.password_sign_in:
        raise Conflict("Turn password sign-in on before removing the provider, so that "
                       "its people can still sign in.")
    audit.record(db, "identity_provider.removed", "identity_provider", provider.id,
                 viewer=viewer, at=now, details={"name": provider.name})
    # its sessions end: they were bound to this organization by the provider, and a
    # session nothing binds could leave it
    db.exec(update(AuthSession).where(AuthSession.provider_id == provider.id,
                                      AuthSession.ended_at.is_(None))
            .values(ended_at=now))
    db.exec(update(AuthSession).where(AuthSession.provider_id == provider.id)
            .values(provider_id=None))
    for table in (SsoLogin, ExternalIdentity, IdentityProviderDomain):
        db.exec(delete(table).where(table.provider_id == provider.id))
    issuer = provider.issuer
    db.delete(provider)
    db.flush()
    forget(issuer)


# --- Test connection -----------------------------------------------------------------------
@dataclass(frozen=True)
class Connection:
    ok: bool
    line: str  # one line for the administrator


def connection_issuer(db: Session, viewer: Viewer, issuer: str) -> str:
    """The issuer Test connection may fetch for the viewer (Tenant Administrators), or
    InvalidInput: checked as `save` checks it."""
    require_org(viewer, ORG_MANAGE_USERS)
    return checked_issuer(issuer)


async def test_connection(issuer: str, *, allow_private: bool) -> Connection:
    """Fetch the provider's discovery document and keys afresh and check them; no database
    session is held meanwhile (the fetch may take seconds)."""
    try:
        found = await discover(issuer, allow_private=allow_private, fresh=True)
    except ProviderProblem as err:
        return Connection(False, str(err))
    keys = f"{found.keys} signing key" + ("" if found.keys == 1 else "s")
    return Connection(True, f"Connected: {found.issuer}, authorization code flow, {keys}.")


# --- the command line ----------------------------------------------------------------------
def set_password_sign_in(db: Session, tenant: str, on: bool, now: datetime) -> str:
    """Turn the organization's password sign-in on or off (`python -m app.cli
    password-sign-in on|off TENANT`: the operator's choice, no sign-in needed); returns
    the line to print."""
    org: Organization | None = find_organization(db, tenant)
    if org is None:
        raise NotFound(f"No organization has the alias or Tenant ID {tenant.strip()!r}.")
    provider = provider_of(db, org.id)
    if provider is None:
        raise NotFound(f"{org.name} ({org.alias}) has no identity provider: its people "
                       "sign in with passwords.")
    said = "on" if on else "off"
    if provider.password_sign_in == on:
        return f"Password sign-in was already {said} for {org.name} ({org.alias})."
    if not on:
        end_password_sessions(db, org.id, now)
    provider.password_sign_in, provider.updated_at = on, now
    db.add(provider)
    audit.record(db, "identity_provider.password_sign_in", "identity_provider", provider.id,
                 organization_id=org.id, at=now,
                 details={"name": provider.name, "password_sign_in": on,
                          "via": "command line"})
    return (f"Password sign-in is now {said} for {org.name} ({org.alias})"
            + ("." if on else f": its people sign in through {provider.name} only."))
