"""Community Details: Tenants and Invitations tabs, with their panes and dialogs."""

import reflex as rx

from app.components.common import (
    MENU_LEAVES_DIALOG_FOCUS,
    PANE_KEYS,
    address,
    data_table,
    empty_state,
    enter_clicks,
    error_callout,
    focus_back_to,
    pane_close,
    sort_header,
    stamp,
)
from app.components.common import confirm_button as _confirm
from app.components.layout import shell
from app.components.status import show_more, status_badge, status_options
from app.components.timeline import timeline
from app.domain.invitation_status import (
    ACCEPTED,
    CONFIRMED,
    DECLINED,
    EXPIRED,
    PENDING,
    REVOKED,
)
from app.services.community_tenants import DESCENDING
from app.states.community import CommunityState as S

# The status filter: keys as values, the words of a tenant invitation as text.
STATUSES = [("all", "All"), *status_options(
    "tenant", (PENDING, ACCEPTED, CONFIRMED, DECLINED, EXPIRED, REVOKED))]


_TYPED = rx.Var("(document.getElementById('invite-email')?.value ?? '')").to(str)


def invite_dialog() -> rx.Component:
    return rx.dialog.root(
        rx.dialog.trigger(rx.button(rx.icon("user-plus", size=16), "Invite Tenant")),
        rx.dialog.content(
            rx.dialog.title("Invite Tenant"),
            rx.dialog.description(
                "Enter the email address of the Tenant Administrator of the tenant you would "
                "like to invite. They accept for their tenant, then you confirm."),
            rx.vstack(
                rx.el.label("Email address of the tenant administrator", html_for="invite-email",
                            style={"font_size": "14px", "font_weight": "500"}),
                rx.input(id="invite-email", type="email", value=S.invite_email,
                         on_change=S.set_invite_email, placeholder="admin@partner.example",
                         width="100%", custom_attrs=enter_clicks("invite-submit")),
                rx.cond(S.invite_error != "", rx.callout(S.invite_error, color_scheme="red",
                                                         icon="circle-alert", role="alert",
                                                         size="1")),
                spacing="2", margin_top="12px",
            ),
            rx.hstack(
                rx.dialog.close(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.cond(S.resend_offer > 0,
                        rx.button("Resend Invitation", on_click=S.resend(S.resend_offer),
                                  id="invite-submit"),
                        # the field's own value: a click can outrun its last change event
                        rx.button("Invite", on_click=S.send_invite(_TYPED), id="invite-submit")),
                justify="end", spacing="3", margin_top="16px",
            ),
        ),
        open=S.invite_open, on_open_change=S.open_invite,
    )


ROLE_CHOICES = [("none", "No role"), ("community_moderator", "Community Moderator"),
                ("community_member", "Community Member")]


def _user_role_row(u) -> rx.Component:
    """A user and their community role; in a narrow pane the role goes under the name
    rather than past the pane's edge."""
    return rx.flex(
        rx.vstack(rx.text(u["name"], size="2", weight="medium"),
                  address(u["email"], size="1", color_scheme="gray"), spacing="0",
                  flex="1 1 140px", min_width="0"),
        rx.cond(u["locked"].to(bool), rx.badge("Community Administrator", max_width="100%",
                                               white_space="normal"),
                rx.select.root(
                    rx.select.trigger(aria_label="Community role of " + u["name"].to(str),
                                      max_width="100%"),
                    rx.select.content(*[rx.select.item(label, value=key)
                                        for key, label in ROLE_CHOICES],
                                      position="popper", align="end"),
                    value=u["role"].to(str),
                    on_change=lambda key: S.set_user_role(u["user_id"].to(int), key),
                    size="1")),
        width="100%", align="center", justify="between", wrap="wrap", gap="2",
        custom_attrs={"data-role-row": "true"})


def delete_dialog() -> rx.Component:
    name = S.header["name"].to(str)
    return rx.fragment(
        rx.button(rx.icon("trash-2", size=14), "Delete community", variant="soft",
                  color_scheme="red", size="1", on_click=S.open_delete(True)),
        rx.alert_dialog.root(rx.alert_dialog.content(
            rx.alert_dialog.title("Delete community"),
            rx.alert_dialog.description(
                "Type " + name + " to confirm. Open invitations are revoked and every "
                "membership ends; the community's history is kept."),
            rx.input(on_change=S.set_delete_name,  # uncontrolled: no echo races the typing
                     aria_label="Type the community name", margin_top="12px",
                     custom_attrs=enter_clicks("delete-community-submit")),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.button("Delete", color_scheme="red", on_click=S.delete_community,
                          disabled=S.delete_name != name, id="delete-community-submit"),
                justify="end", spacing="3", margin_top="16px"),
        ), open=S.delete_open, on_open_change=S.open_delete))


