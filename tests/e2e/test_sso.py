"""Single sign-on (OpenID Connect), the issue's journey: bob's organization has a provider;
alice invites bob's tenant; bob signs in through the provider from the emailed link and
selects Join; alice confirms. Then bob signs out, through the provider's own sign-out.

The provider is the tests' real one (tests/oidc_provider.py), on loopback in this process:
the browser and the app both reach it. It checks a password of its own, not Commons'.
Commons matches the provider's bob by his address only in a domain verified through DNS,
which the tests cannot publish: that outcome is written into the app's database.
alice invites bob to a community of this journey's own: an invitation stays in its
community's list, and test_tenant_handshake expects bob's in Wind Farm Analytics to be the
only one there. Fabrikam's provider is removed at the end, so the other journeys of this
app see fabrikam without one.
"""

import re
import uuid
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from app.db import make_engine
from app.models import IdentityProviderDomain, utcnow
from app.sso.provider import Person
from tests.e2e.conftest import assert_accessible
from tests.e2e.test_shell_journey import sign_in
from tests.e2e.test_tenant_handshake import BOB, invitations_to, wait_for_link

pytestmark = pytest.mark.e2e
PROVIDER = "Fabrikam ID"
# bob at the provider: its username and its own password (Commons' is "commons-demo")
IDP_USERNAME, IDP_PASSWORD = "bob.builder", "fabrikam-id-only-7351"
CALLBACK = "/auth/sso/callback"


def register_commons(oidc, base: str, redirect_uri: str) -> tuple[str, str]:
    """Commons (this deployment) as a client of the provider, with the redirect URI its
    Identity provider page shows, and bob as the provider's person; the client's ID and
    secret."""
    client_id = f"commons-e2e-{urlsplit(base).port}"
    secret = f"secret-of-{client_id}"
    oidc.add_client(client_id, secret, [redirect_uri], [base + "/signin"])
    oidc.people[IDP_USERNAME] = (IDP_PASSWORD, Person("bob-at-fabrikam", BOB, True,
                                                      "Bob Builder"))
    return client_id, secret


def open_identity_provider(page):
    page.get_by_role("navigation", name="Main").get_by_role(
        "link", name="Identity provider").click()
    expect(page.get_by_role("heading", level=1, name="Identity provider")).to_be_visible()
    expect(page.get_by_label("Provider name")).to_be_visible()  # the form has loaded


def set_up_provider(page, base, oidc):
    """bob registers Commons at the provider with the redirect URI the Identity provider
    page shows, fills the page in, tests the connection and saves."""
    open_identity_provider(page)
    expect(page.get_by_text("Not set up")).to_be_visible()
    shown = page.locator("#idp-redirect-uri")
    expect(shown).to_have_text(re.compile("^" + re.escape(base + CALLBACK)))
    client_id, secret = register_commons(oidc, base, shown.inner_text().strip())
    page.get_by_label("Provider name").fill(PROVIDER)
    page.get_by_label("Issuer URL").fill(oidc.issuer)
    page.get_by_label("Client ID").fill(client_id)  # leaving Issuer URL: Test checks it
    page.get_by_label("Client secret").fill(secret)
    page.get_by_label("Email domains").fill("fabrikam.example")
    page.get_by_role("button", name="Test connection").click()
    expect(page.get_by_role("status").filter(has_text="Connected")).to_contain_text(
        f"Connected: {oidc.issuer}, authorization code flow, 1 signing key.")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("Identity provider saved.")).to_be_visible()
    expect(page.get_by_text("Set up", exact=True)).to_be_visible()
    expect(page.get_by_text(f"Shown as “Sign in with {PROVIDER}”.")).to_be_visible()
    expect(page.get_by_text("Not verified")).to_be_visible()  # until its DNS proves it
    expect(page.get_by_text("_commons-verification.fabrikam.example")).to_be_visible()
    assert_accessible(page, "identity provider, saved")


def dns_proves(live_app, page, domain: str):
    """The one step the tests cannot take (the domain's TXT record in DNS, which Verify
    looks up): its outcome, the domain verified, written in the app's database."""
    engine = make_engine(f"sqlite:///{live_app.log.parent / 'e2e.db'}")
    with Session(engine) as db:
        row = db.exec(select(IdentityProviderDomain)
                      .where(IdentityProviderDomain.domain == domain)).one()
        row.verified_at = utcnow()
        db.add(row)
        db.commit()
    engine.dispose()
    page.reload()
    expect(page.get_by_text("Verified", exact=True)).to_be_visible()


def remove_provider(page):
    """bob removes Fabrikam's provider, when it has one (Remove provider, then confirm)."""
    open_identity_provider(page)
    remove = page.get_by_role("button", name="Remove provider")
    if remove.count() == 0:
        return
    remove.click()
    dialog = page.get_by_role("alertdialog")
    expect(dialog).to_contain_text(f"Remove {PROVIDER}?")
    dialog.get_by_role("button", name="Remove provider").click()
    expect(page.get_by_text("Identity provider removed")).to_be_visible()
    expect(page.get_by_text("Not set up")).to_be_visible()


def add_community(alice, base, name):
    alice.goto(base + "/communities")
    alice.get_by_role("button", name="Add community").click()
    alice.get_by_label("Name").fill(name)
    alice.get_by_role("button", name="Add community").last.click()
    expect(alice.get_by_role("heading", name=name)).to_be_visible()


