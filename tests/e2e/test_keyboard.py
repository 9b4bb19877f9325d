"""Issue 12 item 17, the keyboard: each product document's journey done with the keyboard
alone (Tab, Shift+Tab, Enter, Space, Escape, arrows in menus and tabs), with the focus
visible on every control it reaches. Enter submits a single-field form, Escape closes a
pane and returns to its row, a dialog gives the focus back to what opened it.

One worker only, like the polish journeys (issue 12, "Done when"): what is checked here is
the browser's focus, which three workers over Redis would not change.

The people are the Keyboard Keys organizations' (added to the app's database), so the demo
organizations' communities and invitations stay as the other journeys expect them.
"""

import re
import time
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from app.db import make_engine
from app.domain.permissions import TENANT_ADMIN, TENANT_MEMBER
from app.models import Invitation, Organization
from app.services import tenant_invitations as ti
from app.services.auth import viewer_for_user
from app.services.communities import create_community
from app.services.groups import create_group
from app.services.invitation_lifecycle import Mailer
from app.services.orgs import create_organization, create_user

pytestmark = [pytest.mark.e2e,
              pytest.mark.parametrize("live_app", ["one-worker"], indirect=True)]

PASSWORD = "keyboard-password-1"
KEYS, PARTNER, SPARE, KIDS = "keyboard-keys", "keyboard-partner", "keyboard-spare", "keyboard-kids"
PAM = f"pam@{PARTNER}.example"
CLUB, SOC, CLIENT, GROUP = "Keyboard Club", "Keyboard SOC", "Keyboard Client", "Key Ops"


def _admin(db, org, name, now, role=TENANT_ADMIN):
    user = create_user(db, org, email=f"{name}@{org.alias}.example", username=name,
                       display_name=f"{name.title()} Keys", password=PASSWORD, role=role, now=now)
    db.flush()
    return viewer_for_user(db, user, org.id)


@pytest.fixture
def keys(live_app):
    """Keyboard Keys (Kai, Kim) owns Keyboard Club, where Keyboard Partner (Pam) and Keyboard
    Spare (Sam) are confirmed tenants, and the MSSP Keyboard SOC with Keyboard Client; its
    child Keyboard Kids (Kit) has the group Key Ops. Once per app."""
    engine = make_engine(f"sqlite:///{live_app.log.parent / 'e2e.db'}")
    mailer = Mailer("e2e-secret-key-0123456789abcdef", live_app.url)
    with Session(engine) as db:
        if db.exec(select(Organization).where(Organization.alias == KEYS)).first() is None:
            now = datetime.now(UTC)
            keys_org = create_organization(db, "Keyboard Keys", KEYS, now=now)
            kai = _admin(db, keys_org, "kai", now)
            _admin(db, keys_org, "kim", now, role=TENANT_MEMBER)
            club = create_community(db, kai, CLUB, "Joined by two tenants.", now=now).id
            for alias, person in ((PARTNER, "pam"), (SPARE, "sam")):
                org = create_organization(db, alias.replace("-", " ").title(), alias, now=now)
                admin = _admin(db, org, person, now)
                inv = db.get(Invitation, ti.invite_tenant(
                    db, kai, club, f"{person}@{alias}.example", now=now, mailer=mailer))
                ti.join_invitation(db, admin, inv, now=now, mailer=mailer)
                ti.confirm_tenant(db, kai, inv.id, now=now)
            soc = create_community(db, kai, SOC, "Keyboard security.", kind="mssp", now=now)
            create_community(db, kai, CLIENT, "A client.", kind="managed", parent_id=soc.id,
                             now=now)
            kids = create_organization(db, "Keyboard Kids", KIDS, parent_id=keys_org.id, now=now)
            create_group(db, _admin(db, kids, "kit", now), GROUP, now=now)
            db.commit()
    engine.dispose()


# The focused element shows it: an outline on it, on its ::before or ::after, on one of
# its two nearest ancestors (a text field's ring is on its root, :focus-within) or on a
# child (a tab's ring is on its inner span); a menu item is highlighted instead. Returns "" when visible, else what has the focus.
_FOCUS_SHOWN = """() => {
  const el = document.activeElement;
  if (!el || el === document.body) return "";
  if (el.getAttribute("role")?.startsWith("menuitem") && el.hasAttribute("data-highlighted"))
    return "";
  const ring = (node, pseudo) => { const s = getComputedStyle(node, pseudo);
    return s.outlineStyle !== "none" && parseFloat(s.outlineWidth) > 0; };
  for (let n = el, i = 0; n && i < 3; n = n.parentElement, i++)
    if (ring(n, null) || ring(n, "::before") || ring(n, "::after")) return "";
  for (const child of el.children) if (ring(child, null)) return "";
  return el.outerHTML.slice(0, 240);
}"""


