"""Small shared pieces: empty states, error callouts and plain data tables."""

import hashlib

import reflex as rx
from reflex.vars.base import Var, VarData

from app.components import plain


def empty_state(icon: str, title: str, text: str) -> rx.Component:
    return rx.center(
        rx.vstack(rx.icon(icon, size=32, aria_hidden="true"),
                  rx.heading(title, size="3", as_="h2"),
                  rx.text(text, color_scheme="gray", text_align="center", max_width="440px"),
                  align="center", spacing="2"),
        padding="48px 16px", width="100%",
        border=f"1px dashed {rx.color('gray', 6)}", border_radius="10px",
    )


def field_label(text: str, for_id: str) -> rx.Component:
    """The label of the form control `for_id`."""
    return rx.el.label(text, html_for=for_id, style={"font_size": "14px", "font_weight": "500"})


def error_callout(message) -> rx.Component:
    return rx.cond(message != "", rx.callout(message, icon="triangle-alert", color_scheme="red",
                                              role="alert"), rx.fragment())


# An address wraps only where `address` allows (after "@" and dots); a part longer than
# its box still breaks rather than overflow. `break-word`, unlike `anywhere`, leaves a
# table column at least as wide as the longest part.
# Line-break opportunities go after every "@" and ".": the parts between them stay whole.
_AFTER_AT_AND_DOTS = "/(?<=[@.])/"
# A URL breaks after its slashes, dots and query separators.
AFTER_URL_SEPARATORS = "/(?<=[\\/.?&=])/"


def address_parts(text, after: str = _AFTER_AT_AND_DOTS) -> Var:
    """`text` (a string var) cut after each "@" and "." (or what the regular expression
    `after` matches): what `address` joins with <wbr>."""
    text = text if isinstance(text, Var) else Var.create(text)
    return Var(_js_expr=f"String({text} ?? \"\").split({after})",
               _var_type=list[str], _var_data=text._get_all_var_data())


def address(text, after: str = _AFTER_AT_AND_DOTS, as_heading: bool = False,
            **props) -> rx.Component:
    """An email address that a narrow box breaks after "@" or a dot, never mid-word (or a
    URL, with `after=AFTER_URL_SEPARATORS`; a heading with `as_heading`). The <wbr>
    elements add nothing to its text: copying it or finding it reads the address."""
    classes = " ".join(filter(None, ["commons-address", props.pop("class_name", "")]))
    parts = rx.foreach(address_parts(text, after), lambda part: rx.fragment(part, rx.el.wbr()))
    if as_heading:
        return rx.heading(parts, class_name=classes, **props)
    # the Radix look without its component: addresses are drawn once per row of a list
    return plain.text(parts, class_name=classes, color=props.pop("color_scheme", ""), **props)


# Enter or Space on a focused row does what a click on it does; Escape on the selected row
# closes its pane.
_ROW_KEYS = rx.Var("((e) => { if (e.target !== e.currentTarget) return; "
                   "if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); "
                   "e.currentTarget.click(); } else if (e.key === 'Escape') { "
                   "document.querySelector('[data-pane-close]')?.click(); } })")


def enter_clicks(button_id: str) -> dict:
    """custom_attrs for a single-field input: Enter presses the button `button_id`. A
    button disabled until the server has read the typed text (a name to type again) is
    pressed once it is enabled, within two seconds."""
    return {"onKeyDown": rx.Var(
        "((e) => { if (e.key === 'Enter' && !e.nativeEvent.isComposing) { e.preventDefault(); "
        f"const press = (n) => {{ const b = document.getElementById('{button_id}'); "
        "if (b && !b.disabled) b.click(); else if (b && n > 0) setTimeout(() => press(n - 1), "
        "50); }; press(40); } })")}


# A menu whose item opens a dialog: Radix gives the focus back to the menu's trigger once
# the menu's closing animation ends, which on a busy machine comes after the dialog has
# opened; the dialog would then pull the focus back to its field and select what was typed
# there, so the next key replaced it. While a dialog is open, the menu leaves the focus be.
MENU_LEAVES_DIALOG_FOCUS = {"onCloseAutoFocus": rx.Var(
    "((e) => { if (document.querySelector('[role=\"alertdialog\"], [role=\"dialog\"]')) "
    "e.preventDefault(); })")}


