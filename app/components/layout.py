"""The app shell: left pane, top bar with the avatar menu, and the main landmark."""

import functools
import operator

import reflex as rx

from app import routes
from app.states.shell import ShellState

# (label, route, icon, the key of ShellState.offers that shows it; None: everyone)
NAV = [
    (None, [("Overview", routes.HOME, "layout-dashboard", None)]),
    ("Data Management", [("Communities", routes.COMMUNITIES, "network", None)]),
    ("User Management", [("Users", routes.USERS, "users", "users"),
                         ("Audit log", routes.AUDIT, "scroll-text", "audit"),
                         ("Identity provider", routes.IDENTITY_PROVIDER, "key-round",
                          "identity_provider")]),
    (None, [("Organizations", routes.ORGANIZATIONS, "building-2", "organizations"),
            ("Invitations", routes.INVITATIONS, "mail", None)]),
]


def _nav_link(label: str, href: str, icon: str, offer: str | None = None) -> rx.Component:
    if offer:
        return rx.cond(ShellState.offers[offer], _nav_link(label, href, icon))
    return rx.link(
        rx.hstack(rx.icon(icon, size=16, aria_hidden="true"), rx.text(label), spacing="2",
                  align="center"),
        href=href, underline="none", color_scheme="gray", high_contrast=True,
        padding="6px 10px", border_radius="6px", width="100%",
        _hover={"background": rx.color("accent", 3)},
    )


def nav_links() -> rx.Component:
    items: list[rx.Component] = []
    for section, links in NAV:
        if section:
            heading = rx.text(section, size="1", weight="bold", color_scheme="gray",
                              padding_top="12px", padding_x="10px")
            offers = [ShellState.offers[o] for *_, o in links if o]
            if len(offers) == len(links):  # a heading shows while one of its links does
                heading = rx.cond(functools.reduce(operator.or_, offers), heading)
            items.append(heading)
        items.extend(_nav_link(*link) for link in links)
    items.append(rx.cond(ShellState.dev_mailbox,
                         _nav_link("Mailbox", routes.MAILBOX, "inbox"), rx.fragment()))
    items.append(_nav_link("Account", routes.ACCOUNT, "circle-user"))
    return rx.vstack(*items, spacing="1", width="100%")


def brand() -> rx.Component:
    return rx.link(
        rx.hstack(rx.icon("orbit", size=22, aria_hidden="true"),
                  rx.heading("Commons", size="4", as_="p"), align="center", spacing="2"),
        href=routes.HOME, underline="none", color_scheme="gray", high_contrast=True,
    )


def sidebar() -> rx.Component:
    return rx.el.nav(
        rx.vstack(brand(), nav_links(), spacing="4", padding="16px", width="220px"),
        aria_label="Main",
        style={"border_right": f"1px solid {rx.color('gray', 5)}", "min_height": "100vh",
               "background": rx.color("gray", 2), "flex_shrink": "0"},
        display=["none", "none", "block"],
    )


def mobile_menu() -> rx.Component:
    return rx.box(
        rx.drawer.root(
            rx.drawer.trigger(rx.icon_button(rx.icon("menu"), variant="ghost",
                                             aria_label="Open menu")),
            rx.drawer.overlay(),
            rx.drawer.portal(rx.drawer.content(
                rx.el.nav(rx.vstack(brand(), nav_links(), padding="16px"),
                          aria_label="Main menu"),
                background=rx.color("gray", 1), height="100%", width="260px",
            )),
            direction="left",
        ),
        display=["block", "block", "none"],
    )


def avatar_menu() -> rx.Component:
    switch_items = rx.foreach(
        ShellState.orgs,
        lambda org: rx.menu.item(
            rx.hstack(rx.text(org["name"]), rx.cond(org["current"], rx.icon("check", size=14),
                                                    rx.fragment())),
            on_select=ShellState.switch_to(org["tenant_id"]),
            disabled=org["current"].to(bool),
        ),
    )
    return rx.menu.root(
        rx.menu.trigger(rx.button(
            rx.avatar(fallback=ShellState.initials, size="2", radius="full"),
            rx.box(rx.text(ShellState.user_name, size="2", weight="medium"),
                   rx.text(ShellState.org_name, size="1", color_scheme="gray"),
                   text_align="left", display=["none", "block"]),
            variant="ghost", color_scheme="gray", aria_label="Account menu", height="auto",
        )),
        rx.menu.content(
            rx.box(rx.text(ShellState.user_name, weight="bold", size="2"),
                   rx.text(ShellState.user_email, size="1"),
                   rx.text(ShellState.org_name, " · ", ShellState.tenant_id, size="1"),
                   padding="8px"),
            rx.menu.separator(),
            rx.cond(ShellState.offers["managed"], rx.menu.item(
                "Managed Communities", on_select=rx.redirect(routes.MANAGED))),
            rx.cond(ShellState.orgs.length() > 1, rx.menu.sub(
                rx.menu.sub_trigger("Switch organization"),
                rx.menu.sub_content(switch_items),
            ), rx.fragment()),
            rx.menu.separator(),
            rx.menu.item("Account", on_select=rx.redirect(routes.ACCOUNT)),
            rx.menu.item("API tokens", on_select=rx.redirect(routes.API_TOKENS)),
            rx.cond(ShellState.offers["webhooks"], rx.menu.item(
                "Webhooks", on_select=rx.redirect(routes.WEBHOOKS))),
            rx.menu.item("Sign out", on_select=ShellState.sign_out, color="red"),
        ),
    )


def topbar(title: str) -> rx.Component:
    return rx.el.header(
        rx.hstack(
            mobile_menu(),
            rx.heading(title, size="5", as_="h1"),
            rx.spacer(),
            rx.color_mode.button(variant="ghost", aria_label="Toggle light and dark"),
            avatar_menu(),
            align="center", spacing="3", width="100%",
        ),
        style={"border_bottom": f"1px solid {rx.color('gray', 5)}", "padding": "10px 20px",
               "position": "sticky", "top": "0", "z_index": "5",
               "background": rx.color("gray", 1)},
    )


def mail_banner() -> rx.Component:
    """Administrators learn that invitations cannot go out until mail is configured."""
    return rx.cond(ShellState.mail_banner, rx.callout(
        "Mail is not configured: invitation emails wait in the outbox until the server's "
        "operator sets COMMONS_SMTP_URL.",
        icon="mail-warning", color_scheme="amber", role="status", width="100%"))


def shell(title: str, *children: rx.Component) -> rx.Component:
    """A protected page: the shell around `children`, shown once the session is checked."""
    return rx.hstack(
        sidebar(),
        rx.box(
            topbar(title),
            rx.el.main(
                rx.cond(ShellState.signed_in,
                        rx.vstack(mail_banner(), *children, spacing="4", width="100%"),
                        rx.center(rx.spinner(size="3"), padding="60px")),
                padding=["12px", "20px", "28px"], width="100%", max_width="1200px",
            ),
            flex="1", min_width="0",
        ),
        spacing="0", align="start", width="100%", min_height="100vh",
    )
