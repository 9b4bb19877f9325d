"""Creating and listing communities."""

from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from app.domain.community_order import ordered
from app.domain.errors import InvalidInput
from app.domain.permissions import COMMUNITY_ADMIN, ORG_CREATE_COMMUNITY, BuiltinRole
from app.domain.viewer import Viewer
from app.models import (
    Community,
    CommunityMember,
    CommunityMemberRole,
    CommunityTenant,
    Organization,
    Role,
)
from app.services import audit
from app.services.access import require_org, visible_communities
from app.services.roles import builtin_role_id


def add_member(db: Session, community_id: int, user_id: int, organization_id: int,
               roles: list[BuiltinRole], *, now: datetime) -> CommunityMember:
    """`user_id` (of `organization_id`) joins the community at `now` with `roles`."""
    member = CommunityMember(community_id=community_id, user_id=user_id,
                             organization_id=organization_id, joined_at=now)
    db.add(member)
    db.flush()
    for spec in roles:
        db.add(CommunityMemberRole(member_id=member.id, role_id=builtin_role_id(db, spec)))
    return member


def create_community(db: Session, viewer: Viewer, name: str, description: str = "",
                     kind: str = "standard", parent_id: int | None = None, *,
                     now: datetime) -> Community:
    """A new community owned by the viewer's organization; they administer it."""
    require_org(viewer, ORG_CREATE_COMMUNITY)
    name = name.strip()
    if not 2 <= len(name) <= 120:
        raise InvalidInput("A community name needs 2 to 120 characters.")
    community = Community(organization_id=viewer.organization_id, name=name,
                          description=description.strip()[:1000], kind=kind,
                          parent_id=parent_id, created_by_user_id=viewer.user_id,
                          created_at=now)
    db.add(community)
    db.flush()
    db.add(CommunityTenant(community_id=community.id, organization_id=viewer.organization_id,
                           is_owner=True, joined_at=now))
    add_member(db, community.id, viewer.user_id, viewer.organization_id, [COMMUNITY_ADMIN],
               now=now)
    audit.record(db, "community.create", "community", community.id, viewer=viewer, at=now,
                 details={"name": name, "kind": kind})
    return community


def list_communities(db: Session, viewer: Viewer, search: str = "") -> list[dict]:
    """Rows for the Communities page: only what the viewer may see, with member tenant
    counts and the viewer's role, in three queries whatever the number of rows."""
    query = visible_communities(viewer).order_by(Community.name)
    if search.strip():
        query = query.where(Community.name.ilike(f"%{search.strip()}%"))
    communities = db.exec(query.limit(500)).all()
    ids = [c.id for c in communities]
    owners = {o.id: o.name for o in db.exec(select(Organization).where(
        Organization.id.in_({c.organization_id for c in communities}))).all()}
    counts = dict(db.exec(select(CommunityTenant.community_id, func.count())
                          .where(CommunityTenant.community_id.in_(ids),
                                 CommunityTenant.status == "active")
                          .group_by(CommunityTenant.community_id)).all())
    roles: dict[int, list[str]] = {}
    for community_id, role in db.exec(
            select(CommunityMember.community_id, Role.name)
            .join(CommunityMemberRole, CommunityMemberRole.member_id == CommunityMember.id)
            .join(Role, Role.id == CommunityMemberRole.role_id)
            .where(CommunityMember.user_id == viewer.user_id,
                   CommunityMember.organization_id == viewer.organization_id,
                   CommunityMember.status == "active")).all():
        roles.setdefault(community_id, []).append(role)

    def role_of(c: Community) -> str:
        held = roles.get(c.id) or roles.get(c.parent_id or 0)
        return ", ".join(sorted(held)) if held else "Tenant Administrator (view)"

    return ordered({"id": c.id, "name": c.name, "description": c.description, "kind": c.kind,
                    "parent_id": c.parent_id, "owner": owners.get(c.organization_id, ""),
                    "tenants": counts.get(c.id, 0), "role": role_of(c)} for c in communities)
