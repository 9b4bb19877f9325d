"""Webhooks (/webhooks, from the avatar menu; Tenant Administrators): the HTTPS endpoints
that hear of the organization's events, each with its signing secret (shown once), a test
event, its recent deliveries and what an administrator does to it."""

import reflex as rx

from app.components.common import (
    AFTER_URL_SEPARATORS,
    address,
    confirm_button,
    data_table,
    empty_state,
    error_callout,
    table_or_cards,
)
from app.components.layout import shell
from app.components.shown_once import shown_once
from app.domain.webhook_events import EVENT_TYPES
from app.services.webhooks import MAX_ENDPOINTS, ROTATION_OVERLAP
from app.states.shell import ShellState
from app.states.webhooks import EVENT_FIELD
from app.states.webhooks import WebhooksState as W

_ENDPOINT_STATUS = {"active": ("Active", "green"), "disabled": ("Disabled", "red")}
_DELIVERY_STATUS = {"queued": ("Queued", "gray"), "retrying": ("Retrying", "amber"),
                    "sending": ("Sending", "blue"), "delivered": ("Delivered", "green"),
                    "failed": ("Failed", "red")}
_OVERLAP_HOURS = ROTATION_OVERLAP.total_seconds() // 3600
_WRAP = {"overflow_wrap": "anywhere"}


def _badge(words: dict, key) -> rx.Component:
    """A status key in words, coloured by what it means."""
    return rx.match(key, *[(k, rx.badge(text, color_scheme=color, variant="soft",
                                        high_contrast=True, custom_attrs={"data-status": k}))
                           for k, (text, color) in words.items()],
                    rx.badge(key))


def _utc(stamp) -> rx.Component:
    return rx.text(stamp, " UTC", as_="span", white_space="nowrap")


# --- the introduction ---------------------------------------------------------------------
def _intro() -> rx.Component:
    return rx.card(rx.vstack(
        rx.text("Commons posts the invitation and membership events of ",
                rx.text.strong(ShellState.org_name), " to these HTTPS endpoints as they "
                "happen, as JSON. Each request is signed the way ",
                rx.link("Standard Webhooks", href="https://www.standardwebhooks.com",
                        is_external=True, underline="always"),
                " are: before trusting one, check its ",
                rx.code("webhook-signature"), " header with the endpoint's signing secret. ",
                rx.code("webhook-id"), " stays the same when a delivery is retried.",
                size="2"),
        rx.hstack(
            rx.button(rx.icon("plus", size=16), "Add endpoint", on_click=W.open_add(True),
                      disabled=~W.can_add),
            rx.text(W.endpoints.length(), f" of {MAX_ENDPOINTS} endpoints", size="2",
                    color_scheme="gray"),
            align="center", spacing="3", wrap="wrap"),
        spacing="3", width="100%"), width="100%")


# --- the Add / Edit dialog ------------------------------------------------------------------
def _labelled(label: str, control_id: str, control: rx.Component,
              hint: str = "") -> rx.Component:
    return rx.vstack(
        rx.el.label(label, html_for=control_id,
                    style={"font_size": "14px", "font_weight": "500"}),
        control,
        rx.text(hint, size="1", color_scheme="gray", id=f"{control_id}-hint") if hint
        else rx.fragment(),
        spacing="1", width="100%")


def _event_choice(key: str, about: str) -> rx.Component:
    slug = key.replace(".", "-")
    return rx.el.label(rx.hstack(
        rx.checkbox(name=EVENT_FIELD + key, default_checked=W.form_events.contains(key),
                    aria_label=key, aria_describedby=f"about-{slug}", margin_top="3px"),
        rx.vstack(rx.code(key, size="2", variant="ghost"),
                  rx.text(about, size="1", color_scheme="gray", id=f"about-{slug}"),
                  spacing="0"),
        align="start", spacing="2"), style={"cursor": "pointer"})


def _editor() -> rx.Component:
    new = W.editing_id == 0
    return rx.dialog.root(rx.dialog.content(
        rx.dialog.title(rx.cond(new, "Add endpoint", "Edit endpoint")),
        rx.dialog.description(
            "Commons posts each event to this URL, signed with the endpoint's secret.",
            size="2"),
        rx.form(rx.vstack(
            _labelled("URL", "webhook-url", rx.input(
                id="webhook-url", name="url", default_value=W.form_url, width="100%",
                placeholder="https://example.com/commons-events", input_mode="url",
                auto_complete="off", spell_check=False, max_length=2000,
                aria_describedby="webhook-url-hint"),
                hint="An https:// address Commons can reach on the internet."),
            _labelled("Description (optional)", "webhook-description", rx.input(
                id="webhook-description", name="description",
                default_value=W.form_description, width="100%", max_length=200,
                placeholder="e.g. Ticketing system")),
            rx.el.fieldset(
                rx.el.legend("Events", style={"font_size": "14px", "font_weight": "500"}),
                rx.text("Check the events this endpoint hears. Leave every box unchecked to "
                        "send it all events, including ones Commons adds later.",
                        size="1", color_scheme="gray"),
                rx.grid(*[_event_choice(k, about) for k, about in EVENT_TYPES.items()],
                        columns=rx.breakpoints(initial="1", sm="2"), spacing="3",
                        margin_top="8px", width="100%"),
                style={"border": "none", "padding": "0", "margin": "0", "min_width": "0"}),
            error_callout(W.editor_error),
            rx.hstack(rx.dialog.close(rx.button("Cancel", type="button", variant="soft",
                                                color_scheme="gray")),
                      rx.button(rx.cond(new, "Add endpoint", "Save"), type="submit"),
                      justify="end", spacing="3", width="100%"),
            spacing="4", margin_top="12px", width="100%"),
            on_submit=lambda form: W.save_endpoint(W.editing_id, form),
            reset_on_submit=False),
        max_width="600px",
    ), open=W.editor_open, on_open_change=W.open_add)


