"""Webhook deliveries written in the transaction that made the change: from the audit
events it recorded (each action's event type in app/domain/webhook_events.py), for the
endpoints of the organizations that take part, each with only what they may see; and
`invitation.expired`, once, by the sweep that notices an invitation ran out."""

from datetime import datetime, timedelta

from sqlalchemy import bindparam, delete, tuple_
from sqlmodel import Session, select

from app.domain import invitation_status as st
from app.domain import webhook_events as we
from app.domain.limits import MAX_ID
from app.models import (
    AuditEvent,
    Community,
    DeploymentSetting,
    Invitation,
    WebhookDelivery,
    WebhookEndpoint,
)
from app.services.webhooks import queue

EXPIRED_UNTIL = "webhooks.expired_until"  # the sweep has announced expiries up to here
SWEEP_BATCH = 500
KEEP = timedelta(days=30)  # finished deliveries (their bodies name people) are kept this long


def _endpoints(db: Session, organization_ids: set[int]) -> dict[int, list[WebhookEndpoint]]:
    found: dict[int, list[WebhookEndpoint]] = {}
    if organization_ids:
        for e in db.exec(select(WebhookEndpoint).where(
                WebhookEndpoint.organization_id.in_(organization_ids),
                WebhookEndpoint.status == "active")).all():
            found.setdefault(e.organization_id, []).append(e)
    return found


def _invitation_audience(inv: Invitation) -> set[int]:
    """The organizations that take part in an invitation: the inviting one, the one it
    invites into and the tenant that accepted it (not merely someone who acted on it)."""
    return {o for o in (inv.organization_id, inv.target_organization_id,
                        inv.accepted_for_organization_id) if o}


def _membership(db: Session, event: AuditEvent, event_type: str) -> tuple[set[int], dict]:
    community = db.get(Community, event.target_id)
    details = event.details or {}
    data = {"community_id": event.target_id}
    audience = {event.organization_id, community.organization_id if community else None}
    if event_type == we.MEMBER_REMOVED:
        data["user_id"] = details.get("user_id")
    else:
        data["organization_id"] = details.get("organization_id")
        audience.add(details.get("organization_id"))
    return {o for o in audience if o}, data


def enqueue(db: Session, events: list[AuditEvent]) -> int:
    """Queue the deliveries `events` call for; returns how many. Nothing is read when no
    organization has an endpoint (the common case costs one query)."""
    mapped = [(e, we.FROM_AUDIT[e.action]) for e in events if e.action in we.FROM_AUDIT]
    if not mapped or db.exec(select(WebhookEndpoint.id).where(
            WebhookEndpoint.status == "active").limit(1)).first() is None:
        return 0
    invitations = {i.id: i for i in db.exec(select(Invitation).where(Invitation.id.in_(
        {e.target_id for e, _ in mapped if e.target_type == "invitation"}))).all()}
    planned = []
    for event, event_type in mapped:
        if event.target_type == "invitation":
            inv = invitations.get(event.target_id)
            if inv is None:
                continue
            audience = _invitation_audience(inv)
            data = we.invitation_data(inv, we.STATUS_OF[event_type])
        else:
            audience, data = _membership(db, event, event_type)
        planned.append((audience, event_type, we.body(event_type, event.at, data), event.at))
    return _queue_for(db, planned)


def _queue_for(db: Session, planned: list[tuple[set[int], str, str, datetime]]) -> int:
    endpoints = _endpoints(db, set().union(*(a for a, _, _, _ in planned)) if planned else set())
    count = 0
    for audience, event_type, body, at in planned:
        for organization_id in sorted(audience):
            for endpoint in endpoints.get(organization_id, []):
                if we.wanted(event_type, endpoint.events):
                    queue(db, endpoint.id, event_type, body, at)
                    count += 1
    return count


def sweep_expired(db: Session, now: datetime) -> int:
    """Announce invitations that ran out since the last sweep (pending, their expiry
    passed), each once; returns how many. The first sweep starts from now. The mark is
    (expiry, id) of the last one announced, so a batch never stops inside an instant."""
    mark = db.get(DeploymentSetting, EXPIRED_UNTIL)
    if mark is None:
        db.add(DeploymentSetting(name=EXPIRED_UNTIL, value=f"{now.isoformat()}|{MAX_ID}"))
        return 0
    at, _, last_id = mark.value.partition("|")
    after = tuple_(Invitation.expires_at, Invitation.id) > tuple_(
        bindparam("since", datetime.fromisoformat(at), type_=Invitation.expires_at.type),
        bindparam("since_id", int(last_id or 0), type_=Invitation.id.type))
    rows = db.exec(select(Invitation).where(
        Invitation.status == st.PENDING, after, Invitation.expires_at <= now)
        .order_by(Invitation.expires_at, Invitation.id).limit(SWEEP_BATCH)).all()
    if len(rows) == SWEEP_BATCH:
        mark.value = f"{rows[-1].expires_at.isoformat()}|{rows[-1].id}"
    elif now > datetime.fromisoformat(at):  # never back (a clock set back repeats nothing)
        mark.value = f"{now.isoformat()}|{MAX_ID}"
    db.add(mark)
    return _queue_for(db, [(_invitation_audience(inv), we.EXPIRED,
                            we.body(we.EXPIRED, inv.expires_at,
                                    we.invitation_data(inv, st.EXPIRED)), now)
                           for inv in rows])


def sweep(db: Session, now: datetime) -> None:
    """Each pass of the sender: announce expiries, and forget deliveries finished more
    than KEEP ago (a few at a time)."""
    sweep_expired(db, now)
    old = select(WebhookDelivery.id).where(
        WebhookDelivery.status.in_(("delivered", "failed")),
        WebhookDelivery.created_at < now - KEEP).limit(SWEEP_BATCH)
    db.exec(delete(WebhookDelivery).where(WebhookDelivery.id.in_(old)))
