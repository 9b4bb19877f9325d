"""Small shared pieces: empty states, error callouts and plain data tables."""

import reflex as rx


def empty_state(icon: str, title: str, text: str) -> rx.Component:
    return rx.center(
        rx.vstack(rx.icon(icon, size=32, aria_hidden="true"),
                  rx.heading(title, size="3", as_="h2"),
                  rx.text(text, color_scheme="gray", text_align="center", max_width="440px"),
                  align="center", spacing="2"),
        padding="48px 16px", width="100%",
        border=f"1px dashed {rx.color('gray', 6)}", border_radius="10px",
    )


def error_callout(message) -> rx.Component:
    return rx.cond(message != "", rx.callout(message, icon="triangle-alert", color_scheme="red",
                                              role="alert"), rx.fragment())


def data_table(headers: list, rows, cells) -> rx.Component:
    """A table of `rows` (a list var); `cells(row)` returns the cell contents of one row."""
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
            rx.table.body(rx.foreach(
                rows, lambda row: rx.table.row(*[rx.table.cell(c) for c in cells(row)]))),
            variant="surface", width="100%",
        ),
        overflow_x="auto", width="100%",
    )
