"""What the shell offers a viewer: only the pages and menus they may use."""

from sqlalchemy import func
from sqlmodel import Session, select

from app.domain.permissions import (
    ORG_MANAGE_ORGS,
    ORG_MANAGE_USERS,
    ORG_SWITCH_INTO_CHILDREN,
)
from app.domain.viewer import Viewer
from app.models import Community
from app.services.access import organization_takes_part
from app.services.managed_communities import offers_managed


def offered(db: Session, viewer: Viewer) -> dict[str, bool]:
    """Which pages the navigation shows: each one the page's own service check allows."""
    return {
        "users": viewer.has(ORG_MANAGE_USERS),
        "audit": viewer.has(ORG_MANAGE_USERS),
        "webhooks": viewer.has(ORG_MANAGE_USERS),
        "identity_provider": viewer.has(ORG_MANAGE_USERS),
        "organizations": viewer.has(ORG_MANAGE_ORGS) or viewer.has(ORG_SWITCH_INTO_CHILDREN),
        "managed": offers_managed(db, viewer),
    }


def organization_community_count(db: Session, viewer: Viewer) -> int:
    """How many communities the viewer's organization owns or belongs to."""
    return db.exec(select(func.count()).select_from(Community).where(
        Community.archived_at.is_(None), organization_takes_part(viewer))).one()
