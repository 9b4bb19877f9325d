"""Single sign-on: an organization's OpenID Connect provider, the accounts linked to its
subjects, and the sign-ins under way between the redirect and the callback."""

from datetime import datetime

from sqlalchemy import Index, UniqueConstraint, text
from sqlmodel import Field, SQLModel

from app.models.base import utcnow


class IdentityProvider(SQLModel, table=True):
    """An organization's OpenID Connect provider (at most one). The client secret is
    sealed (`app/services/sealing.py`) and never shown again."""

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", unique=True)
    name: str = Field(max_length=100)          # "Sign in with <name>"
    issuer: str = Field(max_length=500)
    client_id: str = Field(max_length=300)
    client_secret: str = Field(max_length=1000)  # sealed
    scopes: str = Field(default="openid email profile", max_length=300)
    email_claim: str = Field(default="email", max_length=64)
    password_sign_in: bool = Field(default=True)  # people may still sign in with a password
    just_in_time: bool = Field(default=False)     # unknown verified addresses get an account
    enabled: bool = Field(default=True)
    created_by_user_id: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class IdentityProviderDomain(SQLModel, table=True):
    """An email domain an organization's provider answers for, once verified by a DNS TXT
    record (`verified_at`); one organization holds a verified domain."""

    __table_args__ = (
        UniqueConstraint("provider_id", "domain"),
        Index("ux_identity_provider_domain_verified", "domain", unique=True,
              sqlite_where=text("verified_at IS NOT NULL"),
              postgresql_where=text("verified_at IS NOT NULL")),
    )

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="identityprovider.id", index=True)
    domain: str = Field(max_length=253, index=True)
    verified_at: datetime | None = None


class ExternalIdentity(SQLModel, table=True):
    """An account linked to a subject of an organization's provider (at its issuer then):
    once linked, the subject finds the account, whatever address the provider sends."""

    __table_args__ = (UniqueConstraint("provider_id", "issuer", "subject"),
                      Index("ux_external_identity_user", "user_id", "provider_id", "issuer",
                            unique=True))

    id: int | None = Field(default=None, primary_key=True)
    provider_id: int = Field(foreign_key="identityprovider.id")
    issuer: str = Field(max_length=500)
    subject: str = Field(max_length=255)
    user_id: int = Field(foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)
    last_sign_in_at: datetime | None = None


class SsoLogin(SQLModel, table=True):
    """One sign-in through a provider from its redirect to its callback, found by the
    hash of its `state` and usable once; the browser that started it holds a cookie whose
    hash is `browser_hash`, so a callback URL carried to another browser does nothing."""

    __table_args__ = (Index("ix_sso_login_ip_created", "ip", "created_at"),)

    id: int | None = Field(default=None, primary_key=True)
    state_hash: str = Field(max_length=64, unique=True)
    browser_hash: str = Field(max_length=64)
    provider_id: int = Field(foreign_key="identityprovider.id", index=True)
    issuer: str = Field(max_length=500)
    nonce: str = Field(max_length=100)
    code_verifier: str = Field(max_length=128)
    next_path: str = Field(default="/", max_length=2000)
    expected: str = Field(default="", max_length=320)  # the invited address, if any
    ip: str = Field(default="", max_length=64)  # the address bucket that started it
    created_at: datetime = Field(default_factory=utcnow)
    expires_at: datetime = Field(index=True)
    used_at: datetime | None = None
