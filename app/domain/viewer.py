"""Who is acting: the signed-in user in their current organization."""

from dataclasses import dataclass

from app.domain.permissions import TENANT_ADMIN


@dataclass(frozen=True)
class Viewer:
    user_id: int
    organization_id: int
    session_id: int
    permissions: frozenset[str]
    email: str
    username: str
    display_name: str
    org_name: str
    org_alias: str
    tenant_id: str
    home_organization_id: int
    ip: str | None = None

    @property
    def is_tenant_admin(self) -> bool:
        return TENANT_ADMIN.permissions <= self.permissions

    def has(self, permission: str) -> bool:
        return permission in self.permissions
