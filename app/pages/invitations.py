"""Invitations: every kind, with counts, filters, sorting, keyset pages, actions, CSV export."""

import reflex as rx

from app.components import plain
from app.components.common import (
    PANE_KEYS,
    address,
    data_table,
    empty_state,
    error_callout,
    pane_close,
    sort_header,
    table_or_cards,
)
from app.components.invitation_rows import question_dialog, row_actions
from app.components.layout import shell
from app.components.status import status_badge
from app.components.timeline import timeline
from app.domain import invitation_status as st
from app.states.invitations import InvitationDetails as D
from app.states.invitations import InvitationsState as I
from app.states.invitations import RowQuestion as Q

KINDS = [("all", "All kinds"), ("tenant", "Tenant"), ("community_user", "Community user"),
         ("parent_user", "Parent organization user")]
STATUSES = [("all", "All statuses"), *((key, st.MIXED_LABELS[key]) for key in (
    "pending", "accepted", "confirmed", "declined", "expired", "revoked"))]
DIRECTIONS = [("all", "Sent and received"), ("sent", "Sent"), ("received", "Received")]
SORTS = [("sent", "Sent"), ("expires", "Expires"), ("recipient", "Recipient"), ("kind", "Kind")]


def _filter(name: str, options, label: str) -> rx.Component:
    return _select(options, getattr(I, name), lambda v: I.set_filter(name, v), label)


def _select(options, value, on_change, label: str) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(aria_label=label),
        rx.select.content(*[rx.select.item(text, value=key) for key, text in options]),
        value=value, on_change=on_change, size="2")


def _place_select() -> rx.Component:
    return rx.select.root(
        rx.select.trigger(aria_label="Filter by community or organization",
                          max_width="260px"),
        rx.select.content(
            rx.select.item("Every community and organization", value="all"),
            rx.foreach(I.places, lambda p: rx.select.item(p[1], value=p[0]))),
        value=I.place, on_change=lambda v: I.set_filter("place", v), size="2")


def _sortable(key: str, label: str):
    """A column header that sorts by its column (again: the other way round)."""
    return sort_header(label, I.sort_by(key), I.sort == key, I.descending)


def _count(key: str, label, aria: str = "") -> rx.Component:
    return rx.button(label, " ", rx.badge(I.counts[key].to(str), variant="surface",
                                          high_contrast=True),
                     variant=rx.cond(I.status == key, "solid", "soft"), size="1",
                     on_click=I.toggle_status(key),
                     aria_label=f"Show {(aria or label).lower()}",
                     aria_pressed=I.status == key)


def _actions(r, wrap: str = "nowrap") -> rx.Component:
    return row_actions(r, I, Q, wrap, details=D.open_details)


def _delivery(r) -> rx.Component:
    return plain.when(r["delivery"] == "failed",
                      rx.tooltip(rx.badge("failed", color_scheme="red", high_contrast=True),
                                 content=r["delivery_error"].to(str)),
                      rx.el.span(r["delivery"], class_name="rt-Text rt-r-size-1"))


def _details_body(heading: rx.Component, close: rx.Component) -> rx.Component:
    d = D.details
    return rx.vstack(
        rx.hstack(heading, rx.spacer(), close, width="100%"),
        address(d["recipient"], weight="bold"),
        rx.text(d["kind"].to(str), " · ", d["where"].to(str), size="2"),
        rx.text("Grants: ", d["grants"].to(str), size="2"),
        rx.text("From ", d["invited_by"].to(str), " (", d["from_org"].to(str), ")", size="2"),
        rx.text("Expires ", d["expires"].to(str), " UTC", size="2"),
        status_badge(d["kind_key"], d["status"]),
        rx.cond(d["delivery"].to(str) == "failed", rx.callout(
            "Delivery failed: " + d["delivery_error"].to(str), color_scheme="red",
            icon="mail-x", size="1")),
        timeline(d["timeline"]),
        spacing="2", width="100%")


def details_pane() -> rx.Component:
    """Beside the table on a wide screen, under the list on a phone (scrolled to)."""
    close = pane_close(D.close_details)
    return rx.card(_details_body(rx.heading("Invitation Details", size="3", as_="h2"), close),
                   id="invitation-details", custom_attrs={"onKeyDown": PANE_KEYS}, width="100%",
                   max_width=rx.breakpoints(lg="360px"), flex_shrink="0",
                   position=rx.breakpoints(initial="static", lg="sticky"), top="72px",
                   align_self="flex-start", style={"scroll_margin_top": "72px"})


def _table() -> rx.Component:
    return data_table(
        [_sortable("kind", "Kind"), _sortable("recipient", "Recipient"), "Where", "Grants",
         "Status", "Invited by", _sortable("sent", "Sent"), _sortable("expires", "Expires"),
         "Delivery", ""], I.rows,
        lambda r: [r["kind"],
                   address(r["recipient"], weight="medium", class_name="commons-recipient"),
                   r["where"], r["grants"], status_badge(r["kind_key"], r["status"]),
                   _inviter(r), _day(r["sent"]), _day(r["expires"]), _delivery(r),
                   _actions(r)],
        sticky_last=True, on_select=lambda r: D.open_details(r["id"].to(int)),
        selected=(lambda r: r["id"], D.details["id"]))


