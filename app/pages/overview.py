"""The Overview, the page after sign-in: what needs the viewer now, across every kind of
invitation, with the rows' own buttons; then their communities and where to go."""

import reflex as rx

from app import routes
from app.components.common import address
from app.components.fare_charts import fare_panel
from app.components.invitation_rows import question_dialog, row_actions
from app.components.layout import shell
from app.components.status import status_badge
from app.states.overview import OverviewQuestion as Q
from app.states.overview import OverviewState as O
from app.states.shell import ShellState


def _need_row(r) -> rx.Component:
    return rx.flex(
        rx.vstack(address(r["recipient"], weight="medium", size="2"),
                  rx.text(r["kind"], " · ", r["where"], size="1", color_scheme="gray"),
                  spacing="0", min_width="0", flex="1 1 14em"),  # the rest wraps under it
        status_badge(r["kind_key"], r["status"]),
        row_actions(r, O, Q, "wrap"),
        wrap="wrap", align="center", gap="8px", width="100%", padding_y="6px",
        border_top=f"1px solid {rx.color('gray', 4)}")


def _need(n) -> rx.Component:
    """A need with something in it: its count (opening the Invitations page filtered to
    it), the first rows with their buttons, and how many more there are."""
    count = n["count"].to(int)
    rows = n["rows"].to(list[dict])
    return rx.cond(count > 0, rx.card(rx.vstack(
        rx.hstack(rx.heading(n["title"].to(str), size="3", as_="h3"), rx.spacer(),
                  rx.link(rx.badge(count.to(str), size="2", variant="solid",
                                   high_contrast=True),
                          href=n["href"].to(str),
                          aria_label="Show all " + count.to(str) + ": " + n["title"].to(str)),
                  align="center", width="100%"),
        rx.foreach(rows, _need_row),
        rx.cond(count > rows.length(),
                rx.link("Show all " + count.to(str) + " in Invitations", href=n["href"].to(str),
                        size="2")),
        spacing="2", width="100%"), width="100%",
        custom_attrs={"data-need": n["key"].to(str)}))


def _communities() -> rx.Component:
    def item(c) -> rx.Component:
        return rx.el.li(rx.link(c["name"], href="/communities/" + c["id"].to(str)),
                        rx.text(" · ", c["role"], as_="span", size="1", color_scheme="gray"))

    return rx.vstack(
        rx.heading("Your communities", size="4", as_="h2"),
        rx.cond(O.communities.length() > 0,
                rx.el.ul(rx.foreach(O.communities, item), class_name="commons-plain-list"),
                rx.text("You are not a member of any community yet.", color_scheme="gray")),
        rx.cond(O.more_communities > 0,
                rx.link("All communities (", O.more_communities.to(str), " more)",
                        href=routes.COMMUNITIES, size="2")),
        spacing="2", width="100%")


def overview_page() -> rx.Component:
    return shell(
        "Overview",
        rx.heading("Welcome, ", ShellState.user_name, size="6", as_="h2"),
        rx.text("You are working in ", rx.text.strong(ShellState.org_name),
                " (Tenant ID ", rx.code(ShellState.tenant_id), ").", color_scheme="gray"),
        rx.heading("Needs you", size="4", as_="h2"),
        rx.cond(
            O.waiting > 0,
            rx.grid(rx.foreach(O.needs, _need), columns=rx.breakpoints(initial="1", md="2"),
                    spacing="3", width="100%"),
            rx.cond(O.loaded,
                    rx.callout("Nothing needs you right now: no invitation waits for your "
                               "answer or confirmation, and none failed or is about to "
                               "expire.", icon="circle-check", color_scheme="green",
                               high_contrast=True, width="100%"),
                    rx.spinner())),
        question_dialog(O, Q),
        fare_panel(O),
        _communities(),
    )
