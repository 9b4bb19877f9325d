"""Product document 004, groups: the roles a group grants picked from a labelled list,
renaming, and deleting after a confirmation that names its members and the open
invitations into it."""

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, one_worker_only
from tests.e2e.test_parent_users import invite_parent_users, org_invite_link
from tests.e2e.test_shell_journey import sign_in

pytestmark = pytest.mark.e2e


def groups_tab(page):
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Users").click()
    page.get_by_role("tab", name="Groups").click()


def group_row(page, name):
    return page.get_by_role("row", name=re.compile(rf"^{re.escape(name)}\b"))


def new_group(page, name, roles=()):
    page.get_by_role("button", name="New group").click()
    dialog = page.get_by_role("dialog", name="New group")
    dialog.get_by_label("Name").fill(name)
    for role in roles:
        dialog.get_by_role("checkbox", name=role, exact=True).click()
    dialog.get_by_role("button", name="Create group").click()
    expect(dialog).to_be_hidden()


def rename(page, old, new):
    page.get_by_role("button", name=f"Edit the group {old}").click()
    dialog = page.get_by_role("dialog", name="Edit group")
    expect(dialog.get_by_label("Name")).to_have_value(old)
    dialog.get_by_label("Name").fill(new)
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()


def test_alice_picks_roles_renames_and_deletes_a_group_another_tab_follows(browser, live_app):
    alice = browser.new_context().new_page()
    sign_in(alice, live_app.url, "contoso", "alice")
    expect(alice.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    groups_tab(alice)
    new_group(alice, "Field Team", roles=["Tenant Member"])
    expect(group_row(alice, "Field Team")).to_contain_text("Tenant Member")
    alice.get_by_role("textbox", name="Username to add to Field Team").fill("frank")
    group_row(alice, "Field Team").get_by_role("button", name="Add member").click()
    expect(group_row(alice, "Field Team")).to_contain_text("Frank Fielding")

    alice.get_by_role("button", name="Edit the group Field Team").click()
    dialog = alice.get_by_role("dialog", name="Edit group")
    expect(dialog.get_by_role("checkbox", name="Tenant Member", exact=True)).to_be_checked()
    expect(dialog.get_by_role("checkbox", name="Tenant Administrator")).not_to_be_checked()
    expect(dialog.get_by_text("Belongs to the organization without administrative rights.")) \
        .to_be_visible()
    assert_accessible(alice, "edit group dialog")
    dialog.get_by_label("Name").fill("  ")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog.get_by_role("alert")).to_have_text("Enter a name for the group.")
    dialog.get_by_label("Name").fill("Field Crew")
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_be_hidden()
    expect(group_row(alice, "Field Crew")).to_contain_text("Tenant Member")
    expect(group_row(alice, "Field Team")).to_have_count(0)

    other = browser.new_context().new_page()  # a second tab of an administrator
    sign_in(other, live_app.url, "contoso", "alice")
    expect(other.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    groups_tab(other)
    expect(group_row(other, "Field Crew")).to_be_visible()

    alice.get_by_role("button", name="Delete the group Field Crew").click()
    confirm = alice.get_by_role("alertdialog", name="Delete the group Field Crew?")
    expect(confirm).to_contain_text("Its 1 member (Frank Fielding) loses the role Tenant "
                                    "Member, which it grants. No open invitations lead into it.")
    assert_accessible(alice, "delete group confirmation")
    confirm.get_by_role("button", name="Cancel").click()
    expect(confirm).to_be_hidden()
    expect(group_row(alice, "Field Crew")).to_be_visible()
    alice.get_by_role("button", name="Delete the group Field Crew").click()
    confirm.get_by_role("button", name="Delete group").click()
    expect(confirm).to_be_hidden()
    expect(group_row(alice, "Field Crew")).to_have_count(0)
    expect(other.get_by_text("Alice Admin deleted the group Field Crew")).to_be_visible()
    expect(group_row(other, "Field Crew")).to_have_count(0)


@one_worker_only
def test_deleting_a_group_deletes_the_open_invitations_into_it(browser, live_app):
    alice = browser.new_context().new_page()
    sign_in(alice, live_app.url, "contoso", "alice")
    expect(alice.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    alice.get_by_role("button", name="Account menu").click()
    alice.get_by_role("menuitem", name="Switch organization").click()
    alice.get_by_role("menuitem", name="Contoso Retail East").click()
    expect(alice.get_by_role("button", name="Account menu")).to_contain_text("Contoso Retail East")
    groups_tab(alice)
    new_group(alice, "East Crew")
    dialog = invite_parent_users(alice, ["dave"], group="East Crew")
    expect(dialog.get_by_text("invited", exact=True)).to_be_visible()
    dialog.get_by_role("button", name="Close").click()
    link = org_invite_link(live_app, "dave@contoso-retail.example")

    alice.get_by_role("tab", name="Groups").click()
    rename(alice, "East Crew", "Night Shift")
    alice.get_by_role("tab", name="Invitations").click()
    expect(alice.get_by_role("row", name=re.compile("dave"))).to_contain_text("Night Shift")

    alice.get_by_role("tab", name="Groups").click()
    alice.get_by_role("button", name="Delete the group Night Shift").click()
    confirm = alice.get_by_role("alertdialog", name="Delete the group Night Shift?")
    expect(confirm).to_contain_text("It has no members. 1 open invitation into it (dave) will "
                                    "be deleted; its link stops working.")
    confirm.get_by_role("button", name="Delete group").click()
    expect(alice.get_by_text("Deleted the group Night Shift and 1 open invitation into it.")) \
        .to_be_visible()
    alice.get_by_role("tab", name="Invitations").click()
    expect(alice.get_by_role("row", name=re.compile("dave"))).to_contain_text("Deleted")
    alice.goto(link)
    expect(alice.get_by_text("not valid or can no longer be used")).to_be_visible()
