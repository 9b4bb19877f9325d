"""The Audit log view: an organization's events, filtered, newest first, by keyset."""

from datetime import datetime

from sqlmodel import Session, select

from app.domain.permissions import ORG_MANAGE_USERS
from app.domain.viewer import Viewer
from app.models import AuditEvent, User
from app.services.access import require_org


def list_events(db: Session, viewer: Viewer, *, actor: str = "", action: str = "",
                target: str = "", since: datetime | None = None,
                until: datetime | None = None, before_id: int | None = None,
                size: int = 50) -> tuple[list[dict], int | None]:
    """One page of events of the viewer's organization and the id to continue before."""
    require_org(viewer, ORG_MANAGE_USERS)
    query = (select(AuditEvent, User.display_name, User.username)
             .join(User, User.id == AuditEvent.actor_user_id, isouter=True)
             .where(AuditEvent.organization_id == viewer.organization_id))
    if actor.strip():
        query = query.where(User.username == actor.strip().lower())
    if action.strip():
        query = query.where(AuditEvent.action.startswith(action.strip()))
    if target.strip():
        query = query.where(AuditEvent.target_type == target.strip())
    if since:
        query = query.where(AuditEvent.at >= since)
    if until:
        query = query.where(AuditEvent.at < until)
    if before_id:
        query = query.where(AuditEvent.id < before_id)
    rows = db.exec(query.order_by(AuditEvent.id.desc()).limit(size + 1)).all()
    more = len(rows) > size
    rows = rows[:size]
    events = [{"id": e.id, "at": e.at.strftime("%Y-%m-%d %H:%M:%S"),
               "actor": f"{name} ({username})" if name else "—", "action": e.action,
               "target": f"{e.target_type} #{e.target_id}" if e.target_id else e.target_type,
               "details": ", ".join(f"{k}={v}" for k, v in sorted(e.details.items()))[:200],
               "ip": e.ip or ""} for e, name, username in rows]
    return events, (rows[-1][0].id if more and rows else None)
