"""The world the authorization matrix attacks, on each engine, and a dump to compare.

`world` (module scope, once per engine) seeds the demo data and more of Contoso's objects:
a custom role, a group, a Client B invitation, a child organization's parent invitation,
Wind Farm Analytics tenants at each step (Tailspin invited, Litware accepted, Adventure
Works confirmed). It makes Gina a guest of Client A, makes Gus one and removes him, and
removes Northwind from Wind Farm Analytics; then it signs everyone in. `targets(world,
actor)` says what each actor aims at and which words their tab must never be sent.

While the world lives, the app's own `session_scope()` uses its engine: `app.db` keeps one
engine per URL, and the world puts its engine under the configured URL. A call that
changed something is undone by `world.rebuild()`, which puts every row back.
"""

import re
from dataclasses import dataclass, field

import pytest
from sqlalchemy import select as sa_select
from sqlmodel import Session, SQLModel, select

from app import db as app_db
from app.domain.permissions import COMMUNITY_VIEW, TENANT_ADMIN
from app.models import (
    AuditEvent,
    Community,
    CommunityMember,
    Invitation,
    OutboxMessage,
    Role,
    User,
    WebhookDelivery,
    utcnow,
)
from app.services import api_tokens as at
from app.services import community_members as cm
from app.services import community_tenants as ct
from app.services import custom_roles as cr
from app.services import groups as gr
from app.services import parent_invitations as pi
from app.services import tenant_invitations as ti
from app.services import user_invitations as ui
from app.services import webhooks as wh
from app.services.auth import sign_in, sign_out, viewer_for_user
from app.services.demo import DEMO_PASSWORD, seed_demo, seed_demo_invitations
from app.services.invitation_actions import MailSettings
from app.services.orgs import create_organization, create_user
from app.services.roles import ensure_builtin_roles
from app.settings import get_settings
from tests.conftest import ENGINES

BASE_URL = "http://localhost:3000"
GUEST = "guest@client-a.example"
GONE = "gone@client-a.example"  # a guest of Client A, then removed from it
GUEST_PASSWORD = "a-long-guest-password"
EXTRA_ORGS = [
    ("Tailspin Toys", "tailspin", "ops@tailspin.example", "ops", "Olive Ops"),
    ("Litware", "litware", "lee@litware.example", "lee", "Lee Litware"),
    ("Adventure Works", "adventure-works", "ann@adventure-works.example", "ann", "Ann Adventure"),
]
# Columns that may change on a refused call without anything having happened.
IGNORED_COLUMNS = {"authsession": {"last_seen_at"}, "apitoken": {"last_used_at"}}
# Audit actions that record a refusal (none today); they may appear after a refused call.
REFUSAL_ACTIONS: set[str] = set()


@dataclass
class World:
    engine: object
    ids: dict = field(default_factory=dict)
    cookies: dict = field(default_factory=dict)
    rows: dict = field(default_factory=dict)

    def dump(self) -> dict:
        """Every row of every table (minus the columns and events a refusal may touch)."""
        rows = {}
        with self.engine.connect() as conn:
            for table in SQLModel.metadata.sorted_tables:
                skip = IGNORED_COLUMNS.get(table.name, set())
                cols = [c for c in table.columns if c.name not in skip]
                found = conn.execute(sa_select(*cols).order_by(*table.primary_key.columns))
                rows[table.name] = [
                    tuple(map(str, r)) for r in found
                    if not (table.name == "auditevent" and r._mapping["action"] in REFUSAL_ACTIONS)]
        return rows

    def snapshot(self) -> None:
        """Remember every row as built, to put back after a call that changed something."""
        with self.engine.connect() as conn:
            self.rows = {t: [dict(r._mapping) for r in conn.execute(t.select())]
                         for t in SQLModel.metadata.sorted_tables}

    def rebuild(self) -> None:
        """Put the world back as built (sessions included: the cookies stay valid)."""
        _wipe(self.engine)
        with self.engine.begin() as conn:
            for table, rows in self.rows.items():
                if rows:
                    conn.execute(table.insert(), rows)


