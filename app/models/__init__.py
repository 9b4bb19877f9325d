"""SQLModel tables; importing this package registers every table on SQLModel.metadata."""

from app.models.access import Group, GroupMember, OrgRoleAssignment, Role, RolePermission
from app.models.audit import AuditEvent
from app.models.auth import (
    ApiToken,
    AuthSession,
    Lease,
    PasswordReset,
    ResetRequest,
    SignInCode,
    SignInFailure,
)
from app.models.base import utcnow
from app.models.community import Community, CommunityMember, CommunityMemberRole, CommunityTenant
from app.models.deployment import DeploymentSetting
from app.models.invitation import Invitation
from app.models.mail import DevMailboxMessage, OutboxMessage
from app.models.sso import ExternalIdentity, IdentityProvider, IdentityProviderDomain, SsoLogin
from app.models.tenancy import Organization, OrganizationMember, User
from app.models.webhooks import WebhookDelivery, WebhookEndpoint

__all__ = [
    "AuditEvent", "ApiToken",
    "AuthSession", "Community", "CommunityMember", "CommunityMemberRole",
    "CommunityTenant", "DeploymentSetting", "DevMailboxMessage", "ExternalIdentity", "Group",
    "GroupMember", "IdentityProvider", "IdentityProviderDomain",
    "Invitation", "Lease", "OrgRoleAssignment", "Organization", "OrganizationMember",
    "OutboxMessage", "PasswordReset", "ResetRequest", "Role", "RolePermission", "SignInCode",
    "SignInFailure", "SsoLogin", "User", "WebhookDelivery", "WebhookEndpoint", "utcnow",
]