def focus_back_to(element_id, or_else=None) -> dict:
    """custom_attrs for the content of a dialog opened from something that is not its
    trigger (a menu item, gone when it closes; a row's button): closing puts the focus on
    `element_id` (a string, or a string var), or when that is gone (the action removed
    it) on the first element matching the selector `or_else`."""
    target = element_id if isinstance(element_id, Var) else Var.create(element_id)
    other = or_else if isinstance(or_else, Var) else Var.create(or_else or "")
    return {"onCloseAutoFocus": rx.Var(
        f"((e) => {{ const t = document.getElementById({target}) "
        f"|| ({other} ? document.querySelector({other}) : null); "
        "if (t) { e.preventDefault(); t.focus(); } })",
        _var_data=VarData.merge(target._get_all_var_data(), other._get_all_var_data()))}


# Escape in a side pane closes it (its close button carries data-pane-close) and puts the
# focus back on the selected row. An Escape that closed a menu or dialog opened from the
# pane (portalled, so React still bubbles it here) is already handled: it closes only that.
PANE_KEYS = rx.Var(
    "((e) => { if (e.key === 'Escape' && !e.defaultPrevented "
    "&& e.currentTarget.contains(e.target)) { e.preventDefault(); "
    "document.querySelector('tr[aria-selected=\"true\"]')?.focus(); "
    "e.currentTarget.querySelector('[data-pane-close]')?.click(); } })")


def pane_close(on_click) -> rx.Component:
    """The close button of a side pane (Escape in the pane presses it)."""
    return rx.icon_button(rx.icon("x"), variant="ghost", on_click=on_click, aria_label="Close",
                          custom_attrs={"data-pane-close": "true"})


_NOWRAP = {"white_space": "nowrap"}
_SORT_BUTTON = {"display": "inline-flex", "align_items": "center", "gap": "4px",
                "font": "inherit", "color": "inherit", "background": "none", "border": "none",
                "padding": "0", "cursor": "pointer", "white_space": "nowrap"}


def stamp(text) -> rx.Component:
    """"2026-11-29 10:50" (a string var): it may wrap between the date and the time, never
    inside the date."""
    text = text.to(str)
    return rx.text(rx.el.span(text[:10], style=_NOWRAP), " ", rx.el.span(text[11:], style=_NOWRAP),
                   as_="span")


def sort_header(label: str, on_click, active, descending) -> tuple:
    """A column header that sorts by its column, for `data_table`: the header's own words
    in its own style, an arrow saying which way (faint while another column sorts), and
    aria-sort. `active` and `descending` are bool vars (or a bool)."""
    arrow = rx.cond(active, rx.cond(descending, rx.icon("arrow-down", size=14),
                                    rx.icon("arrow-up", size=14)),
                    rx.icon("arrow-up-down", size=14, opacity="0.45"))
    button = rx.el.button(label, arrow, on_click=on_click,
                          aria_label=f"Sort by {label.lower()}", style=_SORT_BUTTON)
    return button, {"aria_sort": rx.cond(active, rx.cond(descending, "descending",
                                                         "ascending"), "none")}


# On a phone a `cards` table shows each row as a card: its first cell as the title, each
# other cell on a line of its own after its column's name, its actions last. One table in
# the page (no second copy for phones); the headers stay for screen readers.
_PHONE = "@media (max-width: 29.99em)"
_CARDS = {_PHONE: {
    "& .rt-TableRoot": {"border": "none", "background": "none", "backdrop_filter": "none"},
    "& table, & tbody, & tr, & td": {"display": "block"},
    "& .rt-TableRootTable": {"width": "100%", "height": "auto"},  # Radix's 0 sizes a table
    "& thead": {"position": "absolute", "width": "1px", "height": "1px", "overflow": "hidden",
                "clip_path": "inset(50%)", "white_space": "nowrap"},
    "& tbody > tr": {"border": "1px solid var(--gray-a6)", "border_radius": "var(--radius-4)",
                     "padding": "10px 12px", "margin_bottom": "8px",
                     "background_color": "var(--color-panel-solid)"},
    "& td": {"padding": "2px 0", "box_shadow": "none", "height": "auto", "min_width": "0"},
    "& td:first-child": {"padding_bottom": "4px"},
    "& td:last-child:not([data-label])": {"padding_top": "6px"},  # the row's actions
    "& td[data-label]::before": {"content": "attr(data-label) ': '", "color": "var(--gray-11)"},
    "& td[data-label] > p": {"display": "inline"},
}}


