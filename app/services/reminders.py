"""One reminder per pending invitation, a set time before it expires.

The token is stored only as a hash, so the reminder carries a fresh link (same expiry);
the earlier link stops working, and the email says so.
"""

from datetime import datetime, timedelta

from sqlmodel import Session, select

from app.domain import invitation_status as st
from app.mail.outbox import enqueue
from app.models import Invitation
from app.services import audit
from app.services import invitation_lifecycle as lifecycle
from app.services.invitation_policies import POLICIES
from app.services.status_sql import status_is

NOTE = "Reminder: this invitation expires soon. This link replaces the one sent earlier."


def send_due_reminders(db: Session, *, now: datetime, hours: int, secret_key: str,
                       base_url: str, limit: int = 200) -> int:
    """Queue the reminders now due, in the caller's transaction; returns how many
    invitations (batches) were reminded."""
    if hours <= 0:
        return 0
    due = db.exec(select(Invitation).where(
        *status_is(st.PENDING, now), Invitation.reminded_at.is_(None),
        Invitation.expires_at <= now + timedelta(hours=hours))
        .order_by(Invitation.expires_at).limit(limit)).all()
    done: set[str] = set()
    for inv in due:
        if inv.batch_id in done:
            continue
        done.add(inv.batch_id)
        token = lifecycle.reissue_for_reminder(db, inv.batch_id, now=now,
                                               secret_key=secret_key)
        if token is None:
            continue
        _mail(db, inv, token, base_url, now)
        audit.record(db, "invitation.reminder", "invitation", inv.id, at=now,
                     organization_id=inv.organization_id)
    return len(done)


def _mail(db: Session, inv: Invitation, token: str, base_url: str, now: datetime) -> None:
    rows = db.exec(select(Invitation).where(
        Invitation.batch_id == inv.batch_id, Invitation.status == st.PENDING)
        .order_by(Invitation.id)).all()
    letter = POLICIES[inv.kind].letter(db, rows, token, base_url, None)
    enqueue(db, to=letter.to, subject=f"Reminder: {letter.subject}",
            text=f"{NOTE}\n\n{letter.text}", html=f"<p>{NOTE}</p>{letter.html}",
            base_url=base_url, invitation_id=inv.id, now=now)