def assert_focus_visible(page) -> None:
    """Whatever has the focus shows it (the document itself, between two Tabs, may)."""
    hidden = page.evaluate(_FOCUS_SHOWN)
    assert not hidden, f"the focus is not visible on {hidden}"


def press(page, key: str) -> None:
    page.keyboard.press(key)
    assert_focus_visible(page)


def tab_to(page, target, back: bool = False, limit: int = 80) -> None:
    """Tab (or Shift+Tab) until `target` has the focus, checking the focus is visible at
    every stop on the way."""
    expect(target).to_be_visible()
    for _ in range(limit):
        press(page, "Shift+Tab" if back else "Tab")
        if target.evaluate("el => el === document.activeElement"):
            return
    raise AssertionError(f"{limit} presses of {'Shift+Tab' if back else 'Tab'} never reached "
                         f"{target}")


def type_text(page, text: str) -> None:
    page.keyboard.type(text)
    assert_focus_visible(page)


def sign_in(page, base, alias, username, path="/"):
    """The two-step sign-in with the keyboard."""
    page.goto(base + path)
    expect(page).to_have_url(re.compile(r"/signin"))
    sign_in_here(page, alias, username)


def sign_in_here(page, alias, username):
    """Sign in from the keyboard; `alias` None: the page came with the tenant filled in."""
    if alias is not None:
        tab_to(page, page.get_by_label("Tenant ID or alias"))
        type_text(page, alias)
        press(page, "Enter")
    # The identity step focuses the address, or the password when the invitation's
    # address is filled in already.
    page.wait_for_function("() => ['identifier', 'password'].includes(document.activeElement.id)")
    if page.evaluate("() => document.activeElement.id") == "identifier":
        type_text(page, username)
        press(page, "Tab")
    expect(page.get_by_label("Password")).to_be_focused()
    type_text(page, PASSWORD)
    page.keyboard.press("Enter")  # the page is left: nothing to look at here


def invitation_link(smtp, address: str, community: str) -> str:
    """The /invite/ link of the newest message to `address` about `community` (the
    fixture's own invitations to the same address may arrive later)."""
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        for msg in reversed(smtp.to(address)):
            if community in str(msg.get_body(("plain",))):
                return next(u for u in smtp.links(msg) if "/invite/" in u)
        time.sleep(0.3)
    raise AssertionError(f"no invitation to {community} for {address}")


def open_community(page, base, name):
    """Communities › Details of `name`, by keyboard."""
    page.goto(base + "/communities")
    tab_to(page, page.get_by_role("link", name=f"Details of {name}").first)
    press(page, "Enter")
    expect(page.get_by_role("heading", name=name, exact=True)).to_be_visible()