def invite_bob(alice):
    alice.get_by_role("button", name="Invite Tenant").click()
    alice.get_by_label("Email address of the tenant administrator").fill(BOB)
    alice.get_by_role("button", name="Invite", exact=True).click()
    expect(alice.get_by_text(f"Invitation sent to {BOB}")).to_be_visible()


def test_bob_signs_in_through_fabrikams_provider_from_the_invitation_and_joins(
        browser, live_app, oidc_provider):
    base, smtp = live_app.url, live_app.smtp
    community = f"Turbine Sign-on {uuid.uuid4().hex[:6]}"
    issuer = oidc_provider.issuer

    admin = browser.new_context().new_page()  # bob, signed in with his Commons password
    sign_in(admin, base, "fabrikam", "bob")
    expect(admin.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    try:
        set_up_provider(admin, base, oidc_provider)
        dns_proves(live_app, admin, "fabrikam.example")

        alice = browser.new_context().new_page()
        sign_in(alice, base, "contoso", "alice")
        expect(alice.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
        add_community(alice, base, community)
        before = len(invitations_to(smtp, BOB))
        invite_bob(alice)
        link = wait_for_link(smtp, BOB, before + 1)

        # bob, signed out, from the emailed link: the sign-in page knows his tenant and
        # offers its provider.
        bob = browser.new_context().new_page()
        seen: list[str] = []  # every request of bob's tab, redirects included
        bob.on("request", lambda request: seen.append(request.url))
        bob.goto(link)
        expect(bob.get_by_role("heading", name=f"Join {community}")).to_be_visible()
        bob.get_by_role("button", name="Sign in to respond").click()
        expect(bob.get_by_text("Tenant: fabrikam")).to_be_visible()
        through = bob.locator("#sso-sign-in")
        expect(through).to_have_accessible_name(f"Sign in with {PROVIDER}")
        expect(bob.get_by_text("Sign in through your organization's identity provider."))\
            .to_be_visible()
        expect(bob.get_by_label("Password")).to_be_visible()  # password sign-in stays on
        assert_accessible(bob, "sign-in, with the identity provider")
        through.click()  # a full page load, on to the provider (not the app's own router)

        # The provider's own page checks its own password: Commons' is refused there.
        expect(bob).to_have_url(re.compile("^" + re.escape(issuer) + "/authorize"))
        bob.get_by_label("Username").fill(IDP_USERNAME)
        bob.get_by_label("Password").fill("commons-demo")
        bob.get_by_role("button", name="Sign in").click()
        expect(bob.get_by_role("alert")).to_have_text("Wrong username or password.")
        bob.get_by_label("Password").fill(IDP_PASSWORD)
        bob.get_by_role("button", name="Sign in").click()

        # Back on the invitation, signed in as Fabrikam's bob.
        expect(bob).to_have_url(re.compile(re.escape(urlsplit(link).path) + "$"))
        expect(bob.get_by_text("Membership does not begin until the inviter confirms"))\
            .to_be_visible()
        assert "commons_session" not in bob.evaluate("document.cookie")  # HttpOnly
        callback = next(u for u in seen if u.startswith(base + CALLBACK))

        # The callback's URL replayed (in another tab of bob's browser) is refused.
        replay = bob.context.new_page()
        answer = replay.goto(callback)
        assert answer is not None and answer.status == 403
        expect(replay.get_by_role("heading", name="The sign-in did not complete")).to_be_visible()
        expect(replay.get_by_role("alert")).to_contain_text("already used")
        assert_accessible(replay, "callback replayed")
        replay.close()

        bob.get_by_role("button", name="Join").click()
        expect(bob.get_by_text("Awaiting confirmation")).to_be_visible()
        expect(alice.get_by_text(f"accepted the invitation ({BOB})")).to_be_visible()

        alice.get_by_role("tab", name="Invitations").click()
        alice.get_by_role("row", name=re.compile(re.escape(BOB))).click()
        expect(alice.get_by_text("Invitation Accepted").first).to_be_visible()
        alice.get_by_role("button", name="Confirm Tenant").click()
        alice.get_by_role("alertdialog").get_by_role("button", name="Confirm Tenant").click()
        expect(alice.get_by_text("Tenant confirmed").first).to_be_visible()
        expect(bob.get_by_text(f"your tenant is now part of {community}")).to_be_visible()
        bob.get_by_role("button", name=f"Open {community}").click()
        expect(bob.get_by_role("heading", name=community, exact=True)).to_be_visible()
        expect(bob.get_by_role("button", name="Account menu")).to_contain_text(
            "Fabrikam Utilities")

        # Signing out of a session the provider opened goes on to the provider's sign-out,
        # which sends bob back to the sign-in page.
        bob.get_by_role("button", name="Account menu").click()
        bob.get_by_role("menuitem", name="Sign out").click()
        expect(bob).to_have_url(re.compile(r"/signin/?$"))
        assert any(u.startswith(issuer + "/logout?") for u in seen), seen[-5:]
        bob.goto(base + "/communities")
        expect(bob).to_have_url(re.compile(r"/signin\?next=%2Fcommunities"))
    finally:
        remove_provider(admin)
