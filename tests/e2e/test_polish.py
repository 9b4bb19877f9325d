"""Issue 12 item 18, polish: badges coloured by meaning, a timeline of one line per event,
the Invitations table's actions in one row inside the table's border, addresses that break
after "@" and dots, tables that fit a phone, the role dropdown inside the tenant pane, one
header style on both community tabs, and counted words that agree; axe in light and dark
with panes and dialogs open.

Polish Palette (added to the app's database) owns a community with a tenant invitation in
every status, so the demo organizations' lists stay as the other journeys expect them.
"""

import re
from datetime import UTC, datetime, timedelta

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from app.db import make_engine
from app.domain.permissions import TENANT_ADMIN, TENANT_MEMBER
from app.models import Invitation, Organization
from app.services import tenant_invitations as ti
from app.services.auth import viewer_for_user
from app.services.communities import create_community
from app.services.invitation_lifecycle import Mailer
from app.services.orgs import create_organization, create_user
from tests.e2e.conftest import assert_accessible
from tests.e2e.test_shell_journey import sign_in

pytestmark = [pytest.mark.e2e,
              pytest.mark.parametrize("live_app", ["one-worker"], indirect=True)]

ALIAS, PASSWORD, COMMUNITY = "polish-palette", "palette-password-1", "Palette Community"
LONG = "someone.with.a.long.name@subdomain.partner-organization.example"
STATUS_OF = {"pending": "waiting@nowhere.example", "expired": "late@nowhere.example",
             "revoked": "gone@nowhere.example", "accepted": "acc@polish-accepting.example",
             "confirmed": "conf@polish-confirming.example",
             "declined": "dec@polish-declining.example"}


def _org_with_admin(db, name, alias, email, now, extra=()):
    org = create_organization(db, name, alias, now=now)
    admin = create_user(db, org, email=email, username=email.split("@")[0],
                        display_name=email.split("@")[0].title() + " Admin", password=PASSWORD,
                        role=TENANT_ADMIN, now=now)
    for person in extra:
        create_user(db, org, email=f"{person}@{alias}.example", username=person,
                    display_name=f"{person.title()} Roles", password=PASSWORD,
                    role=TENANT_MEMBER, now=now)
    db.flush()
    return viewer_for_user(db, admin, org.id)


@pytest.fixture
def palette(live_app):
    """Polish Palette's community, with a tenant invitation in each status (once per app)."""
    engine = make_engine(f"sqlite:///{live_app.log.parent / 'e2e.db'}")
    mailer = Mailer("e2e-secret-key-0123456789abcdef", live_app.url)
    with Session(engine) as db:
        if db.exec(select(Organization).where(Organization.alias == ALIAS)).first() is None:
            now = datetime.now(UTC)
            pia = _org_with_admin(db, "Polish Palette", ALIAS, f"pia@{ALIAS}.example", now,
                                  extra=["rob"])
            cid = create_community(db, pia, COMMUNITY, "Every status once.", now=now).id

            def invite(address, at=now):
                return ti.invite_tenant(db, pia, cid, address, now=at, mailer=mailer)

            invite(STATUS_OF["pending"])
            invite(LONG)
            invite(STATUS_OF["expired"], at=now - timedelta(days=30))
            ti.revoke_invitation(db, pia, invite(STATUS_OF["revoked"]), now=now)
            for status, alias in (("accepted", "polish-accepting"),
                                  ("confirmed", "polish-confirming"),
                                  ("declined", "polish-declining")):
                admin = _org_with_admin(db, alias.replace("-", " ").title(), alias,
                                        STATUS_OF[status], now)
                inv = db.get(Invitation, invite(STATUS_OF[status]))
                if status == "declined":
                    ti.decline_invitation(db, admin, inv, "Not this quarter, thanks",
                                          now=now, mailer=mailer)
                else:
                    ti.join_invitation(db, admin, inv, now=now, mailer=mailer)
                if status == "confirmed":
                    ti.confirm_tenant(db, pia, inv.id, now=now)
            db.commit()
    engine.dispose()


