"""Account (/account): who is signed in, Change password, Sessions and Sign out others."""

import reflex as rx

from app.components.common import data_table, error_callout, table_or_cards
from app.components.layout import shell
from app.domain.password_rules import MIN_PASSWORD
from app.states.account import AccountState as A
from app.states.shell import ShellState


def _section(title: str, *children: rx.Component) -> rx.Component:
    return rx.card(rx.vstack(rx.heading(title, size="4", as_="h2"), *children, spacing="3",
                             width="100%"), width="100%")


def _field(label: str, control_id: str, name: str, auto: str) -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=control_id, style={"font_size": "14px",
                                                       "font_weight": "500"}),
        rx.input(id=control_id, name=name, type="password", required=True,
                 auto_complete=auto, width="100%"),
        spacing="1", width="100%", max_width="360px")


def _who() -> rx.Component:
    def row(label: str, value) -> rx.Component:
        return rx.data_list.item(rx.data_list.label(label), rx.data_list.value(value))

    return _section("Your account", rx.data_list.root(
        row("Name", A.display_name), row("Email", A.email), row("Username", A.username),
        row("Working in", rx.text(ShellState.org_name, " (", rx.code(ShellState.tenant_id),
                                  ")")),
        orientation=rx.breakpoints(initial="vertical", sm="horizontal")))


def _change_password() -> rx.Component:
    return _section(
        "Change password",
        rx.text("Changing it signs out your other sessions; this one stays signed in.",
                size="2", color_scheme="gray"),
        rx.form(rx.vstack(
            _field("Current password", "account-current", "current", "current-password"),
            _field(f"New password (at least {MIN_PASSWORD} characters)", "account-new", "new",
                   "new-password"),
            _field("Repeat the new password", "account-confirm", "confirm", "new-password"),
            rx.box(error_callout(A.password_error), max_width="360px", width="100%"),
            rx.button("Change password", type="submit"),
            spacing="3", width="100%"), on_submit=A.change_password, width="100%"),
    )


def _this(s) -> rx.Component:
    return rx.cond(s["current"].to(bool), rx.badge("This session", color_scheme="green"),
                   rx.fragment())


def _session_card(s) -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(rx.text(s["client"], weight="medium"), _this(s), align="center",
                  wrap="wrap"),
        rx.text("Signed in ", s["signed_in"], size="2"),
        rx.cond(s["last_seen"] != "", rx.text("Last active ", s["last_seen"], size="2")),
        rx.cond(s["address"] != "", rx.text("From ", s["address"], size="2",
                                            color_scheme="gray")),
        spacing="1"), width="100%")


def _sessions() -> rx.Component:
    table = data_table(
        ["Browser", "Signed in", "Last active", "Address", ""], A.sessions,
        lambda s: [rx.text(s["client"], weight="medium"), rx.text(s["signed_in"]),
                   rx.text(s["last_seen"]), rx.text(s["address"]), _this(s)])
    return _section(
        "Sessions",
        rx.text("Where your account is signed in now.", size="2", color_scheme="gray"),
        table_or_cards(table, A.sessions, _session_card),
        rx.hstack(
            rx.button(rx.icon("log-out", size=16), "Sign out other sessions",
                      on_click=A.sign_out_others, disabled=A.other_sessions == 0,
                      variant="soft", color_scheme="red"),
            rx.text(rx.cond(A.other_sessions == 0, "No other session is signed in.",
                            "This session stays signed in."), size="2", color_scheme="gray"),
            align="center", spacing="3", wrap="wrap"),
    )


def account_page() -> rx.Component:
    return shell(
        "Account",
        error_callout(A.error),
        _who(),
        _change_password(),
        _sessions(),
    )
