"""The webhook sender: claims due deliveries and posts them, signed, to their endpoints.

One delivery per endpoint is in flight at a time, oldest first, and endpoints are called
side by side, each call ending within TIMEOUT, so a slow or failing endpoint never holds
up another. No database connection is held during a call. A failed attempt is retried
with growing delays; a delivery still undelivered at its give-up time fails; an endpoint
failing for a day is disabled (app/webhooks/failing.py). Claims are conditional updates,
as the mail sender's, so several workers never post the same delivery at once; a claim
left by a crash is taken over after STALE_CLAIM.
"""

import logging
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import and_, case, func, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app import outbound
from app.domain.webhook_signing import headers as signed
from app.models import WebhookDelivery, WebhookEndpoint, utcnow
from app.services.webhook_outbox import sweep
from app.services.webhooks import signing_secrets
from app.webhooks.failing import DISABLE_AFTER, note_failure, note_success

log = logging.getLogger("commons.webhooks")
TIMEOUT = 10.0                       # seconds per call, all of it
STALE_CLAIM = timedelta(minutes=5)
BASE_DELAY, MAX_DELAY = timedelta(seconds=30), timedelta(hours=1)
PARALLEL = 8
USER_AGENT = "Commons-Webhooks/1"
__all__ = ["DISABLE_AFTER", "Pump", "claim_due", "deliver_one", "retry_delay", "run_once"]


