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


def data_table(headers: list, rows, cells, sticky_last: bool = False) -> rx.Component:
    """A table of `rows` (a list var); `cells(row)` returns the cell contents of one row.

    A header is its content, or `(content, props)` for props of its cell (aria_sort…).
    `sticky_last` keeps the last column (the row's actions) in view when the table scrolls
    sideways.
    """
    pinned = {"position": "sticky", "right": "0", "z_index": "1",
              "background": "var(--color-panel-solid)",
              "box_shadow": "-1px 0 0 var(--gray-a5)"} if sticky_last else {}

    def header(i, h):
        content, props = h if isinstance(h, tuple) else (h, {})
        last = i == len(headers) - 1
        style = {**pinned, "background": "var(--gray-2)"} if last and pinned else {}
        return rx.table.column_header_cell(content, style=style, **props)

    def row(r):
        contents = cells(r)
        return rx.table.row(*[rx.table.cell(c, style=pinned if i == len(contents) - 1 else {})
                              for i, c in enumerate(contents)])

    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(*[header(i, h) for i, h in enumerate(headers)])),
            rx.table.body(rx.foreach(rows, row)),
            variant="surface", width="100%",
        ),
        overflow_x="auto", width="100%",
        # the inner <table> clips its overflow, which would make it the sticky container
        style={"& .rt-TableRootTable": {"overflow": "visible"}} if sticky_last else {},
    )


def table_or_cards(table: rx.Component, rows, card, header=None) -> rx.Component:
    """The table on a tablet or desktop; on a phone one card per row (`card(row)`), under an
    optional `header` (a sort control, say)."""
    return rx.box(
        rx.mobile_only(rx.vstack(header or rx.fragment(), rx.foreach(rows, card),
                                 spacing="2", width="100%")),
        rx.tablet_and_desktop(table), width="100%", min_width="0")


def confirm_button(trigger: rx.Component, title: str, text, action_label: str, on_confirm,
                   color: str = "red", extra: rx.Component | None = None,
                   disabled=False) -> rx.Component:
    """A button that asks again in a dialog before doing anything."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(trigger),
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(text),
            extra or rx.fragment(),
            rx.hstack(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.alert_dialog.action(rx.button(action_label, color_scheme=color,
                                                 on_click=on_confirm, disabled=disabled)),
                justify="end", spacing="3", margin_top="16px",
            ),
        ),
    )
