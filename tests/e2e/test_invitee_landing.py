"""Invitees land somewhere (issue 12): a new account is signed in at once and opens the
community it joined; an existing account is sent to sign in with its address filled in,
accepts, and one button takes it into the organization that owns the community."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, one_worker_only
from tests.e2e.test_community_admin import signed_in
from tests.e2e.test_managed_communities import invite, join_link, new_person_accepts

pytestmark = [pytest.mark.e2e, one_worker_only]
NEWCOMER = "newcomer@client.example"
CAROL = "carol@northwind.example"


def managed_users_tab(base, browser):
    alice = signed_in(browser, base, "contoso", "alice")
    alice.get_by_role("button", name="Account menu").click()
    alice.get_by_role("menuitem", name="Managed Communities").click()
    alice.get_by_role("tab", name="Users").click()
    return alice


def test_a_new_person_lands_signed_in_on_the_community_it_joined(browser, live_app):
    alice = managed_users_tab(live_app.url, browser)
    invite(alice, NEWCOMER, ["Client A"], "Community Member")
    newcomer = new_person_accepts(browser, live_app.url, join_link(live_app, NEWCOMER),
                                  "Nora Newcomer", "Client A")
    expect(newcomer.get_by_role("button", name="Account menu")).to_contain_text(
        "Contoso Energy")
    # The session is an HttpOnly cookie: no script of the page can read it; a reload
    # keeps it.
    assert "commons_session" not in newcomer.evaluate("document.cookie")
    newcomer.reload()
    expect(newcomer.get_by_role("heading", name="Client A", exact=True)).to_be_visible()
    assert_accessible(newcomer, "community page of a new account")
    # The link is used: opened again it cannot create another account.
    newcomer.goto(join_link(live_app, NEWCOMER))
    expect(newcomer.get_by_role("button", name="Open Client A")).to_be_visible()
    expect(newcomer.get_by_text("Create your account to accept")).to_have_count(0)


def test_an_account_elsewhere_signs_in_filled_in_and_opens_the_community(browser, live_app):
    alice = managed_users_tab(live_app.url, browser)
    invite(alice, CAROL, ["Client B"], "Community Member")
    carol = browser.new_context().new_page()
    carol.goto(join_link(live_app, CAROL))
    carol.get_by_role("button", name="Sign in to accept").click()
    # Where this address signs in (its own organization) and the address are filled in.
    expect(carol.get_by_role("heading", name="Verify your identity")).to_be_visible()
    expect(carol.get_by_text("northwind", exact=True)).to_be_visible()
    expect(carol.get_by_label("Email or username")).to_have_value(CAROL)
    carol.get_by_label("Password").fill("commons-demo")
    carol.get_by_role("button", name="Sign in").click()
    carol.get_by_role("button", name="Accept", exact=True).click()
    expect(carol.get_by_text("Accepted: you can now use Client B")).to_be_visible()
    expect(carol.get_by_text("avatar menu")).to_have_count(0)
    assert_accessible(carol, "join page, accepted")
    carol.get_by_role("button", name="Open Client B").click()
    expect(carol).to_have_url(re.compile(r"/communities/\d+/?$"))
    expect(carol.get_by_role("heading", name="Client B", exact=True)).to_be_visible()
    expect(carol.get_by_role("button", name="Account menu")).to_contain_text("Contoso Energy")
