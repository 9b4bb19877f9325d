"""How invitations fare: three charts (recharts), each with its numbers in a table beside it
for screen readers and for copying; the charts themselves are hidden from assistive
technology, since the table says the same."""

import reflex as rx

from app.components.status import COLORS
from app.services.invitation_stats import PERCENTILES, STATUS_LABELS

_AXIS = {"stroke": rx.color("gray", 11), "font_size": 12}
_GRID = rx.color("gray", 5)
# recharts makes a chart a keyboard stop of its own; these are hidden from assistive
# technology (their table says the same), so they must not take focus either
_NOT_FOCUSABLE = {"accessibilityLayer": False}


def _chart(title: str, chart: rx.Component, table: rx.Component, name: str,
           legend: list[tuple[str, str]], height: str = "200px") -> rx.Component:
    """A card: its title, the chart and its legend (hidden from screen readers) and its
    numbers."""
    return rx.card(rx.vstack(
        rx.heading(title, size="3", as_="h3"),
        rx.box(chart, width="100%", height=height, aria_hidden="true"),
        _legend(legend),
        rx.box(table, width="100%", overflow_x="auto"),
        spacing="2", width="100%"),
        width="100%", min_width="0", custom_attrs={"data-chart": name})


def _numbers(caption: str, headers: list[str], rows, key: str, cells) -> rx.Component:
    """The chart's numbers: a row per `key` (its header cell), `cells(row)` beside it."""
    return rx.table.root(
        rx.el.caption(caption, class_name="commons-visually-hidden"),
        rx.table.header(rx.table.row(*[rx.table.column_header_cell(h) for h in headers])),
        rx.table.body(rx.foreach(rows, lambda r: rx.table.row(
            rx.table.row_header_cell(r[key]),
            *[rx.table.cell(c) for c in cells(r)]))),
        size="1", variant="ghost", class_name="commons-numbers")


def _legend(items: list[tuple[str, str]]) -> rx.Component:
    """The series in their order, each a swatch of its colour and its name in text colour
    (recharts' own legend sorts them and writes each name in its colour, which a pale
    colour does not read in)."""
    return rx.flex(*[rx.hstack(rx.box(width="10px", height="10px", border_radius="2px",
                                      background=color),
                               rx.text(label, size="1"), spacing="1", align="center")
                     for label, color in items],
                   wrap="wrap", gap="4px 14px", aria_hidden="true")


def _tooltip() -> rx.Component:
    return rx.recharts.graphing_tooltip(
        content_style={"background": rx.color("gray", 1), "border": f"1px solid {_GRID}"},
        cursor={"fill": rx.color("gray", 3)})


def by_status(state) -> rx.Component:
    """Per kind, the invitations sent in the window by their status now (stacked)."""
    colors = {key: rx.color(COLORS[key], 9) for key in STATUS_LABELS}
    bars = [rx.recharts.bar(data_key=key, name=label, stack_id="status", fill=colors[key],
                            is_animation_active=False)
            for key, label in STATUS_LABELS.items()]
    chart = _across_kinds(bars, state.fare_kinds, allow_decimals=False)
    table = _numbers("Invitations sent, by kind and status now",
                     ["Kind", *STATUS_LABELS.values(), "Sent"], state.fare_kinds, "kind",
                     lambda r: [r[key] for key in (*STATUS_LABELS, "total")])
    return _chart("By status now", chart, table, "status",
                  [(label, colors[key]) for key, label in STATUS_LABELS.items()])


def time_to_accept(state) -> rx.Component:
    """Per kind, the median and 90th percentile hours from sent to accepted."""
    median, p90 = rx.color("blue", 9), rx.color("cyan", 7)
    chart = _across_kinds(
        [rx.recharts.bar(data_key="median", name="Median (hours)", fill=median,
                         is_animation_active=False),
         rx.recharts.bar(data_key="p90", name="90th percentile (hours)", fill=p90,
                         is_animation_active=False)],
        state.fare_timing, unit=" h")
    table = _numbers("Time from sent to accepted, by kind",
                     ["Kind", "Accepted", "Median", "90th percentile"], state.fare_timing, "kind",
                     lambda r: [r["accepted"], *[r[f"{p}_text"] for p in PERCENTILES]])
    return _chart("Time to accept", rx.cond(state.fare_timing.length() > 0, chart, rx.center(
        rx.text("None accepted yet in this period.", color_scheme="gray", size="2"),
        height="100%")), table, "timing", [("Median", median), ("90th percentile", p90)])


def week_by_week(state) -> rx.Component:
    """Each calendar week: invitations sent, and how many of those were answered."""
    sent, answered = rx.color("gray", 9), rx.color("green", 9)
    chart = rx.recharts.bar_chart(
        rx.recharts.bar(data_key="sent", name="Sent", fill=sent, is_animation_active=False),
        rx.recharts.bar(data_key="answered", name="Answered (of those)", fill=answered,
                        is_animation_active=False),
        rx.recharts.x_axis(data_key="week", **_AXIS),
        rx.recharts.y_axis(allow_decimals=False, width=40, **_AXIS),
        rx.recharts.cartesian_grid(vertical=False, stroke=_GRID),
        _tooltip(), data=state.fare_weeks, custom_attrs=_NOT_FOCUSABLE)
    table = _numbers("Invitations sent each week, and how many of them were answered",
                     ["Week of", "Sent", "Answered"], state.fare_weeks, "week",
                     lambda r: [r["sent"], r["answered"]])
    return _chart("Week by week", chart, table, "weeks",
                  [("Sent", sent), ("Answered (of those)", answered)])


def _across_kinds(bars: list, data, **value_axis) -> rx.Component:
    """Horizontal bars, one band per kind (its name on the left, where it has room)."""
    return rx.recharts.bar_chart(
        *bars,
        rx.recharts.x_axis(type_="number", **value_axis, **_AXIS),
        rx.recharts.y_axis(data_key="kind", type_="category", width=104, **_AXIS),
        rx.recharts.cartesian_grid(horizontal=False, stroke=_GRID),
        _tooltip(), data=data, layout="vertical", bar_category_gap="20%",
        custom_attrs=_NOT_FOCUSABLE)


def fare_panel(state) -> rx.Component:
    """The section: its heading, the 30 or 90 days choice and the three charts (or one
    line when nothing was sent in the period)."""
    choice = rx.segmented_control.root(
        rx.segmented_control.item("30 days", value="30"),
        rx.segmented_control.item("90 days", value="90"),
        value=rx.cond(state.days == 90, "90", "30"), on_change=state.set_days, size="1",
        aria_label="Period")
    return rx.vstack(
        rx.hstack(rx.heading("How your invitations fare", size="4", as_="h2"), rx.spacer(),
                  choice, align="center", width="100%", wrap="wrap"),
        rx.cond(state.fare_loaded, rx.cond(
            state.fare_total > 0,
            rx.fragment(
                rx.text("Invitations sent by you or your organization in the last ",
                        state.days.to(str), " days: ", rx.text.strong(state.fare_total.to(str)),
                        ".", size="2", color_scheme="gray"),
                rx.vstack(by_status(state),
                          rx.grid(time_to_accept(state), week_by_week(state),
                                  columns=rx.breakpoints(initial="1", lg="2"), spacing="3",
                                  width="100%"),
                          spacing="3", width="100%")),
            rx.text("None sent by you or your organization in the last ",
                    state.days.to(str), " days.", size="2", color_scheme="gray")),
            rx.spinner()),
        spacing="2", width="100%", custom_attrs={"data-panel": "fare"})