def _inviter(r) -> rx.Component:
    """Who sent it; a received invitation also names the organization it came from."""
    return rx.el.span(r["invited_by"].to(str) + rx.cond(
        r["received"].to(bool), " (" + r["from_org"].to(str) + ")", ""))


def _day(stamp) -> rx.Component:
    """The date in the table; the time of day (UTC) on hover and in the details."""
    return rx.el.span(stamp.to(str)[:10], title=stamp.to(str) + " UTC",
                      class_name="commons-nowrap")


def _card(r) -> rx.Component:
    """One invitation on a phone: the same facts and actions as a table row."""
    return rx.card(rx.vstack(
        rx.hstack(address(r["recipient"], weight="bold"),
                  rx.spacer(), status_badge(r["kind_key"], r["status"]), width="100%",
                  align="start"),
        rx.text(r["kind"], " · ", r["where"], size="2"),
        rx.text("Grants ", r["grants"], size="2", color_scheme="gray"),
        rx.text("Sent ", r["sent"], " by ", _inviter(r), size="2", color_scheme="gray"),
        rx.hstack(rx.text("Expires ", r["expires"], size="2", color_scheme="gray"),
                  rx.spacer(), _delivery(r), width="100%"),
        _actions(r, "wrap"), spacing="1", width="100%"), width="100%")


def _list() -> rx.Component:
    sort = rx.hstack(rx.text("Sort by", size="2"),
                     _select(SORTS, I.sort, I.sort_by, "Sort by"),
                     rx.icon_button(_arrow_only(), variant="soft", size="2",
                                    on_click=I.sort_by(I.sort),
                                    aria_label=rx.cond(I.descending, "Sort ascending",
                                                       "Sort descending")),
                     align="center", spacing="2")
    return table_or_cards(_table(), I.rows, _card, header=sort)


def _check(checked, on_change, aria: str, text: str) -> rx.Component:
    """A filter that is on or off, as a labelled checkbox."""
    return rx.el.label(rx.hstack(rx.checkbox(checked=checked, on_change=on_change,
                                             aria_label=aria),
                                 rx.text(text, size="2"), align="center"))


def _arrow_only() -> rx.Component:
    return rx.cond(I.descending, rx.icon("arrow-down", size=16), rx.icon("arrow-up", size=16))


def invitations_page() -> rx.Component:
    return shell(
        "Invitations",
        rx.flex(_count("pending", "Pending"), _count("accepted", "Accepted"),
                _count("confirmed", "Confirmed"), _count("declined", "Declined"),
                _count("expired", "Expired"),
                _count("revoked", rx.match(I.kind, ("parent_user", "Deleted"),
                                           ("tenant", "Revoked"), ("community_user", "Revoked"),
                                           st.MIXED_LABELS[st.REVOKED]),
                       "revoked or deleted"),
                spacing="2", wrap="wrap"),
        rx.flex(
            _filter("kind", KINDS, "Filter by kind"),
            _filter("status", STATUSES, "Filter by status"),
            _filter("direction", DIRECTIONS, "Sent or received"),
            _place_select(),
            rx.input(placeholder="Recipient starts with", value=I.search,
                     on_change=I.set_search.debounce(300), aria_label="Recipient starts with"),
            _check(I.expiring, I.set_expiring, "Expiring soon", "Expiring soon (48 h)"),
            _check(I.failed, I.set_failed, "Delivery failed", "Delivery failed"),
            _check(I.renewal, I.set_renewal, "New invitation asked",
                   "New invitation asked"),
            rx.cond(I.filtered, rx.button(rx.icon("x", size=14), "Clear filters",
                                          variant="ghost", on_click=I.clear_filters)),
            rx.spacer(),
            rx.button(rx.link(rx.icon("download", size=14), "Export CSV", href=I.export_href,
                              is_external=True, underline="none"),
                      as_child=True, variant="soft"),
            spacing="2", wrap="wrap", align="center", width="100%"),
        error_callout(I.error),
        question_dialog(I, Q),
        rx.flex(
            rx.cond(I.rows.length() > 0, _list(), rx.cond(
                I.loaded, empty_state("mail", "No invitations match",
                                      "Invitations you send or receive are listed here."),
                rx.spinner())),
            rx.cond(D.details.length() > 0, details_pane()),
            spacing="4", width="100%", direction=rx.breakpoints(initial="column", lg="row")),
        rx.hstack(rx.button("Previous", variant="soft", on_click=I.previous_page,
                            disabled=I.cursors.length() == 0),
                  rx.button("Next", variant="soft", on_click=I.next_page,
                            disabled=I.next_cursor == ""), spacing="2"),
    )
