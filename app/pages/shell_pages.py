"""The shell's pages: communities, users, organizations, invitations, managed, mailbox."""

import reflex as rx

from app.components.common import (
    data_table,
    empty_state,
    error_callout,
)
from app.components.layout import shell
from app.states.lists import (
    CommunitiesState,
    MailboxState,
    OrganizationsState,
)
from app.states.shell import ShellState


def add_community_dialog() -> rx.Component:
    def field(label: str, control_id: str, control: rx.Component) -> rx.Component:
        return rx.vstack(rx.el.label(label, html_for=control_id,
                                     style={"font_size": "14px", "font_weight": "500"}),
                         control, spacing="1", width="100%")

    return rx.dialog.root(
        rx.dialog.trigger(rx.button(rx.icon("plus", size=16), "Add community")),
        rx.dialog.content(
            rx.dialog.title("Add community"),
            rx.dialog.description("You become its Community Administrator and can then "
                                  "invite other tenants."),
            rx.form(rx.vstack(
                field("Name", "community-name",
                      rx.input(id="community-name", name="name", required=True, width="100%")),
                field("Description", "community-description",
                      rx.text_area(id="community-description", name="description",
                                   width="100%")),
                error_callout(CommunitiesState.add_error),
                rx.hstack(rx.dialog.close(rx.button("Cancel", type="button", variant="soft",
                                                    color_scheme="gray")),
                          rx.button("Add community", type="submit"), justify="end",
                          width="100%"),
                spacing="3", margin_top="12px"), on_submit=CommunitiesState.add_community),
        ), open=CommunitiesState.add_open, on_open_change=CommunitiesState.open_add)


def _details(r) -> rx.Component:
    """One Tab stop: a link styled as a button."""
    return rx.button(rx.link("Details", href="/communities/" + r["id"].to(str),
                             aria_label="Details of " + r["name"].to(str), underline="none"),
                     as_child=True, size="1", variant="soft")


def _community_name(r) -> rx.Component:
    return rx.vstack(rx.hstack(
        rx.cond(r["depth"].to(int) > 0, rx.icon("corner-down-right", size=14)),
        rx.text(r["name"], weight="medium"),
        rx.cond(r["kind"] == "mssp", rx.badge("MSSP main")), align="center", wrap="wrap"),
        rx.text(r["description"], size="1", color_scheme="gray"),
        spacing="1", padding_left=rx.cond(r["depth"].to(int) > 0, "18px", "0"))


def communities_page() -> rx.Component:
    table = data_table(
        ["Name", "Owner", "Tenants", "Your role", ""], CommunitiesState.rows,
        lambda r: [_community_name(r), r["owner"], r["tenants"], r["role"], _details(r)],
        cards=True)
    return shell(
        "Communities",
        rx.text("Data Management › Communities", size="2", color_scheme="gray"),
        rx.hstack(
            rx.input(placeholder="Search communities", value=CommunitiesState.search,
                     on_change=CommunitiesState.set_search.debounce(300),
                     aria_label="Search communities", max_width="360px", width="100%"),
            rx.spacer(),
            rx.cond(CommunitiesState.can_create, add_community_dialog()),
            width="100%", align="center", wrap="wrap", spacing="3"),
        error_callout(CommunitiesState.error),
        rx.cond(CommunitiesState.note != "",
                rx.callout(CommunitiesState.note, icon="info", size="1", role="note")),
        rx.cond(CommunitiesState.rows.length() > 0, table, rx.cond(
            CommunitiesState.loaded,
            empty_state("network", "No communities to show", rx.cond(
                CommunitiesState.can_create,
                "Communities your organization owns or belongs to appear here. Create one "
                "with Add community.",
                "Communities you are a member of appear here; a Community Administrator "
                "can add you.")),
            rx.spinner())),
    )


