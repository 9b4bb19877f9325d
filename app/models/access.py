"""Roles built from permissions, who holds them, and groups."""

from datetime import datetime

from sqlalchemy import CheckConstraint, Index, text
from sqlmodel import Field, SQLModel, UniqueConstraint

from app.models.base import utcnow


class Role(SQLModel, table=True):
    """A named set of permissions; built-in roles have no organization and a `key`."""

    __table_args__ = (
        UniqueConstraint("organization_id", "name"),
        CheckConstraint("scope in ('organization', 'community')", name="role_scope"),
    )

    id: int | None = Field(default=None, primary_key=True)
    key: str | None = Field(default=None, max_length=40, unique=True)
    organization_id: int | None = Field(default=None, foreign_key="organization.id", index=True)
    name: str = Field(max_length=80)
    description: str = Field(default="", max_length=500)
    scope: str = Field(max_length=16)
    created_at: datetime = Field(default_factory=utcnow)


class RolePermission(SQLModel, table=True):
    role_id: int = Field(foreign_key="role.id", primary_key=True)
    permission: str = Field(max_length=64, primary_key=True)


class Group(SQLModel, table=True):
    __tablename__ = "user_group"
    __table_args__ = (UniqueConstraint("organization_id", "name"),)

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", index=True)
    name: str = Field(max_length=80)
    description: str = Field(default="", max_length=500)
    created_at: datetime = Field(default_factory=utcnow)


class GroupMember(SQLModel, table=True):
    group_id: int = Field(foreign_key="user_group.id", primary_key=True)
    user_id: int = Field(foreign_key="app_user.id", primary_key=True, index=True)


class OrgRoleAssignment(SQLModel, table=True):
    """An organization-scope role held by a user or by a group, in one organization."""

    __table_args__ = (
        CheckConstraint(
            "(user_id IS NULL) <> (group_id IS NULL)", name="org_role_one_principal"
        ),
        Index(
            "uq_org_role_user", "organization_id", "role_id", "user_id",
            unique=True, sqlite_where=text("user_id IS NOT NULL"),
            postgresql_where=text("user_id IS NOT NULL"),
        ),
        Index(
            "uq_org_role_group", "organization_id", "role_id", "group_id",
            unique=True, sqlite_where=text("group_id IS NOT NULL"),
            postgresql_where=text("group_id IS NOT NULL"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    organization_id: int = Field(foreign_key="organization.id", index=True)
    role_id: int = Field(foreign_key="role.id", index=True)
    user_id: int | None = Field(default=None, foreign_key="app_user.id", index=True)
    group_id: int | None = Field(default=None, foreign_key="user_group.id", index=True)
