"""A secret shown only once (an API token, a webhook signing secret): the words that say so,
the value to select or copy, and "I have copied it"."""

import reflex as rx


def shown_once(said: rx.Component, value, *, element_id: str, what: str, dismiss
               ) -> rx.Component:
    """A green callout with `said`, then `value` (a var) with Copy <what> and a button
    that calls `dismiss`."""
    return rx.callout.root(
        rx.callout.icon(rx.icon("key-round")),
        rx.vstack(
            said,
            rx.code(value, id=element_id, size="3", high_contrast=True,
                    style={"word_break": "break-all", "user_select": "all"}),
            rx.hstack(
                rx.button(rx.icon("copy", size=14), f"Copy {what}", color_scheme="indigo",
                          on_click=[rx.set_clipboard(value),
                                    rx.toast.info(f"{what.capitalize()} copied.")]),
                rx.button("I have copied it", variant="soft", color_scheme="gray",
                          on_click=dismiss),
                spacing="3", wrap="wrap"),
            spacing="2", width="100%", min_width="0"),
        color_scheme="green", high_contrast=True, role="status", width="100%")
