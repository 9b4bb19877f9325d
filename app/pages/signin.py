"""Sign in: "Tenant ID or alias", Continue, then verify identity."""

import reflex as rx

from app import routes
from app.components.sso_button import NativeForm, sso_button
from app.states.signin import SignInState


def _field(label: str, control_id: str, control: rx.Component) -> rx.Component:
    return rx.vstack(rx.el.label(label, html_for=control_id,
                                 style={"font_size": "14px", "font_weight": "500"}),
                     control, spacing="1", width="100%")


def _error() -> rx.Component:
    return rx.cond(SignInState.error != "",
                   rx.callout(SignInState.error, icon="circle-alert", color_scheme="red",
                              role="alert", size="1"), rx.fragment())


def _notice() -> rx.Component:
    return rx.cond(SignInState.notice != "",
                   rx.callout(SignInState.notice, icon="info", color_scheme="blue",
                              role="status", size="1"), rx.fragment())


def tenant_step() -> rx.Component:
    return rx.form(
        rx.vstack(
            _field("Tenant ID or alias", "tenant", rx.input(
                id="tenant", name="tenant", default_value=SignInState.tenant,
                placeholder="e.g. contoso", auto_focus=True, required=True,
                auto_complete="organization", size="3", width="100%")),
            rx.button("Continue", type="submit", size="3", width="100%"),
            spacing="4", width="100%",
        ),
        on_submit=SignInState.continue_, width="100%",
    )


def _change_tenant() -> rx.Component:
    return rx.hstack(
        rx.text("Tenant: ", rx.text.strong(SignInState.tenant), size="2"),
        rx.spacer(),
        rx.button("Change", type="button", variant="ghost", size="1",
                  on_click=SignInState.back),
        width="100%", align="center",
    )


def provider_button() -> rx.Component:
    """Sign in with the organization's identity provider (a full page load there)."""
    return rx.cond(SignInState.sso_name != "", rx.vstack(
        sso_button(SignInState.sso_name, tenant=SignInState.tenant,
                   next_path=SignInState.next_path, width="100%"),
        rx.cond(SignInState.password_allowed,
                rx.hstack(rx.separator(size="4"), rx.text("or", size="1", color_scheme="gray"),
                          rx.separator(size="4"), align="center", width="100%")),
        spacing="3", width="100%"), rx.fragment())


def password_form() -> rx.Component:
    return NativeForm.create(
        rx.vstack(
            rx.el.input(type="hidden", name="tenant", value=SignInState.tenant),
            rx.el.input(type="hidden", name="next", value=SignInState.next_path),
            _field("Email or username", "identifier", rx.input(
                id="identifier", name="identifier", default_value=SignInState.identifier,
                auto_focus=(SignInState.identifier == "") & (SignInState.sso_name == ""),
                required=True,
                auto_complete="username", size="3", width="100%")),
            _field("Password", "password", rx.input(
                id="password", name="password", type="password", required=True,
                auto_focus=(SignInState.identifier != "") & (SignInState.sso_name == ""),
                auto_complete="current-password", size="3", width="100%")),
            rx.button("Sign in", type="submit", size="3", width="100%"),
            rx.link("Forgot password?", href=SignInState.forgot_href, size="2"),
            spacing="4", width="100%",
        ),
        method="post", action=routes.API_SIGNIN, width="100%",
    )


def identity_step() -> rx.Component:
    return rx.vstack(
        _change_tenant(),
        provider_button(),
        rx.cond(SignInState.password_allowed, password_form(),
                rx.text("Password sign-in is turned off for this organization.", size="2",
                        color_scheme="gray")),
        spacing="4", width="100%",
    )


def card_page(title, intro, *children: rx.Component) -> rx.Component:
    """A page of one card under the Commons brand: sign-in, forgot and reset password."""
    return rx.el.main(
        rx.center(
            rx.card(
                rx.vstack(
                    rx.hstack(rx.icon("orbit", size=28, aria_hidden="true"),
                              rx.heading("Commons", size="6", as_="p"), align="center"),
                    rx.heading(title, size="5", as_="h1"),
                    rx.text(intro, size="2", color_scheme="gray"),
                    *children,
                    spacing="4", width="100%",
                ),
                size="4", width="100%", max_width="420px",
            ),
            min_height="100vh", padding="16px",
        ),
    )


def signin_page() -> rx.Component:
    return card_page(
        rx.cond(SignInState.step == 1, "Sign in", "Verify your identity"),
        rx.cond(SignInState.step == 1, "Enter the Tenant ID or alias of your organization.",
                rx.cond(SignInState.sso_name != "",
                        "Sign in through your organization's identity provider.",
                        "Sign in with your email or username and password.")),
        # The form mounts once the page has loaded, so that its fields start from what
        # was typed and the right one takes the focus.
        rx.cond(rx.State.is_hydrated, rx.fragment(
            _notice(),
            _error(),
            rx.cond(SignInState.step == 1, tenant_step(), identity_step()),
        ), rx.center(rx.spinner(size="3"))),
    )
