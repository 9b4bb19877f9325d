"""Demo data for `make run` (COMMONS_DEMO): seeded only into an empty database."""

from datetime import datetime

from sqlmodel import Session, select

from app.domain.permissions import COMMUNITY_MODERATOR, TENANT_ADMIN, TENANT_MEMBER
from app.models import CommunityTenant, Organization
from app.services.auth import viewer_for_user
from app.services.communities import add_member, create_community
from app.services.orgs import create_organization, create_user
from app.services.passwords import hash_password
from app.services.roles import ensure_builtin_roles

DEMO_PASSWORD = "commons-demo"

# (org alias, email, username, display name, role)
DEMO_USERS = [
    ("contoso", "alice@contoso.example", "alice", "Alice Admin", TENANT_ADMIN),
    ("contoso", "frank@contoso.example", "frank", "Frank Fielding", TENANT_MEMBER),
    ("fabrikam", "bob@fabrikam.example", "bob", "Bob Builder", TENANT_ADMIN),
    ("northwind", "carol@northwind.example", "carol", "Carol Navarro", TENANT_ADMIN),
    ("contoso-retail", "dave@contoso-retail.example", "dave", "Dave Retail", TENANT_ADMIN),
]


# (name, alias, parent alias)
ORGANIZATIONS = [
    ("Contoso Energy", "contoso", None),
    ("Fabrikam Utilities", "fabrikam", None),
    ("Northwind Traders", "northwind", None),
    ("Contoso Retail", "contoso-retail", "contoso"),
    ("Contoso Retail East", "contoso-retail-east", "contoso-retail"),
]
DEMO_ORGANIZATIONS = tuple(alias for _, alias, _ in ORGANIZATIONS)


def is_empty(db: Session) -> bool:
    return db.exec(select(Organization.id)).first() is None


def seed_demo(db: Session, now: datetime) -> dict[str, Organization]:
    """Create the demo organizations, users and communities as of `now`; returns orgs by
    alias."""
    ensure_builtin_roles(db)
    orgs: dict[str, Organization] = {}
    for name, alias, parent in ORGANIZATIONS:
        parent_id = orgs[parent].id if parent else None
        orgs[alias] = create_organization(db, name, alias, parent_id=parent_id, now=now)
    password_hash = hash_password(DEMO_PASSWORD)
    users = {}
    for alias, email, username, display, role in DEMO_USERS:
        users[username] = create_user(db, orgs[alias], email=email, username=username,
                                      display_name=display, password_hash=password_hash,
                                      role=role, now=now)
    alice = viewer_for_user(db, users["alice"], orgs["contoso"].id)
    wind = create_community(db, alice, "Wind Farm Analytics",
                            "Turbine telemetry shared between Contoso Energy and its partners.",
                            now=now)
    northwind = orgs["northwind"].id  # a confirmed member tenant, carol its moderator
    db.add(CommunityTenant(community_id=wind.id, organization_id=northwind, joined_at=now))
    add_member(db, wind.id, users["carol"].id, northwind, [COMMUNITY_MODERATOR], now=now)
    soc = create_community(db, alice, "Contoso SOC", "Security operations for Contoso's clients.",
                           kind="mssp", now=now)
    for client in ("Client A", "Client B"):
        create_community(db, alice, client, f"Managed security for {client}.", kind="managed",
                         parent_id=soc.id, now=now)
    return orgs


def seed_demo_invitations(db: Session, mail, now: datetime) -> None:
    """Two open invitations from Alice, so the Invitations page and the Mailbox show
    something: a tenant invitation and a managed-community user invitation."""
    from app.models import Community, Role, User
    from app.services import tenant_invitations as ti
    from app.services import user_invitations as ui

    def viewer_of(username: str):
        user = db.exec(select(User).where(User.username == username)).one()
        return viewer_for_user(db, user, user.home_organization_id)

    def community(name: str) -> int:
        return db.exec(select(Community.id).where(Community.name == name)).one()

    alice = viewer_of("alice")
    ti.invite_tenant(db, alice, community("Wind Farm Analytics"), "ops@tailspin.example",
                     now=now, mailer=mail.tenant())
    member = db.exec(select(Role.id).where(Role.name == "Community Member",
                                           Role.organization_id.is_(None))).one()
    ui.invite_users(db, alice, "analyst@client-a.example", [community("Client A")], [member],
                    now=now, mailer=mail.user())
