"""Organizations (tenants), users and who belongs where."""

from datetime import datetime

from sqlmodel import Field, SQLModel, UniqueConstraint

from app.models.base import utcnow


class Organization(SQLModel, table=True):
    """A tenant. `tenant_id` is the public id people type; `id` never leaves the server."""

    id: int | None = Field(default=None, primary_key=True)
    tenant_id: str = Field(max_length=40, unique=True)
    name: str = Field(max_length=200)
    alias: str = Field(max_length=63, unique=True)
    parent_id: int | None = Field(default=None, foreign_key="organization.id", index=True)
    created_at: datetime = Field(default_factory=utcnow)


class User(SQLModel, table=True):
    """A person's account; its home is one organization."""

    __tablename__ = "app_user"

    id: int | None = Field(default=None, primary_key=True)
    home_organization_id: int = Field(foreign_key="organization.id", index=True)
    email: str = Field(max_length=320, unique=True)
    username: str = Field(max_length=64, unique=True)
    display_name: str = Field(max_length=200)
    password_hash: str = Field(max_length=255)
    is_active: bool = Field(default=True)
    created_at: datetime = Field(default_factory=utcnow)
    updated_at: datetime = Field(default_factory=utcnow)


class OrganizationMember(SQLModel, table=True):
    """A user belongs to an organization: home, shared (from the parent) or guest."""

    __table_args__ = (UniqueConstraint("organization_id", "user_id"),)

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", index=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    kind: str = Field(max_length=16, default="home")
    created_at: datetime = Field(default_factory=utcnow)
