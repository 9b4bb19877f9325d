"""Ending open invitations in bulk, each with its own audit event (so its timeline ends)."""

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session

from app.domain import invitation_status as st
from app.domain.viewer import Viewer
from app.mail.links import drop_ended_links
from app.models import Invitation
from app.services import audit

REASONS = {"replaced": "Replaced by a new invitation", "archived": "Community deleted",
           "membership_ended": "Tenant left or was removed", "group_deleted": "Group deleted"}


def end_where(db: Session, viewer: Viewer, now: datetime, *conditions) -> list[int]:
    """Mark the invitations matching `conditions` revoked by the viewer in one statement and
    drop their sealed links; the ids that ended (the caller records why)."""
    ended = [invitation_id for (invitation_id,) in db.exec(
        update(Invitation).where(*conditions)
        .values(status=st.REVOKED, revoked_at=now, revoked_by_user_id=viewer.user_id)
        .returning(Invitation.id)).all()]
    drop_ended_links(db, now, ended)
    return ended


def revoke_where(db: Session, viewer: Viewer, now: datetime, *conditions, reason: str) -> int:
    """Revoke the invitations matching `conditions` in one statement; an audit event per
    row says why. Returns how many ended."""
    ended = end_where(db, viewer, now, *conditions)
    for invitation_id in ended:
        audit.record(db, "invitation.revoke", "invitation", invitation_id, viewer=viewer,
                     at=now, details={"reason": reason})
    return len(ended)
