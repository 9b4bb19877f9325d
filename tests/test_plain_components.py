"""app/components/plain.py draws what Radix Themes' Badge, Button, Text and Flex draw (their
classes and data attributes, which carry the looks in light and dark), as plain elements;
`when` leaves nothing where rx.cond would leave a fragment."""

import reflex as rx
from reflex.vars.base import Var

from app.components import plain

BUSY = Var(_js_expr="busy", _var_type=bool)


def _props(component) -> str:
    return " ".join(component.render()["props"])


def test_a_badge_has_the_classes_and_colour_radix_gives_it():
    props = _props(plain.badge("Pending", color="amber", high_contrast=True))
    assert 'className:"rt-reset rt-Badge rt-r-size-1 rt-variant-soft rt-high-contrast"' in props
    assert '"data-accent-color":"amber"' in props


def test_a_button_is_disabled_with_radix_disabled_look_while_busy():
    props = _props(plain.button("Revoke", variant="soft", color="red", disabled=BUSY))
    assert 'className:"rt-reset rt-BaseButton rt-r-size-1 rt-variant-soft rt-Button"' in props
    assert '"data-accent-color":"red"' in props and "disabled:busy" in props
    assert '"data-disabled":(isTrue(busy) ? "true" : null)' in props


def test_text_and_flex_carry_size_weight_alignment_and_wrapping():
    assert 'className:"rt-Text rt-r-size-2 rt-r-weight-medium x"' in _props(
        plain.text("a", size="2", weight="medium", class_name="x"))
    assert '"data-accent-color":"gray"' in _props(plain.text("a", color="gray"))
    assert 'className:"rt-Flex rt-r-ai-center rt-r-fw-wrap"' in _props(
        plain.flex(align="center", wrap="wrap"))


def test_when_renders_nothing_but_the_component_and_null():
    shown = str(plain.when(BUSY, rx.el.span("Join")))
    assert shown.startswith("(isTrue(busy) ? (jsx(") and shown.endswith(": null)")
    assert "Fragment" not in shown
