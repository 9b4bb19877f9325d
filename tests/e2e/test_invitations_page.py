"""The Invitations page: counts, filters, a failed delivery with Resend, CSV export."""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible
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
    time.sleep(2.5)
    alice.reload()
    expect(alice.get_by_role("row", name=re.compile("nobody@gone.example")).get_by_text(
        "sent", exact=True)).to_be_visible()

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
    other.get_by_role("button", name="nobody@gone.example").click()
    other.get_by_role("button", name="Revoke Invitation").click()
    other.get_by_role("alertdialog").get_by_role("button", name="Revoke Invitation").click()
    expect(alice.get_by_text("Invitation revoked.").first).to_be_visible()
    expect(alice.get_by_role("row", name=re.compile("nobody@gone.example")).get_by_text(
        "Revoked")).to_be_visible()


def test_audit_log_shows_who_did_what(browser, live_app):
    alice = browser.new_context().new_page()
    sign_in(alice, live_app.url, "contoso", "alice")
    expect(alice.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    alice.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    alice.get_by_label("Action starts with").fill("session.")
    expect(alice.get_by_role("row", name=re.compile("session.sign_in")).first).to_be_visible()
    assert_accessible(alice, "audit log")
