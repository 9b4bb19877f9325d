"""Issue 14: the Overview says what needs the viewer and lets them act on it there."""

import re
import uuid

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible
from tests.e2e.test_shell_journey import sign_in
from tests.e2e.test_tenant_handshake import BOB, bob_joins, invitations_to, wait_for_link

pytestmark = pytest.mark.e2e
NEED = "Accepted, waiting for your confirmation"


def waiting(page) -> int:
    """How many accepted invitations wait for this viewer's confirmation (0: no card)."""
    card = page.locator('[data-need="to_confirm"]')
    if card.count() == 0:
        return 0
    label = card.get_by_role("link", name=re.compile(r"^Show all \d+: ")).get_attribute(
        "aria-label")
    return int(re.match(r"Show all (\d+):", label).group(1))


def tenant_status_cell(page, column: str):
    """The cell of the Tenant row under `column` in the numbers beside "By status now"."""
    table = page.locator('[data-chart="status"] table')
    expect(table).to_be_visible()
    headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
    row = table.locator("tbody tr").filter(
        has=page.get_by_role("rowheader", name="Tenant", exact=True))
    return row.locator("th, td").nth(headers.index(column))


def test_an_accepted_invitation_waits_on_the_overview_and_is_confirmed_there(browser, live_app):
    base, smtp = live_app.url, live_app.smtp
    alice = browser.new_context().new_page()
    sign_in(alice, base, "contoso", "alice")
    expect(alice.get_by_role("heading", name="Needs you")).to_be_visible()
    expect(alice.get_by_role("heading", name="Your communities")).to_be_visible()

    # a community of its own, so what other tests left does not matter
    name = f"Overview {uuid.uuid4().hex[:6]}"
    alice.goto(base + "/communities")
    alice.get_by_role("button", name="Add community").click()
    alice.get_by_label("Name").fill(name)
    alice.get_by_role("button", name="Add community").last.click()
    expect(alice.get_by_role("heading", name=name)).to_be_visible()
    before = len(invitations_to(smtp, BOB))
    alice.get_by_role("button", name="Invite Tenant").click()
    alice.get_by_label("Email address of the tenant administrator").fill(BOB)
    alice.get_by_role("button", name="Invite", exact=True).click()
    expect(alice.get_by_text(f"Invitation sent to {BOB}")).to_be_visible()
    link = wait_for_link(smtp, BOB, before + 1)

    alice.goto(base + "/")
    expect(alice.get_by_role("heading", name="Needs you")).to_be_visible()
    loaded = alice.locator("[data-need]").or_(alice.get_by_text("Nothing needs you right now"))
    expect(loaded.first).to_be_visible()  # a need's card, or the all-clear
    count = waiting(alice)
    accepted = tenant_status_cell(alice, "Accepted")   # the charts' numbers, read afresh
    confirmed = tenant_status_cell(alice, "Confirmed")  # on load
    were = int(accepted.inner_text()), int(confirmed.inner_text())

    bob_joins(browser, link)

    # alice's open Overview shows it without a reload, with the row's own button; the
    # chart's numbers count it as accepted
    expect(accepted).to_have_text(str(were[0] + 1))
    card = alice.locator('[data-need="to_confirm"]')
    expect(card).to_be_visible()
    expect(card.get_by_role("heading", name=NEED)).to_be_visible()
    expect(card.get_by_role("link", name=re.compile(rf"^Show all {count + 1}: "))).to_be_visible()
    row = card.locator("div", has_text=re.compile(re.escape(name))).filter(
        has=alice.get_by_role("button", name="Confirm Tenant")).last
    assert_accessible(alice, "overview with a need")
    row.get_by_role("button", name="Confirm Tenant").click()
    dialog = alice.get_by_role("alertdialog")
    expect(dialog).to_contain_text(
        f"Confirm the tenant that accepted as a member tenant of {name}?")
    dialog.get_by_role("button", name="Confirm Tenant").click()
    expect(alice.get_by_text("Tenant confirmed.")).to_be_visible()
    expect(confirmed).to_have_text(str(were[1] + 1))  # the funnel grows, no reload
    expect(accepted).to_have_text(str(were[0]))
    if count:
        expect(card.get_by_role("link", name=re.compile(rf"^Show all {count}: "))
               ).to_be_visible()
    else:
        expect(card).to_have_count(0)

    # 90 days instead of 30; the charts' numbers pass axe like the rest of the page
    alice.get_by_role("radio", name="90 days").click()
    expect(alice.get_by_role("radio", name="90 days")).to_have_attribute("aria-checked", "true")
    expect(alice.get_by_text(re.compile(r"in the last 90 days"))).to_be_visible()
    assert_accessible(alice, "overview with its charts")

    # the count opens the Invitations page filtered to the need
    alice.goto(base + "/invitations?kind=tenant&status=accepted&direction=sent")
    expect(alice.get_by_role("button", name="Show accepted")).to_have_attribute(
        "aria-pressed", "true")
    expect(alice.get_by_role("combobox", name="Sent or received")).to_contain_text("Sent")
