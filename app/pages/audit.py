"""User Management > Audit log."""

import reflex as rx

from app.components.common import data_table, empty_state, error_callout, table_or_cards
from app.components.layout import shell
from app.states.audit import AuditState as A

TARGETS = [("all", "Every target"), ("invitation", "Invitations"), ("community", "Communities"),
           ("organization", "Organizations"), ("group", "Groups"), ("role", "Roles"),
           ("user", "Users")]


def _card(e) -> rx.Component:
    """One event on a phone."""
    return rx.card(rx.vstack(
        rx.hstack(rx.code(e["action"].to(str)), rx.spacer(),
                  rx.text(e["at"], size="1", color_scheme="gray"), width="100%", wrap="wrap"),
        rx.text(e["actor"], " · ", e["target"], size="2"),
        rx.cond(e["details"].to(str) != "", rx.text(e["details"], size="1",
                                                   style={"overflow_wrap": "anywhere"})),
        rx.cond(e["ip"].to(str) != "", rx.text("IP ", e["ip"], size="1", color_scheme="gray")),
        spacing="1", width="100%"), width="100%")


def _labelled(label: str, control: rx.Component) -> rx.Component:
    return rx.el.label(rx.vstack(rx.text(label, size="1", color_scheme="gray"), control,
                                 spacing="1"))


def audit_page() -> rx.Component:
    table = data_table(["When (UTC)", "Who", "Action", "Target", "Details", "IP"], A.rows,
                       lambda e: [e["at"], e["actor"], rx.code(e["action"].to(str)),
                                  e["target"], rx.text(e["details"], size="1"), e["ip"]])
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
