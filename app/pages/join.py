"""Accept an invitation into managed communities."""

import reflex as rx

from app import routes
from app.components.sso_button import NativeForm, sso_button
from app.pages.accept import _frame, closed
from app.states.join import JoinState as J


def _field(label: str, name: str, kind: str = "text", auto: str = "off") -> rx.Component:
    return rx.vstack(rx.el.label(label, html_for=f"join-{name}",
                                 style={"font_size": "14px", "font_weight": "500"}),
                     rx.input(id=f"join-{name}", name=name, type=kind, required=True,
                              auto_complete=auto, width="100%"),
                     spacing="1", width="100%")


def _create_account() -> rx.Component:
    return rx.form(rx.vstack(
        rx.text("Create your account to accept. Your email is the invited one: ",
                rx.code(J.invitation["recipient"].to(str)), size="2"),
        _field("Display name", "display_name", auto="name"),
        _field("Password (at least 8 characters)", "password", "password", "new-password"),
        _field("Repeat the password", "confirm", "password", "new-password"),
        rx.cond(J.form_error != "", rx.callout(J.form_error, color_scheme="red", role="alert",
                                                icon="circle-alert", size="1")),
        rx.button("Create account and Accept", type="submit", size="3"),
        spacing="3", width="100%"), on_submit=J.create_account, width="100%")


def _open_label(name) -> rx.Var:
    """The button into the app: the one community joined, or all of them."""
    return rx.cond(name != "", "Open " + name, "Go to Communities")


def _ready() -> rx.Component:
    """The account is created: this form posts its one-minute code at once (a script
    submits it; the button is there should that not happen) and the app opens signed in."""
    made = J.created
    return NativeForm.create(
        rx.vstack(
            rx.callout("Your account is ready and the invitation is accepted. Signing you "
                       "in…", icon="circle-check", color_scheme="green", role="status"),
            *[rx.el.input(type="hidden", name=name, value=made[name].to(str))
              for name in ("code", "next", "tenant", "user")],
            rx.button(_open_label(made["name"].to(str)), type="submit", size="3"),
            spacing="3", width="100%"),
        id="join-code-form", method="post", action=routes.API_SIGN_IN_CODE, width="100%")


def _accepted() -> rx.Component:
    inv = J.invitation
    return rx.vstack(
        rx.callout("Accepted: you can now use " + inv["communities"].to(str) + " of "
                   + inv["owner"].to(str) + ".", icon="circle-check", color_scheme="green",
                   role="status"),
        rx.button(_open_label(inv["joined_name"].to(str)), size="3",
                  on_click=J.open_communities),
        spacing="3", width="100%")


def _through_provider() -> rx.Component:
    """The invited address's organization signs in through its identity provider."""
    inv = J.invitation
    return rx.vstack(
        rx.text(inv["recipient"].to(str), " signs in through ", inv["sso_name"].to(str),
                ". Sign in there to accept."),
        sso_button(inv["sso_name"].to(str), tenant=inv["sso_tenant"].to(str),
                   next_path=J.here, expected=inv["recipient"].to(str)),
        spacing="3")


def _respond() -> rx.Component:
    inv = J.invitation
    return rx.fragment(
        rx.cond(
            J.signed_in_as != "",
            rx.cond(inv["problem"].to(str) != "",
                    rx.vstack(rx.callout(inv["problem"].to(str), color_scheme="amber",
                                         role="status", icon="info"),
                              rx.button("Sign in as someone else", variant="soft",
                                        on_click=J.sign_in), spacing="3"),
                    rx.button("Accept", size="3", on_click=J.accept, loading=J.busy)),
            rx.cond(inv["sso_name"].to(str) != "", _through_provider(),
                    rx.cond(inv["has_account"].to(bool),
                            rx.vstack(rx.text("Sign in with your Commons account to accept."),
                                      rx.button("Sign in to accept", size="3",
                                                on_click=J.sign_in),
                                      spacing="3"),
                            _create_account())),
        ),
    )


def join_page() -> rx.Component:
    inv = J.invitation
    return _frame(
        rx.cond(J.error != "", rx.vstack(
            rx.heading("Invitation not available", size="5", as_="h1"),
            rx.callout(J.error, icon="triangle-alert", color_scheme="red", role="alert"))),
        rx.cond(inv["closed"].to(bool), closed(J.signed_in_as, J.sign_in)),
        rx.cond((inv.length() > 0) & ~inv["closed"].to(bool), rx.vstack(
            rx.heading("Join " + inv["communities"].to(str), size="5", as_="h1"),
            rx.text(inv["inviter"].to(str), " of ", rx.text.strong(inv["owner"].to(str)),
                    " invites you with the roles ", rx.text.strong(inv["roles"].to(str)), "."),
            rx.text("Invitation for ", rx.code(inv["recipient"].to(str)), " · expires ",
                    inv["expires"].to(str), size="2", color_scheme="gray"),
            rx.cond(J.created.length() > 0, _ready(), rx.match(
                inv["status"].to(str),
                ("pending", _respond()),
                ("accepted", _accepted()),
                ("expired", rx.callout("This invitation has expired. Ask "
                                       + inv["inviter"].to(str) + " for a new one.",
                                       icon="clock", color_scheme="amber", role="status")),
                rx.callout("This invitation is " + inv["status_label"].to(str).lower()
                           + " and can no longer be used.", color_scheme="red", role="status"),
            )),
            spacing="3", width="100%")),
        rx.cond(~J.loaded, rx.spinner()),
    )
