"""The background sender: claims due outbox rows and delivers them over SMTP.

Rows are claimed with a conditional update, so several workers (or a restarted one)
never send the same row at the same time; a claim left by a crash is taken over after
`STALE_CLAIM`. The final outcome of an invitation's email is written through a
`DeliveryLog` the app passes in, so mail/ imports no service.
"""

import logging
from datetime import datetime, timedelta
from typing import Protocol

from sqlalchemy import and_, case, or_, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from app.mail.links import AFTER_DELIVERY, DELIVERY_FAILED, drop_ended_links, forget, opened
from app.mail.smtp import PermanentFailure, TemporaryFailure, build_message, send
from app.models import OutboxMessage, utcnow
from app.stop_points import stop_at

STALE_CLAIM = timedelta(minutes=5)
log = logging.getLogger(__name__)
MAX_ATTEMPTS = 8
BASE_DELAY = timedelta(seconds=30)


class DeliveryLog(Protocol):
    """Where the final outcome (delivered or not) of an invitation's email is written,
    in the transaction that records the outcome itself."""

    def __call__(self, db: Session, *, invitation_id: int, to: str, delivered: bool,
                 error: str, at: datetime) -> None: ...


def _due(now: datetime):
    return or_(
        and_(OutboxMessage.status == "queued", OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == "sending", OutboxMessage.claimed_at < now - STALE_CLAIM),
    )


def claim_due(db: Session, worker: str, now: datetime, limit: int = 20) -> list[int]:
    """Claim up to `limit` due rows for `worker`; returns the ids it won. Taking over a
    stale claim counts the attempt that never finished (its worker died), so a message
    that kills its sender every time ends too (`deliver_one`)."""
    ids = db.exec(select(OutboxMessage.id).where(_due(now))
                  .order_by(OutboxMessage.id).limit(limit)).all()
    won = []
    for message_id in ids:
        result = db.exec(update(OutboxMessage)
                         .where(OutboxMessage.id == message_id, _due(now))
                         .values(status="sending", claimed_by=worker, claimed_at=now,
                                 attempts=case((OutboxMessage.status == "sending",
                                                OutboxMessage.attempts + 1),
                                               else_=OutboxMessage.attempts)))
        if result.rowcount == 1:
            won.append(message_id)
    db.commit()
    return won


def retry_delay(attempts: int) -> timedelta:
    """30 s, 1 min, 2 min, ... growing with each failed attempt."""
    return BASE_DELAY * (2 ** max(attempts - 1, 0))


def _finish(db: Session, row: OutboxMessage, worker: str, log: DeliveryLog, at: datetime,
            **values) -> None:
    """Record the outcome of this worker's attempt, one transaction; a final one (sent,
    failed) of an invitation's email also goes to `log`."""
    done = db.exec(update(OutboxMessage)
                   .where(OutboxMessage.id == row.id, OutboxMessage.claimed_by == worker,
                          OutboxMessage.status == "sending")
                   .values(**values)).rowcount
    if done and row.invitation_id and values["status"] in ("sent", "failed"):
        log(db, invitation_id=row.invitation_id, to=row.to_addr,
            delivered=values["status"] == "sent", error=values.get("last_error") or "",
            at=at)
    db.commit()


def deliver_one(engine: Engine, message_id: int, *, worker: str, smtp_url: str,
                sender: str, delivery_log: DeliveryLog, now_fn=utcnow) -> str:
    """Send one claimed row and record the outcome; returns the new status."""
    with Session(engine, expire_on_commit=False) as db:
        row = db.get(OutboxMessage, message_id)
        if row.sealed_links and row.invitation_id and drop_ended_links(
                db, now_fn(), [row.invitation_id]):
            db.commit()  # the invitation ended while the message waited: no working link
            db.refresh(row)
        attempts = row.attempts + 1
        if row.attempts >= MAX_ATTEMPTS:  # every earlier attempt died with its worker
            _finish(db, row, worker, delivery_log, now_fn(), status="failed",
                    attempts=row.attempts, claimed_by=None, last_error=(
                        f"Gave up after {row.attempts} attempts that never finished"),
                    **forget(row, DELIVERY_FAILED))
            return "failed"
        try:
            text, html = opened(row)
            msg = build_message(sender=sender, to=row.to_addr, subject=row.subject,
                                text=text, html=html, message_id=row.message_id)
        except Exception as err:  # a message that cannot be built never will be: a poison
            log.exception("outbox message %s cannot be built; it is marked failed", row.id)
            _finish(db, row, worker, delivery_log, now_fn(), status="failed",
                    attempts=attempts, last_error=f"Cannot be built: {err}"[:1000],
                    claimed_by=None, **forget(row, DELIVERY_FAILED))
            return "failed"
        stop_at("mail-claimed")  # a test's kill: claimed, nothing sent
        try:
            send(smtp_url, msg)
            stop_at("mail-accepted")  # a test's kill: the server has it, unrecorded
        except PermanentFailure as err:
            _finish(db, row, worker, delivery_log, now_fn(), status="failed",
                    attempts=attempts, last_error=str(err)[:1000], claimed_by=None,
                    **forget(row, DELIVERY_FAILED))
            return "failed"
        except Exception as err:  # the server's "later", or no answer of the server at all:
            if not isinstance(err, TemporaryFailure):  # counted the same, so never forever
                log.exception("sending outbox message %s failed unexpectedly", row.id)
            status = "failed" if attempts >= MAX_ATTEMPTS else "queued"
            at = now_fn()
            _finish(db, row, worker, delivery_log, at, status=status, attempts=attempts,
                    last_error=str(err)[:1000], claimed_by=None,
                    next_attempt_at=at + retry_delay(attempts),
                    **(forget(row, DELIVERY_FAILED) if status == "failed" else {}))
            return status
        at = now_fn()
        _finish(db, row, worker, delivery_log, at, status="sent", attempts=attempts,
                sent_at=at, last_error=None, **forget(row, AFTER_DELIVERY))
        return "sent"


def run_once(engine: Engine, *, worker: str, smtp_url: str, sender: str,
             delivery_log: DeliveryLog, now_fn=utcnow,
             touched: list[int] | None = None) -> dict[str, int]:
    """Claim what is due and deliver it; returns how many ended in each status and adds
    to `touched` the invitations whose delivery state may have changed."""
    with Session(engine, expire_on_commit=False) as db:
        claimed = claim_due(db, worker, now_fn())
        if touched is not None and claimed:
            touched += [i for i in db.exec(select(OutboxMessage.invitation_id).where(
                OutboxMessage.id.in_(claimed))).all() if i]
    outcome: dict[str, int] = {}
    for message_id in claimed:
        status = deliver_one(engine, message_id, worker=worker, smtp_url=smtp_url,
                             sender=sender, delivery_log=delivery_log, now_fn=now_fn)
        outcome[status] = outcome.get(status, 0) + 1
    return outcome
