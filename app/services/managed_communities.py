"""Managed and MSSP communities: the ones that take people (with roles), not tenants."""

from datetime import datetime

from sqlmodel import Session, select

from app.domain.community_order import ordered
from app.domain.errors import InvalidInput
from app.domain.permissions import COMMUNITY_MANAGE_MEMBER, ORG_CREATE_COMMUNITY
from app.domain.viewer import Viewer
from app.models import Community
from app.services.access import community_permissions, require_community, visible_communities
from app.services.communities import create_community

MANAGED_KINDS = ("mssp", "managed")


def managed_communities(db: Session, viewer: Viewer) -> list[dict]:
    """Managed and MSSP communities the viewer administers, MSSP main first, children under."""
    rows = db.exec(visible_communities(viewer).where(Community.kind.in_(MANAGED_KINDS))).all()
    mine = [c for c in rows
            if COMMUNITY_MANAGE_MEMBER in community_permissions(db, viewer, c.id)]
    inside: dict[int, list[str]] = {}  # from the rows in hand, not a query per MSSP
    for c in sorted(mine, key=lambda c: c.name):
        if c.parent_id is not None:
            inside.setdefault(c.parent_id, []).append(c.name)
    return ordered({"id": c.id, "name": c.name, "kind": c.kind, "parent_id": c.parent_id,
                    "description": c.description,
                    "includes": ", ".join(inside.get(c.id, [])) if c.kind == "mssp" else ""}
                   for c in mine)


def _inside(db: Session, community: Community) -> list[str]:
    """The names of the managed communities inside an MSSP main community."""
    return list(db.exec(select(Community.name).where(
        Community.parent_id == community.id, Community.archived_at.is_(None))
        .order_by(Community.name)).all())


def described(db: Session, communities: list[Community]) -> list[str]:
    """The names an invitation shows: an MSSP main community says it includes every managed
    community inside it, by name (003: its users reach all of them)."""
    names = []
    for c in communities:
        inside = _inside(db, c) if c.kind == "mssp" else []
        names.append(f"{c.name} (with every managed community in it: {', '.join(inside)})"
                     if inside else c.name)
    return names


def create_managed_community(db: Session, viewer: Viewer, name: str, description: str,
                             kind: str, parent_id: int | None = None, *,
                             now: datetime) -> int:
    """An MSSP main community, a managed community inside one, or a plain managed one."""
    if kind not in MANAGED_KINDS:
        raise InvalidInput("Choose an MSSP community or a managed community.")
    if parent_id is not None:
        if kind != "managed":
            raise InvalidInput("Only a managed community can sit inside an MSSP community.")
        require_community(db, viewer, COMMUNITY_MANAGE_MEMBER, parent_id)
        parent = db.get(Community, parent_id)
        if parent.kind != "mssp" or parent.organization_id != viewer.organization_id:
            raise InvalidInput("A managed community can only sit inside your MSSP community.")
    return create_community(db, viewer, name, description, kind=kind, parent_id=parent_id,
                            now=now).id


def offers_managed(db: Session, viewer: Viewer, communities: list[dict] | None = None) -> bool:
    """Whether Managed Communities is for the viewer: they may create one, or run one
    (`communities`: `managed_communities` when the caller has it already)."""
    if viewer.has(ORG_CREATE_COMMUNITY):
        return True
    return bool(managed_communities(db, viewer) if communities is None else communities)


def managed_targets(db: Session, viewer: Viewer, community_ids: list[int]) -> list[Community]:
    """The communities a user invitation may name: managed or MSSP ones of the viewer's own
    organization that the viewer administers; at least one."""
    if not community_ids:
        raise InvalidInput("Pick at least one community.")
    communities = []
    for community_id in dict.fromkeys(community_ids):
        require_community(db, viewer, COMMUNITY_MANAGE_MEMBER, community_id)
        community = db.get(Community, community_id)
        if community.kind not in MANAGED_KINDS:
            raise InvalidInput(f"{community.name} takes tenants, not people: use Invite Tenant.")
        if community.organization_id != viewer.organization_id:
            raise InvalidInput(f"{community.name} belongs to another organization.")
        communities.append(community)
    return communities
