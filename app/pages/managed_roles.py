"""Managed Communities > Roles: the roles a community can grant, custom roles picked from
the permission catalog (product document 003)."""

import reflex as rx

from app.components.common import (
    confirm_button,
    data_table,
    error_callout,
    field_label,
)
from app.domain.permissions import COMMUNITY_PERMISSIONS
from app.states.managed import ManagedState as M


def _permission_box(perm: str, text: str) -> rx.Component:
    return rx.el.label(rx.hstack(
        rx.checkbox(checked=M.role_perms.contains(perm), disabled=~M.ceiling.contains(perm),
                    on_change=lambda on: M.pick_permission(perm, on), aria_label=perm),
        rx.text(rx.code(perm), " ", text, size="2"), align="center"))


def role_dialog() -> rx.Component:
    boxes = [_permission_box(perm, text) for perm, text in COMMUNITY_PERMISSIONS.items()]
    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title(rx.cond(M.role_id > 0, "Edit role", "New role")),
        rx.dialog.description("Pick permissions from the catalog. You can only use the "
                              "permissions you hold yourself."),
        rx.vstack(
            field_label("Name", "role-name"),
            rx.input(id="role-name", value=M.role_name, on_change=M.set_role_name,
                     width="100%"),
            field_label("Description", "role-description"),
            rx.input(id="role-description", value=M.role_description,
                     on_change=M.set_role_description, width="100%"),
            rx.text("Permissions", weight="medium", size="2"), *boxes,
            error_callout(M.role_error),
            rx.hstack(rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                      rx.button("Save role", on_click=M.save_role), justify="end",
                      width="100%"),
            spacing="2", margin_top="12px", width="100%"),
    ), open=M.role_open, on_open_change=M.close_role)


def _name(r) -> rx.Component:
    return rx.vstack(rx.text(r["name"].to(str), weight="medium"),
                     rx.text(r["description"].to(str), size="1", color_scheme="gray"),
                     spacing="0")


def _kind(r) -> rx.Component:
    return rx.cond(r["custom"].to(bool), "Custom", "Default")


def _actions(r) -> rx.Component:
    """Edit and Delete, for a custom role."""
    return rx.cond(r["custom"].to(bool), rx.hstack(
        rx.button("Edit", size="1", variant="soft", on_click=M.open_role(r["id"]),
                  aria_label="Edit the role " + r["name"].to(str)),
        confirm_button(rx.button("Delete", size="1", variant="soft", color_scheme="red",
                                 aria_label="Delete the role " + r["name"].to(str)),
                       "Delete role", "Delete the role " + r["name"].to(str) + "?",
                       "Delete", M.delete_role(r["id"].to(int))),
        spacing="2"))


def roles_tab() -> rx.Component:
    table = data_table(["Role", "Type", "Permissions", "Held by", ""], M.roles, lambda r: [
        _name(r), _kind(r), r["permissions"].to(str), r["holders"].to(str), _actions(r)],
        cards=True)
    return rx.vstack(
        rx.cond(M.ceiling.length() > 0,
                rx.button(rx.icon("plus", size=16), "New role", on_click=M.open_role(0))),
        table, role_dialog(), spacing="3", width="100%")