# --- one endpoint -------------------------------------------------------------------------
def _shown_once() -> rx.Component:
    return shown_once(
        rx.text(rx.text.strong("Signing secret"), ": copy it now and give it to your "
                "receiver. It is shown only this once; Commons keeps it encrypted and never "
                "shows it again.", size="2"),
        W.new_secret, element_id="webhook-secret", what="secret", dismiss=W.dismiss_secret)


def _events(e) -> rx.Component:
    events = e["events"].to(list[str])
    return rx.hstack(
        rx.text("Events:", size="2", color_scheme="gray"),
        rx.cond(events.length() > 0,
                rx.foreach(events, lambda k: rx.badge(k, variant="outline", color_scheme="gray",
                                                      high_contrast=True)),
                rx.text("All events", size="2")),
        spacing="2", align="center", wrap="wrap")


def _notes(e) -> rx.Component:
    """Why an endpoint is disabled, that it fails, and a rotation under way."""
    reason = e["disabled_reason"].to(str)
    return rx.fragment(
        rx.cond(e["can_enable"].to(bool), rx.callout.root(
            rx.callout.icon(rx.icon("circle-pause")),
            rx.callout.text(
                rx.cond(reason != "", "Disabled by Commons: " + reason + ".",
                        "Disabled: Commons sends it nothing, and events that happen "
                        "meanwhile are not kept for it."),
                " Deliveries queued before go out once it is enabled."),
            color_scheme="gray", size="1", width="100%")),
        rx.cond(e["can_disable"].to(bool) & (e["failing_since"].to(str) != ""), rx.callout(
            rx.text("Deliveries have failed since ", _utc(e["failing_since"]), ". Commons "
                    "disables an endpoint that keeps failing for a day."),
            icon="triangle-alert", color_scheme="amber", size="1", width="100%")),
        rx.cond(e["rotating_until"].to(str) != "", rx.text(
            rx.icon("refresh-cw", size=13, aria_hidden="true", display="inline",
                    vertical_align="-2px"),
            " Signing with two secrets until ", _utc(e["rotating_until"]),
            ": the previous one still works until then.", size="2", color_scheme="gray")),
    )


def _action(icon: str, label: str, e, on_click=None, disabled=None,
            **props) -> rx.Component:
    """A button of an endpoint, named with its URL for screen readers (and tests)."""
    return rx.button(rx.icon(icon, size=14), label, size="1", variant="soft",
                     aria_label=label + " · " + e["url"].to(str), on_click=on_click,
                     disabled=W.busy if disabled is None else W.busy | disabled, **props)


def _actions(e) -> rx.Component:
    endpoint_id, url = e["id"].to(int), e["url"].to(str)
    open_here = W.deliveries_for == endpoint_id
    return rx.hstack(
        _action("send", "Send test event", e, W.send_test(endpoint_id),
                disabled=~e["can_send_test"].to(bool)),
        rx.cond(open_here,
                _action("chevron-up", "Hide deliveries", e, W.hide_deliveries,
                        color_scheme="gray"),
                _action("list", "Deliveries", e, W.show_deliveries(endpoint_id),
                        color_scheme="gray")),
        _action("pencil", "Edit", e, W.open_edit(endpoint_id), color_scheme="gray"),
        confirm_button(
            _action("key-round", "Rotate secret", e, color_scheme="gray"),
            "Rotate signing secret",
            rx.text("Make a new signing secret for ", rx.text.strong(url, style=_WRAP),
                    f"? For the next {_OVERLAP_HOURS:g} hours Commons signs with both the old "
                    "and the new secret, so the receiver keeps working while you switch it "
                    "to the new one."),
            "Rotate secret", W.rotate_secret(endpoint_id), color="indigo"),
        rx.cond(e["can_disable"].to(bool),
                _action("pause", "Disable", e, W.set_enabled(endpoint_id, False),
                        color_scheme="amber")),
        rx.cond(e["can_enable"].to(bool),
                _action("play", "Enable", e, W.set_enabled(endpoint_id, True),
                        color_scheme="green")),
        confirm_button(
            _action("trash-2", "Delete", e, color_scheme="red"),
            "Delete endpoint",
            rx.text("Delete ", rx.text.strong(url, style=_WRAP), "? Its deliveries are "
                    "deleted with it and no more events are sent to it. This cannot be "
                    "undone."),
            "Delete endpoint", W.delete_endpoint(endpoint_id)),
        spacing="2", wrap="wrap", width="100%")