def _wipe(engine) -> None:
    with engine.begin() as conn:
        for table in reversed(SQLModel.metadata.sorted_tables):
            conn.execute(table.delete())


def _one(db: Session, query):
    return db.exec(query).one()


def _link(db: Session, to: str, route: str) -> str:
    """The token of the newest link mailed to `to` (opened as the sender would)."""
    row = _one(db, select(OutboxMessage).where(OutboxMessage.to_addr == to)
               .order_by(OutboxMessage.id.desc()).limit(1))
    try:
        from app.mail.links import opened
    except ImportError:  # bodies stored with their links in clear
        body = row.body_text
    else:
        body = opened(row)[0]
    return re.search(rf"/{route}/([A-Za-z0-9_\-]+)", body).group(1)


def _membership_of(db: Session, email: str, community_id: int) -> int:
    return _one(db, select(CommunityMember.id).where(
        CommunityMember.user_id == _one(db, select(User.id).where(User.email == email)),
        CommunityMember.community_id == community_id))


def _session(db: Session, tenant: str, identifier: str, password: str = DEMO_PASSWORD) -> str:
    return sign_in(db, secret_key=get_settings().secret_key, tenant=tenant,
                   identifier=identifier, password=password, now=utcnow(),
                   hours=8).token_or_raise()


