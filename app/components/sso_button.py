"""Sign in with an organization's identity provider: a form the browser posts itself to
/auth/sso/start (a full page load on to the provider; a POST from this app's own page, so
another site cannot start a sign-in in someone's browser)."""

import reflex as rx
from reflex_components_core.el.elements.forms import Form

from app import routes


class NativeForm(Form):
    """A form the browser submits itself (no Reflex submit handler), for the POST route."""

    @classmethod
    def create(cls, *children, **props):
        props.setdefault("handle_submit_unique_name", "native")
        return super(Form, cls).create(*children, **props)


def sso_button(name, *, tenant, next_path, expected="", label="Sign in with ",
               width="auto") -> rx.Component:
    return NativeForm.create(
        rx.el.input(type="hidden", name="tenant", value=tenant),
        rx.el.input(type="hidden", name="next", value=next_path),
        rx.el.input(type="hidden", name="expected", value=expected),
        rx.button(rx.icon("key-round", size=16, aria_hidden="true"), label, name,
                  type="submit", size="3", width="100%", id="sso-sign-in",
                  auto_focus=True, variant="surface"),
        method="post", action=routes.API_SSO_START, width=width)
