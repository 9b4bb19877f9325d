"""The fixed catalog of permissions and the built-in roles."""

from dataclasses import dataclass

ORG_MANAGE_USERS = "org.manage_users"
ORG_MANAGE_GROUPS = "org.manage_groups"
ORG_CREATE_COMMUNITY = "org.create_community"
ORG_MANAGE_ORGS = "org.manage_orgs"
ORG_SWITCH_INTO_CHILDREN = "org.switch_into_children"
ORG_INVITE_PARENT_USERS = "org.invite_parent_users"

COMMUNITY_VIEW = "community.view"
COMMUNITY_INVITE_TENANT = "community.invite_tenant"
COMMUNITY_REMOVE_TENANT = "community.remove_tenant"
COMMUNITY_LEAVE = "community.leave"
COMMUNITY_MANAGE_MEMBER = "community.manage_member"
COMMUNITY_MANAGE_ROLES = "community.manage_roles"

ORG_PERMISSIONS: dict[str, str] = {
    ORG_MANAGE_USERS: "Manage the organization's users",
    ORG_MANAGE_GROUPS: "Manage groups and their roles",
    ORG_CREATE_COMMUNITY: "Create communities",
    ORG_MANAGE_ORGS: "Create child organizations",
    ORG_SWITCH_INTO_CHILDREN: "Switch into child organizations",
    ORG_INVITE_PARENT_USERS: "Invite users of the parent organization",
}

COMMUNITY_PERMISSIONS: dict[str, str] = {
    COMMUNITY_VIEW: "See the community",
    COMMUNITY_INVITE_TENANT: "Invite tenants",
    COMMUNITY_REMOVE_TENANT: "Remove tenants",
    COMMUNITY_LEAVE: "Remove their own tenant",
    COMMUNITY_MANAGE_MEMBER: "Invite and manage members",
    COMMUNITY_MANAGE_ROLES: "Manage community roles",
}

ORGANIZATION = "organization"
COMMUNITY = "community"


@dataclass(frozen=True)
class BuiltinRole:
    key: str
    name: str
    scope: str
    permissions: frozenset[str]
    description: str


TENANT_ADMIN = BuiltinRole(
    "tenant_admin", "Tenant Administrator", ORGANIZATION, frozenset(ORG_PERMISSIONS),
    "Administers the organization: users, groups, communities and child organizations.",
)
TENANT_MEMBER = BuiltinRole(
    "tenant_member", "Tenant Member", ORGANIZATION, frozenset(),
    "Belongs to the organization without administrative rights.",
)
COMMUNITY_ADMIN = BuiltinRole(
    "community_admin", "Community Administrator", COMMUNITY, frozenset(COMMUNITY_PERMISSIONS),
    "Runs the community: invites and removes tenants and members, manages roles.",
)
COMMUNITY_MODERATOR = BuiltinRole(
    "community_moderator", "Community Moderator", COMMUNITY,
    frozenset({COMMUNITY_VIEW, COMMUNITY_LEAVE}),
    "Sees the community and can remove their own tenant from it.",
)
COMMUNITY_MEMBER = BuiltinRole(
    "community_member", "Community Member", COMMUNITY, frozenset({COMMUNITY_VIEW}),
    "Sees the community.",
)

BUILTIN_ROLES: tuple[BuiltinRole, ...] = (
    TENANT_ADMIN, TENANT_MEMBER, COMMUNITY_ADMIN, COMMUNITY_MODERATOR, COMMUNITY_MEMBER,
)


def catalog(scope: str) -> dict[str, str]:
    """The permissions a role of `scope` may be built from."""
    return ORG_PERMISSIONS if scope == ORGANIZATION else COMMUNITY_PERMISSIONS


def unknown_permissions(scope: str, permissions: set[str]) -> set[str]:
    """The names in `permissions` that are not in the catalog of `scope`."""
    return set(permissions) - set(catalog(scope))