# --- deliveries ---------------------------------------------------------------------------
def _response(d) -> rx.Component:
    """The HTTP status the receiver answered; none after a timeout or a refused call."""
    return rx.cond(d["response_status"].to(int) > 0,
                   rx.text("HTTP ", d["response_status"], as_="span", white_space="nowrap"),
                   rx.text(rx.cond(d["attempts"].to(int) > 0, "No answer", "Not sent yet"),
                           as_="span", color_scheme="gray"))


def _redeliver(d) -> rx.Component:
    return rx.cond(d["can_redeliver"].to(bool), rx.button(
        rx.icon("rotate-cw", size=14), "Redeliver", size="1", variant="soft",
        disabled=W.busy, on_click=W.redeliver(d["id"].to(int)),
        aria_label="Redeliver " + d["type"].to(str) + " of " + d["created"].to(str)))


def _when(d) -> rx.Component:
    return rx.vstack(
        rx.text(_utc(d["created"]), size="2"),
        rx.cond(d["next_attempt"].to(str) != "", rx.text(
            "Next attempt ", _utc(d["next_attempt"]), size="1", color_scheme="gray")),
        rx.cond(d["delivered"].to(str) != "", rx.text(
            "Delivered ", _utc(d["delivered"]), size="1", color_scheme="gray")),
        spacing="0")


def _error(d) -> rx.Component:
    return rx.text(d["error"], size="1", style=_WRAP)


def _delivery_card(d) -> rx.Component:
    """One delivery on a phone."""
    return rx.card(rx.vstack(
        rx.hstack(rx.code(d["type"], variant="ghost", weight="medium"),
                  _badge(_DELIVERY_STATUS, d["shown_status"]), justify="between", width="100%",
                  align="center"),
        rx.text(_response(d), " · ", d["attempts"], " ",
                rx.cond(d["attempts"].to(int) == 1, "attempt", "attempts"), size="2"),
        rx.cond(d["error"].to(str) != "", _error(d)),
        _when(d), _redeliver(d), spacing="2", width="100%"),
        width="100%", size="1")


def _deliveries() -> rx.Component:
    table = data_table(
        ["Event", "Status", "Response", "Attempts", "Created", "Error", ""], W.deliveries,
        lambda d: [rx.code(d["type"], variant="ghost"), _badge(_DELIVERY_STATUS, d["shown_status"]),
                   _response(d), rx.text(d["attempts"]), _when(d), _error(d), _redeliver(d)],
        sticky_last=True)
    return rx.vstack(
        rx.separator(size="4"),
        rx.hstack(rx.heading("Recent deliveries", size="3", as_="h3"),
                  rx.text("Newest first; this list follows the sender as it works.",
                          size="1", color_scheme="gray"),
                  align="baseline", spacing="3", wrap="wrap"),
        rx.cond(W.deliveries.length() > 0, table_or_cards(table, W.deliveries, _delivery_card),
                rx.text("No deliveries yet. Send a test event to see one arrive.", size="2",
                        color_scheme="gray")),
        spacing="3", width="100%", id="webhook-deliveries")


def _endpoint(e) -> rx.Component:
    endpoint_id = e["id"].to(int)
    return rx.card(rx.vstack(
        rx.hstack(
            rx.icon("webhook", size=18, aria_hidden="true", flex_shrink="0", margin_top="2px"),
            address(e["url"], after=AFTER_URL_SEPARATORS, as_heading=True, size="3", as_="h2",
                    weight="medium", flex="1", min_width="0"),
            _badge(_ENDPOINT_STATUS, e["status"]),
            align="start", spacing="2", width="100%"),
        rx.cond(e["description"].to(str) != "", rx.text(e["description"], size="2")),
        _events(e),
        rx.text("Added ", _utc(e["created"]), size="1", color_scheme="gray"),
        _notes(e),
        rx.cond(W.secret_for == endpoint_id, _shown_once()),
        _actions(e),
        rx.cond(W.deliveries_for == endpoint_id, _deliveries()),
        spacing="3", width="100%"),
        width="100%", custom_attrs={"data-endpoint": endpoint_id})


def _endpoints() -> rx.Component:
    return rx.cond(
        W.endpoints.length() > 0,
        rx.vstack(rx.foreach(W.endpoints, _endpoint), spacing="3", width="100%"),
        empty_state("webhook", "No endpoints yet",
                    "Add an endpoint to hear of invitations and membership changes as they "
                    "happen."))


def webhooks_page() -> rx.Component:
    return shell("Webhooks", error_callout(W.error),
                 rx.cond(W.loaded & (W.error == ""), rx.fragment(_intro(), _endpoints())),
                 _editor())
