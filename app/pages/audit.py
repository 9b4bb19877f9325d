"""User Management > Audit log."""

import reflex as rx

from app.components.common import data_table, empty_state, error_callout, table_or_cards
from app.components.layout import shell
from app.states.audit import AuditState as A

TARGETS = [("all", "Every target"), ("invitation", "Invitations"), ("community", "Communities"),
           ("organization", "Organizations"), ("group", "Groups"), ("role", "Roles"),
           ("user", "Users"), ("api_token", "API tokens"),
           ("webhook", "Webhooks"), ("identity_provider", "Identity provider")]


def _event(e) -> rx.Component:
    """The event in words, and beneath it, small, the action the Action filter matches."""
    return rx.vstack(rx.text(e["sentence"], size="2", style={"overflow_wrap": "anywhere"}),
                     rx.text(e["action"], size="1", color_scheme="gray",
                             font_family="var(--code-font-family)"),
                     spacing="1")


def _card(e) -> rx.Component:
    """One event on a phone."""
    return rx.card(rx.vstack(
        rx.text(e["at"], " UTC", size="1", color_scheme="gray"),
        _event(e),
        rx.cond(e["ip"].to(str) != "", rx.text("IP ", e["ip"], size="1", color_scheme="gray")),
        spacing="1", width="100%"), width="100%")


def _labelled(label: str, control: rx.Component) -> rx.Component:
    return rx.el.label(rx.vstack(rx.text(label, size="1", color_scheme="gray"), control,
                                 spacing="1"))


def audit_page() -> rx.Component:
    table = data_table(["When (UTC)", "Event", "IP"], A.rows,
                       lambda e: [rx.text(e["at"], white_space="nowrap"), _event(e), e["ip"]])
    return shell(
        "Audit log",
        rx.text("User Management › Audit log", size="2", color_scheme="gray"),
        rx.flex(
            _labelled("Actor", rx.input(placeholder="Username", value=A.actor,
                                        aria_label="Actor username",
                                        on_change=lambda v: A.set_filter("actor", v))),
            _labelled("Action", rx.input(placeholder="e.g. invitation.", value=A.action,
                                         aria_label="Action starts with",
                                         on_change=lambda v: A.set_filter("action", v))),
            _labelled("Target", rx.select.root(
                rx.select.trigger(aria_label="Target"),
                rx.select.content(*[rx.select.item(text, value=key) for key, text in TARGETS]),
                value=A.target, on_change=lambda v: A.set_filter("target", v))),
            _labelled("From", rx.input(type="date", value=A.since, aria_label="From date",
                                       on_change=lambda v: A.set_filter("since", v))),
            _labelled("Until (not included)", rx.input(
                type="date", value=A.until, aria_label="Until date (exclusive)",
                on_change=lambda v: A.set_filter("until", v))),
            spacing="3", wrap="wrap", align="end"),
        error_callout(A.error),
        rx.cond(A.rows.length() > 0, table_or_cards(table, A.rows, _card), rx.cond(
            A.loaded & (A.error == ""),
            empty_state("scroll-text", "No events", "Actions in this organization appear here."),
            rx.fragment())),
        rx.hstack(rx.button("Newer", variant="soft", on_click=A.newer,
                            disabled=A.pages.length() == 0),
                  rx.button("Older", variant="soft", on_click=A.older,
                            disabled=A.next_before == 0), spacing="2"),
    )
