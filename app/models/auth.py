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
    last_seen_at: datetime | None = None  # to within a few minutes (app/services/auth.py)
    # signed in through this organization's identity provider: it stays in that organization
    provider_id: int | None = Field(default=None, foreign_key="identityprovider.id")


class SignInFailure(SQLModel, table=True):
    """One failed sign-in; recent rows per key or per IP throttle further tries."""

    __table_args__ = (Index("ix_signin_failure_key_at", "key", "at"),
                      Index("ix_signin_failure_ip_at", "ip", "at"))

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64)
    ip: str = Field(default="", max_length=64)
    at: datetime = Field(default_factory=utcnow)


class PasswordReset(SQLModel, table=True):
    """An emailed link to choose a new password: the hash of its token, usable once
    (`used_at`) until `expires_at`."""

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


class ResetRequest(SQLModel, table=True):
    """One "Forgot password" request, kept a while to throttle: the keyed hash of the
    address typed (whether or not it has an account) and the client's address."""

    __table_args__ = (Index("ix_reset_request_key_at", "key", "at"),
                      Index("ix_reset_request_ip_at", "ip", "at"))

    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(max_length=64)
    ip: str = Field(default="", max_length=64)
    at: datetime = Field(default_factory=utcnow)


class SignInCode(SQLModel, table=True):
    """A one-minute, single-use code that signs a just-created account in (posted to
    /auth/code): the hash of the code, whom it signs in and where; `used_at` once used."""

    id: int | None = Field(default=None, primary_key=True)
    code_hash: str = Field(max_length=64, unique=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    organization_id: int = Field(foreign_key="organization.id")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime
    used_at: datetime | None = None


class Lease(SQLModel, table=True):
    """A named lease so that one worker per deployment runs the mail sender."""

    name: str = Field(primary_key=True, max_length=40)
    holder: str = Field(max_length=80)
    expires_at: datetime


class ApiToken(SQLModel, table=True):
    """A personal API token: acts as its owner in the organization it was made in, with the
    owner's permissions at each request, never past its scope. Only the token's keyed hash
    is stored; `hint` (its last characters) tells tokens apart in a list."""

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(max_length=64, unique=True)
    hint: str = Field(max_length=8)
    name: str = Field(max_length=100)
    scope: str = Field(max_length=20)  # "read" or "write" (read and write)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    organization_id: int = Field(foreign_key="organization.id")
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime | None = None
    last_used_at: datetime | None = None
    revoked_at: datetime | None = None
