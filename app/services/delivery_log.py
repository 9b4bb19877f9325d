"""The invitation side of mail delivery: a final outcome of an invitation's email goes into
the invitation's timeline. The app hands `record_delivery` to the mail runner as its
`DeliveryLog` (app/mail/sender.py), so mail/ never imports a service."""

from datetime import datetime

from sqlmodel import Session

from app.models import Invitation
from app.services import audit


def record_delivery(db: Session, *, invitation_id: int, to: str, delivered: bool, error: str,
                    at: datetime) -> None:
    """An "invitation.delivered" or "invitation.delivery_failed" event at `at`, in the
    transaction that records the outcome; its details name an error only when there is one."""
    inv = db.get(Invitation, invitation_id)
    audit.record(db, "invitation.delivered" if delivered else "invitation.delivery_failed",
                 "invitation", invitation_id, at=at,
                 organization_id=inv.organization_id if inv else None,
                 details={"to": to, **({"error": error} if error and not delivered else {})})
