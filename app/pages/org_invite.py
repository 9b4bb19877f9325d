"""Accept Invitation: a parent organization's user joins a child organization."""

import reflex as rx

from app.pages.accept import _frame, closed
from app.states.org_invite import OrgInviteState as O


def _respond() -> rx.Component:
    inv = O.invitation
    return rx.cond(
        O.signed_in_as == "",
        rx.vstack(rx.text("Sign in as ", rx.code(inv["username"].to(str)), " with the alias ",
                          rx.code(inv["parent_alias"].to(str)), " to accept."),
                  rx.button("Sign in to accept", size="3", on_click=O.sign_in), spacing="3"),
        rx.cond(inv["problem"].to(str) != "",
                rx.vstack(rx.callout(inv["problem"].to(str), color_scheme="amber", icon="info",
                                     role="status"),
                          rx.button("Sign in as someone else", variant="soft",
                                    on_click=O.sign_in), spacing="3"),
                rx.button("Accept Invitation", size="3", on_click=O.accept,
                          loading=O.busy)))


def org_invite_page() -> rx.Component:
    inv = O.invitation
    return _frame(
        rx.cond(O.error != "", rx.vstack(
            rx.heading("Invitation not available", size="5", as_="h1"),
            rx.callout(O.error, icon="triangle-alert", color_scheme="red", role="alert"))),
        rx.cond(inv["closed"].to(bool), closed(O.signed_in_as, O.sign_in)),
        rx.cond((inv.length() > 0) & ~inv["closed"].to(bool), rx.vstack(
            rx.heading("Join " + inv["organization"].to(str), size="5", as_="h1"),
            rx.text("You are invited, as a user of ", rx.text.strong(inv["parent"].to(str)),
                    ", to the organization ", rx.text.strong(inv["organization"].to(str)),
                    " in the groups: ", inv["groups"].to(str), "."),
            rx.text("The link is valid until ", inv["expires"].to(str), size="2",
                    color_scheme="gray"),
            rx.match(
                inv["status"].to(str),
                ("pending", _respond()),
                ("accepted", rx.vstack(
                    rx.callout("Accepted: you are now a user of " + inv["organization"].to(str)
                               + ". Open it to work there.", icon="circle-check",
                               color_scheme="green", role="status"),
                    rx.button("Open " + inv["organization"].to(str), size="3",
                              on_click=O.open_organization),
                    spacing="3", width="100%")),
                ("expired", rx.callout("This invitation has expired: links are valid for 72 "
                                       "hours. Ask for a new one.", icon="clock",
                                       color_scheme="amber", role="status")),
                rx.callout("This invitation was deleted and can no longer be used.",
                           color_scheme="red", role="status"),
            ),
            spacing="3", width="100%")),
        rx.cond(~O.loaded, rx.spinner()),
    )