def _add_organization_dialog() -> rx.Component:
    def field(label: str, control_id: str, name: str) -> rx.Component:
        return rx.vstack(rx.el.label(label, html_for=control_id,
                                     style={"font_size": "14px", "font_weight": "500"}),
                         rx.input(id=control_id, name=name, required=True, width="100%"),
                         spacing="1", width="100%")

    return rx.dialog.root(
        rx.dialog.trigger(rx.button(rx.icon("plus", size=16), "Add organization")),
        rx.dialog.content(
            rx.dialog.title("Add organization"),
            rx.dialog.description("A customer or partner organization below this one."),
            rx.form(rx.vstack(
                field("Name", "org-name", "name"),
                field("Alias (lowercase, used to sign in)", "org-alias", "alias"),
                error_callout(OrganizationsState.add_error),
                rx.hstack(rx.dialog.close(rx.button("Cancel", type="button", variant="soft",
                                                    color_scheme="gray")),
                          rx.button("Add organization", type="submit"), justify="end",
                          width="100%"),
                spacing="3", margin_top="12px"), on_submit=OrganizationsState.add_organization),
        ), open=OrganizationsState.add_open, on_open_change=OrganizationsState.open_add)


def _switch(r) -> rx.Component:
    return rx.button("Switch", size="1", variant="soft",
                     on_click=ShellState.switch_to(r["tenant_id"]),
                     aria_label="Switch to " + r["name"].to(str))


def organizations_page() -> rx.Component:
    table = data_table(["Name", "Alias", "Tenant ID", "Parent", ""], OrganizationsState.rows,
                       lambda r: [rx.text(r["name"], weight="medium"), r["alias"],
                                  rx.code(r["tenant_id"], white_space="nowrap"), r["parent"],
                                  _switch(r)], cards=True)
    return shell(
        "Organizations",
        error_callout(OrganizationsState.error),
        rx.cond(OrganizationsState.can_create, _add_organization_dialog()),
        rx.cond(OrganizationsState.rows.length() > 0, table, rx.cond(
            OrganizationsState.loaded,
            rx.cond(OrganizationsState.error == "",
                    empty_state("building-2", "No organizations below this one",
                                "Child organizations of your organization appear here.")),
            rx.spinner())),
    )


def _mail_part(p) -> rx.Component:
    """A piece of a message's text: an http(s) address as a link (a new tab, no opener, no
    referrer), anything else as text; nothing in a message is rendered as HTML."""
    return rx.cond(p["href"] != "",
                   rx.link(p["text"], href=p["href"], is_external=True, underline="always",
                           rel="noopener noreferrer"),
                   rx.fragment(p["text"]))


def mailbox_page() -> rx.Component:
    def message(r):
        return rx.card(rx.vstack(
            rx.hstack(rx.text(r["subject"], weight="bold"), rx.spacer(),
                      rx.text(r["received"], size="1", color_scheme="gray"), width="100%",
                      wrap="wrap"),
            rx.text("To: ", r["to"], size="2"),
            rx.el.pre(rx.foreach(r["parts"], _mail_part),
                      style={"white_space": "pre-wrap", "overflow_wrap": "anywhere",
                             "font_size": "13px", "margin": "0"}),
            spacing="2", width="100%"), width="100%")

    return shell(
        "Mailbox",
        rx.cond(MailboxState.error == "", rx.callout(
            "A development aid: this page shows every message this Commons instance sent, "
            "with working invitation links, to every signed-in user of every organization. "
            "Turn it off (COMMONS_DEV_MAILBOX=0) and set COMMONS_SMTP_URL before real people "
            "use this instance.", icon="triangle-alert", color_scheme="amber",
            high_contrast=True, width="100%")),
        error_callout(MailboxState.error),
        rx.cond(MailboxState.rows.length() > 0,
                rx.vstack(rx.foreach(MailboxState.rows, message), width="100%"),
                rx.cond(MailboxState.loaded & (MailboxState.error == ""),
                        empty_state("inbox", "The mailbox is empty",
                                    "Invitation emails will arrive here."), rx.fragment())),
    )
