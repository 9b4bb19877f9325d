"""Accept a tenant invitation: Join for your tenant, or Decline."""

import reflex as rx

from app import routes
from app.components.respond import decline_dialog
from app.domain.invitation_status import LINK_UNUSABLE
from app.states.accept import AcceptState as A


def _frame(*children) -> rx.Component:
    return rx.el.main(rx.center(rx.card(rx.vstack(
        rx.hstack(rx.icon("orbit", size=26, aria_hidden="true"),
                  rx.heading("Commons", size="5", as_="p"), align="center"),
        *children, spacing="4", width="100%"), size="4", width="100%", max_width="520px"),
        min_height="100vh", padding="16px"))


def closed(signed_in_as, sign_in) -> rx.Component:
    """A link that does not speak to whoever opened it (forged, replaced, or used or ended
    and opened by someone else): the same few words, whatever the reason."""
    return rx.vstack(
        rx.heading("Invitation not available", size="5", as_="h1"),
        rx.callout(LINK_UNUSABLE, icon="circle-slash", role="status"),
        rx.cond(signed_in_as == "",
                rx.vstack(rx.text("If it was sent to you, sign in to see what became of it.",
                                  size="2"),
                          rx.button("Sign in", variant="soft", on_click=sign_in),
                          spacing="2")),
        spacing="3", width="100%")


def _actions() -> rx.Component:
    inv = A.invitation
    return rx.cond(
        A.signed_in_as == "",
        rx.vstack(
            rx.text("Sign in as the invited Tenant Administrator to respond. You need a "
                    "Tenant Administrator account of a tenant that is not yet a member."),
            rx.button("Sign in to respond", on_click=A.sign_in_instead, size="3"),
            spacing="3"),
        rx.vstack(
            rx.text("Signed in as ", rx.text.strong(A.signed_in_as), size="2"),
            rx.cond(
                inv["problem"].to(str) != "",
                rx.vstack(rx.callout(inv["problem"].to(str), icon="info", color_scheme="amber",
                                     role="status"),
                          rx.button("Sign in as someone else", variant="soft",
                                    on_click=A.sign_in_instead), spacing="3"),
                rx.hstack(
                    rx.button("Join", size="3", on_click=A.join, loading=A.busy),
                    rx.button("Decline", size="3", variant="soft", color_scheme="gray",
                              disabled=A.busy,
                              on_click=A.set_decline_open(True)),
                    decline_dialog(A.decline_open, A.set_decline_open,
                                   lambda form: A.decline(form.to(dict)["reason"].to(str)),
                                   "The invitation for your tenant to join "
                                   + A.invitation["community"].to(str) + "."),
                    spacing="3")),
            spacing="3", width="100%"))


def _into_app(label, path) -> rx.Component:
    """The button from the link page into the app, for whoever is signed in here."""
    return rx.cond(A.signed_in_as != "",
                   rx.button(label, size="3", on_click=rx.redirect(path)))


def accept_page() -> rx.Component:
    inv = A.invitation
    return _frame(
        rx.cond(A.error != "", rx.vstack(
            rx.heading("Invitation not available", size="5", as_="h1"),
            rx.callout(A.error, icon="triangle-alert", color_scheme="red", role="alert"))),
        rx.cond(inv["closed"].to(bool), closed(A.signed_in_as, A.sign_in_instead)),
        rx.cond((inv.length() > 0) & ~inv["closed"].to(bool), rx.vstack(
            rx.heading("Join ", inv["community"].to(str), size="5", as_="h1"),
            rx.text(inv["inviter"].to(str), " of ", rx.text.strong(inv["inviter_org"].to(str)),
                    " invites your tenant to the community ",
                    rx.text.strong(inv["community"].to(str)), "."),
            rx.text("Invitation for ", rx.code(inv["recipient"].to(str)), " · expires ",
                    inv["expires"].to(str), size="2", color_scheme="gray"),
            rx.match(
                inv["status"].to(str),
                ("pending", rx.vstack(
                    rx.text("Your tenant will join the community that issued the invitation. "
                            "Membership does not begin until the inviter confirms."),
                    _actions(), spacing="3", width="100%")),
                ("accepted", rx.vstack(
                    rx.callout(
                        rx.cond(inv["accepted_by_me"].to(bool),
                                "You joined. Awaiting confirmation: membership begins when "
                                + "the inviter confirms your tenant, and the community then "
                                + "appears on your Communities page.",
                                "This invitation has already been accepted and awaits "
                                "confirmation."),
                        icon="hourglass", role="status"),
                    _into_app("Go to Communities", routes.COMMUNITIES),
                    spacing="3", width="100%")),
                ("confirmed", rx.vstack(
                    rx.callout(
                        "Confirmed: your tenant is now part of " + inv["community"].to(str)
                        + ".", icon="circle-check", color_scheme="green", role="status"),
                    _into_app("Open " + inv["community"].to(str), A.community_path),
                    spacing="3", width="100%")),
                ("expired", rx.vstack(
                    rx.callout(
                        "This invitation has expired. Ask " + inv["inviter"].to(str) + " of "
                        + inv["inviter_org"].to(str) + " to send you a new invitation.",
                        icon="clock", color_scheme="amber", role="status"),
                    rx.cond(inv["renewal_asked"].to(bool),
                            rx.button(rx.icon("check", size=16), "Inviter asked",
                                      disabled=True),
                            rx.button("Ask for a new invitation", on_click=A.ask_renewal)),
                    spacing="3")),
                ("declined", rx.callout("This invitation was declined.", role="status")),
                rx.callout("This invitation was revoked and can no longer be used.",
                           color_scheme="red", role="status"),
            ),
            spacing="3", width="100%")),
        rx.cond(~A.loaded, rx.spinner()),
    )