def _pia(browser, live_app, scheme, width=1280):
    page = browser.new_context(color_scheme=scheme,
                               viewport={"width": width, "height": 900}).new_page()
    sign_in(page, live_app.url, ALIAS, "pia", password=PASSWORD)
    expect(page.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    return page


def _community(page, base):
    page.goto(base + "/communities")
    page.get_by_role("link", name=f"Details of {COMMUNITY}").click()
    expect(page.get_by_role("tab", name="Tenants")).to_be_visible()


def _header_style(page) -> list:
    return page.get_by_role("tabpanel").locator("thead th").first.evaluate(
        "th => { const s = getComputedStyle(th.querySelector('button') || th);"
        " return [s.fontSize, s.fontWeight, s.color]; }")


def _badge_colours(page) -> dict:
    return page.evaluate(
        "() => Object.fromEntries([...document.querySelectorAll('main [data-status]')]"
        ".filter(b => b.offsetParent).map(b => [b.dataset.status,"
        " b.getAttribute('data-accent-color')]))")


def _timeline_lines(pane) -> list:
    """For each event: its icon's left and top, its text's left and first line's top."""
    return pane.locator("[data-timeline-event]").evaluate_all(
        "items => items.map(li => { const i = li.querySelector('svg').getBoundingClientRect();"
        " const t = li.querySelector('p span').getClientRects()[0];"
        " return [Math.round(i.left), Math.round(i.top + i.height / 2), Math.round(t.left),"
        " Math.round(t.top + t.height / 2)]; })")


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_community_tabs_badges_timeline_and_role_dropdown(browser, live_app, palette, scheme):
    page = _pia(browser, live_app, scheme)
    _community(page, live_app.url)
    assert page.evaluate("document.documentElement.classList.contains('dark')") == \
        (scheme == "dark")
    tenants_header = _header_style(page)

    # The tenant pane: Rob's role dropdown stays inside the pane; the toast names the role.
    page.get_by_role("row", name=re.compile("^Polish Palette")).click()
    pane = page.locator("#tenant-pane")
    trigger = pane.get_by_role("combobox", name="Community role of Rob Roles")
    box, edge = trigger.bounding_box(), pane.bounding_box()
    assert box["x"] + box["width"] <= edge["x"] + edge["width"] - 8
    trigger.click()
    listbox = page.get_by_role("listbox").bounding_box()
    assert edge["x"] <= listbox["x"] and \
        listbox["x"] + listbox["width"] <= edge["x"] + edge["width"], (listbox, edge)
    role = "Community Member" if scheme == "light" else "Community Moderator"  # a change
    page.get_by_role("option", name=role).click()
    expect(page.get_by_text(f"Rob Roles now has the role {role} in this community.")
           ).to_be_visible()
    assert_accessible(page, f"tenant pane, {scheme}")

    page.get_by_role("tab", name="Invitations").click()
    expect(page.get_by_role("row", name=re.compile(STATUS_OF["declined"]))).to_be_visible()
    assert _header_style(page) == tenants_header
    colours = _badge_colours(page)
    assert set(colours) == set(STATUS_OF), colours
    assert len(set(colours.values())) == len(STATUS_OF), colours

    page.get_by_role("row", name=re.compile(STATUS_OF["declined"])).click()
    pane = page.locator("#invitation-pane")
    expect(pane.get_by_text("Not this quarter, thanks", exact=False)).to_be_visible()
    lines = _timeline_lines(pane)
    assert len(lines) >= 2 and len({line[0] for line in lines}) == 1  # icons one above another
    assert len({line[2] for line in lines}) == 1                      # and the text beside them
    assert all(abs(icon - text) <= 3 for _, icon, _, text in lines), lines  # icon on line one
    assert_accessible(page, f"invitation pane, {scheme}")

    page.get_by_role("row", name=re.compile(STATUS_OF["pending"])).click()
    page.locator("#invitation-pane").get_by_role("button", name="Revoke Invitation").click()
    expect(page.get_by_role("alertdialog")).to_be_visible()
    assert_accessible(page, f"revoke confirmation, {scheme}")
    page.get_by_role("alertdialog").get_by_role("button", name="Cancel").click()


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_invitations_table_actions_in_one_row_inside_the_border(browser, live_app, palette,
                                                                 scheme):
    page = _pia(browser, live_app, scheme)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Invitations").click()
    row = page.get_by_role("row", name=re.compile(STATUS_OF["pending"]))
    expect(row).to_be_visible()
    tops = row.locator("td").last.get_by_role("button").evaluate_all(
        "bs => bs.map(b => Math.round(b.getBoundingClientRect().top))")
    assert len(tops) == 3 and len(set(tops)) == 1, tops  # Resend, Revoke, Details
    accepted = page.get_by_role("row", name=re.compile(STATUS_OF["accepted"])).locator("td").last
    expect(accepted.get_by_role("button", name="Confirm Tenant")).to_be_visible()
    # every row's buttons fit in the actions column (none is cut off at the table's edge)
    assert page.locator("main tbody tr").evaluate_all(
        "rows => rows.map(r => r.lastElementChild).filter(td => td.scrollWidth >"
        " td.clientWidth + 1).length") == 0
    # The pinned actions column stays inside the table's rounded border, and each of its
    # cells keeps the line under its row.
    corners = page.locator(".rt-TableRoot").first.evaluate(
        "root => ['top', 'bottom'].map(edge => {"
        " let r = root.getBoundingClientRect();"
        " scrollBy(0, edge === 'top' ? r.top - 200 : r.bottom - innerHeight + 50);"
        " r = root.getBoundingClientRect();"
        " const hit = document.elementFromPoint(r.right - 2, edge === 'top' ? r.top + 2"
        " : r.bottom - 2);"
        " return hit !== null && hit.closest('td, th') === null; })")
    assert corners == [True, True]  # the corners show the border, not a cell
    assert "inset" in row.locator("td").last.evaluate("td => getComputedStyle(td).boxShadow")
    colours = _badge_colours(page)
    assert len(set(colours.values())) == len(colours) >= 6, colours

    row.click()
    expect(page.locator("#invitation-details")).to_be_visible()
    assert_accessible(page, f"invitations page with details, {scheme}")
    row.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("alertdialog")).to_be_visible()
    assert_accessible(page, f"revoke dialog on the invitations page, {scheme}")
    page.get_by_role("alertdialog").get_by_role("button", name="Cancel").click()


