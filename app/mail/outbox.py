"""Writing messages to the outbox in the caller's transaction."""

import uuid
from datetime import datetime
from urllib.parse import urlsplit

from sqlmodel import Session

from app.mail.links import seal
from app.models import OutboxMessage


def enqueue(db: Session, *, to: str, subject: str, text: str, html: str = "",
            base_url: str, now: datetime, invitation_id: int | None = None,
            flush: bool = True) -> OutboxMessage:
    """Queue a message, due at `now`; it is sent only if the surrounding transaction
    commits. Its link tokens are stored sealed, not in the bodies (app/mail/links.py).
    `flush=False` leaves the insert to the caller's next flush (one for many messages)."""
    domain = urlsplit(base_url).hostname or "commons.local"
    subject = " ".join(subject.split())[:300]  # names with line breaks stay on one line
    message_id = f"<{uuid.uuid4().hex}@{domain}>"
    text, html, sealed = seal(message_id, text, html)
    message = OutboxMessage(
        message_id=message_id, to_addr=to, subject=subject, body_text=text, body_html=html,
        sealed_links=sealed, invitation_id=invitation_id, next_attempt_at=now,
        created_at=now,
    )
    db.add(message)
    if flush:
        db.flush()
    return message
