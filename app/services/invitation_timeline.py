"""An invitation's timeline: its audit events, oldest first, in words."""

from sqlmodel import Session, select

from app.domain import invitation_status as st
from app.models import AuditEvent, Invitation, User
from app.services.revocations import REASONS

_VERBS = {"invitation.send": "Sent", "invitation.resend": "Resent",
          "invitation.reinvite": "Re-issued", "invitation.accept": "Accepted",
          "invitation.decline": "Declined", "invitation.confirm": "Confirmed",
          "invitation.renewal_requested": "New invitation requested",
          "invitation.reminder": "Reminder sent", "invitation.delivered": "Email delivered",
          "invitation.delivery_failed": "Email could not be delivered"}


def timeline(db: Session, inv: Invitation) -> list[dict]:
    """The audit events of one invitation, oldest first, with who and when; ending it reads
    in its kind's word (Revoked, or Deleted for a parent-organization invitation)."""
    kind, invitation_id = inv.kind, inv.id
    events = db.exec(select(AuditEvent, User.display_name)
                     .join(User, User.id == AuditEvent.actor_user_id, isouter=True)
                     .where(AuditEvent.target_type == "invitation",
                            AuditEvent.target_id == invitation_id)
                     .order_by(AuditEvent.at, AuditEvent.id)).all()
    return [{"what": _what(e, kind), "who": who or "—", "when": e.at.strftime("%Y-%m-%d %H:%M")}
            for e, who in events]


def _what(event: AuditEvent, kind: str) -> str:
    """"Revoked (Community deleted)", "Email delivered to bob@…", …"""
    details = event.details or {}
    if event.action in ("invitation.revoke", "invitation.delete"):
        verb = st.label(kind, st.REVOKED)
    else:
        verb = _VERBS.get(event.action, event.action)
    if details.get("to"):
        verb = f"{verb} to {details['to']}"
    why = (REASONS.get(details.get("reason", ""), "") or details.get("error", "")
           or (f"“{details['decline_reason']}”" if details.get("decline_reason") else ""))
    return f"{verb} ({why})" if why else verb
