"""The lower half of a batch-invite dialog: progress while the batch runs, then a summary,
a "Show failures only" switch, a "Copy results" button and the per-person results in a
bounded box that scrolls (the buttons stay in view)."""

import reflex as rx


def batch_progress(state) -> rx.Component:
    return rx.cond(state.progress != "", rx.hstack(
        rx.spinner(size="1"), rx.text(state.progress, size="2", role="status"),
        align="center", spacing="2"))


def batch_results(state) -> rx.Component:
    rows = rx.foreach(state.results, lambda r: rx.cond(
        state.failures_only & (r["outcome"] == "invited"), rx.fragment(),
        rx.hstack(rx.code(r["who"]),
                  rx.badge(r["outcome"], high_contrast=True,
                           color_scheme=rx.cond(r["outcome"] == "invited", "green", "red")),
                  spacing="2")))
    switch = rx.el.label(rx.hstack(
        rx.switch(checked=state.failures_only, on_change=state.set_failures_only, size="1"),
        rx.text("Show failures only", size="2"), align="center", spacing="1"),
        style={"cursor": "pointer"})
    return rx.cond(state.results.length() > 0, rx.vstack(
        rx.hstack(rx.text("Result", weight="medium", size="2"), rx.spacer(), switch,
                  rx.button(rx.icon("copy", size=14), "Copy results", size="1", variant="soft",
                            on_click=state.copy_results),
                  align="center", width="100%"),
        rx.text(state.summary, size="2"),
        rx.scroll_area(rx.vstack(rows, spacing="1"), type="auto", scrollbars="vertical",
                       style={"max_height": "240px"}),
        spacing="2", width="100%"))
