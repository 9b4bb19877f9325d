"""Product documents 000-002: invite a tenant, Join, Confirm Tenant, remove, re-invite, resend."""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, one_worker_only
from tests.e2e.test_shell_journey import sign_in

pytestmark = pytest.mark.e2e
BOB = "bob@fabrikam.example"


def invitations_to(smtp, address) -> list:
    """The tenant invitation messages (with an /invite/ link) sent to `address` so far."""
    return [m for m in smtp.to(address) if "/invite/" in str(m.get_body(("plain",)))]


def wait_for_link(smtp, address, count):
    """The accept link of the `count`-th tenant invitation message to `address` (count them
    with `invitations_to`; the sender runs each second)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        got = invitations_to(smtp, address)
        if len(got) >= count:
            return next(u for u in smtp.links(got[count - 1]) if "/invite/" in u)
        time.sleep(0.3)
    raise AssertionError(f"no message {count} for {address}")


def bob_joins(browser, link: str):
    """bob opens `link` signed out, signs in from it and presses Join; his page."""
    bob = browser.new_context().new_page()
    bob.goto(link)
    bob.get_by_role("button", name="Sign in to respond").click()
    expect(bob.get_by_text("Tenant: fabrikam")).to_be_visible()  # where bob signs in
    bob.get_by_label("Email or username").fill("bob")
    bob.get_by_label("Password").fill("commons-demo")
    bob.get_by_role("button", name="Sign in").click()
    bob.get_by_role("button", name="Join").click()
    expect(bob.get_by_text("Awaiting confirmation")).to_be_visible()
    return bob


def open_community(page, base):
    page.goto(base + "/communities")
    page.get_by_role("link", name="Details of Wind Farm Analytics").click()
    expect(page.get_by_role("heading", name="Wind Farm Analytics")).to_be_visible()


def test_invite_join_confirm_remove_reinvite_resend(browser, live_app):
    base, smtp = live_app.url, live_app.smtp
    before = len(invitations_to(smtp, BOB))
    alice = browser.new_context().new_page()
    sign_in(alice, base, "contoso", "alice")
    expect(alice.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    open_community(alice, base)
    assert_accessible(alice, "community details")

    alice.get_by_role("button", name="Invite Tenant").click()
    alice.get_by_label("Email address of the tenant administrator").fill("not-an-address")
    alice.get_by_role("button", name="Invite", exact=True).click()
    expect(alice.get_by_role("alert")).to_contain_text("not a valid email address")
    alice.get_by_label("Email address of the tenant administrator").fill(BOB)
    alice.get_by_role("button", name="Invite", exact=True).click()
    expect(alice.get_by_text(f"Invitation sent to {BOB}")).to_be_visible()
    link = wait_for_link(smtp, BOB, before + 1)

    alice.get_by_role("tab", name="Invitations").click()
    expect(alice.get_by_role("row", name=re.compile(re.escape(BOB)))).to_be_visible()
    expect(alice.get_by_text("Invitation Pending").first).to_be_visible()

    bob = browser.new_context().new_page()
    bob.goto(link)
    expect(bob.get_by_role("heading", name="Join Wind Farm Analytics")).to_be_visible()
    assert_accessible(bob, "accept page, signed out")
    bob.get_by_role("button", name="Sign in to respond").click()
    expect(bob.get_by_text("Tenant: fabrikam")).to_be_visible()  # where bob signs in
    expect(bob.get_by_label("Email or username")).to_have_value(BOB)  # the invited address
    bob.get_by_label("Email or username").fill("bob")
    bob.get_by_label("Password").fill("commons-demo")
    bob.get_by_role("button", name="Sign in").click()
    expect(bob.get_by_text("Membership does not begin until the inviter confirms")).to_be_visible()
    bob.get_by_role("button", name="Join").click()
    expect(bob.get_by_text("Awaiting confirmation")).to_be_visible()
    expect(bob.get_by_role("button", name="Go to Communities")).to_be_visible()
    # The inviter's open page changes without a reload, with a toast.
    expect(alice.get_by_text("accepted the invitation (bob@fabrikam.example)")).to_be_visible()
    assert_accessible(bob, "accept page, awaiting confirmation")
    expect(alice.get_by_role("table").get_by_text("Invitation Accepted")).to_be_visible()
    alice.get_by_role("row", name=re.compile(re.escape(BOB))).click()
    expect(alice.get_by_text("Invitation Accepted").first).to_be_visible()
    assert_accessible(alice, "invitation details")
    alice.get_by_role("button", name="Confirm Tenant").click()
    alice.get_by_role("alertdialog").get_by_role("button", name="Confirm Tenant").click()
    expect(alice.get_by_text("Tenant confirmed").first).to_be_visible()

    # ... and so does the invitee's awaiting page.
    expect(bob.get_by_text("your tenant is now part of Wind Farm Analytics")).to_be_visible()
    bob.get_by_role("button", name="Open Wind Farm Analytics").click()
    expect(bob.get_by_role("heading", name="Wind Farm Analytics", exact=True)).to_be_visible()

    alice.get_by_role("tab", name="Tenants").click()
    alice.get_by_role("row", name=re.compile("Fabrikam Utilities")).click()
    alice.get_by_role("button", name="Remove Tenant").click()
    alice.get_by_role("alertdialog").get_by_role("button", name="Remove Tenant").click()
    expect(alice.get_by_text("Tenant removed from the community.")).to_be_visible()
    expect(alice.get_by_role("row", name=re.compile("Fabrikam Utilities"))).to_have_count(0)

    alice.get_by_role("button", name="Invite Tenant").click()
    alice.get_by_label("Email address of the tenant administrator").fill(BOB)
    alice.get_by_role("button", name="Invite", exact=True).click()
    first_link = wait_for_link(smtp, BOB, before + 2)
    alice.get_by_role("button", name="Invite Tenant").click()
    alice.get_by_label("Email address of the tenant administrator").fill(BOB)
    alice.get_by_role("button", name="Invite", exact=True).click()
    expect(alice.get_by_role("alert")).to_contain_text("already has an open invitation")
    alice.get_by_role("button", name="Resend Invitation").click()
    expect(alice.get_by_text("the old link no longer works")).to_be_visible()
    second_link = wait_for_link(smtp, BOB, before + 3)
    assert second_link != first_link
    bob.goto(first_link)
    expect(bob.get_by_text("not valid")).to_be_visible()
    bob.goto(second_link)
    expect(bob.get_by_role("button", name="Join")).to_be_visible()


@one_worker_only
def test_community_moderator_of_northwind_removes_their_own_tenant(browser, live_app):
    carol = browser.new_context().new_page()
    sign_in(carol, live_app.url, "northwind", "carol")
    expect(carol.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    open_community(carol, live_app.url)
    expect(carol.get_by_role("tab", name="Invitations")).to_have_count(0)
    carol.get_by_role("row", name=re.compile("Northwind Traders")).click()
    expect(carol.get_by_role("button", name="Remove Tenant")).to_have_count(0)
    carol.get_by_role("button", name="More Options").click()
    carol.get_by_role("menuitem", name="Remove Northwind Traders").click()
    dialog = carol.get_by_role("alertdialog")
    expect(dialog.get_by_role("button", name="Remove")).to_be_disabled()
    dialog.get_by_label("Type your tenant name").fill("Northwind Traders")
    dialog.get_by_role("button", name="Remove").click()
    expect(carol).to_have_url(re.compile(r"/communities/?$"))
    expect(carol.get_by_text("No communities to show")).to_be_visible()
