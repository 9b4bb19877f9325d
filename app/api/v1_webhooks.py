"""/api/v1/webhooks: the caller's organization's webhook endpoints and their deliveries,
as on the Webhooks page (Tenant Administrators)."""

from typing import Annotated

from fastapi import Response
from pydantic import BaseModel, Field

from app.api.core import PREFIX, Id, Reader, Writer, api
from app.domain.webhook_events import EVENT_TYPES
from app.live.topics import webhooks_topic
from app.models import utcnow
from app.services import webhooks as wh

TAGS = ["webhooks"]
EventType = Annotated[str, Field(max_length=40, json_schema_extra={"enum": sorted(EVENT_TYPES)})]


def _page(viewer, _) -> list[str]:
    return [webhooks_topic(viewer.organization_id)]


class EndpointIn(BaseModel):
    url: str = Field(max_length=2000, description="An https:// address that answers 2xx")
    description: str = Field("", max_length=200)
    events: list[EventType] = Field([], max_length=len(EVENT_TYPES),
                                    description="The events it hears; none: every one")


@api.get(f"{PREFIX}/webhooks", tags=TAGS, summary="Your organization's webhook endpoints")
async def list_endpoints(caller: Reader) -> dict:
    rows, _, _ = await caller.run(lambda db, v: wh.list_endpoints(db, v, utcnow()))
    return {"items": rows, "event_types": EVENT_TYPES}


@api.post(f"{PREFIX}/webhooks", status_code=201, tags=TAGS,
          summary="Add an endpoint; its signing secret is in this answer only")
async def create_endpoint(caller: Writer, body: EndpointIn, response: Response) -> dict:
    def create(db, viewer):
        endpoint_id, secret = wh.create_endpoint(db, viewer, body.url, body.description,
                                                 body.events, now=utcnow())
        return {**wh.endpoint(db, viewer, endpoint_id, utcnow()), "secret": secret}

    made = await caller.change(create, _page)
    response.headers["Location"] = f"{PREFIX}/webhooks/{made['id']}"
    response.headers["Cache-Control"] = "no-store"  # it holds the secret
    return made


@api.get(f"{PREFIX}/webhooks/{{endpoint_id}}", tags=TAGS, summary="One endpoint")
async def get_endpoint(caller: Reader, endpoint_id: Id) -> dict:
    found, _, _ = await caller.run(lambda db, v: wh.endpoint(db, v, endpoint_id, utcnow()))
    return found


@api.put(f"{PREFIX}/webhooks/{{endpoint_id}}", tags=TAGS,
         summary="Change an endpoint's URL, description and events")
async def edit_endpoint(caller: Writer, endpoint_id: Id, body: EndpointIn) -> dict:
    def edit(db, viewer):
        wh.update_endpoint(db, viewer, endpoint_id, body.url, body.description, body.events,
                           now=utcnow())
        return wh.endpoint(db, viewer, endpoint_id, utcnow())

    return await caller.change(edit, _page)


@api.delete(f"{PREFIX}/webhooks/{{endpoint_id}}", status_code=204, tags=TAGS,
            summary="Delete an endpoint and its deliveries")
async def delete_endpoint(caller: Writer, endpoint_id: Id) -> Response:
    await caller.change(lambda db, v: wh.delete_endpoint(db, v, endpoint_id, now=utcnow()),
                        _page)
    return Response(status_code=204)


def _toggle(enabled: bool):
    async def route(caller: Writer, endpoint_id: Id) -> dict:
        def toggle(db, viewer):
            wh.set_enabled(db, viewer, endpoint_id, enabled, now=utcnow())
            return wh.endpoint(db, viewer, endpoint_id, utcnow())

        return await caller.change(toggle, _page)

    action = "enable" if enabled else "disable"
    route.__name__ = action
    api.post(f"{PREFIX}/webhooks/{{endpoint_id}}/{action}", tags=TAGS, summary=(
        "Enable an endpoint (its failures forgotten; what waits goes out)" if enabled
        else "Disable an endpoint (events wait, up to a day)"))(route)


_toggle(True)
_toggle(False)


@api.post(f"{PREFIX}/webhooks/{{endpoint_id}}/rotate-secret", tags=TAGS,
          summary="A new signing secret, in this answer only; the old one also signs for "
                  "24 hours")
async def rotate_secret(caller: Writer, endpoint_id: Id, response: Response) -> dict:
    response.headers["Cache-Control"] = "no-store"  # it holds the secret
    return await caller.change(lambda db, v: {
        "secret": wh.rotate_secret(db, v, endpoint_id, now=utcnow()),
        **wh.endpoint(db, v, endpoint_id, utcnow())}, _page)


@api.post(f"{PREFIX}/webhooks/{{endpoint_id}}/test", status_code=202, tags=TAGS,
          summary="Send test event: a webhook.test delivery, posted in a moment")
async def send_test(caller: Writer, endpoint_id: Id) -> dict:
    delivery = await caller.change(lambda db, v: wh.send_test(db, v, endpoint_id,
                                                               now=utcnow()), _page)
    return {"delivery_id": delivery}


@api.get(f"{PREFIX}/webhooks/{{endpoint_id}}/deliveries", tags=TAGS,
         summary="The endpoint's recent deliveries, newest first")
async def list_deliveries(caller: Reader, endpoint_id: Id) -> dict:
    rows, _, _ = await caller.run(lambda db, v: wh.list_deliveries(db, v, endpoint_id))
    return {"items": rows}


@api.post(f"{PREFIX}/webhook-deliveries/{{delivery_id}}/redeliver", status_code=202,
          tags=TAGS, summary="Deliver again, with the same webhook-id")
async def redeliver(caller: Writer, delivery_id: Id) -> Response:
    await caller.change(lambda db, v: wh.redeliver(db, v, delivery_id, now=utcnow()), _page)
    return Response(status_code=202)
