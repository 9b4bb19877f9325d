"""User Management > Users > Groups (product document 004): the groups table, the dialog
that creates or edits a group with the roles it grants, and the confirmation before a group
is deleted."""

import reflex as rx

from app.components.common import data_table, empty_state, error_callout
from app.states.org_users import OrgUsersState as U


def _label(text: str, for_id: str) -> rx.Component:
    return rx.el.label(text, html_for=for_id, style={"font_size": "14px", "font_weight": "500"})


def _role_choice(c) -> rx.Component:
    """One role of the labelled list: its name and what it lets a member do."""
    key = c["key"].to(str)
    picked = U.pick_roles.contains(key)
    return rx.el.label(rx.hstack(
        rx.checkbox(checked=picked, on_change=lambda on: U.pick_role(key, on),
                    disabled=~c["can_give"].to(bool) & ~picked, aria_label=c["name"].to(str),
                    aria_describedby="role-about-" + key, margin_top="3px"),
        rx.vstack(rx.text(c["name"], weight="medium", size="2"),
                  rx.text(c["description"], size="1", color_scheme="gray",
                          id="role-about-" + key),
                  rx.cond(c["can_give"].to(bool), rx.fragment(),
                          rx.text("Only someone who holds it may give it.", size="1",
                                  color_scheme="gray")),
                  spacing="0"),
        align="start", spacing="2"))


def group_dialog() -> rx.Component:
    """New group, or Edit group (rename, describe, choose its roles)."""
    new = U.editing_id == 0
    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title(rx.cond(new, "New group", "Edit group")),
        rx.dialog.description("Members of a group hold the roles it grants."),
        rx.form(rx.vstack(
            _label("Name", "group-name"),
            rx.input(id="group-name", name="name", default_value=U.group_name, width="100%",
                     max_length=80),
            _label("Description", "group-description"),
            rx.input(id="group-description", name="description",
                     default_value=U.group_description, width="100%", max_length=500),
            rx.box(rx.text("Roles it grants", weight="medium", size="2", id="group-roles"),
                   rx.vstack(rx.foreach(U.role_choices, _role_choice), spacing="2",
                             margin_top="6px"),
                   role="group", aria_labelledby="group-roles", width="100%"),
            error_callout(U.group_error),
            rx.hstack(rx.dialog.close(rx.button("Cancel", type="button", variant="soft",
                                                color_scheme="gray")),
                      rx.button(rx.cond(new, "Create group", "Save"), type="submit"),
                      justify="end", width="100%"),
            spacing="2", margin_top="12px"),
            on_submit=lambda form: U.save_group(U.editing_id, form), reset_on_submit=False),
    ), open=U.group_open, on_open_change=U.open_group)


def delete_dialog() -> rx.Component:
    """Asks before deleting, naming the members, roles and open invitations that go."""
    return rx.alert_dialog.root(rx.alert_dialog.content(
        rx.alert_dialog.title(U.delete_title),
        rx.alert_dialog.description(U.delete_text),
        rx.hstack(rx.alert_dialog.cancel(rx.button("Cancel", variant="soft",
                                                   color_scheme="gray")),
                  rx.button("Delete group", color_scheme="red", high_contrast=True,
                            on_click=U.delete_group(U.deleting_id)),
                  justify="end", spacing="3", margin_top="16px", wrap="wrap"),
    ), open=U.deleting_id != 0, on_open_change=U.close_delete_group)


def _members_control(g) -> rx.Component:
    name = g["name"].to(str)
    return rx.hstack(
        rx.input(placeholder="username", value=U.member_username,
                 on_change=U.set_member_username, size="1",
                 aria_label="Username to add to " + name, width="120px"),
        rx.button("Add member", size="1", variant="soft",
                  on_click=U.add_member(g["id"].to(int))),
        rx.button("Remove member", size="1", variant="soft", color_scheme="gray",
                  on_click=U.remove_member(g["id"].to(int))),
        spacing="2", align="center", wrap="wrap")


def _group_actions(g) -> rx.Component:
    name = g["name"].to(str)
    return rx.vstack(
        rx.button(rx.icon("pencil", size=14), "Edit", size="1", variant="soft",
                  aria_label="Edit the group " + name,
                  on_click=U.open_edit_group(g["id"].to(int))),
        rx.button(rx.icon("trash-2", size=14), "Delete", size="1", variant="soft",
                  color_scheme="red", aria_label="Delete the group " + name,
                  on_click=U.open_delete_group(g["id"].to(int))),
        spacing="2", align="stretch")


def _name(g) -> rx.Component:
    return rx.vstack(rx.text(g["name"], weight="medium"),
                     rx.text(g["description"], size="1", color_scheme="gray"), spacing="0",
                     min_width="120px")


def _members(g) -> rx.Component:
    return rx.vstack(rx.text(g["members"]), _members_control(g), spacing="2",
                     min_width="220px")


def groups_tab() -> rx.Component:
    """On a phone the table scrolls sideways; Edit and Delete stay in view."""
    table = data_table(["Group", "Members", "Roles", ""], U.groups,
                       lambda g: [_name(g), _members(g), g["roles"], _group_actions(g)],
                       sticky_last=True)
    return rx.vstack(
        rx.button(rx.icon("plus", size=16), "New group", on_click=U.open_group(True)),
        group_dialog(), delete_dialog(),
        rx.cond(U.groups.length() > 0, table,
                empty_state("users", "No groups", "Groups give their members roles.")),
        spacing="3", width="100%")
