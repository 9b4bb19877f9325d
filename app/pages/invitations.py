"""Invitations: every kind, with counts, filters, keyset pages, actions and CSV export."""

import reflex as rx

from app.components.common import data_table, empty_state, error_callout
from app.components.layout import shell
from app.states.invitations import InvitationsState as I

KINDS = [("all", "All kinds"), ("tenant", "Tenant"), ("community_user", "Community user"),
         ("parent_user", "Parent organization user")]
STATUSES = [("all", "All statuses"), ("pending", "Pending"), ("accepted", "Accepted"),
            ("confirmed", "Confirmed"), ("declined", "Declined"), ("expired", "Expired"),
            ("revoked", "Revoked / Deleted")]
DIRECTIONS = [("all", "Sent and received"), ("sent", "Sent"), ("received", "Received")]


def _select(options, value, on_change, label: str) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(aria_label=label),
        rx.select.content(*[rx.select.item(text, value=key) for key, text in options]),
        value=value, on_change=on_change, size="2")


def _count(key: str, label: str) -> rx.Component:
    return rx.button(label, " ", rx.badge(I.counts[key].to(str), variant="surface",
                                          high_contrast=True),
                     variant=rx.cond(I.status == key, "solid", "soft"), size="1",
                     on_click=I.toggle_status(key), aria_label=f"Show {label.lower()}",
                     aria_pressed=I.status == key)


def _actions(r) -> rx.Component:
    status = r["status"].to(str)
    open_ = status.contains("Pending") | (status == "Expired")
    return rx.hstack(
        rx.cond(r["received"].to(bool) & status.contains("Pending"), rx.fragment(
            rx.button(rx.cond(r["kind_key"] == "tenant", "Join", "Accept"), size="1",
                      on_click=I.accept(r["id"].to(int))),
            rx.button("Decline", size="1", variant="soft", color_scheme="gray",
                      on_click=I.decline(r["id"].to(int))))),
        rx.cond(~r["received"].to(bool) & (status == "Invitation Accepted"),
                rx.button("Confirm", size="1", on_click=I.confirm(r["id"].to(int)))),
        rx.cond(~r["received"].to(bool) & open_,
                rx.button("Resend", size="1", variant="soft",
                          on_click=I.resend(r["id"].to(int)))),
        rx.cond(~r["received"].to(bool) & (open_ | (status == "Invitation Accepted")),
                rx.button("Revoke", size="1", variant="soft", color_scheme="red",
                          on_click=I.revoke(r["id"].to(int)))),
        rx.button("Details", size="1", variant="ghost", on_click=I.open_details(r),
                  aria_label="Details of the invitation to " + r["recipient"].to(str)),
        spacing="1", wrap="wrap")


def _delivery(r) -> rx.Component:
    return rx.cond(r["delivery"] == "failed",
                   rx.tooltip(rx.badge("failed", color_scheme="red", high_contrast=True),
                              content=r["delivery_error"].to(str)),
                   rx.text(r["delivery"], size="1"))


def details_pane() -> rx.Component:
    d = I.details
    return rx.card(rx.vstack(
        rx.hstack(rx.heading("Invitation Details", size="3", as_="h2"), rx.spacer(),
                  rx.icon_button(rx.icon("x"), variant="ghost", on_click=I.close_details,
                                 aria_label="Close"), width="100%"),
        rx.text(d["recipient"].to(str), weight="bold"),
        rx.text(d["kind"].to(str), " · ", d["where"].to(str), size="2"),
        rx.badge(d["status"].to(str)),
        rx.cond(d["delivery"].to(str) == "failed", rx.callout(
            "Delivery failed: " + d["delivery_error"].to(str), color_scheme="red",
            icon="mail-x", size="1")),
        rx.text("Timeline", weight="bold", size="2"),
        rx.foreach(d["timeline"].to(list[dict[str, str]]), lambda e: rx.text(
            e["what"], " · ", e["who"], " · ", e["when"], size="2")),
        spacing="2", width="100%"), width="100%", max_width="360px")


def invitations_page() -> rx.Component:
    table = data_table(
        ["Kind", "Recipient", "Where", "Grants", "Status", "Invited by", "Sent", "Expires",
         "Delivery", ""], I.rows,
        lambda r: [r["kind"], rx.text(r["recipient"], weight="medium"), r["where"],
                   r["grants"], rx.badge(r["status"].to(str)), r["invited_by"], r["sent"],
                   r["expires"], _delivery(r), _actions(r)])
    return shell(
        "Invitations",
        rx.flex(_count("pending", "Pending"), _count("accepted", "Accepted"),
                _count("confirmed", "Confirmed"), _count("declined", "Declined"),
                _count("expired", "Expired"), _count("revoked", "Revoked"),
                spacing="2", wrap="wrap"),
        rx.flex(
            _select(KINDS, I.kind, I.set_kind, "Filter by kind"),
            _select(STATUSES, I.status, I.set_status, "Filter by status"),
            _select(DIRECTIONS, I.direction, I.set_direction, "Sent or received"),
            rx.input(placeholder="Recipient starts with", value=I.search,
                     on_change=I.set_search.debounce(300), aria_label="Recipient starts with"),
            rx.el.label(rx.hstack(rx.checkbox(checked=I.expiring, on_change=I.set_expiring,
                                              aria_label="Expiring soon"),
                                  rx.text("Expiring soon (48 h)", size="2"), align="center")),
            rx.spacer(),
            rx.link(rx.button(rx.icon("download", size=14), "Export CSV", variant="soft"),
                    href=I.export_href, is_external=True),
            spacing="2", wrap="wrap", align="center", width="100%"),
        error_callout(I.error),
        rx.flex(
            rx.cond(I.rows.length() > 0, table, rx.cond(
                I.loaded, empty_state("mail", "No invitations match",
                                      "Invitations you send or receive are listed here."),
                rx.spinner())),
            rx.cond(I.details.length() > 0, details_pane()),
            spacing="4", width="100%", direction=rx.breakpoints(initial="column", lg="row")),
        rx.hstack(rx.button("Previous", variant="soft", on_click=I.previous_page,
                            disabled=I.cursors.length() == 0),
                  rx.button("Next", variant="soft", on_click=I.next_page,
                            disabled=I.next_cursor == ""), spacing="2"),
    )
