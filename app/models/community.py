"""Communities, their member tenants and their member users with community roles."""

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, text
from sqlmodel import Field, SQLModel

from app.models.base import utcnow


class Community(SQLModel, table=True):
    __table_args__ = (
        CheckConstraint("kind in ('standard', 'mssp', 'managed')", name="community_kind"),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", index=True)
    name: str = Field(max_length=120)
    description: str = Field(default="", max_length=1000)
    kind: str = Field(default="standard", max_length=16)
    parent_id: int | None = Field(default=None, foreign_key="community.id", index=True)
    created_by_user_id: int | None = Field(default=None, foreign_key="app_user.id")
    created_at: datetime = Field(default_factory=utcnow)
    archived_at: datetime | None = None


_ACTIVE = text("status = 'active'")


class CommunityTenant(SQLModel, table=True):
    """A tenant's membership of a community; rows stay as history when removed."""

    __table_args__ = (
        CheckConstraint("status in ('active', 'removed')", name="community_tenant_status"),
        Index(
            "uq_community_tenant_active", "community_id", "organization_id",
            unique=True, sqlite_where=_ACTIVE, postgresql_where=_ACTIVE,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    organization_id: int = Field(foreign_key="organization.id", index=True)
    status: str = Field(default="active", max_length=16)
    is_owner: bool = Field(default=False)
    joined_at: datetime = Field(default_factory=utcnow)
    removed_at: datetime | None = None
    invitation_id: int | None = Field(default=None, foreign_key="invitation.id")


class CommunityMember(SQLModel, table=True):
    """A user's membership of a community, held on behalf of one organization."""

    __table_args__ = (
        CheckConstraint("status in ('active', 'removed')", name="community_member_status"),
        Index(
            "uq_community_member_active", "community_id", "user_id",
            unique=True, sqlite_where=_ACTIVE, postgresql_where=_ACTIVE,
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    community_id: int = Field(foreign_key="community.id", index=True)
    user_id: int = Field(foreign_key="app_user.id", index=True)
    organization_id: int = Field(foreign_key="organization.id", index=True)
    status: str = Field(default="active", max_length=16)
    joined_at: datetime = Field(default_factory=utcnow)
    removed_at: datetime | None = None


class CommunityMemberRole(SQLModel, table=True):
    member_id: int = Field(foreign_key="communitymember.id", primary_key=True)
    role_id: int = Field(foreign_key="role.id", primary_key=True, index=True)