def data_table(headers: list, rows, cells, sticky_last: bool = False, on_select=None,
               selected=None, cards: bool = False) -> rx.Component:
    """A table of `rows` (a list var); `cells(row)` returns the cell contents of one row.

    A header is its content, or `(content, props)` for props of its cell (aria_sort…).
    `sticky_last` keeps the last column (the row's actions) in view when the table scrolls
    sideways; `cards` shows the rows as cards on a phone instead. With `on_select(row)` (an
    event) a click anywhere on a row, or Enter or Space on it, selects it; `selected`, a
    pair `(key(row), chosen)`, marks the row whose key is the var `chosen` (highlighted,
    aria-selected). The rows do not read `chosen`: a SelectedRow beside them marks it, so
    a selection redraws no row (keep `chosen` in another state than `rows`).
    """
    labels = [h if isinstance(h, str) and i else "" for i, h in enumerate(headers)]
    # Rows and the pinned column are styled by classes of assets/commons.css, not by style
    # props: a style prop is serialized and hashed again for each row on every render.
    pinned = "commons-pinned" if sticky_last else ""

    def header(i, h):
        content, props = h if isinstance(h, tuple) else (h, {})
        last = i == len(headers) - 1
        return rx.table.column_header_cell(
            content, class_name=f"{pinned} commons-pinned-head" if last and pinned else "",
            **props)

    def row(r):
        contents = cells(r)
        # <tr> and <td> with Radix's table classes (what Table.Row and Table.Cell draw,
        # without their work per render: app/components/plain.py)
        cells_ = [rx.el.td(c, class_name="rt-TableCell" + (
                               f" {pinned}" if pinned and i == len(contents) - 1 else ""),
                           custom_attrs={"data-label": labels[i]} if labels[i] else {})
                  for i, c in enumerate(contents)]
        if on_select is None:
            return rx.el.tr(*cells_, class_name="rt-TableRow")
        marks = {"data-row": selected[0](r)} if selected else {}
        return rx.el.tr(
            *cells_, on_click=on_select(r), tab_index=0, class_name="rt-TableRow commons-row",
            custom_attrs={"onKeyDown": _ROW_KEYS, **marks})

    # the body's id follows from the selection's var, so each build names it alike
    body_id = "rows-" + hashlib.md5(str(selected[1]).encode()).hexdigest()[:8] \
        if selected else None
    return rx.box(
        rx.table.root(
            rx.table.header(rx.table.row(*[header(i, h) for i, h in enumerate(headers)])),
            rx.table.body(rx.foreach(rows, row), id=body_id),
            variant="surface", width="100%",
        ),
        SelectedRow.create(table=body_id, chosen=selected[1], rows=rows)
        if selected else rx.fragment(),
        overflow_x="auto", width="100%",
        # the inner <table> clips its overflow, which would make it the sticky container;
        # the scroll area then clips to the table's rounded corners instead, so the pinned
        # cells stay inside its border
        style={"& .rt-TableRootTable": {"overflow": "visible"},
               "& .rt-TableRoot > .rt-ScrollAreaRoot": {
                   "border_radius": "calc(var(--table-border-radius) - 1px)"}}
        if sticky_last else _CARDS if cards else {},
    )


class SelectedRow(rx.Component):
    """Marks the row of the table body `table` whose data-row is `chosen` (see
    assets/selected_row.jsx); renders nothing."""

    library = "$/public/selected_row.jsx"
    tag = "SelectedRow"
    table: rx.Var[str]
    chosen: rx.Var[int | str]
    rows: rx.Var[list]


class MediaOnly(rx.Component):
    """Its children, only while the media `query` matches (decided in the browser: the
    other layout is not rendered at all, where `rx.mobile_only` would render it hidden)."""

    library = "$/public/media_only.jsx"
    tag = "MediaOnly"
    query: rx.Var[str]


# Reflex's first breakpoint (rx.mobile_only / rx.tablet_and_desktop)
PHONE, WIDE = "(max-width: 29.99em)", "(min-width: 30em)"


def table_or_cards(table: rx.Component, rows, card, header=None) -> rx.Component:
    """The table on a tablet or desktop; on a phone one card per row (`card(row)`), under an
    optional `header` (a sort control, say). Only the one shown is rendered: a page of 50
    rows would otherwise render twice on every change."""
    return rx.box(
        MediaOnly.create(rx.vstack(header or rx.fragment(), rx.foreach(rows, card),
                                   spacing="2", width="100%"), query=PHONE),
        MediaOnly.create(table, query=WIDE), width="100%", min_width="0")


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
