"""What a careful walk through the product documents found (issue 12): rows select, the
address bar follows, a double click sends one email, Decline asks with a reason that reaches
the inviter, a used link tells strangers nothing, dialogs start fresh."""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, emailed_link, one_worker_only
from tests.e2e.test_community_admin import signed_in
from tests.e2e.test_tenant_handshake import invitations_to, open_community

pytestmark = pytest.mark.e2e
DAVE = "dave@contoso-retail.example"
REASON = "Not this quarter, thanks"


def test_a_declined_invitation_with_its_reason_from_select_to_used_link(browser, live_app):
    base, smtp = live_app.url, live_app.smtp
    before = len(invitations_to(smtp, DAVE))
    alice = signed_in(browser, base, "contoso", "alice")
    open_community(alice, base)
    alice.get_by_role("button", name="Invite Tenant").click()
    alice.get_by_label("Email address of the tenant administrator").fill(DAVE)
    alice.get_by_role("button", name="Invite", exact=True).click()
    expect(alice.get_by_text(f"Invitation sent to {DAVE}")).to_be_visible()

    # Select means the row: a click anywhere on it (or Enter on it) opens its pane.
    alice.get_by_role("tab", name="Invitations").click()
    row = alice.get_by_role("row", name=re.compile(re.escape(DAVE)))
    row.get_by_text("Alice Admin").click()
    pane = alice.locator("#invitation-pane")
    expect(pane.get_by_text(DAVE, exact=True)).to_be_visible()
    expect(row).to_have_attribute("aria-selected", "true")
    expect(alice).to_have_url(re.compile(r"\?invitation=\d+$"))
    invitation_url = alice.url

    # A double click on Resend sends one email and says when the first went.
    pane.get_by_role("button", name="Resend Invitation").dblclick()
    expect(alice.get_by_text("nothing was sent again")).to_be_visible()
    time.sleep(2.5)  # the background sender runs every second
    assert len(invitations_to(smtp, DAVE)) == before + 2  # the invitation and one resend

    # Closing the pane takes the invitation out of the address bar; a reload reopens what
    # the address names.
    pane.get_by_role("button", name="Close").click()
    expect(alice).to_have_url(re.compile(r"/communities/\d+$"))
    alice.goto(invitation_url)
    pane = alice.locator("#invitation-pane")
    expect(pane.get_by_text(DAVE, exact=True)).to_be_visible()

    # The keyboard: Escape in the pane closes it and puts the focus back on its row; Enter
    # on a focused row opens it again.
    pane.get_by_role("button", name="Resend Invitation").focus()
    alice.keyboard.press("Escape")
    expect(pane).to_have_count(0)
    row = alice.get_by_role("row", name=re.compile(re.escape(DAVE)))
    expect(row).to_be_focused()
    alice.keyboard.press("Enter")
    expect(alice.locator("#invitation-pane").get_by_text(DAVE, exact=True)).to_be_visible()
    alice.keyboard.press("Escape")
    expect(alice.locator("#invitation-pane")).to_have_count(0)

    # Decline asks again, with a reason the inviter reads in the timeline and by email.
    dave = signed_in(browser, base, "contoso-retail", "dave")
    dave.get_by_role("navigation", name="Main").get_by_role("link", name="Invitations").click()
    dave.get_by_role("row", name=re.compile("Wind Farm Analytics")).get_by_role(
        "button", name="Decline").click()
    dialog = dave.get_by_role("dialog")
    expect(dialog.get_by_text("Decline the invitation?")).to_be_visible()
    assert_accessible(dave, "decline dialog")
    dialog.get_by_label("Reason for declining (optional)").fill(REASON)
    dialog.get_by_role("button", name="Decline").click()
    expect(dave.get_by_text("Invitation declined; the inviter has been told.")).to_be_visible()

    row = alice.get_by_role("row", name=re.compile(re.escape(DAVE)))
    expect(row.get_by_text("Declined")).to_be_visible()
    row.click()
    expect(alice.locator("#invitation-pane").get_by_text(f"Declined (“{REASON}”)")) \
        .to_be_visible()
    deadline = time.monotonic() + 20
    while not any(f"Their reason: {REASON}" in str(m.get_body(("plain",)))
                  for m in smtp.to("alice@contoso.example")):
        assert time.monotonic() < deadline, "no decline email to alice"
        time.sleep(0.3)

    # The used link: its recipient reads what became of it, anyone else only that it ended.
    link = emailed_link(live_app, DAVE, "/invite/")
    dave.goto(link)
    expect(dave.get_by_text("This invitation was declined.")).to_be_visible()
    carol = signed_in(browser, base, "northwind", "carol")
    carol.goto(link)
    expect(carol.get_by_text("not valid or can no longer be used")).to_be_visible()
    expect(carol.get_by_text("Wind Farm Analytics")).to_have_count(0)
    stranger = browser.new_context().new_page()
    stranger.goto(link)
    expect(stranger.get_by_text("not valid or can no longer be used")).to_be_visible()
    expect(stranger.get_by_text(DAVE)).to_have_count(0)
    assert_accessible(stranger, "ended link, signed out")


@one_worker_only
def test_a_fresh_visit_starts_with_dialogs_closed(browser, live_app):
    alice = signed_in(browser, live_app.url, "contoso", "alice")

    def to_managed():
        alice.get_by_role("button", name="Account menu").click()
        alice.get_by_role("menuitem", name="Managed Communities").click()

    to_managed()
    alice.get_by_role("tab", name="Users").click()
    alice.get_by_role("button", name="+ User").click()
    dialog = alice.get_by_role("dialog")
    dialog.get_by_label("User's email").fill("not-an-address")
    dialog.get_by_role("checkbox", name="Client A", exact=True).click()
    dialog.get_by_role("checkbox", name="Community Member").click()
    dialog.get_by_role("button", name="Validate").click()
    expect(dialog.get_by_text("invalid address", exact=True)).to_be_visible()
    alice.go_back()  # leave with the dialog open (the browser's Back button)
    expect(alice).not_to_have_url(re.compile(r"/managed"))
    to_managed()
    alice.get_by_role("tab", name="Users").click()
    expect(alice.get_by_role("button", name="+ User")).to_be_visible()
    expect(alice.get_by_role("dialog")).to_have_count(0)
    alice.get_by_role("button", name="+ User").click()
    expect(alice.get_by_role("dialog").get_by_text("invalid address")).to_have_count(0)


@one_worker_only
def test_a_member_is_shown_only_what_they_may_use(browser, live_app):
    frank = signed_in(browser, live_app.url, "contoso", "frank")
    nav = frank.get_by_role("navigation", name="Main")
    expect(nav.get_by_role("link", name="Communities")).to_be_visible()
    expect(nav.get_by_role("link", name="Invitations")).to_be_visible()
    for hidden in ("Users", "Audit log", "Organizations"):
        expect(nav.get_by_role("link", name=hidden)).to_have_count(0)
    expect(nav.get_by_text("User Management")).to_have_count(0)
    frank.get_by_role("button", name="Account menu").click()
    expect(frank.get_by_role("menuitem", name="Managed Communities")).to_have_count(0)
    expect(frank.get_by_role("menuitem", name="Webhooks")).to_have_count(0)
    frank.keyboard.press("Escape")
    nav.get_by_role("link", name="Communities").click()
    expect(frank.get_by_role("note")).to_contain_text(
        "You see those you are a member of; its Tenant Administrators see every one.")
    expect(frank.get_by_role("button", name="Add community")).to_have_count(0)
    frank.goto(live_app.url + "/managed")
    expect(frank.get_by_role("alert")).to_contain_text("Managed Communities is for those")