def _fits(page, what: str, scrolls: bool = False) -> None:
    """Nothing in the main area is wider than the phone's screen; a table scrolls sideways
    only where it pins its actions (`scrolls`), else its rows are cards."""
    main = page.get_by_role("main")
    widths = main.evaluate("m => [m.scrollWidth, m.clientWidth]")
    assert widths[0] <= widths[1], f"{what}: main is {widths[0]} px wide in {widths[1]} px"
    tables = main.evaluate("m => [...m.querySelectorAll('.rt-ScrollAreaViewport')]"
                           ".filter(v => v.offsetParent).map(v => v.scrollWidth - v.clientWidth)")
    assert scrolls or not any(extra > 1 for extra in tables), f"{what}: a table scrolls {tables}"
    wide = main.evaluate(
        "m => [...m.querySelectorAll('*')].filter(e => e.offsetParent)"
        ".filter(e => e.getBoundingClientRect().right > innerWidth + 0.5)"
        ".filter(e => !e.closest('.rt-ScrollAreaViewport')).map(e => e.outerHTML.slice(0, 80))")
    assert wide == [], f"{what}: past the screen's edge: {wide[:3]}"


def _addresses_break_between_parts(page, text: str) -> None:
    """Each part of the address between "@" and dots sits on one line, and it wrapped."""
    found = page.get_by_role("main").get_by_text(text, exact=True).filter(visible=True).first
    lines_per_part = found.evaluate(
        "el => [...el.childNodes].filter(n => n.nodeType === 3).map(n => {"
        " const r = document.createRange(); r.selectNodeContents(n);"
        " return new Set([...r.getClientRects()].map(x => Math.round(x.top))).size; })")
    assert lines_per_part and set(lines_per_part) == {1}, lines_per_part
    assert found.evaluate("el => el.getClientRects().length === 1 && "
                          "el.getBoundingClientRect().height > 30")  # it did wrap


@pytest.mark.parametrize("scheme", ["light", "dark"])
def test_phone_pages_fit_and_addresses_break_after_at_and_dots(browser, live_app, palette,
                                                               scheme):
    page = _pia(browser, live_app, scheme, width=390)
    page.goto(live_app.url + "/invitations")
    expect(page.get_by_text(LONG, exact=True).filter(visible=True).first).to_be_visible()
    _fits(page, "invitations")
    _addresses_break_between_parts(page, LONG)
    page.get_by_role("button", name=f"Details of the invitation to {LONG}").click()
    expect(page.locator("#invitation-details")).to_be_in_viewport()
    _fits(page, "invitations with details")
    assert_accessible(page, f"invitations on a phone, {scheme}")

    page.goto(live_app.url + "/communities")
    details = page.get_by_role("link", name=f"Details of {COMMUNITY}")
    expect(details).to_be_in_viewport()
    _fits(page, "communities")
    details.click()
    page.get_by_role("tab", name="Invitations").click()
    page.get_by_role("row", name=re.compile(STATUS_OF["pending"])).click()
    expect(page.locator("#invitation-pane")).to_be_visible()
    _fits(page, "community invitations with the pane", scrolls=True)

    alice = browser.new_context(color_scheme=scheme,
                                viewport={"width": 390, "height": 900}).new_page()
    sign_in(alice, live_app.url, "contoso", "alice")
    expect(alice.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    for path, tab, reach in [
            ("/organizations", None, ("button", "Switch to Contoso Retail")),
            ("/users", None, None), ("/users", "Groups", ()), ("/users", "Invitations", ()),
            ("/managed", None, None),
            ("/managed", "Users", ("button", "Resend")),  # the demo's pending analyst
            ("/managed", "Roles", None)]:
        alice.goto(live_app.url + path)
        expect(alice.get_by_role("heading", level=1)).to_be_visible()
        if tab:
            alice.get_by_role("tab", name=tab).click()
        alice.wait_for_load_state("networkidle")
        _fits(alice, f"{path} {tab or ''}", scrolls=reach == ())  # () pins its actions
        if reach:  # scrolled down to, it shows whole: nothing sticks out sideways
            target = alice.get_by_role(reach[0], name=reach[1]).first
            target.scroll_into_view_if_needed()
            expect(target).to_be_in_viewport(ratio=1)
    assert_accessible(alice, f"managed roles on a phone, {scheme}")
