"""Reliability battery, row 5: mail scanners open links without using them.

GET and HEAD on every kind of link, five times each, and a browser that opens each link
without clicking, leave every invitation pending; a person's click afterwards works. Link
pages send `Referrer-Policy: no-referrer` and `Cache-Control: no-store`.
"""

import re
import urllib.request
import uuid

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from app.db import make_engine
from app.mail.links import opened
from app.models import Community, Invitation, OutboxMessage, Role, utcnow
from app.services import parent_invitations as pi
from app.services import tenant_invitations as ti
from app.services import user_invitations as ui
from app.services.communities import create_community
from app.services.orgs import create_user
from tests.e2e.conftest import one_worker_only
from tests.e2e.test_tenant_handshake import bob_joins
from tests.helpers import org, user, viewer

pytestmark = [pytest.mark.e2e, one_worker_only]
SECRET = "e2e-secret-key-0123456789abcdef"  # the live app's (tests/e2e/conftest.py)


def _link(db, to: str, path: str, base: str) -> str:
    row = db.exec(select(OutboxMessage).where(OutboxMessage.to_addr == to)
                  .order_by(OutboxMessage.id.desc())).first()
    return base + re.search(rf"/{path}/\S+", opened(row)[0]).group(0)


def _invitations(live_app) -> tuple[object, dict[str, tuple[int, str]]]:
    """A fresh invitation of each kind in the live app's database: id and link by kind."""
    engine = make_engine(f"sqlite:///{live_app.log.parent / 'e2e.db'}")
    base, now, tag = live_app.url, utcnow(), uuid.uuid4().hex[:6]
    mailer = ti.Mailer(SECRET, base, days=14)
    with Session(engine, expire_on_commit=False) as db:
        alice = viewer(db, "alice")
        standard = create_community(db, alice, f"Scanned {tag}", now=now)
        tenant_id = ti.invite_tenant(db, alice, standard.id, "bob@fabrikam.example", now=now,
                                     mailer=mailer)
        soc = db.exec(select(Community.id).where(Community.name == "Contoso SOC")).one()
        managed = create_community(db, alice, f"Scanned client {tag}", kind="managed",
                                   parent_id=soc, now=now)
        member = db.exec(select(Role.id).where(Role.name == "Community Member")).one()
        ui.invite_users(db, alice, "carol@northwind.example", [managed.id], [member], now=now,
                        mailer=mailer)
        user_id = db.exec(select(Invitation.id).where(Invitation.community_id == managed.id)
                          ).one()
        parent_user = create_user(  # a user of the parent that nobody has invited yet
            db, org(db, "contoso"), email=f"scan{tag}@contoso.example", username=f"scan{tag}",
            display_name="Scanned", password_hash=user(db, "alice").password_hash, now=now)
        pi.invite_parent_users(db, viewer(db, "dave"), [parent_user.username], [], now=now,
                               secret_key=SECRET, base_url=base)
        parent_id = db.exec(select(Invitation.id).where(
            Invitation.recipient == parent_user.username)).one()
        db.commit()
        links = {"tenant": (tenant_id, _link(db, "bob@fabrikam.example", "invite", base)),
                 "user": (user_id, _link(db, "carol@northwind.example", "join", base)),
                 "parent": (parent_id, _link(db, parent_user.email, "org-invite", base))}
    return engine, links


def _status(engine, invitation_id: int) -> str:
    with Session(engine) as db:
        return db.get(Invitation, invitation_id).status


def test_scanners_leave_every_link_pending_and_a_person_can_still_use_it(browser, live_app):
    engine, links = _invitations(live_app)
    for kind, (invitation_id, link) in links.items():
        for method in ("GET", "HEAD") * 5:
            with urllib.request.urlopen(urllib.request.Request(link, method=method)) as answer:
                assert answer.status == 200
                assert answer.headers["Referrer-Policy"] == "no-referrer", (kind, method)
                assert answer.headers["Cache-Control"] == "no-store", (kind, method)
        scanner = browser.new_context().new_page()  # opens it, reads it, clicks nothing
        scanner.goto(link)
        expect(scanner.get_by_role("heading", name=re.compile(r"^Join|^Accept|^Invitation"))
               ).to_be_visible()
        scanner.wait_for_timeout(500)
        scanner.context.close()
        assert _status(engine, invitation_id) == "pending", kind

    # bob, in person, joins with the link every scanner opened
    invitation_id, link = links["tenant"]
    bob_joins(browser, link)
    assert _status(engine, invitation_id) == "accepted"
    engine.dispose()
