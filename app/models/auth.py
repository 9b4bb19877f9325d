"""Server-side sessions and sign-in attempts (for throttling)."""

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from app.models.base import utcnow


class AuthSession(SQLModel, table=True):
    """A signed-in browser; the cookie holds a random token, the table only its hash."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    organization_id: int = Field(foreign_key="organization.id")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    ended_at: datetime | None = None
    ip: str | None = Field(default=None, max_length=64)
    user_agent: str | None = Field(default=None, max_length=300)


class SignInFailure(SQLModel, table=True):
    """One failed sign-in; recent rows per key or per IP throttle further tries."""

    __table_args__ = (Index("ix_signin_failure_key_at", "key", "at"),
                      Index("ix_signin_failure_ip_at", "ip", "at"))

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64)
    ip: str = Field(default="", max_length=64)
    at: datetime = Field(default_factory=utcnow)


class Lease(SQLModel, table=True):
    """A named lease so that one worker per deployment runs the mail sender."""

    name: str = Field(primary_key=True, max_length=40)
    holder: str = Field(max_length=80)
    expires_at: datetime
