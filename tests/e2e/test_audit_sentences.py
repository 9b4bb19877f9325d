"""The Audit log reads as sentences: who did what to whom, where; no ids, no key=value."""

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, emailed_link, one_worker_only
from tests.e2e.test_shell_journey import sign_in

pytestmark = [pytest.mark.e2e, one_worker_only]


def test_the_audit_log_tells_an_invitation_in_sentences(browser, live_app):
    base = live_app.url
    address = f"audit-{uuid.uuid4().hex[:6]}@sentences.example"
    alice = browser.new_context().new_page()
    sign_in(alice, base, "contoso", "alice")
    expect(alice.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    alice.goto(base + "/communities")
    alice.get_by_role("link", name="Details of Wind Farm Analytics").click()
    alice.get_by_role("button", name="Invite Tenant").click()
    alice.get_by_label("Email address of the tenant administrator").fill(address)
    alice.get_by_role("button", name="Invite", exact=True).click()
    expect(alice.get_by_text(f"Invitation sent to {address}")).to_be_visible()
    emailed_link(live_app, address, "/invite/")  # delivered
    alice.get_by_role("tab", name="Invitations").click()
    alice.get_by_role("row", name=re.compile(re.escape(address))).click()
    alice.get_by_role("button", name="Revoke Invitation").click()
    alice.get_by_role("alertdialog").get_by_role("button", name="Revoke Invitation").click()
    expect(alice.get_by_text(re.compile("revoked", re.IGNORECASE)).first).to_be_visible()

    alice.get_by_role("navigation", name="Main").get_by_role("link", name="Audit log").click()
    alice.get_by_label("Action starts with").fill("invitation.")
    table = alice.locator("table")
    for said in (f"Alice Admin revoked the invitation to {address} for Wind Farm Analytics.",
                 f"The invitation email to {address} for Wind Farm Analytics was delivered.",
                 f"Alice Admin invited {address} to Wind Farm Analytics."):
        expect(table.get_by_text(said, exact=True)).to_be_visible()
    expect(table.get_by_role("row")).not_to_have_count(1)
    text = table.inner_text()
    assert not re.search(r"#\d|\w=|organization_id|community_id", text), text
    assert_accessible(alice, "audit log in sentences")