def build(world: World) -> World:
    """Wipe the world's database and lay out everyone and everything the matrix uses."""
    secret, now = get_settings().secret_key, utcnow()
    mail = MailSettings(secret, BASE_URL, 14, 14)
    _wipe(world.engine)
    with Session(world.engine, expire_on_commit=False) as db:
        ensure_builtin_roles(db)
        orgs = seed_demo(db, now)
        seed_demo_invitations(db, mail, now)
        # Tailspin holds the demo's pending invitation to Wind Farm Analytics; Litware
        # accepted one and waits for confirmation; Adventure Works is a member tenant.
        demo_hash = _one(db, select(User.password_hash).where(User.username == "alice"))
        for name, alias, email, username, display in EXTRA_ORGS:
            orgs[alias] = create_organization(db, name, alias, now=now)
            create_user(db, orgs[alias], email=email, username=username, display_name=display,
                        password_hash=demo_hash, role=TENANT_ADMIN, now=now)
        users = {u.username: u for u in db.exec(select(User)).all()}
        community = {c.name: c.id for c in db.exec(select(Community)).all()}

        def as_(name: str):
            return viewer_for_user(db, users[name], users[name].home_organization_id)

        member_role = _one(db, select(Role.id).where(Role.name == "Community Member",
                                                     Role.organization_id.is_(None)))
        for address in (GUEST, GONE):
            ui.invite_users(db, as_("alice"), address, [community["Client A"]],
                            [member_role], now=now, mailer=mail.user())
        ui.invite_users(db, as_("alice"), "other@client-b.example", [community["Client B"]],
                        [member_role], now=now, mailer=mail.user())
        role = cr.save_role(db, as_("alice"), "Contoso Analyst", "Reads telemetry.",
                            [COMMUNITY_VIEW], now=now)
        group = gr.create_group(db, as_("alice"), "Contoso Ops", "The operations team.", now=now)
        pi.invite_parent_users(db, as_("dave"), ["frank"], [], now=now, secret_key=secret,
                               base_url=BASE_URL)
        wind = community["Wind Farm Analytics"]
        tenants = mail.tenant()
        for username in ("lee", "ann"):
            email = users[username].email
            ti.invite_tenant(db, as_("alice"), wind, email, now=now, mailer=tenants)
            ti.join(db, as_(username), _link(db, email, "invite"), now=now, mailer=tenants)
        ti.confirm_tenant(db, as_("alice"), _one(db, select(Invitation.id).where(
            Invitation.recipient == users["ann"].email)), now=now)
        db.commit()
        for address, display in ((GUEST, "Gina Guest"), (GONE, "Gus Gone")):
            ui.create_account_and_accept(db, _link(db, address, "join"), display,
                                         GUEST_PASSWORD, now=now, secret_key=secret)
        cm.remove_member(db, as_("alice"), _membership_of(db, GONE, community["Client A"]),
                         now=now)
        ct.remove_tenant(db, as_("alice"), community["Wind Farm Analytics"],
                         orgs["northwind"].id, now=now)
        db.commit()

        def invitation(recipient: str, community_name: str | None = None) -> int:
            query = select(Invitation.id).where(Invitation.recipient == recipient)
            if community_name:
                query = query.where(Invitation.community_id == community[community_name])
            return _one(db, query)

        api_token = at.create_token(db, as_("alice"), "Deploy script", at.WRITE, "90",
                                    now=now, secret_key=secret).row.id
        webhook, _ = wh.create_endpoint(db, as_("alice"), "https://127.0.0.1:9/contoso-hooks",
                                        "Contoso hooks", [], now=now)
        webhook_delivery = wh.send_test(db, as_("alice"), webhook, now=now)
        sent = db.get(WebhookDelivery, webhook_delivery)  # delivered: it may go again
        sent.status, sent.attempts, sent.response_status, sent.delivered_at = (
            "delivered", 1, 200, now)
        ended = _session(db, "contoso", "alice")
        sign_out(db, secret_key=secret, token=ended, now=utcnow())
        world.cookies = {"other-org": _session(db, "fabrikam", "bob"),
                         "signed-out": ended,
                         "guest": _session(db, "contoso", GUEST, GUEST_PASSWORD),
                         "removed": _session(db, "northwind", "carol"),
                         "removed-member": _session(db, "contoso", GONE, GUEST_PASSWORD),
                         # the people entitled to each object, for the control calls
                         "alice": _session(db, "contoso", "alice"),
                         "dave": _session(db, "contoso-retail", "dave"),
                         "frank": _session(db, "contoso", "frank"),
                         "ops": _session(db, "tailspin", "ops"),
                         "ann": _session(db, "adventure-works", "ann")}
        db.commit()
        world.ids = {
            "org": {a: o.id for a, o in orgs.items()},
            "tenant_id": {a: o.tenant_id for a, o in orgs.items()},
            "community": community,
            "user": {n: u.id for n, u in users.items()},
            "tenant_invitation": invitation("ops@tailspin.example"),
            "accepted_invitation": invitation("lee@litware.example"),
            "user_invitation_a": invitation("analyst@client-a.example"),
            "user_invitation_b": invitation("other@client-b.example", "Client B"),
            "parent_invitation": invitation("frank"),
            "guest_member_a": _membership_of(db, GUEST, community["Client A"]),
            "member_b": _membership_of(db, users["alice"].email, community["Client B"]),
            "role": role,
            "group": group,
            "tenant_link": _link(db, "ops@tailspin.example", "invite"),
            "join_link": _link(db, "analyst@client-a.example", "join"),
            "org_link": _link(db, "frank@contoso.example", "org-invite"),
            "api_token": api_token,
            "webhook": webhook,
            "webhook_delivery": webhook_delivery,
            "contoso_events": list(db.exec(select(AuditEvent.id).where(
                AuditEvent.organization_id == orgs["contoso"].id)).all()),
        }
    world.snapshot()
    return world


@pytest.fixture(scope="module", params=ENGINES)
def world(request, engines):
    """The matrix's world on one engine, with the app's sessions pointed at it."""
    engine = engines[request.param]
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(app_db._engines, get_settings().database_url, engine)
        yield build(World(engine))


@dataclass
class Targets:
    """Someone else's objects, as one actor would aim at them, and the words that actor's
    tab must never be sent."""

    community: int
    community_name: str
    tenant_invitation: int
    accepted_invitation: int
    user_invitation: int
    parent_invitation: int
    member: int
    role: int
    group: int
    organization: int
    user: int
    tenant_id: str
    managed_community: int
    mssp: int
    place: str
    events: list
    own_org_name: str
    own_username: str
    tenant_link: str
    join_link: str
    org_link: str
    api_token: int
    webhook: int
    webhook_delivery: int
    markers: list