def test_tenant_handshake_with_the_keyboard(browser, live_app, keys):
    """000-002: Add community (Enter submits its name), Invite Tenant (Enter in the address),
    Join, then select the accepted invitation with Enter and Confirm Tenant."""
    base = live_app.url
    kai = browser.new_context().new_page()
    sign_in(kai, base, KEYS, "kai", "/communities")
    tab_to(kai, kai.get_by_role("button", name="Add community"))
    press(kai, "Enter")
    expect(kai.get_by_label("Name")).to_be_focused()
    type_text(kai, "Keyboard Commons")
    press(kai, "Enter")
    expect(kai.get_by_role("heading", name="Keyboard Commons", exact=True)).to_be_visible()

    invite = kai.get_by_role("button", name="Invite Tenant")
    tab_to(kai, invite)
    press(kai, "Enter")
    expect(kai.get_by_label("Email address of the tenant administrator")).to_be_focused()
    type_text(kai, PAM)
    press(kai, "Enter")
    expect(kai.get_by_text(f"Invitation sent to {PAM}")).to_be_visible()
    expect(kai.get_by_role("dialog")).to_have_count(0)
    expect(invite).to_be_focused()  # the dialog gives the focus back
    assert_focus_visible(kai)

    pam = browser.new_context().new_page()
    pam.goto(invitation_link(live_app.smtp, PAM, "Keyboard Commons"))
    expect(pam.get_by_role("heading", name="Join Keyboard Commons")).to_be_visible()
    tab_to(pam, pam.get_by_role("button", name="Sign in to respond"))
    press(pam, "Enter")
    expect(pam.get_by_text(f"Tenant: {PARTNER}")).to_be_visible()  # where pam signs in
    sign_in_here(pam, None, "pam")
    join = pam.get_by_role("button", name="Join", exact=True)
    tab_to(pam, join)
    press(pam, "Enter")
    expect(pam.get_by_text("Awaiting confirmation")).to_be_visible()

    # Kai: Shift+Tab to the tabs, an arrow to Invitations, Tab to the row, Enter.
    tab_to(kai, kai.get_by_role("tab", name="Tenants"), back=True)
    press(kai, "ArrowRight")
    expect(kai.get_by_role("tab", name="Invitations")).to_be_focused()
    expect(kai.get_by_role("tab", name="Invitations")).to_have_attribute("aria-selected", "true")
    row = kai.get_by_role("row", name=re.compile(re.escape(PAM)))
    expect(row).to_contain_text("Invitation Accepted")
    tab_to(kai, row)
    press(kai, "Enter")
    expect(row).to_have_attribute("aria-selected", "true")
    pane = kai.locator("#invitation-pane")
    tab_to(kai, pane.get_by_role("button", name="Confirm Tenant"))
    press(kai, "Enter")
    dialog = kai.get_by_role("alertdialog")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    tab_to(kai, dialog.get_by_role("button", name="Confirm Tenant"))
    press(kai, "Enter")
    expect(kai.get_by_text("Tenant confirmed").first).to_be_visible()
    expect(pam.get_by_text("your tenant is now part of Keyboard Commons")).to_be_visible()

    # Escape in the pane closes it and returns to the row.
    tab_to(kai, pane.get_by_role("button", name="Close"))
    press(kai, "Escape")
    expect(pane).to_have_count(0)
    expect(row).to_be_focused()


SLOW_MENU_CLOSE = ".rt-PopperContent[data-state='closed'] { animation-duration: 1s !important; }"


