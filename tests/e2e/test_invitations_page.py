"""The Invitations page: counts, filters, a failed delivery with Resend, CSV export."""

import re
import time
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, one_worker_only
from tests.e2e.test_shell_journey import sign_in

pytestmark = pytest.mark.e2e


def test_invitations_page_filters_shows_failed_delivery_and_exports(browser, live_app):
    base, smtp = live_app.url, live_app.smtp
    alice = browser.new_context().new_page()
    sign_in(alice, base, "contoso", "alice")
    expect(alice.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    alice.goto(base + "/communities")
    alice.get_by_role("link", name="Details of Wind Farm Analytics").click()
    smtp.failures = ["550 5.1.1 mailbox unavailable"]
    alice.get_by_role("button", name="Invite Tenant").click()
    alice.get_by_label("Email address of the tenant administrator").fill("nobody@gone.example")
    alice.get_by_role("button", name="Invite", exact=True).click()
    expect(alice.get_by_text("Invitation sent to nobody@gone.example")).to_be_visible()
    time.sleep(2.5)  # the background sender runs every second

    alice.get_by_role("navigation", name="Main").get_by_role("link", name="Invitations").click()
    row = alice.get_by_role("row", name=re.compile("nobody@gone.example"))
    expect(row.get_by_text("failed")).to_be_visible()
    assert_accessible(alice, "invitations page")
    alice.get_by_label("Recipient starts with").fill("nobody")
    expect(alice.get_by_role("row")).to_have_count(2)  # header and one row
    row.get_by_role("button", name="Resend").click()
    expect(alice.get_by_text("Sent again with a new link")).to_be_visible()
    # the background sender delivers it; the open page shows the new state by itself
    expect(alice.get_by_role("row", name=re.compile("nobody@gone.example")).get_by_text(
        "sent", exact=True)).to_be_visible(timeout=15_000)

    alice.get_by_label("Recipient starts with").fill("")
    alice.get_by_role("button", name="Show pending").click()
    expect(alice.get_by_role("row", name=re.compile("nobody@gone.example"))).to_be_visible()
    csv = alice.request.get(base + "/invitations.csv?q=nobody")
    assert csv.status == 200 and csv.headers["content-type"].startswith("text/csv")
    lines = csv.text().strip().splitlines()
    assert lines[0].startswith("Kind,Recipient") and "nobody@gone.example" in lines[1]
    assert len(lines) == 2

    stranger = browser.new_context()
    assert stranger.request.get(base + "/invitations.csv").status == 401

    # Another admin revokes it from the community page: this list changes without a reload.
    alice.get_by_role("button", name="Show pending").click()  # back to all statuses
    expect(alice.get_by_role("row", name=re.compile("nobody@gone.example"))).to_be_visible()
    other = browser.new_context().new_page()
    sign_in(other, base, "contoso", "alice")
    expect(other.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    other.goto(base + "/communities")
    other.get_by_role("link", name="Details of Wind Farm Analytics").click()
    other.get_by_role("tab", name="Invitations").click()
    other.get_by_role("row", name=re.compile("nobody@gone.example")).click()
    other.get_by_role("button", name="Revoke Invitation").click()
    other.get_by_role("alertdialog").get_by_role("button", name="Revoke Invitation").click()
    expect(alice.get_by_text("Alice Admin revoked an invitation (nobody@gone.example)").first
           ).to_be_visible()
    expect(alice.get_by_role("row", name=re.compile("nobody@gone.example")).get_by_text(
        "Revoked")).to_be_visible()


@one_worker_only
def test_audit_log_shows_who_did_what(browser, live_app):
    alice = browser.new_context().new_page()
    sign_in(alice, live_app.url, "contoso", "alice")
    expect(alice.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    alice.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    alice.get_by_label("Action starts with").fill("session.")
    expect(alice.get_by_role("row", name=re.compile("session.sign_in")).first).to_be_visible()
    assert_accessible(alice, "audit log")


def invite_tenant(page, address: str) -> None:
    page.get_by_role("button", name="Invite Tenant").click()
    page.get_by_label("Email address of the tenant administrator").fill(address)
    page.get_by_role("button", name="Invite", exact=True).click()
    expect(page.get_by_text(f"Invitation sent to {address}")).to_be_visible()


def recipients_shown(page) -> list[str]:
    return [c.strip() for c in page.locator("tbody tr td:nth-child(2)").all_inner_texts()]


def test_received_side_updates_live_and_columns_sort_within_a_community(browser, live_app):
    base = live_app.url
    name = f"Sorting {uuid.uuid4().hex[:6]}"
    bob = browser.new_context().new_page()
    sign_in(bob, base, "fabrikam", "bob")
    expect(bob.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    bob.get_by_role("navigation", name="Main").get_by_role("link", name="Invitations").click()
    expect(bob.get_by_role("button", name="Show pending")).to_be_visible()

    alice = browser.new_context().new_page()
    sign_in(alice, base, "contoso", "alice")
    expect(alice.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    alice.goto(base + "/communities")
    alice.get_by_role("button", name="Add community").click()
    alice.get_by_label("Name").fill(name)
    alice.get_by_role("button", name="Add community").last.click()
    expect(alice.get_by_role("heading", name=name)).to_be_visible()
    for address in ("zed@sorting.example", "bob@fabrikam.example", "amy@sorting.example"):
        invite_tenant(alice, address)

    # Bob is in another organization: his open Invitations page shows it without a reload.
    received = bob.get_by_role("row", name=re.compile(name))
    expect(received).to_be_visible()
    expect(received.get_by_role("button", name="Join")).to_be_visible()
    received.get_by_role("button", name=re.compile("Details")).click()
    expect(bob.get_by_role("heading", name="Invitation Details")).to_be_visible()
    expect(bob.get_by_text(re.compile(r"^Sent · Alice"))).to_be_visible()

    alice.get_by_role("navigation", name="Main").get_by_role("link", name="Invitations").click()
    alice.get_by_role("combobox", name="Filter by community or organization").click()
    alice.get_by_role("option", name=name).click()
    expect(alice.get_by_role("row")).to_have_count(4)  # header and three invitations
    assert recipients_shown(alice) == ["amy@sorting.example", "bob@fabrikam.example",
                                       "zed@sorting.example"]  # newest first
    alice.get_by_role("button", name="Sort by recipient").click()
    expect(alice.locator("th[aria-sort=ascending]")).to_contain_text("Recipient")
    expect(alice.locator("tbody tr").first).to_contain_text("amy@sorting.example")
    alice.get_by_role("button", name="Sort by recipient").click()
    expect(alice.locator("th[aria-sort=descending]")).to_contain_text("Recipient")
    expect(alice.locator("tbody tr").first).to_contain_text("zed@sorting.example")
    assert recipients_shown(alice) == ["zed@sorting.example", "bob@fabrikam.example",
                                       "amy@sorting.example"]
    assert_accessible(alice, "invitations sorted and filtered")
    csv = alice.request.get(base + alice.get_by_role("link", name="Export CSV")
                            .get_attribute("href"))
    assert [line.split(",")[1] for line in csv.text().strip().splitlines()[1:]] == [
        "zed@sorting.example", "bob@fabrikam.example", "amy@sorting.example"]

    # Alice revokes bob's invitation here: bob's page changes without a reload.
    alice.get_by_role("row", name=re.compile("bob@fabrikam.example")).get_by_role(
        "button", name="Revoke").click()
    dialog = alice.get_by_role("alertdialog")
    expect(dialog).to_contain_text("Revoke the invitation to bob@fabrikam.example?")
    dialog.get_by_role("button", name="Revoke").click()
    expect(received.get_by_text("Revoked")).to_be_visible()
    expect(received.get_by_role("button", name="Join")).to_have_count(0)

    # Clear filters brings back every invitation, in the order chosen.
    alice.get_by_role("button", name="Clear filters").click()
    expect(alice.get_by_role("button", name="Clear filters")).to_have_count(0)
    expect(alice.get_by_role("combobox", name="Filter by community or organization")
           ).to_contain_text("Every community and organization")
    expect(alice.locator("tbody tr")).not_to_have_count(3)
