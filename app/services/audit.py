"""Writing audit events in the same transaction as the action."""

from datetime import datetime

from sqlmodel import Session

from app.domain.viewer import Viewer
from app.models import AuditEvent, utcnow


def record(
    db: Session,
    action: str,
    target_type: str,
    target_id: int | None,
    *,
    viewer: Viewer | None = None,
    actor_user_id: int | None = None,
    organization_id: int | None = None,
    ip: str | None = None,
    details: dict | None = None,
    at: datetime | None = None,
) -> AuditEvent:
    """Add an audit event; `viewer` fills actor, organization and IP when given."""
    event = AuditEvent(
        at=at or utcnow(),
        actor_user_id=viewer.user_id if viewer else actor_user_id,
        organization_id=viewer.organization_id if viewer else organization_id,
        ip=(viewer.ip if viewer else None) or ip,
        action=action,
        target_type=target_type,
        target_id=target_id,
        details=details or {},
    )
    db.add(event)
    return event