def tenant_pane() -> rx.Component:
    t = S.selected_tenant
    remove = _confirm(rx.button("Remove Tenant", color_scheme="red", variant="soft"),
                      "Remove Tenant",
                      rx.text("Remove ", rx.text.strong(t["name"].to(str)),
                              " from the community? Its users lose access at once. "
                              "You can invite it again later."),
                      "Remove Tenant", S.remove_tenant(t["organization_id"].to(int)))
    leave = rx.menu.root(
        rx.menu.trigger(rx.icon_button(rx.icon("ellipsis"), variant="soft",
                                       aria_label="More Options", id="tenant-more")),
        rx.menu.content(rx.menu.item("Remove " + t["name"].to(str),
                                     on_select=S.open_leave(True)),
                        custom_attrs=MENU_LEAVES_DIALOG_FOCUS),
    )
    leave_dialog = rx.alert_dialog.root(rx.alert_dialog.content(
        rx.alert_dialog.title("Remove " + t["name"].to(str)),
        rx.alert_dialog.description(
            "Type " + t["name"].to(str) + " to confirm. Your users lose access to this "
            "community at once; the community can invite your tenant again later."),
        rx.input(on_change=S.set_leave_name,  # uncontrolled: no echo races the typing
                 aria_label="Type your tenant name", margin_top="12px",
                 custom_attrs=enter_clicks("leave-submit")),
        rx.hstack(
            rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
            rx.button("Remove", color_scheme="red", on_click=S.leave,
                      disabled=S.leave_name != t["name"].to(str), id="leave-submit"),
            justify="end", spacing="3", margin_top="16px"),
        custom_attrs=focus_back_to("tenant-more"),
    ), open=S.leave_open, on_open_change=S.open_leave)
    return rx.card(rx.vstack(
        rx.hstack(rx.heading("Tenant Details", size="3", as_="h2"), rx.spacer(),
                  pane_close(S.close_details), width="100%"),
        rx.text(rx.text.strong(t["name"].to(str))),
        rx.text("Tenant ID ", rx.code(t["tenant_id"].to(str)), size="2"),
        rx.text("Joined ", t["joined"].to(str), size="2"),
        rx.cond(S.header["can_remove"].to(bool) & ~t["is_owner"].to(bool), remove),
        rx.cond(t["is_mine"].to(bool) & S.header["can_leave"].to(bool),
                rx.hstack(leave, leave_dialog, spacing="2")),
        rx.cond(S.my_users.length() > 0, rx.vstack(
            rx.text("Your users' community roles", weight="bold", size="2", margin_top="8px"),
            rx.foreach(S.my_users, _user_role_row), spacing="2", width="100%")),
        spacing="2", width="100%"), id="tenant-pane", width="100%", max_width="360px",
        custom_attrs={"onKeyDown": PANE_KEYS})


