"""User Management > Audit log."""

import reflex as rx

from app.components.common import data_table, empty_state, error_callout
from app.components.layout import shell
from app.states.audit import AuditState as A

TARGETS = ["all", "invitation", "community", "organization", "group", "role", "user"]


def audit_page() -> rx.Component:
    table = data_table(["When (UTC)", "Who", "Action", "Target", "Details", "IP"], A.rows,
                       lambda e: [e["at"], e["actor"], rx.code(e["action"].to(str)),
                                  e["target"], rx.text(e["details"], size="1"), e["ip"]])
    return shell(
        "Audit log",
        rx.text("User Management › Audit log", size="2", color_scheme="gray"),
        rx.flex(
            rx.input(placeholder="Actor username", value=A.actor, aria_label="Actor username",
                     on_change=lambda v: A.set_filter("actor", v)),
            rx.input(placeholder="Action (e.g. invitation.)", value=A.action,
                     aria_label="Action starts with",
                     on_change=lambda v: A.set_filter("action", v)),
            rx.select.root(rx.select.trigger(aria_label="Target"),
                           rx.select.content(*[rx.select.item(t, value=t) for t in TARGETS]),
                           value=A.target, on_change=lambda v: A.set_filter("target", v)),
            rx.input(type="date", value=A.since, aria_label="From date",
                     on_change=lambda v: A.set_filter("since", v)),
            rx.input(type="date", value=A.until, aria_label="Until date (exclusive)",
                     on_change=lambda v: A.set_filter("until", v)),
            spacing="2", wrap="wrap"),
        error_callout(A.error),
        rx.cond(A.rows.length() > 0, table, rx.cond(
            A.loaded & (A.error == ""),
            empty_state("scroll-text", "No events", "Actions in this organization appear here."),
            rx.fragment())),
        rx.hstack(rx.button("Newer", variant="soft", on_click=A.newer,
                            disabled=A.pages.length() == 0),
                  rx.button("Older", variant="soft", on_click=A.older,
                            disabled=A.next_before == 0), spacing="2"),
    )
