"""The webhook sender: claims due deliveries and posts them, signed, to their endpoints.

One delivery per endpoint is in flight at a time, oldest first, and endpoints are called
side by side with a timeout each, so a slow or failing endpoint never holds up another.
A failed attempt is retried with growing delays; a delivery is given up GIVE_UP after it
was queued; an endpoint failing for DISABLE_AFTER is disabled and its administrators are
emailed. Claims are conditional updates, as the mail sender's, so several workers never
post the same delivery at once; a claim left by a crash is taken over after STALE_CLAIM.
"""

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app import outbound
from app.domain.permissions import TENANT_ADMIN
from app.domain.webhook_events import GIVE_UP
from app.domain.webhook_signing import headers as signed
from app.mail.outbox import enqueue as enqueue_mail
from app.models import (
    GroupMember,
    OrgRoleAssignment,
    User,
    WebhookDelivery,
    WebhookEndpoint,
    utcnow,
)
from app.services import audit
from app.services.roles import builtin_role_id
from app.services.webhook_outbox import sweep_expired
from app.services.webhooks import signing_secrets

log = logging.getLogger("commons.webhooks")
TIMEOUT = 10.0                       # seconds per call
DISABLE_AFTER = timedelta(hours=24)  # an endpoint failing this long is disabled
STALE_CLAIM = timedelta(minutes=5)
BASE_DELAY, MAX_DELAY = timedelta(seconds=30), timedelta(hours=1)
PARALLEL = 8
USER_AGENT = "Commons-Webhooks/1"


