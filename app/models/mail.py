"""The outbox the background sender drains, and the built-in dev mailbox."""

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, Index, Text
from sqlmodel import Field, SQLModel

from app.models.base import utcnow


class OutboxMessage(SQLModel, table=True):
    """A message written in the same transaction as the change that causes it."""

    __table_args__ = (
        CheckConstraint(
            "status in ('queued', 'sending', 'sent', 'failed')", name="outbox_status"
        ),
        Index("ix_outbox_due", "status", "next_attempt_at"),
    )

    id: int | None = Field(default=None, primary_key=True)
    message_id: str = Field(max_length=200, unique=True)
    to_addr: str = Field(max_length=320)
    subject: str = Field(max_length=300)
    body_text: str = Field(sa_column=Column(Text, nullable=False))
    body_html: str = Field(default="", sa_column=Column(Text, nullable=False))
    # The bodies hold markers where the links go; their tokens are sealed here until the
    # message is delivered (app/mail/links.py), then deleted.
    sealed_links: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    invitation_id: int | None = Field(default=None, foreign_key="invitation.id", index=True)
    status: str = Field(default="queued", max_length=16)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow)
    claimed_by: str | None = Field(default=None, max_length=80)
    claimed_at: datetime | None = None
    sent_at: datetime | None = None
    last_error: str | None = Field(default=None, max_length=1000)
    created_at: datetime = Field(default_factory=utcnow)


class DevMailboxMessage(SQLModel, table=True):
    """What the built-in SMTP sink received, for the Mailbox page."""

    id: int | None = Field(default=None, primary_key=True)
    received_at: datetime = Field(default_factory=utcnow, index=True)
    mail_from: str = Field(max_length=320)
    rcpt_to: str = Field(max_length=2000, index=True)
    subject: str = Field(max_length=300)
    message_id: str = Field(default="", max_length=200)
    body_text: str = Field(sa_column=Column(Text, nullable=False))
