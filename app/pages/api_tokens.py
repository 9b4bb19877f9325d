"""API tokens (/api-tokens, from the avatar menu): make a personal token for scripts, copy it
the one time it is shown, see one's tokens with their last use, revoke them."""

import reflex as rx

from app.components.common import confirm_button, data_table, error_callout, table_or_cards
from app.components.layout import shell
from app.components.shown_once import shown_once
from app.services.api_tokens import LIFETIMES, MAX_NAME, SCOPES
from app.states.api_tokens import ApiTokensState as T
from app.states.shell import ShellState

_LIFETIME_WORDS = {"30": "In 30 days", "90": "In 90 days", "365": "In a year",
                   "never": "Never"}
_STATE_COLORS = {"active": "green", "expired": "gray", "revoked": "red"}


def _section(title: str, *children: rx.Component) -> rx.Component:
    return rx.card(rx.vstack(rx.heading(title, size="4", as_="h2"), *children, spacing="3",
                             width="100%"), width="100%")


def _labelled(label: str, control_id: str, control: rx.Component) -> rx.Component:
    return rx.vstack(rx.el.label(label, html_for=control_id,
                                 style={"font_size": "14px", "font_weight": "500"}),
                     control, spacing="1", width="100%", max_width="360px")


def _choice(name: str, control_id: str, options: dict, default: str) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(id=control_id, width="100%"),
        rx.select.content(*[rx.select.item(text, value=key) for key, text in options.items()]),
        name=name, default_value=default)


def _shown_once() -> rx.Component:
    return rx.cond(T.new_token != "", shown_once(
        rx.text(rx.text.strong(T.new_token_name), ": copy this token now. It is shown only "
                "this once; Commons keeps only a fingerprint of it."),
        T.new_token, element_id="new-api-token", what="token", dismiss=T.dismiss_token))


def _create() -> rx.Component:
    return _section(
        "Create a token",
        rx.text("A token lets a script act as you in ", rx.text.strong(ShellState.org_name),
                ", with the permissions you have when it is used. Send it as ",
                rx.code("Authorization: Bearer <token>"), ".", size="2", color_scheme="gray"),
        rx.form(rx.vstack(
            _labelled("Name", "api-token-name", rx.input(
                id="api-token-name", name="name", max_length=MAX_NAME, required=True,
                placeholder="e.g. Nightly invitation sync", width="100%")),
            _labelled("What it may do", "api-token-scope",
                      _choice("scope", "api-token-scope", SCOPES, "read")),
            _labelled("Expires", "api-token-lifetime",
                      _choice("lifetime", "api-token-lifetime",
                              {k: _LIFETIME_WORDS[k] for k in LIFETIMES}, "90")),
            rx.box(error_callout(T.create_error), max_width="360px", width="100%"),
            rx.button(rx.icon("plus", size=16), "Create token", type="submit"),
            spacing="3", width="100%"), on_submit=T.create_token, width="100%"),
    )


def _state(t) -> rx.Component:
    return rx.match(t["state"],
                    *[(key, rx.badge(key.capitalize(), color_scheme=color))
                      for key, color in _STATE_COLORS.items()],
                    rx.badge(t["state"]))


def _revoke(t) -> rx.Component:
    return rx.cond(t["state"] == "active", confirm_button(
        rx.button("Revoke", variant="soft", color_scheme="red", size="1",
                  aria_label="Revoke the token " + t["name"].to(str)),
        "Revoke token",
        rx.text("Revoke ", rx.text.strong(t["name"].to(str)), "? Scripts using it stop "
                "working at once. This cannot be undone."),
        "Revoke token", T.revoke(t["id"].to(int))), rx.fragment())


def _card(t) -> rx.Component:
    return rx.card(rx.vstack(
        rx.hstack(rx.text(t["name"], weight="medium"), _state(t), align="center", wrap="wrap"),
        rx.text("…", t["hint"], " · ", t["scope_label"], " · ", t["organization"], size="2"),
        rx.text("Created ", t["created"], " · expires ", t["expires"], size="2"),
        rx.text("Last used ", t["last_used"], size="2", color_scheme="gray"),
        _revoke(t), spacing="1"), width="100%")


def _list() -> rx.Component:
    table = data_table(
        ["Name", "Token", "May", "Organization", "Created", "Expires", "Last used", "State",
         ""], T.tokens,
        lambda t: [rx.text(t["name"], weight="medium"), rx.code("…" + t["hint"].to(str)),
                   rx.text(t["scope_label"]), rx.text(t["organization"]),
                   rx.text(t["created"]), rx.text(t["expires"]), rx.text(t["last_used"]),
                   _state(t), _revoke(t)], sticky_last=True)
    return _section(
        "Your tokens",
        rx.cond(T.tokens.length() > 0, table_or_cards(table, T.tokens, _card),
                rx.text("You have no API tokens yet.", size="2", color_scheme="gray")),
    )


def api_tokens_page() -> rx.Component:
    return shell("API tokens", error_callout(T.error), _shown_once(), _create(), _list())