def retry_delay(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... at most an hour."""
    return min(BASE_DELAY * (2 ** max(attempts - 1, 0)), MAX_DELAY)


def _due(now: datetime):
    return or_(and_(WebhookDelivery.status == "queued", WebhookDelivery.next_attempt_at <= now),
               and_(WebhookDelivery.status == "sending",
                    WebhookDelivery.claimed_at < now - STALE_CLAIM))


def _busy(now: datetime):
    """Endpoints with a delivery in flight (a live claim)."""
    return select(WebhookDelivery.endpoint_id).where(
        WebhookDelivery.status == "sending", WebhookDelivery.claimed_at >= now - STALE_CLAIM)


def claim_due(db: Session, worker: str, now: datetime, limit: int = PARALLEL) -> list[int]:
    """Fail what is past its give-up time (never sent: not the endpoint's failure), then
    claim for `worker` the oldest due delivery of up to `limit` active endpoints, the
    endpoints whose work waits longest first."""
    db.exec(update(WebhookDelivery).where(_due(now), WebhookDelivery.give_up_at <= now)
            .values(status="failed", claimed_by=None, last_error=(
                "Gave up: not delivered within a day of being queued")))
    ids = db.exec(select(func.min(WebhookDelivery.id))
                  .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
                  .where(_due(now), WebhookEndpoint.status == "active",
                         WebhookDelivery.endpoint_id.not_in(_busy(now)))
                  .group_by(WebhookDelivery.endpoint_id)
                  .order_by(func.min(WebhookDelivery.id)).limit(limit)).all()
    won = []
    for delivery_id in ids:
        if db.exec(update(WebhookDelivery).where(
                WebhookDelivery.id == delivery_id, _due(now),
                WebhookDelivery.endpoint_id.not_in(_busy(now)))
                .values(status="sending", claimed_by=worker, claimed_at=now,
                        attempts=case((WebhookDelivery.status == "sending",
                                       WebhookDelivery.attempts + 1),
                                      else_=WebhookDelivery.attempts))).rowcount == 1:
            won.append(delivery_id)
    db.commit()
    return won


@dataclass(frozen=True)
class _Call:
    endpoint_id: int
    organization_id: int
    url: str
    body: bytes
    headers: dict
    attempts: int
    give_up_at: datetime


def _prepare(engine: Engine, delivery_id: int, now: datetime) -> _Call | None:
    with Session(engine) as db:
        row = db.get(WebhookDelivery, delivery_id)
        endpoint = db.get(WebhookEndpoint, row.endpoint_id) if row else None
        if endpoint is None:  # deleted with its endpoint meanwhile
            return None
        body = row.payload.encode()
        headers = {**signed(signing_secrets(endpoint, now), row.message_id,
                            int(now.timestamp()), body),
                   "content-type": "application/json", "user-agent": USER_AGENT}
        return _Call(endpoint.id, endpoint.organization_id, endpoint.url, body, headers,
                     row.attempts, row.give_up_at)


def deliver_one(engine: Engine, delivery_id: int, *, worker: str, allow_private: bool,
                base_url: str, now_fn=utcnow, post=outbound.post) -> int | None:
    """Post one claimed delivery and record the outcome; returns its organization."""
    call, code, error = None, None, ""
    try:
        call = _prepare(engine, delivery_id, now_fn())
        if call is None:  # deleted with its endpoint meanwhile
            return None
        code, answer = post(call.url, call.body, call.headers, timeout=TIMEOUT,
                            allow_private=allow_private)
        error = "" if 200 <= code < 300 else f"HTTP {code}: {answer[:200]}"
    except (outbound.OutboundRefused, outbound.OutboundFailed) as err:
        error = str(err)[:500]
    except Exception as err:  # anything else is a failed attempt too, never a stuck row
        log.exception("webhook delivery %s could not be posted", delivery_id)
        error = f"Could not be sent: {type(err).__name__}"
    if call is None:  # it could not be read (a secret sealed under another key): it ends
        with Session(engine) as db:
            db.exec(update(WebhookDelivery).where(
                WebhookDelivery.id == delivery_id, WebhookDelivery.claimed_by == worker,
                WebhookDelivery.status == "sending").values(
                status="failed", claimed_by=None, last_error=error[:500]))
            db.commit()
        return None
    _record(engine, delivery_id, call, worker, code, error, now_fn(), base_url)
    return call.organization_id


def _record(engine: Engine, delivery_id: int, call: _Call, worker: str, code: int | None,
            error: str, at: datetime, base_url: str) -> None:
    attempts = call.attempts + 1
    if not error:
        values = {"status": "delivered", "delivered_at": at, "last_error": ""}
    else:  # the next try would come after the give-up time: this was the last
        final = at + retry_delay(attempts) > call.give_up_at
        values = {"status": "failed" if final else "queued", "last_error": error,
                  "next_attempt_at": at + retry_delay(attempts)}
    with Session(engine) as db:
        done = db.exec(update(WebhookDelivery).where(
            WebhookDelivery.id == delivery_id, WebhookDelivery.claimed_by == worker,
            WebhookDelivery.status == "sending").values(
            attempts=attempts, response_status=code, claimed_by=None, **values)).rowcount
        if done:
            if error:
                note_failure(db, call.endpoint_id, at, base_url)
            else:
                note_success(db, call.endpoint_id)
        db.commit()


def _sweep(engine: Engine, now: datetime) -> None:
    with Session(engine) as db:
        sweep(db, now)
        db.commit()


def run_once(engine: Engine, *, worker: str, allow_private: bool, base_url: str,
             now_fn=utcnow, post=outbound.post) -> set[int]:
    """One whole pass, waiting for its calls (tests, scripts): sweep, claim, post; returns
    the organizations whose deliveries changed."""
    _sweep(engine, now_fn())
    with Session(engine) as db:
        claimed = claim_due(db, worker, now_fn())
    if not claimed:
        return set()
    with ThreadPoolExecutor(len(claimed)) as pool:
        done = pool.map(lambda i: deliver_one(engine, i, worker=worker,
                                              allow_private=allow_private,
                                              base_url=base_url, now_fn=now_fn, post=post),
                        claimed)
        return {o for o in done if o}


class Pump:
    """The running sender: each `step` sweeps, claims as many deliveries as it has free
    calls, starts them and returns at once with the organizations whose calls finished
    since the last step, so one slow endpoint holds up neither the others nor the loop
    (which renews the lease meanwhile)."""

    def __init__(self, engine: Engine, *, worker: str, allow_private: bool, base_url: str):
        self.engine, self.worker = engine, worker
        self.allow_private, self.base_url = allow_private, base_url
        self.pool = ThreadPoolExecutor(PARALLEL, thread_name_prefix="webhooks")
        self.running: list[Future] = []

    def step(self) -> set[int]:
        finished = [f for f in self.running if f.done()]
        self.running = [f for f in self.running if not f.done()]
        _sweep(self.engine, utcnow())
        free = PARALLEL - len(self.running)
        if free > 0:
            with Session(self.engine) as db:
                claimed = claim_due(db, self.worker, utcnow(), limit=free)
            self.running += [self.pool.submit(
                deliver_one, self.engine, i, worker=self.worker,
                allow_private=self.allow_private, base_url=self.base_url) for i in claimed]
        return {o for f in finished if not f.exception() and (o := f.result())}

    def close(self) -> None:
        self.pool.shutdown(wait=False, cancel_futures=True)