def retry_delay(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... at most an hour."""
    return min(BASE_DELAY * (2 ** max(attempts - 1, 0)), MAX_DELAY)


def _due(now: datetime):
    return or_(and_(WebhookDelivery.status == "queued", WebhookDelivery.next_attempt_at <= now),
               and_(WebhookDelivery.status == "sending",
                    WebhookDelivery.claimed_at < now - STALE_CLAIM))


def claim_due(db: Session, worker: str, now: datetime, limit: int = 50) -> list[int]:
    """The oldest due delivery of each active endpoint with one, claimed for `worker`."""
    busy = select(WebhookDelivery.endpoint_id).where(
        WebhookDelivery.status == "sending", WebhookDelivery.claimed_at >= now - STALE_CLAIM)
    ids = db.exec(select(func.min(WebhookDelivery.id))
                  .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
                  .where(_due(now), WebhookEndpoint.status == "active",
                         WebhookDelivery.endpoint_id.not_in(busy))
                  .group_by(WebhookDelivery.endpoint_id).limit(limit)).all()
    won = []
    for delivery_id in ids:
        if db.exec(update(WebhookDelivery).where(WebhookDelivery.id == delivery_id, _due(now))
                   .values(status="sending", claimed_by=worker, claimed_at=now,
                           attempts=case((WebhookDelivery.status == "sending",
                                          WebhookDelivery.attempts + 1),
                                         else_=WebhookDelivery.attempts))).rowcount == 1:
            won.append(delivery_id)
    db.commit()
    return won


def _admins(db: Session, organization_id: int) -> list[str]:
    """The addresses of the organization's Tenant Administrators (directly or by group)."""
    role = builtin_role_id(db, TENANT_ADMIN)
    direct = select(OrgRoleAssignment.user_id).where(
        OrgRoleAssignment.organization_id == organization_id,
        OrgRoleAssignment.role_id == role, OrgRoleAssignment.user_id.is_not(None))
    grouped = select(GroupMember.user_id).join(
        OrgRoleAssignment, OrgRoleAssignment.group_id == GroupMember.group_id).where(
        OrgRoleAssignment.organization_id == organization_id, OrgRoleAssignment.role_id == role)
    return sorted(set(db.exec(select(User.email).where(
        or_(User.id.in_(direct), User.id.in_(grouped)))).all()))


def _disable(db: Session, endpoint: WebhookEndpoint, now: datetime, base_url: str) -> None:
    reason = f"every delivery failed for {DISABLE_AFTER // timedelta(hours=1)} hours"
    endpoint.status, endpoint.disabled_reason, endpoint.updated_at = "disabled", reason, now
    db.add(endpoint)
    audit.record(db, "webhook.auto_disable", "webhook", endpoint.id, at=now,
                 organization_id=endpoint.organization_id,
                 details={"url": endpoint.url, "reason": reason})
    for address in _admins(db, endpoint.organization_id):
        enqueue_mail(db, to=address, subject="A webhook endpoint was disabled",
                     text=(f"Commons disabled the webhook endpoint {endpoint.url} because "
                           f"{reason}. While it is disabled, new events are not sent to it; "
                           "deliveries already waiting go out when you enable it, if they "
                           "are less than a day old.\n\n"
                           f"Check the endpoint, then enable it on the Webhooks page: "
                           f"{base_url}/webhooks\n"),
                     base_url=base_url, now=now)
    log.warning("webhook endpoint %s disabled: %s", endpoint.id, reason)


def deliver_one(engine: Engine, delivery_id: int, *, worker: str, allow_private: bool,
                base_url: str, now_fn=utcnow, post=outbound.post) -> int | None:
    """Post one claimed delivery and record the outcome; returns its organization."""
    with Session(engine, expire_on_commit=False) as db:
        row = db.get(WebhookDelivery, delivery_id)
        endpoint = db.get(WebhookEndpoint, row.endpoint_id)
        now = now_fn()
        body = row.payload.encode()
        if now >= row.give_up_at:
            hours = GIVE_UP // timedelta(hours=1)
            code, error = None, f"Gave up: not delivered within {hours} hours"
        else:
            headers = {**signed(signing_secrets(endpoint, now), row.message_id,
                                int(now.timestamp()), body),
                       "content-type": "application/json", "user-agent": USER_AGENT}
            try:
                code, answer = post(endpoint.url, body, headers, timeout=TIMEOUT,
                                    allow_private=allow_private)
                error = "" if 200 <= code < 300 else f"HTTP {code}: {answer[:200]}"
            except (outbound.OutboundRefused, outbound.OutboundFailed) as err:
                code, error = None, str(err)[:500]
        at = now_fn()
        attempts = row.attempts + 1
        if not error:
            values = {"status": "delivered", "delivered_at": at, "last_error": ""}
            endpoint.failing_since = None
        else:
            # the next try would come after the give-up time: this was the last
            final = error.startswith("Gave up") or (
                at + retry_delay(attempts) > row.give_up_at)
            values = {"status": "failed" if final else "queued", "last_error": error,
                      "next_attempt_at": at + retry_delay(attempts)}
            endpoint.failing_since = endpoint.failing_since or at
            if endpoint.status == "active" and at - endpoint.failing_since >= DISABLE_AFTER:
                _disable(db, endpoint, at, base_url)
        done = db.exec(update(WebhookDelivery).where(
            WebhookDelivery.id == row.id, WebhookDelivery.claimed_by == worker,
            WebhookDelivery.status == "sending").values(
            attempts=attempts, response_status=code, claimed_by=None, **values)).rowcount
        if done:
            db.add(endpoint)
        db.commit()
        return endpoint.organization_id


def run_once(engine: Engine, *, worker: str, allow_private: bool, base_url: str,
             now_fn=utcnow, post=outbound.post) -> set[int]:
    """Sweep for expiries, claim what is due and post it; returns the organizations whose
    deliveries changed (their Webhooks pages show it)."""
    with Session(engine, expire_on_commit=False) as db:
        sweep_expired(db, now_fn())
        db.commit()
        claimed = claim_due(db, worker, now_fn())
    if not claimed:
        return set()
    with ThreadPoolExecutor(min(PARALLEL, len(claimed))) as pool:
        done = pool.map(lambda i: deliver_one(engine, i, worker=worker,
                                              allow_private=allow_private,
                                              base_url=base_url, now_fn=now_fn, post=post),
                        claimed)
        return {o for o in done if o}
