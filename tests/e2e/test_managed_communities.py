"""Product document 003: invite people into managed and MSSP communities with roles."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, emailed_link
from tests.e2e.test_shell_journey import sign_in

pytestmark = pytest.mark.e2e


def join_link(live_app, address):
    return emailed_link(live_app, address, "/join/")


def invite(page, address, communities, role, *, failing=None):
    """Invite `address` (and the invalid `failing`, whose failure the dialog can show
    alone) from the + User dialog."""
    page.get_by_role("button", name="+ User").click()
    page.get_by_label("User's email").fill(f"{address}\n{failing}" if failing else address)
    dialog = page.get_by_role("dialog")
    expect(dialog.get_by_text("Up to 1,000 addresses", exact=False)).to_be_visible()
    expect(dialog.get_by_text("2 addresses" if failing else "1 address", exact=True)) \
        .to_be_visible()
    for name in communities:
        dialog.get_by_role("checkbox", name=name, exact=True).click()
    dialog.get_by_role("checkbox", name=role).click()
    dialog.get_by_role("button", name="Validate").click()
    expect(dialog.get_by_text("invited", exact=True)).to_be_visible()
    if failing:
        expect(dialog.get_by_text("1 invited · 1 invalid address")).to_be_visible()
        dialog.get_by_role("switch", name="Show failures only").click()
        expect(dialog.get_by_text(address, exact=True)).to_have_count(0)
        expect(dialog.get_by_text(failing, exact=True)).to_be_visible()
    assert_accessible(page, "invite users dialog")
    dialog.get_by_role("button", name="Close").click()


def new_person_accepts(browser, base, link, name, joined):
    """A new person creates an account from `link` and lands, signed in at once, on the
    page of the community it `joined`."""
    page = browser.new_context().new_page()
    page.goto(link)
    expect(page.get_by_text("Create your account to accept")).to_be_visible()
    assert_accessible(page, "join page, new account")
    page.get_by_label("Display name").fill(name)
    page.get_by_label("Password (at least 8 characters)").fill("guest-password-1")
    page.get_by_label("Repeat the password").fill("guest-password-1")
    page.get_by_role("button", name="Create account and Accept").click()
    expect(page).to_have_url(re.compile(r"/communities/\d+/?$"))
    expect(page.get_by_role("heading", name=joined, exact=True)).to_be_visible()
    expect(page.get_by_role("button", name="Account menu")).to_be_visible()
    return page


def to_communities(page):
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Communities").click()
    expect(page).to_have_url(re.compile(r"/communities/?$"))


def test_guests_see_exactly_what_they_were_invited_to(browser, live_app):
    base = live_app.url
    alice = browser.new_context().new_page()
    sign_in(alice, base, "contoso", "alice")
    expect(alice.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    alice.get_by_role("button", name="Account menu").click()
    alice.get_by_role("menuitem", name="Managed Communities").click()
    main = alice.get_by_role("main")
    expect(main.get_by_text("Contoso SOC", exact=True)).to_be_visible()
    expect(main.get_by_text("Client A", exact=True)).to_be_visible()
    assert_accessible(alice, "managed communities")

    alice.get_by_role("tab", name="Roles").click()
    alice.get_by_role("button", name="New role").click()
    alice.get_by_label("Name").fill("Client Analyst")
    alice.get_by_label("Description").fill("Sees the client's community")
    alice.get_by_role("dialog").get_by_role("checkbox", name="community.view").click()
    alice.get_by_role("button", name="Save role").click()
    expect(main.get_by_text("Client Analyst", exact=True)).to_be_visible()
    assert_accessible(alice, "roles tab")

    alice.get_by_role("tab", name="Users").click()
    invite(alice, "guest.a@client.example", ["Client A"], "Client Analyst (custom)",
           failing="not-an-address")
    expect(main.get_by_text("guest.a@client.example")).to_be_visible()

    guest = new_person_accepts(browser, base, join_link(live_app, "guest.a@client.example"),
                               "Guest A", "Client A")
    expect(alice.get_by_text("Guest A accepted the invitation")).to_be_visible()
    to_communities(guest)
    gmain = guest.get_by_role("main")
    expect(gmain.get_by_text("Client A", exact=True)).to_be_visible()
    expect(gmain.get_by_text("Client B", exact=True)).to_have_count(0)
    expect(gmain.get_by_text("Contoso SOC", exact=True)).to_have_count(0)

    invite(alice, "lead@client.example", ["Contoso SOC"], "Community Member")
    lead = new_person_accepts(browser, base, join_link(live_app, "lead@client.example"), "Lead",
                              "Contoso SOC")
    to_communities(lead)
    lmain = lead.get_by_role("main")
    for name in ("Contoso SOC", "Client A", "Client B"):
        expect(lmain.get_by_text(name, exact=True)).to_be_visible()
    expect(lmain.get_by_text("Wind Farm Analytics")).to_have_count(0)
