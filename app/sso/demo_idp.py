"""The demo's identity provider (`COMMONS_DEMO_IDP=1`, which `make run` sets): a small
OpenID provider the app itself serves under /demo-idp, so a person trying Commons sees
single sign-on end to end. It asks for the person's password (the demo password) and signs
in only the people of the demo organizations; Northwind Traders signs in through it.

It keeps its signing key and its codes in memory: one worker, restarted with the app.
Commons reaches it over the outbound rules like any provider, which the demo allows on
loopback (`COMMONS_OUTBOUND_ALLOW_PRIVATE=1`)."""

from sqlmodel import Session, select

from app import routes
from app.db import session_scope
from app.models import IdentityProvider, IdentityProviderDomain, Organization, User, utcnow
from app.services.demo import DEMO_ORGANIZATIONS
from app.services.passwords import verify_password
from app.services.sealing import CLIENT_SECRETS
from app.settings import Settings
from app.sso.provider import OpenIDProvider, Person, ProviderClient

PATH = "/demo-idp"
CLIENT_ID = "commons-demo"
NAME = "Northwind ID (demo)"
ORGANIZATION = "northwind"
DOMAIN = "northwind.example"


def _issuer(settings: Settings) -> str:
    return settings.base_url + PATH


def _client_secret(settings: Settings) -> str:
    return settings.key("demo-idp-client").hex()


def _authenticate(username: str, password: str) -> Person | None:
    """A person of a demo organization (by username or email) with their own password: the
    demo password, unless they changed it."""
    name = username.strip().lower()[:320]
    with session_scope() as db:
        found = db.exec(select(User).join(Organization,
                                          Organization.id == User.home_organization_id)
                        .where((User.username == name) | (User.email == name),
                               Organization.alias.in_(DEMO_ORGANIZATIONS),
                               User.is_active)).first()
    if not verify_password(password[:1000], found.password_hash if found else None):
        return None
    return Person(subject=f"demo-{found.username}", email=found.email, email_verified=True,
                  name=found.display_name)


def _tenant_id() -> str:
    """Northwind's Tenant ID: its provider's redirect URI ends with it (the command line
    has prepared the database before the app starts)."""
    with session_scope() as db:
        return db.exec(select(Organization.tenant_id)
                       .where(Organization.alias == ORGANIZATION)).first() or ""


def demo_provider(settings: Settings) -> OpenIDProvider:
    return OpenIDProvider(
        _issuer(settings), title="Northwind ID (demo identity provider)",
        authenticate=_authenticate,
        clients=[ProviderClient(CLIENT_ID, _client_secret(settings),
                                (routes.sso_callback(settings.base_url, _tenant_id()),),
                                (settings.base_url + routes.SIGNIN,))])


def ensure_demo_provider(db: Session, settings: Settings) -> None:
    """Northwind signs in through the demo provider at this base URL (set up, or brought
    up to date, at each start), with password sign-in kept and accounts made just in time
    for new people of northwind.example."""
    org = db.exec(select(Organization).where(Organization.alias == ORGANIZATION)).first()
    if org is None:
        return
    row = db.exec(select(IdentityProvider)
                  .where(IdentityProvider.organization_id == org.id)).first()
    admin = db.exec(select(User.id).where(User.home_organization_id == org.id)
                    .order_by(User.id)).first()
    if row is None:
        if admin is None:
            return
        row = IdentityProvider(organization_id=org.id, name=NAME, issuer="", client_id="",
                               client_secret="", just_in_time=True, created_by_user_id=admin)
        db.add(row)
    elif row.name != NAME:
        return  # an administrator set up another provider: leave it
    row.issuer, row.client_id = _issuer(settings), CLIENT_ID
    row.client_secret = CLIENT_SECRETS.seal(_client_secret(settings), org.id)
    row.updated_at = utcnow()
    db.flush()
    if not db.exec(select(IdentityProviderDomain.id)
                   .where(IdentityProviderDomain.domain == DOMAIN)).first():
        # the demo's domain cannot be published in DNS: it is verified by the demo data
        db.add(IdentityProviderDomain(provider_id=row.id, domain=DOMAIN, verified_at=utcnow()))
