"""Webhook endpoints an organization registers, and the deliveries the sender works
through (an outbox like the mail's: written in the transaction of the change)."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Column, Index, Text
from sqlmodel import Field, SQLModel

from app.models.base import utcnow


class WebhookEndpoint(SQLModel, table=True):
    """An HTTPS address that hears of an organization's invitation and membership events.
    Its signing secrets are kept encrypted; `previous_secret` also signs until
    `previous_until` (a rotation with no downtime)."""

    __table_args__ = (
        CheckConstraint("status in ('active', 'disabled')", name="webhook_endpoint_status"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", index=True)
    url: str = Field(max_length=2000)
    description: str = Field(default="", max_length=200)
    events: list = Field(default_factory=list, sa_column=Column(JSON, nullable=False))  # [] all
    secret: str = Field(max_length=200)  # sealed
    previous_secret: str | None = Field(default=None, max_length=200)  # sealed
    previous_until: datetime | None = None
    status: str = Field(default="active", max_length=16)
    disabled_reason: str = Field(default="", max_length=300)
    failing_since: datetime | None = None  # the first failure since the last success
    created_by_user_id: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class WebhookDelivery(SQLModel, table=True):
    """One event for one endpoint: the same `message_id` (`webhook-id`) on every attempt."""

    __table_args__ = (
        CheckConstraint("status in ('queued', 'sending', 'delivered', 'failed')",
                        name="webhook_delivery_status"),
        Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
        Index("ix_webhook_delivery_endpoint", "endpoint_id", "id"),
    )

    id: int | None = Field(default=None, primary_key=True)
    endpoint_id: int = Field(foreign_key="webhookendpoint.id")
    message_id: str = Field(max_length=64, unique=True)
    event_type: str = Field(max_length=40)
    payload: str = Field(sa_column=Column(Text, nullable=False))
    status: str = Field(default="queued", max_length=16)
    attempts: int = Field(default=0)
    next_attempt_at: datetime = Field(default_factory=utcnow)
    claimed_by: str | None = Field(default=None, max_length=80)
    claimed_at: datetime | None = None
    response_status: int | None = None
    last_error: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)
    give_up_at: datetime = Field(default_factory=utcnow)  # failed if not delivered by then
    delivered_at: datetime | None = None
