"""Product document 004: invite users of the parent organization into groups."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, emailed_link
from tests.e2e.test_shell_journey import sign_in

pytestmark = pytest.mark.e2e


def org_invite_link(live_app, address):
    return emailed_link(live_app, address, "/org-invite/")


def invite_parent_users(page, usernames, group=None):
    page.get_by_role("tab", name="Users").click()
    page.get_by_role("button", name="Add user").click()
    page.get_by_role("menuitem", name="Invite Parent User").click()
    field = page.get_by_label("Usernames")
    for name in usernames:
        field.fill(name)
        field.press("Enter")
    dialog = page.get_by_role("dialog")
    if group:
        dialog.get_by_role("checkbox", name=group).click()
    dialog.get_by_role("button", name="Invite").click()
    expect(dialog.get_by_text("Result", exact=True)).to_be_visible()
    assert_accessible(page, "invite parent user")
    return dialog


def test_dave_and_alice_invite_parent_users_and_frank_accepts(browser, live_app):
    base = live_app.url
    dave = browser.new_context().new_page()
    sign_in(dave, base, "contoso-retail", "dave")
    expect(dave.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    dave.get_by_role("navigation", name="Main").get_by_role("link", name="Users").click()
    dialog = invite_parent_users(dave, ["alice", "bob"])
    expect(dialog.get_by_text("invited", exact=True)).to_be_visible()
    expect(dialog.get_by_text("not a user of the parent organization", exact=True)) \
        .to_be_visible()
    expect(dialog.get_by_text("1 invited · 1 not a user of the parent organization")) \
        .to_be_visible()
    dialog.get_by_role("button", name="Close").click()

    alice = browser.new_context().new_page()
    sign_in(alice, base, "contoso", "alice")
    expect(alice.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    alice.get_by_role("navigation", name="Main").get_by_role("link", name="Organizations").click()
    alice.get_by_role("button", name="Switch to Contoso Retail", exact=True).click()
    expect(alice.get_by_role("button", name="Account menu")).to_contain_text("Contoso Retail")
    alice.get_by_role("navigation", name="Main").get_by_role("link", name="Users").click()
    alice.get_by_role("tab", name="Groups").click()
    alice.get_by_role("button", name="New group").click()
    alice.get_by_label("Name").fill("Retail Ops")
    alice.get_by_role("button", name="Create group").click()
    expect(alice.get_by_role("main").get_by_text("Retail Ops", exact=True)).to_be_visible()
    assert_accessible(alice, "groups tab")
    dialog = invite_parent_users(alice, ["frank"], group="Retail Ops")
    expect(dialog.get_by_text("invited", exact=True)).to_be_visible()
    dialog.get_by_role("button", name="Close").click()

    frank = browser.new_context().new_page()
    frank.goto(org_invite_link(live_app, "frank@contoso.example"))
    expect(frank.get_by_role("heading", name="Join Contoso Retail")).to_be_visible()
    assert_accessible(frank, "org invitation page")
    frank.get_by_role("button", name="Sign in to accept").click()
    expect(frank.get_by_role("heading", name="Verify your identity")).to_be_visible()
    expect(frank.get_by_label("Email or username")).to_have_value("frank")  # filled in
    frank.get_by_label("Password").fill("commons-demo")
    frank.get_by_role("button", name="Sign in").click()
    frank.get_by_role("button", name="Accept Invitation").click()
    expect(frank.get_by_text("you are now a user of Contoso Retail")).to_be_visible()
    frank.get_by_role("button", name="Open Contoso Retail").click()
    expect(frank.get_by_role("button", name="Account menu")).to_contain_text("Contoso Retail")

    expect(alice.get_by_text("Frank Fielding accepted the invitation")).to_be_visible()
    row = alice.get_by_role("row", name=re.compile("Frank Fielding"))
    expect(row.get_by_text("From the parent organization")).to_be_visible()
    alice.get_by_role("tab", name="Groups").click()
    expect(alice.get_by_role("row", name=re.compile("Retail Ops"))).to_contain_text(
        "Frank Fielding")
    alice.get_by_role("tab", name="Invitations").click()
    expect(alice.get_by_role("row", name=re.compile("frank"))).to_contain_text("Accepted")

    alice_link = org_invite_link(live_app, "alice@contoso.example")
    alice.get_by_role("button", name="Delete alice").click()
    alice.get_by_role("alertdialog").get_by_role("button", name="Delete").click()
    expect(alice.get_by_role("row", name=re.compile("alice"))).to_contain_text("Deleted")
    alice.goto(alice_link)
    expect(alice.get_by_text("This invitation was deleted")).to_be_visible()
