"""Sign in as alice through the two-step sign-in, see the shell, sign out, be refused."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, one_worker_only

pytestmark = [pytest.mark.e2e, one_worker_only]


def sign_in(page, base, tenant, identifier, password="commons-demo", next_path="/"):
    page.goto(base + next_path)
    expect(page).to_have_url(re.compile(r"/signin"))
    page.get_by_label("Tenant ID or alias").fill(tenant)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Email or username").fill(identifier)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in").click()


def test_alice_signs_in_with_the_keyboard_sees_the_shell_and_signs_out(page, live_app):
    base = live_app.url
    page.goto(base + "/communities")
    expect(page).to_have_url(re.compile(r"/signin\?next=%2Fcommunities"))
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()
    assert_accessible(page, "sign-in, tenant step")

    page.get_by_label("Tenant ID or alias").focus()
    page.keyboard.type("contoso")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="Verify your identity")).to_be_visible()
    assert_accessible(page, "sign-in, identity step")
    expect(page.get_by_label("Email or username")).to_be_focused()
    page.keyboard.type("alice")
    page.keyboard.press("Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    page.keyboard.type("commons-demo")
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/communities/?$"))
    main = page.get_by_role("main")
    expect(main.get_by_text("Wind Farm Analytics")).to_be_visible()
    expect(page.get_by_role("navigation", name="Main")).to_contain_text("Communities")
    expect(page.get_by_role("button", name="Account menu")).to_contain_text("Alice Admin")
    assert_accessible(page, "communities")

    for label, heading in [("Users", "Users"), ("Invitations", "Invitations"),
                           ("Organizations", "Organizations")]:
        page.get_by_role("navigation", name="Main").get_by_role("link", name=label).click()
        expect(page.get_by_role("heading", level=1, name=heading)).to_be_visible()
        assert_accessible(page, heading)
    expect(main.get_by_role("row", name=re.compile("^Contoso Retail contoso-retail"))).to_be_visible()

    page.get_by_role("button", name="Account menu").click()
    page.get_by_role("menuitem", name="Sign out").click()
    expect(page).to_have_url(re.compile(r"/signin/?$"))

    page.goto(base + "/users")
    expect(page).to_have_url(re.compile(r"/signin\?next=%2Fusers"))
    expect(page.get_by_text("alice@contoso.example")).to_have_count(0)


def test_a_wrong_password_gets_the_generic_message(page, live_app):
    sign_in(page, live_app.url, "contoso", "alice", password="not-the-password")
    expect(page.get_by_role("alert")).to_contain_text("did not match an active account")
    expect(page.get_by_label("Email or username")).to_be_visible()
    assert_accessible(page, "sign-in error")


def test_alice_switches_into_a_child_organization(page, live_app):
    sign_in(page, live_app.url, "contoso", "alice")
    expect(page.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    page.get_by_role("button", name="Account menu").click()
    page.get_by_role("menuitem", name="Switch organization").click()
    page.get_by_role("menuitem", name="Contoso Retail East").click()
    expect(page.get_by_role("button", name="Account menu")).to_contain_text("Contoso Retail East")
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Communities").click()
    expect(page.get_by_text("No communities to show")).to_be_visible()
    assert_accessible(page, "communities, empty")
