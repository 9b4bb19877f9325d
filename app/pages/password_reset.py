"""Forgot password (/forgot-password) and the emailed link's page (/reset/[token])."""

import reflex as rx

from app import routes
from app.domain.password_rules import MIN_PASSWORD
from app.pages.signin import _field, card_page
from app.states.password_reset import ForgotPasswordState as F
from app.states.password_reset import ResetPasswordState as R


def _alert(message) -> rx.Component:
    return rx.cond(message != "", rx.callout(message, icon="circle-alert", color_scheme="red",
                                             role="alert", size="1"), rx.fragment())


def _back() -> rx.Component:
    return rx.link("Back to sign-in", href=routes.SIGNIN, size="2")


def _ask() -> rx.Component:
    return rx.form(
        rx.vstack(
            _field("Email address", "forgot-email", rx.input(
                id="forgot-email", name="email", type="email", default_value=F.email,
                auto_focus=True, required=True, auto_complete="email", size="3",
                width="100%")),
            _alert(F.error),
            rx.button("Email me a link", type="submit", size="3", width="100%"),
            _back(),
            spacing="4", width="100%",
        ),
        on_submit=F.request_link, width="100%",
    )


def _sent() -> rx.Component:
    return rx.vstack(
        rx.callout(
            rx.text("If an account uses ", rx.text.strong(F.sent_to), ", we have emailed it a "
                    "link to choose a new password. The link works once, for 30 minutes."),
            icon="mail-check", color_scheme="green", role="status"),
        rx.text("No email after a few minutes? Check the address and your spam folder, then "
                "ask again.", size="2", color_scheme="gray"),
        _back(),
        spacing="4", width="100%",
    )


def forgot_password_page() -> rx.Component:
    return card_page(
        "Forgot password",
        "Enter the email address of your account and we will email you a link to choose "
        "a new password.",
        rx.cond(F.sent_to != "", _sent(), _ask()),
    )


def _choose() -> rx.Component:
    return rx.form(
        rx.vstack(
            rx.text("For ", rx.text.strong(R.email), ". Choosing it signs out every session "
                    "of your account.", size="2"),
            _field(f"New password (at least {MIN_PASSWORD} characters)", "reset-password",
                   rx.input(id="reset-password", name="password", type="password",
                            auto_focus=True, required=True, auto_complete="new-password",
                            size="3", width="100%")),
            _field("Repeat the new password", "reset-confirm", rx.input(
                id="reset-confirm", name="confirm", type="password", required=True,
                auto_complete="new-password", size="3", width="100%")),
            _alert(R.form_error),
            rx.button("Set new password", type="submit", size="3", width="100%"),
            spacing="4", width="100%",
        ),
        on_submit=R.choose_password, width="100%",
    )


def _ended() -> rx.Component:
    return rx.vstack(
        rx.callout(R.link_error, icon="clock", color_scheme="amber", role="status"),
        rx.link("Ask for a new link", href=routes.FORGOT_PASSWORD, size="2"),
        _back(),
        spacing="4", width="100%",
    )


def reset_password_page() -> rx.Component:
    return card_page(
        "Choose a new password", "The password you will sign in with from now on.",
        rx.cond(~R.loaded, rx.center(rx.spinner(size="3")),
                rx.cond(R.email != "", _choose(), _ended())),
    )
