"""User Management > Users: Users, Groups and Invitations (product document 004)."""

import reflex as rx

from app.components.batch_results import batch_progress, batch_results
from app.components.common import (
    MENU_LEAVES_DIALOG_FOCUS,
    address,
    data_table,
    empty_state,
    error_callout,
    focus_back_to,
    stamp,
)
from app.components.layout import shell
from app.components.status import show_more, status_badge, status_options
from app.domain.invitation_status import ACCEPTED, EXPIRED, PENDING, REVOKED
from app.domain.limits import MAX_BATCH
from app.pages.users_groups import groups_tab
from app.states.org_users import OrgUsersState as U

# The status filter: keys as values, the words of a parent user invitation as text.
STATUSES = [("all", "All"),
            *status_options("parent_user", (PENDING, ACCEPTED, EXPIRED, REVOKED))]


def _label(text: str, for_id: str) -> rx.Component:
    return rx.el.label(text, html_for=for_id, style={"font_size": "14px", "font_weight": "500"})


def invite_parent_dialog() -> rx.Component:
    chips = rx.foreach(U.chips, lambda c: rx.badge(
        c, rx.icon_button(rx.icon("x", size=10), size="1", variant="ghost",
                          on_click=[U.remove_chip(c), rx.set_focus("parent-usernames")],
                          aria_label="Remove " + c),  # the focus goes on to the field
        variant="soft", size="2", high_contrast=True))
    groups = rx.foreach(U.groups, lambda g: rx.el.label(rx.hstack(
        rx.checkbox(checked=U.pick_groups.contains(g["id"].to(int)),
                    on_change=lambda on: U.pick_group(g["id"].to(int), on),
                    aria_label=g["name"].to(str)),
        rx.text(g["name"]), align="center")))
    count = rx.cond(U.chips.length() >= MAX_BATCH,
                    f"{MAX_BATCH:,} usernames: the limit for one invitation",
                    rx.cond(U.chips.length() == 1, "1 username",
                            U.chips.length().to_string() + " usernames"))
    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title("Invite Parent User"),
        rx.dialog.description(f"Up to {MAX_BATCH:,} usernames of users of the parent "
                              "organization; press Enter after each one, or paste them "
                              "separated by commas. Usernames are shared with you offline."),
        rx.vstack(
            _label("Usernames", "parent-usernames"),
            rx.flex(chips, wrap="wrap", spacing="1",
                    style={"max_height": "160px", "overflow_y": "auto"}),
            rx.input(id="parent-usernames", value=U.chip_text, on_change=U.set_chip_text,
                     on_key_down=U.chip_key, placeholder="username, then Enter", width="100%"),
            rx.cond(U.chips.length() > 0, rx.text(
                count, size="1", role="status",
                color_scheme=rx.cond(U.chips.length() >= MAX_BATCH, "amber", "gray"))),
            rx.text("Groups", weight="medium", size="2"),
            rx.cond(U.groups.length() > 0, rx.vstack(groups, spacing="1"),
                    rx.text("No groups yet: create one on the Groups tab.", size="2",
                            color_scheme="gray")),
            error_callout(U.invite_error),
            batch_progress(U), batch_results(U),
            rx.hstack(rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray")),
                      rx.button("Invite", on_click=U.send_invites, loading=U.inviting,
                                id="parent-invite-submit"),
                      justify="end", width="100%"),
            spacing="2", margin_top="12px", width="100%"),
        # opened from Add user's menu: closing gives the focus back to Add user
        custom_attrs=focus_back_to("add-user"),
    ), open=U.invite_open, on_open_change=U.open_invite)


def _membership(r) -> rx.Component:
    return rx.cond(r["kind"] == "From the parent organization",
                   rx.badge(rx.icon("arrow-up-from-line", size=12), r["kind"],
                            high_contrast=True), r["kind"])


def users_tab() -> rx.Component:
    table = data_table(
        ["Name", "Email", "Username", "Membership", "Roles", "Status"], U.users,
        lambda r: [rx.text(r["name"], weight="medium"), address(r["email"]), r["username"],
                   _membership(r), r["roles"], r["active"]], cards=True)
    add = rx.menu.root(
        rx.menu.trigger(rx.button(rx.icon("plus", size=16), "Add user", id="add-user")),
        rx.menu.content(rx.menu.item("Invite Parent User", on_select=U.open_invite(True)),
                        custom_attrs=MENU_LEAVES_DIALOG_FOCUS))
    return rx.vstack(rx.cond(U.can_invite, add), invite_parent_dialog(),
                     rx.cond(U.users.length() > 0, table), spacing="3", width="100%")


def invitations_tab() -> rx.Component:
    def actions(i):
        delete = rx.alert_dialog.root(
            rx.alert_dialog.trigger(rx.icon_button(rx.icon("trash-2", size=14), size="1",
                                                   variant="soft", color_scheme="red",
                                                   aria_label="Delete " + i["username"].to(str))),
            rx.alert_dialog.content(
                rx.alert_dialog.title("Delete invitation"),
                rx.alert_dialog.description("The link stops working. The invitation stays "
                                            "in the list as Deleted."),
                rx.hstack(rx.alert_dialog.cancel(rx.button("Cancel", variant="soft",
                                                           color_scheme="gray")),
                          rx.alert_dialog.action(rx.button(
                              "Delete", color_scheme="red",
                              on_click=U.delete_invitation(i["id"].to(int)))),
                          justify="end", spacing="3", margin_top="16px")))
        return rx.hstack(
            rx.cond(i["can_resend"].to(bool), rx.button(
                "Resend", size="1", variant="soft", disabled=U.busy,
                on_click=U.resend(i["id"].to(int)))),
            rx.cond(i["can_revoke"].to(bool), delete), spacing="2")

    table = data_table(["Username", "Groups", "Status", "Invited by", "Sent", "Expires", ""],
                       U.invitations,
                       lambda i: [rx.code(i["username"].to(str)), i["groups"],
                                  status_badge("parent_user", i["status"]), i["invited_by"],
                                  stamp(i["sent"]), stamp(i["expires"]), actions(i)],
                       sticky_last=True)
    return rx.vstack(
        rx.hstack(rx.text("Status", size="2"), rx.select.root(
            rx.select.trigger(aria_label="Filter by status"),
            rx.select.content(*[rx.select.item(text, value=key) for key, text in STATUSES]),
            value=U.status_filter, on_change=U.set_status_filter), align="center"),
        rx.cond(U.invitations.length() > 0, table,
                empty_state("mail", "No invitations",
                            "Invitations sent to users of the parent organization appear "
                            "here.")),
        show_more(U.invitations.length(), U.invitation_total, U.show_more_invitations),
        spacing="3", width="100%")


def users_page() -> rx.Component:
    return shell(
        "Users",
        rx.text("User Management › Users", size="2", color_scheme="gray"),
        error_callout(U.error),
        rx.cond(U.loaded & (U.error == ""), rx.tabs.root(
            rx.tabs.list(rx.tabs.trigger("Users", value="users"),
                         rx.cond(U.can_groups, rx.tabs.trigger("Groups", value="groups")),
                         rx.cond(U.can_invite,
                                 rx.tabs.trigger("Invitations", value="invitations"))),
            rx.tabs.content(users_tab(), value="users", padding_top="12px"),
            rx.tabs.content(groups_tab(), value="groups", padding_top="12px"),
            rx.tabs.content(invitations_tab(), value="invitations", padding_top="12px"),
            value=U.tab, on_change=U.set_tab, width="100%")),
    )
