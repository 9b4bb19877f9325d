"""A listed invitation's buttons and the one dialog that asks before the irreversible
ones, for every page that lists invitations with actions (the Invitations page, the
Overview): the same buttons, the same questions, the page's own handlers."""

import reflex as rx

from app.components import plain
from app.components.common import focus_back_to
from app.components.respond import decline_dialog


def row_actions(r, page, asker, wrap: str = "nowrap", details=None) -> rx.Component:
    """The buttons the row's `can_*` flags offer (its status, and the viewer's side), acting
    through the page state `page` (InvitationActions): in one row in a table, wrapping on a
    card. Those that ask first open the page's one question dialog (`asker`, AskFirst);
    `details(id)` adds a Details button."""
    iid = r["id"].to(int)

    def ask(label, action: str, **props) -> rx.Component:
        return plain.button(label, disabled=page.busy, on_click=asker.ask(action, iid),
                            id=f"{action}-" + iid.to(str), **props)

    # plain elements with Radix's classes: these are drawn for every row (app/components/plain.py)
    return plain.flex(
        plain.when(r["can_accept"].to(bool),
                   plain.button(rx.cond(r["kind_key"] == "tenant", "Join", "Accept"),
                                disabled=page.busy, on_click=page.accept(iid))),
        plain.when(r["can_decline"].to(bool),
                   ask("Decline", "decline", variant="soft", color="gray")),
        plain.when(r["can_confirm"].to(bool), ask("Confirm Tenant", "confirm")),
        plain.when(r["can_resend"].to(bool),
                   plain.button("Resend", variant="soft", on_click=page.resend(iid),
                                disabled=page.busy)),
        plain.when(r["can_revoke"].to(bool),
                   ask(rx.cond(r["kind_key"] == "parent_user", "Delete", "Revoke"), "revoke",
                       variant="soft", color="red")),
        plain.button("Details", variant="ghost", on_click=details(iid),
                     aria_label="Details of the invitation to " + r["recipient"].to(str))
        if details else rx.fragment(),
        # nowrap in the table: a button's words would otherwise count as able to wrap when
        # the column is sized, and the row of buttons would overflow it
        wrap=wrap, align="center",
        class_name="commons-actions" + (" commons-nowrap" if wrap != "wrap" else ""),
        on_click=rx.stop_propagation)  # a button acts; the row around it selects


def question_dialog(page, asker) -> rx.Component:
    """The page's one dialog (`asker`, AskFirst) that asks before a row's Revoke (Delete),
    Confirm Tenant or Decline, then acts through `page`; closing it puts the focus back on
    the row's button."""
    q, qid = asker.question, asker.question["id"].to(int)
    # back to the row's button, or to the row when the action took the button away
    back = focus_back_to(q["back"], 'tr[data-row="' + q["id"] + '"]')
    act = rx.match(asker.asking,
                   ("confirm", rx.button(q["label"], color_scheme="indigo",
                                         on_click=[asker.set_open(False), page.confirm(qid)])),
                   rx.button(q["label"], color_scheme="red",
                             on_click=[asker.set_open(False), page.revoke(qid)]))
    return rx.fragment(
        rx.alert_dialog.root(
            rx.alert_dialog.content(
                rx.alert_dialog.title(q["title"]),
                rx.alert_dialog.description(q["text"]),
                rx.hstack(
                    rx.alert_dialog.cancel(rx.button("Cancel", variant="soft",
                                                     color_scheme="gray")),
                    act,
                    justify="end", spacing="3", margin_top="16px"),
                custom_attrs=back),
            open=(asker.asking == "revoke") | (asker.asking == "confirm"),
            on_open_change=asker.set_open),
        decline_dialog(asker.asking == "decline", asker.set_open,
                       lambda form: [asker.set_open(False),
                                     page.decline(qid, form.to(dict)["reason"].to(str))],
                       q["text"], content_attrs=back))
