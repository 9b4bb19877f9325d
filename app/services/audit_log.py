"""The Audit log view: an organization's events, filtered, newest first, by keyset."""

from datetime import datetime

from sqlalchemy import and_, or_
from sqlmodel import Session, select

from app.domain.audit_sentences import Event, sentence
from app.domain.permissions import ORG_MANAGE_USERS
from app.domain.viewer import Viewer
from app.models import AuditEvent, Invitation, User
from app.services.access import require_org
from app.services.audit_names import refs_for


def list_events(db: Session, viewer: Viewer, *, actor: str = "", action: str = "",
                target: str = "", since: datetime | None = None,
                until: datetime | None = None, before_id: int | None = None,
                size: int = 50) -> tuple[list[dict], int | None]:
    """One page of events of the viewer's organization and the id to continue before: its
    own events and what others did to the invitations it sent (Join, Decline with the
    reason); another organization's client address is never shown."""
    require_org(viewer, ORG_MANAGE_USERS)
    sent = select(Invitation.id).where(Invitation.organization_id == viewer.organization_id)
    query = (select(AuditEvent, User.display_name)
             .join(User, User.id == AuditEvent.actor_user_id, isouter=True)
             .where(or_(AuditEvent.organization_id == viewer.organization_id,
                        and_(AuditEvent.target_type == "invitation",
                             AuditEvent.target_id.in_(sent)))))
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
    said = [Event(e.action, name or "", e.target_type, e.target_id, e.details or {})
            for e, name in rows]
    refs = refs_for(db, said)
    events = [{"id": e.id, "at": e.at.strftime("%Y-%m-%d %H:%M:%S"), "action": e.action,
               "sentence": sentence(event, refs),
               "ip": (e.ip or "") if e.organization_id == viewer.organization_id else ""}
              for (e, _), event in zip(rows, said, strict=True)]
    return events, (rows[-1][0].id if more and rows else None)
