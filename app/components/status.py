"""Invitation statuses in words: services send status keys, pages show these labels."""

import reflex as rx

from app.components import plain
from app.domain.invitation_status import (
    ACCEPTED,
    CONFIRMED,
    DECLINED,
    EXPIRED,
    LABELS,
    PENDING,
    REVOKED,
    STATUSES,
)

_LABELS = rx.Var.create(LABELS)
# A badge's colour says what the status means, whatever words its kind uses: waiting,
# half-way, done, refused, run out, ended by the sender.
COLORS = {PENDING: "amber", ACCEPTED: "blue", CONFIRMED: "green", DECLINED: "orange",
          EXPIRED: "gray", REVOKED: "red"}
_COLORS = rx.Var.create(COLORS)


def status_label(kind, status) -> rx.Var:
    """The words for `status` (a key var) of an invitation of `kind` (a kind key, or a var
    holding one)."""
    if isinstance(kind, str):
        return rx.Var.create(LABELS[kind])[status.to(str)].to(str)
    return _LABELS[kind.to(str)].to(dict)[status.to(str)].to(str)


def status_color(status) -> rx.Var:
    """The Radix colour of `status` (a key var); gray for a key it does not know."""
    return (_COLORS.to(dict)[status.to(str)] | "gray").to(str)


def status_badge(kind, status) -> rx.Component:
    """The status in its kind's words, coloured by the status key. High contrast: the
    words read at 4.5:1 on every colour, in light and dark."""
    return plain.badge(status_label(kind, status), color=status_color(status),
                       high_contrast=True, class_name="commons-nowrap",
                       custom_attrs={"data-status": status.to(str)})


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
