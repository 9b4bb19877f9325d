"""One table for every kind of invitation; rows are never deleted."""

from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, Column, Index, text
from sqlmodel import Field, SQLModel

from app.models.base import utcnow

_OPEN = text("status in ('pending', 'accepted')")
_ACCEPTED = text("accepted_for_organization_id IS NOT NULL")
# What `invitation_stats` reads of each invitation in its window
_CHARTED = ("kind", "status", "expires_at", "accepted_at", "declined_at")


class Invitation(SQLModel, table=True):
    """An invitation of one recipient to one scope (a community or an organization).

    `status` records what people did (pending, accepted, confirmed, declined, revoked);
    "expired" is computed from `expires_at` and the clock, never stored.
    """

    __table_args__ = (
        CheckConstraint(
            "kind in ('tenant', 'community_user', 'parent_user')", name="invitation_kind"
        ),
        CheckConstraint(
            "status in ('pending', 'accepted', 'confirmed', 'declined', 'revoked')",
            name="invitation_status",
        ),
        Index(
            "uq_invitation_open", "kind", "recipient", "scope_key",
            unique=True, sqlite_where=_OPEN, postgresql_where=_OPEN,
        ),
        # (branch column, created_at, id) serve keyset pages by sending time; the columns
        # after them let the Overview's charts read a window from the index alone
        Index("ix_invitation_org_created", "organization_id", "created_at", "id",
              "invited_by_user_id", *_CHARTED),
        Index("ix_invitation_status_expires", "status", "expires_at"),
        Index("ix_invitation_sender_created", "invited_by_user_id", "created_at", "id",
              "organization_id", *_CHARTED),
        Index("ix_invitation_recipient_created", "recipient", "created_at", "id"),
        Index("ix_invitation_accepted_for_created", "accepted_for_organization_id",
              "created_at", "id", sqlite_where=_ACCEPTED, postgresql_where=_ACCEPTED),
        *[Index(f"ix_invitation_{branch}_{name}", column, *rest)
          for branch, column in (("org", "organization_id"), ("sender", "invited_by_user_id"))
          for name, rest in (("recipient_id", ("recipient", "id")),
                             ("expires", ("expires_at", "id")), ("kind", ("kind", "id")),
                             ("status_created", ("status", "created_at", "id")))],
    )

    id: int | None = Field(default=None, primary_key=True)
    kind: str = Field(max_length=16)
    batch_id: str = Field(max_length=40, index=True)
    organization_id: int = Field(foreign_key="organization.id")
    invited_by_user_id: int = Field(foreign_key="app_user.id", index=True)
    recipient: str = Field(max_length=320, index=True)
    scope_key: str = Field(max_length=40)
    community_id: int | None = Field(default=None, foreign_key="community.id", index=True)
    target_organization_id: int | None = Field(default=None, foreign_key="organization.id")
    grants: dict = Field(default_factory=dict, sa_column=Column(JSON, nullable=False))
    status: str = Field(default="pending", max_length=16)
    token_hash: str = Field(max_length=64, index=True)  # shared by the rows of a batch
    expires_at: datetime
    created_at: datetime = Field(default_factory=utcnow)
    sent_at: datetime = Field(default_factory=utcnow)
    resent_at: datetime | None = None
    accepted_at: datetime | None = None
    accepted_by_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    accepted_for_organization_id: int | None = Field(default=None, foreign_key="organization.id")
    confirmed_at: datetime | None = None
    confirmed_by_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    declined_at: datetime | None = None
    decline_reason: str | None = Field(default=None, max_length=500)
    revoked_at: datetime | None = None
    reminded_at: datetime | None = None
    revoked_by_user_id: int | None = Field(default=None, foreign_key="app_user.id")
