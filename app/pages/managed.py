"""Managed Communities: Communities, Users and Roles tabs (product document 003)."""

import reflex as rx

from app.components.batch_results import batch_progress, batch_results
from app.components.common import (
    address,
    confirm_button,
    data_table,
    empty_state,
    error_callout,
    field_label,
    stamp,
)
from app.components.layout import shell
from app.components.status import status_badge
from app.domain.limits import MAX_BATCH
from app.pages.managed_roles import roles_tab
from app.states.managed import ManagedState as M


def _community_name(c) -> rx.Component:
    return rx.hstack(rx.cond(c["depth"].to(int) > 0, rx.icon("corner-down-right", size=14)),
                     rx.text(c["name"], weight=rx.cond(c["kind"] == "mssp", "bold", "medium")),
                     rx.cond(c["kind"] == "mssp", rx.badge("MSSP main")),
                     rx.cond(c["includes"].to(str) != "",
                             rx.text("includes ", c["includes"].to(str), size="1",
                                     color_scheme="gray")),
                     align="center", wrap="wrap",
                     padding_left=rx.cond(c["depth"].to(int) > 0, "16px", "0"))


def _check(label, checked, on_change, aria) -> rx.Component:
    return rx.el.label(rx.hstack(rx.checkbox(checked=checked, on_change=on_change,
                                             aria_label=aria),
                                 label, align="center", spacing="2"),
                       style={"cursor": "pointer"})


def community_dialog() -> rx.Component:
    mains = rx.foreach(M.communities, lambda c: rx.cond(
        c["kind"] == "mssp", rx.el.option(c["name"], value=c["id"].to(str))))
    return rx.fragment(
        rx.button(rx.icon("plus", size=16), "New community", on_click=M.open_community(True)),
        rx.dialog.root(rx.dialog.content(
            rx.dialog.title("New community"),
            rx.dialog.description("An MSSP community is a main community that contains managed "
                                  "communities; a managed community takes people."),
            rx.form(rx.vstack(
                field_label("Name", "mc-name"), rx.input(id="mc-name", name="name", width="100%"),
                field_label("Description", "mc-description"),
                rx.input(id="mc-description", name="description", width="100%"),
                field_label("Type", "mc-kind"),
                rx.el.select(rx.el.option("Managed community", value="managed"),
                             rx.el.option("MSSP community (main)", value="mssp"),
                             id="mc-kind", name="kind", class_name="rt-reset",
                             style={"padding": "6px", "width": "100%"}),
                field_label("Inside MSSP community", "mc-parent"),
                rx.el.select(rx.el.option("None", value="none"), mains, id="mc-parent",
                             name="parent", style={"padding": "6px", "width": "100%"}),
                error_callout(M.community_error),
                rx.hstack(rx.dialog.close(rx.button("Cancel", type="button", variant="soft",
                                                    color_scheme="gray")),
                          rx.button("Create", type="submit"), justify="end", width="100%"),
                spacing="2", margin_top="12px"), on_submit=M.create_community),
        ), open=M.community_open, on_open_change=M.open_community))


def _kind(c) -> rx.Component:
    return rx.cond(c["kind"] == "mssp", "MSSP", "Managed")


def communities_tab() -> rx.Component:
    table = data_table(["Community", "Type", "Description"], M.communities, lambda c: [
        _community_name(c), _kind(c), c["description"]], cards=True)
    return rx.vstack(
        rx.cond(M.can_create, community_dialog()),
        rx.cond(M.communities.length() > 0, table,
                empty_state("shield", "No managed communities",
                            "Create an MSSP community or a managed community to invite people.")),
        spacing="3", width="100%")


def invite_dialog() -> rx.Component:
    community_boxes = rx.foreach(M.communities, lambda c: rx.box(_check(
        _community_name(c), M.pick_communities.contains(c["id"].to(int)),
        lambda on: M.pick_community(c["id"].to(int), on), c["name"].to(str))))
    role_boxes = rx.foreach(M.roles, lambda r: _check(
        rx.text(r["name"].to(str), rx.cond(r["custom"].to(bool), " (custom)", "")),
        M.pick_roles.contains(r["id"].to(int)), lambda on: M.pick_role(r["id"].to(int), on),
        r["name"].to(str) + rx.cond(r["custom"].to(bool), " (custom)", "")))
    return rx.dialog.root(
        rx.dialog.trigger(rx.button(rx.icon("user-plus", size=16), "+ User")),
        rx.dialog.content(
            rx.dialog.title("Invite users"),
            rx.dialog.description(f"Up to {MAX_BATCH:,} addresses, one per line or separated "
                                  "by commas."),
            rx.vstack(
                field_label("User's email", "invite-addresses"),
                rx.text_area(id="invite-addresses", value=M.addresses,
                             on_change=M.set_addresses, width="100%",
                             placeholder="guest@client.example"),
                rx.text(M.address_count, size="1", role="status",
                        color_scheme=rx.cond(M.too_many, "red", "gray")),
                rx.text("Communities", weight="medium", size="2"), community_boxes,
                rx.text("Roles", weight="medium", size="2"), role_boxes,
                error_callout(M.invite_error),
                batch_progress(M), batch_results(M),
                rx.hstack(rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray")),
                          rx.button("Validate", on_click=M.validate, loading=M.inviting,
                                    disabled=M.too_many, id="plus-user-validate"),
                          justify="end",
                          width="100%"),
                spacing="2", margin_top="12px", width="100%"),
            max_width="560px",
        ), open=M.invite_open, on_open_change=M.open_invite)


