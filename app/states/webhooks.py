"""The Webhooks page (avatar menu, Tenant Administrators): the organization's endpoints, a
signing secret shown once (on adding one, on rotating), test events, enabling, deleting,
and each endpoint's recent deliveries, which refresh as the background sender works."""

import asyncio

import reflex as rx

from app import routes
from app.live.topics import register_refresher, webhooks_topic
from app.models import utcnow
from app.outbound import OutboundRefused, check_url
from app.services import webhooks as wh
from app.settings import get_settings
from app.states.page import ViewerPage
from app.states.viewer import run

EVENT_FIELD = "event:"  # the Add / Edit form's checkbox of an event type is `event:<type>`

def picked_events(form: dict) -> list[str]:
    """The event types checked in a submitted Add / Edit form (none: every event)."""
    return [name.removeprefix(EVENT_FIELD) for name, value in form.items()
            if name.startswith(EVENT_FIELD) and value]


class WebhooksState(ViewerPage, rx.State):
    endpoints: list[dict[str, str | int | bool | list[str]]] = []
    can_add: bool = False  # below the organization's limit of endpoints
    # the Add / Edit dialog: editing_id 0 adds an endpoint
    editor_open: bool = False
    editor_error: str = ""
    editing_id: int = 0
    form_url: str = ""
    form_description: str = ""
    form_events: list[str] = []
    # The signing secret just made (Add, Rotate secret), shown on its endpoint until
    # dismissed, replaced or the page is left: never again.
    new_secret: str = ""
    secret_for: int = 0
    # the Deliveries panel of one endpoint
    deliveries_for: int = 0
    deliveries: list[dict[str, str | int | bool]] = []

    def _refresh(self, db, viewer) -> None:
        """The endpoints, and the open panel's deliveries; what names an endpoint gone
        (deleted in another tab) closes."""
        self.endpoints = wh.list_endpoints(db, viewer, utcnow())
        self.can_add = len(self.endpoints) < wh.MAX_ENDPOINTS
        present = {int(e["id"]) for e in self.endpoints}
        if self.deliveries_for not in present:
            self.deliveries_for = 0
        self.deliveries = (wh.list_deliveries(db, viewer, self.deliveries_for)
                           if self.deliveries_for else [])
        if self.secret_for not in present:
            self.new_secret, self.secret_for = "", 0
        if self.editing_id and self.editing_id not in present:
            self.editor_open, self.editing_id = False, 0

    def _clear(self) -> None:
        self.endpoints, self.deliveries, self.deliveries_for = [], [], 0
        self.new_secret, self.secret_for, self.can_add = "", 0, False

    def _start(self) -> None:
        self.editor_open, self.editor_error, self.editing_id = False, "", 0
        self.new_secret, self.secret_for = "", 0
        self.deliveries_for, self.deliveries = 0, []

    def _follow(self, viewer) -> list[str]:
        return [webhooks_topic(viewer.organization_id)]

    def _topics(self, viewer, result) -> list[str]:
        return [webhooks_topic(viewer.organization_id)]

    def _page_path(self) -> str:
        return routes.WEBHOOKS

    def _show_secret(self, done, endpoint_id: int, secret: str, said: str):
        """After Add or Rotate secret: the new secret on its endpoint, once."""
        self.secret_for, self.new_secret = endpoint_id, secret
        self._reload()
        self._announce(done)
        return [rx.toast.success(said), rx.scroll_to("webhook-secret")]

    # --- the Add / Edit dialog ---------------------------------------------------------------
    @rx.event
    def open_add(self, value: bool = True):
        """Open an empty Add endpoint dialog (or close the dialog)."""
        self.editor_open, self.editor_error = value, ""
        if value:
            self.editing_id, self.form_url, self.form_description = 0, "", ""
            self.form_events = []

    @rx.event
    def open_edit(self, endpoint_id: int):
        """Open the dialog on the endpoint as it is now (read as the viewer)."""
        done = run(self, lambda db, v: wh.endpoint(db, v, int(endpoint_id), utcnow()))
        if not done.done:
            return done.stop()
        e = done.result
        self.editing_id, self.form_url, self.form_description = e["id"], e["url"], \
            e["description"]
        self.form_events, self.editor_open, self.editor_error = list(e["events"]), True, ""
        return None

    @rx.event
    async def save_endpoint(self, endpoint_id: int, form: dict):
        """Add an endpoint (`endpoint_id` 0; its secret is shown once) or change one; a
        refusal stays in the dialog and nothing is saved. The URL's name is looked up off
        the event loop first, so a nameserver that does not answer keeps no tab waiting."""
        endpoint_id, events = int(endpoint_id), picked_events(form)
        url, about = str(form.get("url", "")), str(form.get("description", ""))
        if url.strip() and len(url) <= 2000:
            try:
                await asyncio.to_thread(check_url, url.strip(),
                                        allow_private=get_settings().outbound_allow_private)
            except OutboundRefused as err:
                self.editor_error = str(err)
                return None
        done = self._submit(
            lambda db, v: wh.update_endpoint(db, v, endpoint_id, url, about, events,
                                             now=utcnow())
            if endpoint_id else wh.create_endpoint(db, v, url, about, events, now=utcnow()),
            "editor_error")
        if not done.done:
            return done.away
        self.editor_open, self.editing_id = False, 0
        if not endpoint_id:
            return self._show_secret(done, *done.result,
                                     "Endpoint added. Copy its signing secret now.")
        self._reload()
        self._announce(done)
        return rx.toast.success("Endpoint saved.")

    # --- one endpoint --------------------------------------------------------------------
    @rx.event
    def rotate_secret(self, endpoint_id: int):
        """A new signing secret, shown once; the old one keeps signing for a while."""
        endpoint_id = int(endpoint_id)
        done = run(self, lambda db, v: wh.rotate_secret(db, v, endpoint_id, now=utcnow()))
        if not done.done:
            return done.stop()
        return self._show_secret(done, endpoint_id, done.result,
                                 "New signing secret made. Copy it now.")

    @rx.event
    def dismiss_secret(self):
        self.new_secret, self.secret_for = "", 0

    @rx.event
    def send_test(self, endpoint_id: int):
        """Queue a `webhook.test` event, and show the endpoint's deliveries to watch it."""
        endpoint_id = int(endpoint_id)

        def send(db, viewer):
            delivery = wh.send_test(db, viewer, endpoint_id, now=utcnow())
            self.deliveries_for = endpoint_id  # reached only for an endpoint of the viewer's
            return delivery

        return self._act(send, "Test event queued; watch it under Deliveries.")

    @rx.event
    def set_enabled(self, endpoint_id: int, enabled: bool):
        return self._act(
            lambda db, v: wh.set_enabled(db, v, int(endpoint_id), bool(enabled), now=utcnow()),
            "Endpoint enabled: events go out to it again." if enabled
            else "Endpoint disabled: no events are sent to it until it is enabled.")

    @rx.event
    def delete_endpoint(self, endpoint_id: int):
        return self._act(
            lambda db, v: wh.delete_endpoint(db, v, int(endpoint_id), now=utcnow()),
            "Endpoint deleted, with its deliveries.")

    # --- deliveries --------------------------------------------------------------------------
    @rx.event
    def show_deliveries(self, endpoint_id: int):
        """Open the Deliveries panel of an endpoint (the newest first)."""
        endpoint_id = int(endpoint_id)
        done = run(self, lambda db, v: wh.list_deliveries(db, v, endpoint_id))
        if not done.done:
            return done.stop()
        self.deliveries_for = endpoint_id
        self.deliveries = done.result
        return None

    @rx.event
    def hide_deliveries(self):
        self.deliveries_for, self.deliveries = 0, []

    @rx.event
    def redeliver(self, delivery_id: int):
        """Deliver again, with the same webhook-id."""
        return self._act(
            lambda db, v: wh.redeliver(db, v, int(delivery_id), now=utcnow()),
            "Delivery queued again, with the same webhook-id.")


register_refresher("webhooks", WebhooksState)
