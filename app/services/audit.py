"""Writing audit events in the same transaction as the action."""

from datetime import datetime

from sqlalchemy import event, inspect
from sqlmodel import Session

from app.domain.audit_sentences import SENTENCES
from app.domain.viewer import Viewer
from app.models import AuditEvent


def record(
    db: Session,
    action: str,
    target_type: str,
    target_id: int | None,
    *,
    at: datetime,
    viewer: Viewer | None = None,
    actor_user_id: int | None = None,
    organization_id: int | None = None,
    ip: str | None = None,
    details: dict | None = None,
) -> AuditEvent:
    """Add an audit event at `at` (the `now` of the action: the caller's clock, never
    this module's); `viewer` fills actor, organization and IP when given. Every action has
    its sentence for the Audit log (app/domain/audit_sentences.py): ValueError otherwise."""
    if action not in SENTENCES:
        raise ValueError(f"No Audit log sentence for {action!r}: add one to SENTENCES in "
                         "app/domain/audit_sentences.py.")
    row = AuditEvent(
        at=at,
        actor_user_id=viewer.user_id if viewer else actor_user_id,
        organization_id=viewer.organization_id if viewer else organization_id,
        ip=(viewer.ip if viewer else None) or ip,
        action=action,
        target_type=target_type,
        target_id=target_id,
        details=details or {},
    )
    db.add(row)
    db.info.setdefault(_WRITTEN, []).append(row)
    return row


_WRITTEN = "commons.audit_events"


@event.listens_for(Session, "before_commit")
def _queue_webhooks(db: Session) -> None:
    """The webhook deliveries the recorded events call for, in the same transaction: once,
    at the outer commit (this event also fires when a savepoint is released), and only for
    the events a rolled-back savepoint did not take away."""
    if db.in_nested_transaction():
        return
    events = [e for e in db.info.get(_WRITTEN, []) if inspect(e).persistent
              or inspect(e).pending]
    if events:
        from app.services.webhook_outbox import enqueue  # it builds on this module

        enqueue(db, events)


@event.listens_for(Session, "after_transaction_end")
def _forget_written(db: Session, transaction) -> None:
    """A session used for several units of work (tests, scripts) starts each one afresh."""
    if transaction.parent is None:
        db.info.pop(_WRITTEN, None)


def written_ids(db: Session) -> list[int]:
    """The ids of the events this unit of work recorded so far (what a live signal names:
    each tab that hears it reads only those it may see)."""
    events = db.info.get(_WRITTEN, [])
    if events:
        db.flush()
    return list(dict.fromkeys(e.id for e in events if e.id is not None))
