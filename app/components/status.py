"""Invitation statuses in words: services send status keys, pages show these labels."""

import reflex as rx

from app.domain.invitation_status import LABELS, STATUSES

_LABELS = rx.Var.create(LABELS)


def status_label(kind, status) -> rx.Var:
    """The words for `status` (a key var) of an invitation of `kind` (a kind key, or a var
    holding one)."""
    if isinstance(kind, str):
        return rx.Var.create(LABELS[kind])[status.to(str)].to(str)
    return _LABELS[kind.to(str)].to(dict)[status.to(str)].to(str)


def status_badge(kind, status) -> rx.Component:
    return rx.badge(status_label(kind, status))


def status_options(kind: str, keys=STATUSES) -> list[tuple[str, str]]:
    """(key, label) of the statuses `keys` as invitations of `kind` show them, for a
    status filter."""
    return [(key, LABELS[kind][key]) for key in keys]


def show_more(shown, total, on_click) -> rx.Component:
    """"Showing 500 of 612" and a Show more button, when a list has more rows than shown."""
    return rx.cond(total > shown, rx.hstack(
        rx.text("Showing ", shown.to(str), " of ", total.to(str), size="2",
                color_scheme="gray"),
        rx.button("Show more", variant="soft", size="1", on_click=on_click),
        align="center", spacing="2"))
