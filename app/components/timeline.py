"""An invitation's timeline, the same in the community pane and on the Invitations page."""

import reflex as rx

# One grid per event: the icon in a narrow first column, level with the first line of the
# text; a long event wraps under its own text, never under the icon.
_EVENT = {"display": "grid", "grid_template_columns": "14px minmax(0, 1fr)",
          "column_gap": "8px", "align_items": "start"}
_LIST = {"list_style": "none", "margin": "0", "padding": "0", "display": "flex",
         "flex_direction": "column", "gap": "6px", "width": "100%"}


def _event(e) -> rx.Component:
    return rx.el.li(
        rx.icon("circle-dot", size=14, aria_hidden="true", margin_top="3px",
                color=rx.color("gray", 11)),
        rx.text(rx.text.span(e["what"], weight="medium"),
                rx.text.span(" · ", e["who"], " · ", e["when"], color_scheme="gray"),
                size="2", style={"overflow_wrap": "break-word"}),
        style=_EVENT, custom_attrs={"data-timeline-event": "true"})


def timeline(events) -> rx.Component:
    """`events` (a list var of {what, who, when}, oldest first) under a "Timeline" heading:
    each event on one line, what happened, then who and when."""
    return rx.vstack(
        rx.text("Timeline", weight="bold", size="2"),
        rx.el.ol(rx.foreach(events.to(list[dict[str, str]]), _event),
                 aria_label="Timeline", style=_LIST),
        spacing="1", width="100%")
