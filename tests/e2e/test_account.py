"""Sign-in and one's account: a wrong password keeps what was typed; Forgot password by an
emailed link; Change password and Sign out other sessions on the Account page; a tab
whose session ended says so and comes back to its page, query string and filters kept.

These journeys change passwords, so they use people of their own (the Acme Accounts
organization, added to the app's database) and leave the demo users alone.
"""

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from app.db import make_engine
from app.domain.permissions import TENANT_MEMBER
from app.models import Organization
from app.services.orgs import create_organization, create_user
from tests.e2e.conftest import assert_accessible, emailed_link, one_worker_only

pytestmark = pytest.mark.e2e

ALIAS, PASSWORD = "acme-accounts", "acme-first-password"
PAT, QUINN = "pat@acme-accounts.example", "quinn@acme-accounts.example"


@pytest.fixture
def acme(live_app):
    """Pat and Quinn of Acme Accounts, in this app's database (once per app)."""
    engine = make_engine(f"sqlite:///{live_app.log.parent / 'e2e.db'}")
    with Session(engine) as db:
        if db.exec(select(Organization).where(Organization.alias == ALIAS)).first() is None:
            now = datetime.now(UTC)
            org = create_organization(db, "Acme Accounts", ALIAS, now=now)
            for email, name in ((PAT, "Pat Person"), (QUINN, "Quinn Query")):
                create_user(db, org, email=email, username=email.split("@")[0],
                            display_name=name, password=PASSWORD, role=TENANT_MEMBER, now=now)
            db.commit()
    engine.dispose()


def identity(page, username, password):
    page.get_by_label("Email or username").fill(username)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def sign_in_at(page, base, path, username, password=PASSWORD):
    page.goto(base + path)
    expect(page).to_have_url(re.compile(r"/signin"))
    page.get_by_label("Tenant ID or alias").fill(ALIAS)
    page.get_by_role("button", name="Continue").click()
    identity(page, username, password)


@one_worker_only
def test_a_forgotten_password_is_replaced_through_the_emailed_link(browser, live_app, acme):
    base = live_app.url
    page = browser.new_context().new_page()
    sign_in_at(page, base, "/", "pat@acme-accounts.example", "not-my-password")
    expect(page.get_by_role("alert")).to_contain_text("did not match")
    expect(page.get_by_label("Email or username")).to_have_value("pat@acme-accounts.example")
    expect(page.get_by_label("Password")).to_be_focused()

    page.get_by_role("link", name="Forgot password?").click()
    expect(page.get_by_role("heading", name="Forgot password")).to_be_visible()
    expect(page.get_by_label("Email address")).to_have_value(PAT)
    assert_accessible(page, "forgot password")
    page.get_by_role("button", name="Email me a link").click()
    expect(page.get_by_role("status")).to_contain_text(f"If an account uses {PAT}")
    assert_accessible(page, "forgot password, sent")

    link = emailed_link(live_app, PAT, "/reset/")
    page.goto(link)
    expect(page.get_by_role("heading", name="Choose a new password")).to_be_visible()
    expect(page.get_by_text(PAT)).to_be_visible()
    page.get_by_label("New password (at least 8 characters)").fill("pat-second-password")
    page.get_by_label("Repeat the new password").fill("pat-second-password")
    assert_accessible(page, "reset password")
    page.get_by_role("button", name="Set new password").click()

    expect(page).to_have_url(re.compile(r"/signin\?tenant=acme-accounts&reason=reset"))
    expect(page.get_by_role("status")).to_contain_text("Your password is changed")
    identity(page, "pat", "pat-second-password")
    expect(page.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()

    page.goto(link)
    expect(page.get_by_text("already been used")).to_be_visible()


def test_account_page_signs_out_other_sessions_and_they_come_back_to_their_page(
        browser, live_app, acme):
    base = live_app.url
    laptop = browser.new_context().new_page()
    sign_in_at(laptop, base, "/", "quinn")
    expect(laptop.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    phone_context = browser.new_context(viewport={"width": 390, "height": 844})
    phone = phone_context.new_page()
    sign_in_at(phone, base, "/invitations?from=mail", "quinn")
    expect(phone).to_have_url(re.compile(r"/invitations/?\?from=mail$"))
    phone.get_by_role("button", name="Show pending").click()
    expect(phone.get_by_role("button", name="Show pending")).to_have_attribute(
        "aria-pressed", "true")

    laptop.get_by_role("navigation", name="Main").get_by_role("link", name="Account").click()
    expect(laptop.get_by_role("heading", level=1, name="Account")).to_be_visible()
    main = laptop.get_by_role("main")
    expect(main.get_by_text("quinn@acme-accounts.example")).to_be_visible()
    sessions = main.get_by_role("row").filter(has_not=laptop.get_by_role("columnheader"))
    expect(sessions).to_have_count(2)
    expect(sessions.first).to_contain_text("This session")
    assert_accessible(laptop, "account")
    laptop.get_by_role("button", name="Sign out other sessions").click()
    expect(laptop.get_by_text("Signed out 1 other session.")).to_be_visible()
    expect(sessions).to_have_count(1)
    expect(laptop.get_by_role("button", name="Sign out other sessions")).to_be_disabled()

    phone.reload()
    expect(phone).to_have_url(re.compile(r"/signin\?reason=ended&next="))
    expect(phone.get_by_role("status")).to_contain_text("Your session has ended")
    assert_accessible(phone, "sign-in, session ended")
    phone.get_by_label("Tenant ID or alias").fill(ALIAS)
    phone.get_by_role("button", name="Continue").click()
    identity(phone, "quinn", PASSWORD)
    expect(phone).to_have_url(re.compile(r"/invitations/?\?from=mail$"))
    expect(phone.get_by_role("button", name="Show pending")).to_have_attribute(
        "aria-pressed", "true")

    laptop.get_by_label("Current password").fill("not-the-password")
    laptop.get_by_label("New password (at least 8 characters)").fill("quinn-second-password")
    laptop.get_by_label("Repeat the new password").fill("quinn-second-password")
    laptop.get_by_role("button", name="Change password").click()
    expect(laptop.get_by_role("alert")).to_contain_text("current password is not right")
    laptop.get_by_label("Current password").fill(PASSWORD)
    laptop.get_by_label("New password (at least 8 characters)").fill("short")
    laptop.get_by_label("Repeat the new password").fill("short")
    laptop.get_by_role("button", name="Change password").click()
    expect(laptop.get_by_role("alert")).to_contain_text("too short")
    laptop.get_by_label("Current password").fill(PASSWORD)
    laptop.get_by_label("New password (at least 8 characters)").fill("quinn-second-password")
    laptop.get_by_label("Repeat the new password").fill("quinn-second-password")
    laptop.get_by_role("button", name="Change password").click()
    expect(laptop.get_by_text("Password changed.")).to_be_visible()
    expect(laptop.get_by_label("Current password")).to_have_value("")
    expect(sessions).to_have_count(1)

    phone.get_by_role("button", name="Show pending").click()  # any action: the session ended
    expect(phone).to_have_url(re.compile(r"/signin\?reason=ended"))
    phone_context.close()
