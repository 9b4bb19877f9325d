"""Add and delete a community; two admins see each other; a removed tenant's page updates."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible
from tests.e2e.test_shell_journey import sign_in
from tests.e2e.test_tenant_handshake import invitations_to, wait_for_link

pytestmark = pytest.mark.e2e
CAROL = "carol@northwind.example"


def signed_in(browser, base, tenant, user):
    page = browser.new_context().new_page()
    sign_in(page, base, tenant, user)
    expect(page.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    return page


def invite(page, address):
    page.get_by_role("button", name="Invite Tenant").click()
    page.get_by_label("Email address of the tenant administrator").fill(address)
    page.get_by_role("button", name="Invite", exact=True).click()
    expect(page.get_by_text(f"Invitation sent to {address}").first).to_be_visible()


def test_community_lifecycle_seen_live_by_everyone_involved(browser, live_app):
    base, smtp = live_app.url, live_app.smtp
    alice = signed_in(browser, base, "contoso", "alice")
    alice.goto(base + "/communities")
    alice.get_by_role("button", name="Add community").click()
    assert_accessible(alice, "add community dialog")
    alice.get_by_label("Name").fill("Solar Forecasts")
    alice.get_by_label("Description").fill("Irradiance forecasts for the solar parks.")
    alice.get_by_role("button", name="Add community").last.click()
    expect(alice.get_by_role("heading", name="Solar Forecasts")).to_be_visible()
    community_url = alice.url

    second = signed_in(browser, base, "contoso", "alice")  # another admin tab of Contoso
    second.goto(community_url)
    second.get_by_role("tab", name="Invitations").click()
    expect(second.get_by_text("No invitations")).to_be_visible()

    before = len(invitations_to(smtp, CAROL))
    invite(alice, CAROL)
    carol_row = second.get_by_role("row", name=re.compile(re.escape(CAROL)))
    expect(carol_row).to_be_visible()  # no reload

    carol = signed_in(browser, base, "northwind", "carol")
    carol.goto(wait_for_link(smtp, CAROL, before + 1))
    carol.get_by_role("button", name="Join").click()
    expect(carol.get_by_text("Awaiting confirmation")).to_be_visible()
    carol_row.click()
    second.get_by_role("button", name="Confirm Tenant").click()
    second.get_by_role("alertdialog").get_by_role("button", name="Confirm Tenant").click()
    expect(carol.get_by_text("your tenant is now part of Solar Forecasts")).to_be_visible()

    carol.goto(community_url)
    expect(carol.get_by_role("heading", name="Solar Forecasts")).to_be_visible()
    alice.get_by_role("tab", name="Tenants").click()
    expect(alice.get_by_role("row", name=re.compile("Northwind Traders"))).to_be_visible()
    alice.get_by_role("row", name=re.compile("Northwind Traders")).click()
    alice.get_by_role("button", name="Remove Tenant").click()
    alice.get_by_role("alertdialog").get_by_role("button", name="Remove Tenant").click()
    expect(carol.get_by_text("no longer available to you").first).to_be_visible()
    expect(carol.get_by_role("heading", name="Solar Forecasts")).to_have_count(0)

    alice.get_by_role("button", name="Delete community").click()
    dialog = alice.get_by_role("alertdialog")
    expect(dialog.get_by_role("button", name="Delete")).to_be_disabled()
    dialog.get_by_label("Type the community name").fill("Solar Forecasts")
    dialog.get_by_role("button", name="Delete").click()
    expect(alice).to_have_url(re.compile(r"/communities/?$"))
    expect(alice.get_by_role("link", name="Details of Solar Forecasts")).to_have_count(0)
    expect(second.get_by_text("no longer available to you").first).to_be_visible()