def test_remove_a_tenant_and_leave_with_the_typed_name(browser, live_app, keys):
    """002: Kai removes Keyboard Spare; Pam removes her own tenant from More Options, with
    the arrows in its menu, typing the name and pressing Enter."""
    base = live_app.url
    kai = browser.new_context().new_page()
    sign_in(kai, base, KEYS, "kai")
    expect(kai.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    open_community(kai, base, CLUB)
    spare = kai.get_by_role("row", name=re.compile("Keyboard Spare"))
    tab_to(kai, spare)
    press(kai, "Space")
    expect(spare).to_have_attribute("aria-selected", "true")
    pane = kai.locator("#tenant-pane")
    tab_to(kai, pane.get_by_role("button", name="Remove Tenant"))
    press(kai, "Enter")
    dialog = kai.get_by_role("alertdialog")
    expect(dialog.get_by_role("button", name="Cancel")).to_be_focused()
    tab_to(kai, dialog.get_by_role("button", name="Remove Tenant"))
    press(kai, "Enter")
    expect(kai.get_by_text("Tenant removed from the community.")).to_be_visible()
    expect(spare).to_have_count(0)

    pam = browser.new_context().new_page()
    sign_in(pam, base, PARTNER, "pam")
    expect(pam.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    open_community(pam, base, CLUB)
    mine = pam.get_by_role("row", name=re.compile("Keyboard Partner"))
    tab_to(pam, mine)
    press(pam, "Enter")
    more = pam.get_by_role("button", name="More Options")
    tab_to(pam, more)
    press(pam, "Enter")
    item = pam.get_by_role("menuitem", name="Remove Keyboard Partner")
    expect(item).to_be_visible()
    press(pam, "ArrowDown")
    expect(item).to_be_focused()
    press(pam, "Escape")  # the menu closes and gives the focus back to More Options
    expect(more).to_be_focused()
    press(pam, "ArrowDown")  # an arrow opens the menu too
    expect(item).to_be_focused()
    # a menu that takes long to close (a busy machine) must not take the focus back from
    # the dialog it opened: that selected the typed text, and the next key replaced it
    pam.add_style_tag(content=SLOW_MENU_CLOSE)
    press(pam, "Enter")
    dialog = pam.get_by_role("alertdialog")
    name = dialog.get_by_label("Type your tenant name")
    tab_to(pam, name, back=True)
    type_text(pam, "Keyboard")
    pam.wait_for_timeout(1500)  # the menu has closed by now
    type_text(pam, " Partner")
    expect(name).to_have_value("Keyboard Partner")
    press(pam, "Enter")  # Enter presses Remove once the name is typed
    expect(pam).to_have_url(re.compile(r"/communities/?$"))
    expect(pam.get_by_role("link", name=f"Details of {CLUB}")).to_have_count(0)


def test_plus_user_with_roles_by_keyboard(browser, live_app, keys):
    """003: Managed Communities › Users (an arrow in the tabs), + User, the address, Space on
    a community and a role, Validate; Escape closes the dialog and returns to + User."""
    base = live_app.url
    kai = browser.new_context().new_page()
    sign_in(kai, base, KEYS, "kai", "/managed")
    tab_to(kai, kai.get_by_role("tab", name="Communities"))
    press(kai, "ArrowRight")
    expect(kai.get_by_role("tab", name="Users")).to_have_attribute("aria-selected", "true")
    plus = kai.get_by_role("button", name="+ User")
    tab_to(kai, plus)
    press(kai, "Enter")
    dialog = kai.get_by_role("dialog")
    tab_to(kai, dialog.get_by_label("User's email"))
    type_text(kai, "guest@keyboard-client.example")
    for box in (dialog.get_by_role("checkbox", name=CLIENT, exact=True),
                dialog.get_by_role("checkbox", name="Community Member", exact=True)):
        tab_to(kai, box)
        press(kai, "Space")
        expect(box).to_be_checked()
    validate = dialog.get_by_role("button", name="Validate")
    tab_to(kai, validate)
    kai.keyboard.press("Enter")  # Validate is disabled while the batch runs: the focus
    expect(dialog.get_by_text("invited", exact=True)).to_be_visible()
    expect(validate).to_be_focused()  # comes back to it when it is done
    assert_focus_visible(kai)
    press(kai, "Escape")
    expect(dialog).to_have_count(0)
    expect(plus).to_be_focused()
    expect(kai.get_by_role("row", name=re.compile("guest@keyboard-client"))).to_be_visible()


def test_invite_parent_users_into_a_group_and_delete_an_invitation(browser, live_app, keys):
    """004: Kit (Keyboard Kids) opens Add user's menu with the keyboard, types usernames
    with Enter after each (a chip each; one removed again), Space on a group, Invite; then
    Users › Invitations with the arrows and Delete, confirmed by keyboard."""
    base = live_app.url
    kit = browser.new_context().new_page()
    sign_in(kit, base, KIDS, "kit", "/users")
    add = kit.get_by_role("button", name="Add user")
    tab_to(kit, add)
    press(kit, "Enter")
    item = kit.get_by_role("menuitem", name="Invite Parent User")
    expect(item).to_be_focused()
    press(kit, "Enter")
    dialog = kit.get_by_role("dialog")
    field = dialog.get_by_label("Usernames")
    expect(field).to_be_focused()
    for name in ("kim", "kai"):
        type_text(kit, name)
        press(kit, "Enter")
        expect(field).to_have_value("")
    chip = dialog.get_by_role("button", name="Remove kai")
    tab_to(kit, chip, back=True)
    kit.keyboard.press("Enter")  # the chip goes, and the focus to the field
    expect(chip).to_have_count(0)
    expect(field).to_be_focused()
    assert_focus_visible(kit)
    expect(dialog.get_by_role("button", name="Remove kim")).to_be_visible()
    group = dialog.get_by_role("checkbox", name=GROUP)
    tab_to(kit, group)
    press(kit, "Space")
    expect(group).to_be_checked()
    invite = dialog.get_by_role("button", name="Invite", exact=True)
    tab_to(kit, invite)
    kit.keyboard.press("Enter")  # Invite is disabled while the batch runs: the focus
    expect(dialog.get_by_text("1 invited")).to_be_visible()
    expect(invite).to_be_focused()  # comes back to it when it is done
    assert_focus_visible(kit)
    kit.keyboard.press("Escape")  # the focus is looked at once the dialog has gone
    expect(dialog).to_have_count(0)
    expect(add).to_be_focused()
    assert_focus_visible(kit)

    tab_to(kit, kit.get_by_role("tab", name="Users"), back=True)
    press(kit, "ArrowRight")
    press(kit, "ArrowRight")
    expect(kit.get_by_role("tab", name="Invitations")).to_have_attribute("aria-selected", "true")
    row = kit.get_by_role("row", name=re.compile("kim"))
    expect(row).to_contain_text(GROUP)
    tab_to(kit, row.get_by_role("button", name="Delete kim"))
    press(kit, "Enter")
    confirm = kit.get_by_role("alertdialog")
    expect(confirm.get_by_role("button", name="Cancel")).to_be_focused()
    tab_to(kit, confirm.get_by_role("button", name="Delete", exact=True))
    press(kit, "Enter")
    expect(row).to_contain_text("Deleted")