def _forged(token: str) -> str:
    """A link token one letter off the real one."""
    return token[:-1] + ("A" if token[-1] != "A" else "B")


CONTOSO_WORDS = ["Contoso", "contoso", "Wind Farm", "Client A", "Client B", "Northwind",
                 "northwind", "tailspin", "client-a", "client-b", "Alice", "Carol", "Frank",
                 "Dave", "Gina", "Tailspin", "Olive", "Litware", "litware", "Adventure",
                 "adventure"]


def targets(world: World, actor: str) -> Targets:
    """What `actor` ("other-org", "signed-out", "guest", "removed") attacks."""
    i = world.ids
    wind = i["community"]["Wind Farm Analytics"]
    base = dict(
        community=wind, community_name="Wind Farm Analytics",
        tenant_invitation=i["tenant_invitation"], accepted_invitation=i["accepted_invitation"],
        user_invitation=i["user_invitation_a"], parent_invitation=i["parent_invitation"],
        member=i["guest_member_a"], role=i["role"], group=i["group"],
        organization=i["org"]["adventure-works"], user=i["user"]["frank"],
        tenant_id=i["tenant_id"]["contoso"], managed_community=i["community"]["Client A"],
        mssp=i["community"]["Contoso SOC"], place=f"c:{wind}", events=i["contoso_events"],
        tenant_link=_forged(i["tenant_link"]), join_link=_forged(i["join_link"]),
        org_link=_forged(i["org_link"]), api_token=i["api_token"], webhook=i["webhook"],
        webhook_delivery=i["webhook_delivery"])
    if actor == "other-org":  # Bob of Fabrikam, on Contoso's objects
        return Targets(**base, own_org_name="Fabrikam Utilities", own_username="bob",
                       markers=CONTOSO_WORDS)
    if actor == "signed-out":  # Alice's cookie after she signed out, on her own objects
        return Targets(**base, own_org_name="Contoso Energy", own_username="alice",
                       markers=CONTOSO_WORDS + ["Fabrikam", "fabrikam", "Bob"])
    if actor == "guest":  # a guest of Client A, on Client B and the rest of Contoso
        client_b = i["community"]["Client B"]
        return Targets(**{**base, "community": client_b, "community_name": "Client B",
                          "user_invitation": i["user_invitation_b"], "member": i["member_b"],
                          "organization": i["org"]["contoso"],
                          "user": i["user"]["alice"],
                          "tenant_id": i["tenant_id"]["contoso-retail"],
                          "managed_community": client_b, "place": f"c:{client_b}"},
                       own_org_name="Contoso Energy", own_username="guest",
                       markers=["Client B", "client-b", "Wind Farm", "Northwind", "northwind",
                                "tailspin", "analyst@", "Fabrikam", "Carol", "Frank", "Dave",
                                "Contoso Retail", "Tailspin", "Litware", "Adventure"])
    if actor == "removed":  # Carol, after Northwind was removed from Wind Farm Analytics
        return Targets(**{**base, "user": i["user"]["alice"]},
                       own_org_name="Northwind Traders", own_username="carol",
                       markers=[w for w in CONTOSO_WORDS if w not in ("Northwind", "northwind",
                                                                      "Carol")]
                       + ["Fabrikam"])
    if actor == "removed-member":  # a guest removed from Client A, on Client A
        client_a = i["community"]["Client A"]
        return Targets(**{**base, "community": client_a, "community_name": "Client A",
                          "organization": i["org"]["contoso"], "user": i["user"]["alice"],
                          "tenant_id": i["tenant_id"]["contoso-retail"],
                          "place": f"c:{client_a}"},
                       own_org_name="Contoso Energy", own_username="gone",
                       markers=["Gina", "guest@", "analyst@", "Client B", "client-b",
                                "Wind Farm", "Northwind", "Tailspin", "Litware", "Adventure",
                                "Fabrikam", "Frank", "Carol", "Dave", "Contoso Retail"])
    raise ValueError(actor)


ACTORS = ["other-org", "signed-out", "guest", "removed", "removed-member"]
