"""Webhook endpoints, as an organization's Tenant Administrators manage them (the Webhooks
page and the API): add, change, enable or disable, delete, rotate the signing secret, send
a test event, and see and redeliver recent deliveries."""

import uuid
from datetime import datetime, timedelta

from sqlalchemy import delete, func
from sqlmodel import Session, select

from app.domain import webhook_events as we
from app.domain.errors import Conflict, InvalidInput, NotFound
from app.domain.permissions import ORG_MANAGE_USERS
from app.domain.viewer import Viewer
from app.domain.webhook_signing import new_secret
from app.models import WebhookDelivery, WebhookEndpoint
from app.outbound import OutboundRefused, check_url
from app.services import audit
from app.services.access import require_org
from app.services.sealing import WEBHOOK_SECRETS
from app.settings import get_settings

MAX_ENDPOINTS = 20              # per organization
ROTATION_OVERLAP = timedelta(hours=24)  # the old secret signs this long after a rotation
RECENT = 50                     # deliveries the page lists
_FMT = "%Y-%m-%d %H:%M:%S"


# --- secrets, kept encrypted (app/services/sealing.py) ----------------------------------
seal, unseal = WEBHOOK_SECRETS.seal, WEBHOOK_SECRETS.unseal


def signing_secrets(endpoint: WebhookEndpoint, now: datetime) -> list[str]:
    """The secrets that sign a delivery now: the current one, and the previous one while
    a rotation's overlap lasts."""
    org = endpoint.organization_id
    secrets = [unseal(endpoint.secret, org)]
    if endpoint.previous_secret and endpoint.previous_until and now < endpoint.previous_until:
        secrets.append(unseal(endpoint.previous_secret, org))
    return secrets


# --- endpoints -----------------------------------------------------------------------------
def _checked(url: str, events: list[str], description: str) -> tuple[str, list[str], str]:
    url = url.strip()
    if not url:
        raise InvalidInput("Enter the endpoint's URL (https://…).")
    if len(url) > 2000:
        raise InvalidInput("A URL has at most 2,000 characters.")
    try:
        check_url(url, allow_private=get_settings().outbound_allow_private)
    except OutboundRefused as err:
        raise InvalidInput(str(err)) from None
    if unknown := we.unknown_types(events):
        raise InvalidInput(f"Unknown events: {', '.join(unknown)}.")
    return url, sorted(set(events)), " ".join(description.split())[:200]


def own_endpoint(db: Session, viewer: Viewer, endpoint_id: int) -> WebhookEndpoint:
    require_org(viewer, ORG_MANAGE_USERS)
    endpoint = db.get(WebhookEndpoint, endpoint_id)
    if endpoint is None or endpoint.organization_id != viewer.organization_id:
        raise NotFound("That webhook endpoint does not exist in your organization.")
    return endpoint


def create_endpoint(db: Session, viewer: Viewer, url: str, description: str = "",
                    events: list[str] | None = None, *, now: datetime) -> tuple[int, str]:
    """A new endpoint of the viewer's organization; returns its id and its signing secret
    (shown once: only an encrypted copy is kept)."""
    require_org(viewer, ORG_MANAGE_USERS)
    url, events, description = _checked(url, events or [], description)
    count = db.exec(select(func.count()).select_from(WebhookEndpoint).where(
        WebhookEndpoint.organization_id == viewer.organization_id)).one()
    if count >= MAX_ENDPOINTS:
        raise InvalidInput(f"An organization has at most {MAX_ENDPOINTS} webhook endpoints.")
    secret = new_secret()
    endpoint = WebhookEndpoint(organization_id=viewer.organization_id, url=url,
                               description=description, events=events,
                               secret=seal(secret, viewer.organization_id),
                               created_by_user_id=viewer.user_id, created_at=now,
                               updated_at=now)
    db.add(endpoint)
    db.flush()
    audit.record(db, "webhook.create", "webhook", endpoint.id, viewer=viewer, at=now,
                 details={"url": url, "events": events})
    return endpoint.id, secret


def update_endpoint(db: Session, viewer: Viewer, endpoint_id: int, url: str,
                    description: str, events: list[str], *, now: datetime) -> None:
    endpoint = own_endpoint(db, viewer, endpoint_id)
    url, events, description = _checked(url, events, description)
    endpoint.url, endpoint.events, endpoint.description = url, events, description
    endpoint.updated_at = now
    db.add(endpoint)
    audit.record(db, "webhook.update", "webhook", endpoint.id, viewer=viewer, at=now,
                 details={"url": url, "events": events})


def set_enabled(db: Session, viewer: Viewer, endpoint_id: int, enabled: bool, *,
                now: datetime) -> None:
    """Enable (its failures forgotten, what waits goes out) or disable an endpoint."""
    endpoint = own_endpoint(db, viewer, endpoint_id)
    wanted = "active" if enabled else "disabled"
    if endpoint.status == wanted:
        raise Conflict(f"That endpoint is {'enabled' if enabled else 'disabled'} already.")
    endpoint.status, endpoint.updated_at = wanted, now
    endpoint.disabled_reason, endpoint.failing_since = "", None
    db.add(endpoint)
    audit.record(db, "webhook.enable" if enabled else "webhook.disable", "webhook",
                 endpoint.id, viewer=viewer, at=now, details={"url": endpoint.url})


