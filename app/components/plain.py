"""Radix Themes' looks without its React components, for what a list draws once per row.

A Radix Themes component works out its classes in the browser on every render (each prop
checked against its definitions, responsive values expanded); fifty rows of a table with
their cells, badges and buttons spend most of a redraw there. These build the very same
elements with the classes written out here, once, at compile time: the same HTML, the same
CSS (light and dark), a fraction of the work. Use them inside `rx.foreach` rows; anywhere
else the Radix component reads better.
"""

import reflex as rx
from reflex.vars.base import Var


def _classes(*names: str) -> str:
    """Class names joined with spaces (the empty ones left out)."""
    return " ".join(n for n in names if n)


def badge(*children, color, variant: str = "soft", size: str = "1",
          high_contrast: bool = False, class_name: str = "", **props) -> rx.Component:
    """`<Badge>`: a span coloured by `color` (a Radix colour name, or a var holding one)."""
    attrs = {"data-accent-color": color, **props.pop("custom_attrs", {})}
    return rx.el.span(*children, class_name=_classes(
        "rt-reset rt-Badge", f"rt-r-size-{size}", f"rt-variant-{variant}",
        "rt-high-contrast" if high_contrast else "", class_name),
        custom_attrs=attrs, **props)


def button(*children, variant: str = "solid", size: str = "1", color: str = "",
           disabled=None, class_name: str = "", **props) -> rx.Component:
    """`<Button>`: `disabled` (a bool var) disables it and gives it Radix's disabled look."""
    attrs = {"data-accent-color": color, **props.pop("custom_attrs", {})}
    if disabled is not None:
        props["disabled"] = disabled
        attrs["data-disabled"] = rx.cond(disabled, "true", Var.create(None))
    return rx.el.button(*children, class_name=_classes(
        "rt-reset rt-BaseButton", f"rt-r-size-{size}", f"rt-variant-{variant}", "rt-Button",
        class_name), custom_attrs=attrs, **props)


def text(*children, size: str = "", weight: str = "", color: str = "",
         class_name: str = "", as_: str = "p", **props) -> rx.Component:
    """`<Text>`: a paragraph (or `as_="span"`) of the theme's text, `size`, `weight` and
    `color`."""
    element = rx.el.span if as_ == "span" else rx.el.p
    if color:
        props["custom_attrs"] = {"data-accent-color": color, **props.get("custom_attrs", {})}
    return element(*children, class_name=_classes(
        "rt-Text", f"rt-r-size-{size}" if size else "", f"rt-r-weight-{weight}" if weight else "",
        class_name), **props)


def flex(*children, align: str = "", wrap: str = "", class_name: str = "",
         **props) -> rx.Component:
    """`<Flex>` with `align` (items) and `wrap`."""
    return rx.el.div(*children, class_name=_classes(
        "rt-Flex", f"rt-r-ai-{align}" if align else "", f"rt-r-fw-{wrap}" if wrap else "",
        class_name), **props)


def when(condition, component: rx.Component, otherwise: rx.Component | None = None) -> Var:
    """`component` where `condition` (a var) holds, else `otherwise` or nothing: `rx.cond`
    without the fragments it wraps both sides in (fifty rows at a time)."""
    return rx.cond(condition, Var.create(component), Var.create(otherwise))
