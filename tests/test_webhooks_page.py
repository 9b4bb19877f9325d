"""The Webhooks page's handlers, driven as a browser tab drives them: a signing secret
reaches the browser once, in the one var that shows it, and is gone after Dismiss or a
new visit; a URL Commons will not call stays in the dialog and saves nothing; a member
who is not a Tenant Administrator is refused the page."""

import json

from sqlmodel import Session, func, select

from app.domain.webhook_events import ENDPOINT_CAN, delivery_flags
from app.models import WebhookEndpoint
from app.services.webhooks import unseal
from app.states.webhooks import WebhooksState, picked_events
from tests.matrix_fixtures import world  # noqa: F401
from tests.reflex_harness import Browser, full_name

W = WebhooksState


def _secret_places(received, secret: str) -> list[str]:
    """The vars of any state whose sent value holds `secret`."""
    return [f"{state}.{var}" for u in received.updates
            for state, delta in u.get("delta", {}).items()
            for var, value in delta.items() if secret in json.dumps(value)]


def _count(engine) -> int:
    with Session(engine) as db:
        return db.exec(select(func.count()).select_from(WebhookEndpoint)).one()


def test_the_form_names_its_events_by_checkbox():
    form = {"url": "https://x", "event:invitation.created": "on", "event:tenant.left": "on",
            "event:member.removed": "", "description": "event:nope"}
    assert picked_events(form) == ["invitation.created", "tenant.left"]


def test_what_a_status_allows_matches_what_the_service_accepts():
    """Send test event only to an active endpoint, Enable only a disabled one, Redeliver
    only what is not on its way (the service refuses the rest)."""
    active, disabled = ENDPOINT_CAN["active"], ENDPOINT_CAN["disabled"]
    assert active["can_send_test"] and active["can_disable"] and not active["can_enable"]
    assert disabled["can_enable"] and not disabled["can_send_test"]
    views = {(s, n): delivery_flags(s, n) for s in (
        "queued", "sending", "delivered", "failed") for n in (0, 2)}
    assert {k for k, v in views.items() if v["can_redeliver"]} == {
        ("delivered", 0), ("delivered", 2), ("failed", 0), ("failed", 2)}
    assert views["queued", 0]["shown_status"] == "queued"
    assert views["queued", 2]["shown_status"] == "retrying"
    assert views["failed", 2]["shown_status"] == "failed"


def test_a_new_secret_is_sent_once_in_the_shown_once_var_only(world):  # noqa: F811
    try:
        with Browser() as browser:
            tab = browser.tab(world.cookies["alice"], "/webhooks")
            tab.send(full_name(W, "load"))
            added = tab.send(full_name(W, "save_endpoint"), {"endpoint_id": 0, "form": {
                "url": "https://127.0.0.1:9/new-hooks", "description": "Ticketing",
                "event:invitation.created": "on"}})
            secret = added.delta(W)["new_secret"]
            listed = [e for e in added.delta(W)["endpoints"] if e["url"].endswith("new-hooks")]
            dismissed = tab.send(full_name(W, "dismiss_secret"))
            again = tab.send(full_name(W, "load"))
        with Session(world.engine) as db:
            row = db.exec(select(WebhookEndpoint).where(
                WebhookEndpoint.url == "https://127.0.0.1:9/new-hooks")).one()
            assert unseal(row.secret, row.organization_id) == secret and row.secret != secret
    finally:
        world.rebuild()
    assert secret.startswith("whsec_") and added.toasts("success")
    assert _secret_places(added, secret) == [f"{W.get_full_name()}.new_secret_rx_state_"]
    assert listed[0]["events"] == ["invitation.created"]
    assert added.delta(W)["secret_for"] == listed[0]["id"]
    assert dismissed.delta(W)["new_secret"] == ""
    assert not _secret_places(again, secret)


def test_a_rotated_secret_is_shown_and_a_new_visit_forgets_it(world):  # noqa: F811
    endpoint_id = world.ids["webhook"]
    try:
        with Browser() as browser:
            tab = browser.tab(world.cookies["alice"], "/webhooks")
            tab.send(full_name(W, "load"))
            rotated = tab.send(full_name(W, "rotate_secret"), {"endpoint_id": endpoint_id})
            secret = rotated.delta(W)["new_secret"]
            again = tab.send(full_name(W, "load"))
    finally:
        world.rebuild()
    assert secret.startswith("whsec_") and rotated.delta(W)["secret_for"] == endpoint_id
    shown = [e for e in rotated.delta(W)["endpoints"] if e["id"] == endpoint_id][0]
    assert shown["rotating_until"]
    assert again.delta(W)["new_secret"] == "" and not _secret_places(again, secret)


def test_a_url_commons_will_not_call_stays_in_the_dialog(world):  # noqa: F811
    before = _count(world.engine)
    with Browser() as browser:
        tab = browser.tab(world.cookies["alice"], "/webhooks")
        tab.send(full_name(W, "load"))
        tab.send(full_name(W, "open_add"))
        got = tab.send(full_name(W, "save_endpoint"), {"endpoint_id": 0, "form": {
            "url": "ftp://127.0.0.1/hooks", "description": ""}})
        state = tab.state(W)
    assert "Commons calls https:// URLs only" in got.delta(W)["editor_error"]
    assert state.editor_open and not state.new_secret and not got.toasts("success")
    assert _count(world.engine) == before


def test_a_member_who_is_not_a_tenant_administrator_is_refused(world):  # noqa: F811
    with Browser() as browser:
        tab = browser.tab(world.cookies["frank"], "/webhooks")
        got = tab.send(full_name(W, "load"))
        endpoints = tab.state(W).endpoints
    assert got.delta(W)["error"] and not endpoints
