"""Declining asks again, everywhere, with an optional reason for the inviter."""

import reflex as rx

from app.domain.limits import MAX_DECLINE_REASON


def decline_dialog(is_open, on_open_change, on_submit, about,
                   content_attrs: dict | None = None) -> rx.Component:
    """A dialog, open while `is_open`, that declines the invitation `about` describes
    (text or a var) when its form is sent to `on_submit` (it receives {"reason": ...});
    `content_attrs` go on its content (focus_back_to, say)."""
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title("Decline the invitation?"),
            rx.dialog.description(about, size="2"),
            rx.form(rx.vstack(
                rx.el.label("Reason for declining (optional)", html_for="decline-reason",
                            style={"font_size": "14px", "font_weight": "500"}),
                rx.text_area(id="decline-reason", name="reason", max_length=MAX_DECLINE_REASON,
                             placeholder="The inviter sees this in the invitation's timeline "
                                         "and by email.", width="100%"),
                rx.hstack(
                    rx.dialog.close(rx.button("Cancel", type="button", variant="soft",
                                              color_scheme="gray")),
                    rx.button("Decline", type="submit", color_scheme="red"),
                    justify="end", spacing="3", width="100%"),
                spacing="3", width="100%"), on_submit=on_submit, reset_on_submit=True),
            max_width="480px", custom_attrs=content_attrs or {}),
        open=is_open, on_open_change=on_open_change)