def delete_endpoint(db: Session, viewer: Viewer, endpoint_id: int, *, now: datetime) -> None:
    endpoint = own_endpoint(db, viewer, endpoint_id)
    audit.record(db, "webhook.delete", "webhook", endpoint.id, viewer=viewer, at=now,
                 details={"url": endpoint.url})
    db.exec(delete(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id))
    db.delete(endpoint)


def rotate_secret(db: Session, viewer: Viewer, endpoint_id: int, *, now: datetime) -> str:
    """A new signing secret (returned, shown once); the old one also signs for
    ROTATION_OVERLAP, so receivers can switch without missing a delivery. Rotating again
    meanwhile ends the oldest at once (two secrets sign at most)."""
    endpoint = own_endpoint(db, viewer, endpoint_id)
    secret = new_secret()
    endpoint.previous_secret, endpoint.previous_until = endpoint.secret, now + ROTATION_OVERLAP
    endpoint.secret, endpoint.updated_at = seal(secret, endpoint.organization_id), now
    db.add(endpoint)
    audit.record(db, "webhook.rotate_secret", "webhook", endpoint.id, viewer=viewer, at=now,
                 details={"url": endpoint.url})
    return secret


def queue(db: Session, endpoint_id: int, event_type: str, body: str, now: datetime
          ) -> WebhookDelivery:
    """A delivery of `body` to the endpoint, due now (sent once the transaction commits)."""
    row = WebhookDelivery(endpoint_id=endpoint_id, message_id=f"msg_{uuid.uuid4().hex}",
                          event_type=event_type, payload=body, next_attempt_at=now,
                          created_at=now, give_up_at=now + we.GIVE_UP)
    db.add(row)
    return row


def send_test(db: Session, viewer: Viewer, endpoint_id: int, *, now: datetime) -> int:
    """Queue a `webhook.test` event (Send test event); returns the delivery's id."""
    endpoint = own_endpoint(db, viewer, endpoint_id)
    if not we.ENDPOINT_CAN[endpoint.status]["can_send_test"]:
        raise Conflict("Enable the endpoint before sending it a test event.")
    row = queue(db, endpoint.id, we.TEST_EVENT, we.body(we.TEST_EVENT, now, {
        "endpoint_id": endpoint.id, "organization_id": endpoint.organization_id}), now)
    db.flush()
    audit.record(db, "webhook.test", "webhook", endpoint.id, viewer=viewer, at=now,
                 details={"url": endpoint.url})
    return row.id


def redeliver(db: Session, viewer: Viewer, delivery_id: int, *, now: datetime) -> None:
    """Deliver again, with the same `webhook-id` (a receiver that has it may ignore it)."""
    require_org(viewer, ORG_MANAGE_USERS)
    row = db.get(WebhookDelivery, delivery_id)
    endpoint = db.get(WebhookEndpoint, row.endpoint_id) if row else None
    if endpoint is None or endpoint.organization_id != viewer.organization_id:
        raise NotFound("That delivery does not exist in your organization.")
    if not we.delivery_flags(row.status, row.attempts)["can_redeliver"]:
        raise Conflict("That delivery is on its way already.")
    if not we.ENDPOINT_CAN[endpoint.status]["can_send_test"]:
        raise Conflict("Enable the endpoint before delivering to it again.")
    row.status, row.next_attempt_at, row.claimed_by = "queued", now, None
    row.give_up_at = now + we.GIVE_UP  # a new chance: a day from now
    db.add(row)
    audit.record(db, "webhook.redeliver", "webhook", endpoint.id, viewer=viewer, at=now,
                 details={"url": endpoint.url, "type": row.event_type})


# --- what the page and the API show ---------------------------------------------------------
def _endpoint_row(e: WebhookEndpoint, now: datetime) -> dict:
    return {"id": e.id, "url": e.url, "description": e.description,
            "events": list(e.events), "status": e.status,
            **we.ENDPOINT_CAN.get(e.status, {}),
            "disabled_reason": e.disabled_reason,
            "failing_since": e.failing_since.strftime(_FMT) if e.failing_since else "",
            "rotating_until": (e.previous_until.strftime(_FMT)
                               if e.previous_until and e.previous_until > now else ""),
            "created": e.created_at.strftime(_FMT)}


def list_endpoints(db: Session, viewer: Viewer, now: datetime) -> list[dict]:
    require_org(viewer, ORG_MANAGE_USERS)
    rows = db.exec(select(WebhookEndpoint).where(
        WebhookEndpoint.organization_id == viewer.organization_id)
        .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)).all()
    return [_endpoint_row(e, now) for e in rows]


def endpoint(db: Session, viewer: Viewer, endpoint_id: int, now: datetime) -> dict:
    return _endpoint_row(own_endpoint(db, viewer, endpoint_id), now)


def list_deliveries(db: Session, viewer: Viewer, endpoint_id: int, *,
                    limit: int = RECENT) -> list[dict]:
    """The endpoint's most recent deliveries, newest first."""
    own_endpoint(db, viewer, endpoint_id)
    rows = db.exec(select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint_id)
                   .order_by(WebhookDelivery.id.desc()).limit(max(1, min(limit, 200)))).all()
    return [{"id": d.id, "message_id": d.message_id, "type": d.event_type,
             "status": d.status, "attempts": d.attempts,
             "response_status": d.response_status or 0, "error": d.last_error,
             "created": d.created_at.strftime(_FMT),
             "next_attempt": d.next_attempt_at.strftime(_FMT) if d.status == "queued" else "",
             "delivered": d.delivered_at.strftime(_FMT) if d.delivered_at else "",
             **we.delivery_flags(d.status, d.attempts)}
            for d in rows]