def member_dialog() -> rx.Component:
    boxes = rx.foreach(M.roles, lambda r: _check(
        r["name"].to(str), M.member_roles.contains(r["id"].to(int)),
        lambda on: M.pick_member_role(r["id"].to(int), on), r["name"].to(str)))
    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title("Change roles"),
        rx.dialog.description(M.member_label),
        rx.vstack(boxes, spacing="2", margin_top="12px"),
        rx.box(error_callout(M.member_error), margin_top="12px"),
        rx.hstack(rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                  rx.button("Save roles", on_click=M.save_member_roles), justify="end",
                  margin_top="16px"),
    ), open=M.member_open, on_open_change=M.close_member)


def _confirm(label: str, title: str, text, action, color="red") -> rx.Component:
    return confirm_button(rx.button(label, size="1", variant="soft", color_scheme=color),
                          title, text, label, action, color=color)


def _member_actions(m) -> rx.Component:
    """Nothing for the viewer's own rows: nobody changes or removes themselves here."""
    return rx.cond(m["is_me"].to(int) == 1, rx.text("You", size="1", color_scheme="gray"),
                   _others_actions(m))


def _others_actions(m) -> rx.Component:
    return rx.hstack(rx.button("Change roles", size="1", variant="soft",
                               on_click=M.open_member(m["member_id"])),
                     _confirm("Remove", "Remove from community",
                              "Remove " + m["name"].to(str) + " from " + m["community"].to(str)
                              + "? Their access ends at once.",
                              M.remove_member(m["member_id"].to(int))),
                     spacing="2")


def _invitation_actions(i) -> rx.Component:
    return rx.hstack(rx.button("Resend", size="1", variant="soft", disabled=M.busy,
                               on_click=M.resend(i["id"].to(int))),
                     _confirm("Revoke", "Revoke invitation",
                              "The link stops working for this community.",
                              M.revoke(i["id"].to(int))), spacing="2")


def users_tab() -> rx.Component:
    filter_options = rx.foreach(M.communities, lambda c: rx.select.item(
        c["name"].to(str), value=c["id"].to(str)))
    members = data_table(["Name", "Email", "Community", "Roles", "Joined", ""], M.members,
                         lambda m: [rx.text(m["name"], weight="medium"), address(m["email"]),
                                    m["community"], m["roles"], stamp(m["joined"]),
                                    _member_actions(m)], cards=True)
    invitations = data_table(
        ["Invitation Recipient", "Community", "Roles", "Status", "Expires", ""], M.invitations,
        lambda i: [address(i["recipient"]), i["community"], i["roles"],
                   status_badge("community_user", i["status"]), stamp(i["expires"]),
                   _invitation_actions(i)], cards=True)
    return rx.vstack(
        rx.hstack(invite_dialog(), rx.spacer(), rx.text("Community", size="2"),
                  rx.select.root(rx.select.trigger(aria_label="Filter by community"),
                                 rx.select.content(rx.select.item("All communities",
                                                                  value="all"),
                                                   filter_options),
                                 value=M.filter_community, on_change=M.set_filter_community),
                  width="100%", align="center", wrap="wrap"),
        rx.heading("Members", size="3", as_="h2"),
        rx.cond(M.members.length() > 0, members,
                rx.text("No members yet.", color_scheme="gray")),
        rx.heading("Pending invitations", size="3", as_="h2"),
        rx.cond(M.invitations.length() > 0, invitations,
                rx.text("No pending invitations.", color_scheme="gray")),
        member_dialog(),
        spacing="3", width="100%")


def managed_page() -> rx.Component:
    return shell(
        "Managed Communities",
        error_callout(M.error),
        rx.tabs.root(
            rx.tabs.list(rx.tabs.trigger("Communities", value="communities"),
                         rx.tabs.trigger("Users", value="users"),
                         rx.tabs.trigger("Roles", value="roles")),
            rx.tabs.content(communities_tab(), value="communities", padding_top="12px"),
            rx.tabs.content(users_tab(), value="users", padding_top="12px"),
            rx.tabs.content(roles_tab(), value="roles", padding_top="12px"),
            value=M.tab, on_change=M.set_tab, width="100%"),
    )