def invitation_pane() -> rx.Component:
    d = S.details
    return rx.card(rx.vstack(
        rx.hstack(rx.heading("Invitation Details", size="3", as_="h2"), rx.spacer(),
                  pane_close(S.close_details), width="100%"),
        address(d["recipient"], weight="bold"),
        status_badge("tenant", d["status"]),
        rx.text("Expires ", d["expires"].to(str), size="2"),
        rx.cond(d["accepted_for"].to(str) != "",
                rx.text("Accepted for ", rx.text.strong(d["accepted_for"].to(str)), size="2")),
        rx.hstack(
            rx.cond(d["can_confirm"].to(bool), _confirm(
                rx.button("Confirm Tenant", disabled=S.busy), "Confirm Tenant",
                rx.text("Confirm ", rx.text.strong(d["accepted_for"].to(str)),
                        " as a member tenant of this community?"),
                "Confirm Tenant", S.confirm(d["id"].to(int)), color="indigo")),
            rx.cond(d["can_resend"].to(bool),
                    rx.button("Resend Invitation", variant="soft", loading=S.busy,
                              on_click=S.resend(d["id"].to(int)))),
            rx.cond(d["can_revoke"].to(bool), _confirm(
                rx.button("Revoke Invitation", variant="soft", color_scheme="red",
                          disabled=S.busy),
                "Revoke Invitation", "The link stops working and the invitee cannot join.",
                "Revoke Invitation", S.revoke(d["id"].to(int)))),
            wrap="wrap", spacing="2"),
        rx.box(timeline(d["timeline"]), margin_top="8px", width="100%"),
        spacing="2", width="100%"), id="invitation-pane", width="100%", max_width="360px",
        custom_attrs={"onKeyDown": PANE_KEYS})


def tenants_tab() -> rx.Component:
    table = data_table(["Tenant", "Role", "Joined"], S.tenants, lambda t: [
        rx.text(t["name"], weight="medium"), t["role"], stamp(t["joined"])],
        on_select=lambda t: S.select_tenant(t["organization_id"]),
        selected=(lambda t: t["organization_id"], S.selected_tenant["organization_id"]))
    return rx.vstack(
        rx.cond(S.header["can_invite"].to(bool), invite_dialog()),
        rx.flex(table, rx.cond(S.selected_tenant.length() > 0, tenant_pane()),
                spacing="4", width="100%", direction=rx.breakpoints(initial="column",
                                                                     md="row")),
        spacing="3", width="100%")


def invitations_tab() -> rx.Component:
    def sortable(label: str, key: str):
        """The Invitations page's sortable header: each column sorts one way."""
        return sort_header(label, S.sort_by(key), S.sort_key == key, key in DESCENDING)

    table = data_table(
        [sortable("Invitation Recipient", "recipient"), sortable("Status", "status"),
         sortable("Invited by", "invited_by"), sortable("Sent", "sent"),
         sortable("Expires", "expires")], S.invitations,
        lambda i: [address(i["recipient"], weight="medium"),
                   status_badge("tenant", i["status"]), i["invited_by"], stamp(i["sent"]),
                   stamp(i["expires"])],
        on_select=lambda i: S.select_invitation(i["id"]),
        selected=(lambda i: i["id"], S.details["id"]))
    return rx.vstack(
        rx.hstack(rx.text("Status", size="2"),
                  rx.select.root(
                      rx.select.trigger(aria_label="Filter by status"),
                      rx.select.content(*[rx.select.item(text, value=key)
                                          for key, text in STATUSES]),
                      value=S.status_filter, on_change=S.set_status_filter),
                  align="center"),
        rx.flex(
            rx.cond(S.invitations.length() > 0, table,
                    empty_state("mail", "No invitations", "Invite a tenant from the Tenants tab.")),
            rx.cond(S.details.length() > 0, invitation_pane()),
            spacing="4", width="100%", direction=rx.breakpoints(initial="column", md="row")),
        show_more(S.invitations.length(), S.invitation_total, S.show_more_invitations),
        spacing="3", width="100%")


def community_page() -> rx.Component:
    return shell(
        "Community Details",
        error_callout(S.error),
        rx.cond(S.header.length() > 0, rx.vstack(
            rx.heading(S.header["name"].to(str), size="6", as_="h2"),
            rx.text(S.header["description"].to(str), color_scheme="gray"),
            rx.hstack(rx.text("Owner: ", S.header["owner"].to(str), size="2"), rx.spacer(),
                      rx.cond(S.header["can_delete"].to(bool), delete_dialog()),
                      width="100%", align="center"),
            rx.tabs.root(
                rx.tabs.list(rx.tabs.trigger("Tenants", value="tenants"),
                             rx.cond(S.header["can_invite"].to(bool),
                                     rx.tabs.trigger("Invitations", value="invitations"))),
                rx.tabs.content(tenants_tab(), value="tenants", padding_top="12px"),
                rx.tabs.content(invitations_tab(), value="invitations", padding_top="12px"),
                value=S.tab, on_change=S.set_tab,
                width="100%"),
            spacing="3", width="100%")),
    )
