"""Member tenants of a community: listing, removing one, leaving; and the details pane."""

from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, select

from app.domain import invitation_status as st
from app.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.domain.permissions import (
    COMMUNITY_INVITE_TENANT,
    COMMUNITY_LEAVE,
    COMMUNITY_MANAGE_ROLES,
    COMMUNITY_REMOVE_TENANT,
    COMMUNITY_VIEW,
)
from app.domain.transitions import INVITER, flags
from app.domain.viewer import Viewer
from app.models import (
    Community,
    CommunityMember,
    CommunityTenant,
    Invitation,
    Organization,
    User,
)
from app.services import audit
from app.services.access import community_permissions, require_community
from app.services.invitation_timeline import timeline
from app.services.revocations import revoke_where
from app.services.status_sql import status_is, status_rank

_FMT = "%Y-%m-%d %H:%M"


def community_header(db: Session, viewer: Viewer, community_id: int) -> dict:
    """Name, owner and what the viewer may do here (NotFound when not visible)."""
    require_community(db, viewer, COMMUNITY_VIEW, community_id)
    community = db.get(Community, community_id)
    perms = community_permissions(db, viewer, community_id)
    return {"id": community.id, "name": community.name, "description": community.description,
            "owner": db.get(Organization, community.organization_id).name,
            "kind": community.kind,
            "can_invite": COMMUNITY_INVITE_TENANT in perms,
            "can_remove": COMMUNITY_REMOVE_TENANT in perms,
            "can_leave": COMMUNITY_LEAVE in perms
            and community.organization_id != viewer.organization_id,
            "can_delete": COMMUNITY_MANAGE_ROLES in perms
            and community.organization_id == viewer.organization_id,
            "my_org": viewer.org_name, "my_org_id": viewer.organization_id}


def list_tenants(db: Session, viewer: Viewer, community_id: int) -> list[dict]:
    require_community(db, viewer, COMMUNITY_VIEW, community_id)
    rows = db.exec(select(CommunityTenant, Organization)
                   .join(Organization, Organization.id == CommunityTenant.organization_id)
                   .where(CommunityTenant.community_id == community_id,
                          CommunityTenant.status == "active")
                   .order_by(CommunityTenant.is_owner.desc(), Organization.name)).all()
    return [{"organization_id": o.id, "name": o.name, "tenant_id": o.tenant_id,
             "role": "Owner" if t.is_owner else "Member", "is_owner": t.is_owner,
             "is_mine": o.id == viewer.organization_id,
             "joined": t.joined_at.strftime(_FMT)} for t, o in rows]


# The community Invitations tab's columns: how each one sorts (ties: newest first).
_SENT = func.coalesce(Invitation.resent_at, Invitation.sent_at)
_COLUMNS = {"sent": lambda now: _SENT, "expires": lambda now: Invitation.expires_at,
            "recipient": lambda now: Invitation.recipient,
            "invited_by": lambda now: User.display_name, "status": status_rank}
DESCENDING = frozenset({"sent", "expires"})  # newest first; the others A to Z (the page's arrows)
SORTS = {key: (lambda now, c=column, down=key in DESCENDING:
               c(now).desc() if down else c(now).asc()) for key, column in _COLUMNS.items()}
PAGE = 500


def list_invitations(db: Session, viewer: Viewer, community_id: int, now: datetime,
                     status: str = "", *, sort: str = "sent", limit: int = PAGE) -> dict:
    """The community's tenant invitations with effective status `status` ("": any), sorted
    by the column `sort`, the first `limit` of them; only for its administrators.

    Returns {"rows": [...], "total": how many match}. Filter, sort and limit are one query.
    """
    require_community(db, viewer, COMMUNITY_INVITE_TENANT, community_id)
    if sort not in SORTS:
        raise InvalidInput("That column cannot be sorted.")
    where = [Invitation.community_id == community_id, Invitation.kind == "tenant",
             *(status_is(status, now) if status else [])]
    total = db.exec(select(func.count()).select_from(Invitation).where(*where)).one()
    rows = db.exec(select(Invitation, User.display_name)
                   .join(User, User.id == Invitation.invited_by_user_id).where(*where)
                   .order_by(SORTS[sort](now), Invitation.created_at.desc(),
                             Invitation.id.desc())
                   .limit(max(1, min(limit, 100_000)))).all()
    return {"total": total, "rows": [
        {"id": inv.id, "recipient": inv.recipient,
         "status": st.effective_status(inv.status, inv.expires_at, now),
         "invited_by": inviter, "sent": (inv.resent_at or inv.sent_at).strftime(_FMT),
         "expires": inv.expires_at.strftime(_FMT)} for inv, inviter in rows]}


def invitation_details(db: Session, viewer: Viewer, invitation_id: int, now: datetime) -> dict:
    """The Invitation Details pane: fields, its status key, the actions the status allows
    (`can_*`: the viewer administers the community, the inviting side), and its timeline."""
    inv = db.get(Invitation, invitation_id)
    if inv is None or inv.kind != "tenant":
        raise NotFound()
    require_community(db, viewer, COMMUNITY_INVITE_TENANT, inv.community_id)
    status = st.effective_status(inv.status, inv.expires_at, now)
    accepted_for = (db.get(Organization, inv.accepted_for_organization_id).name
                    if inv.accepted_for_organization_id else "")
    return {
        "id": inv.id, "recipient": inv.recipient, "status": status,
        "expires": inv.expires_at.strftime(_FMT), "accepted_for": accepted_for,
        "decline_reason": inv.decline_reason or "",
        **flags(inv.kind, status, {INVITER}),
        "timeline": timeline(db, inv),
    }


def _end_membership(db: Session, viewer: Viewer, community_id: int, organization_id: int,
                    now: datetime, action: str) -> None:
    community = db.get(Community, community_id)
    if community.organization_id == organization_id:
        raise PermissionDenied("The tenant that owns a community cannot leave or be removed.")
    changed = db.exec(update(CommunityTenant).where(
        CommunityTenant.community_id == community_id,
        CommunityTenant.organization_id == organization_id,
        CommunityTenant.status == "active").values(status="removed", removed_at=now)).rowcount
    if changed != 1:
        raise Conflict("That tenant is not a member of this community any more.")
    db.exec(update(CommunityMember).where(
        CommunityMember.community_id == community_id,
        CommunityMember.organization_id == organization_id,
        CommunityMember.status == "active").values(status="removed", removed_at=now))
    revoke_where(db, viewer, now, Invitation.community_id == community_id,
                 Invitation.kind == "tenant",
                 Invitation.accepted_for_organization_id == organization_id,
                 Invitation.status == st.ACCEPTED, reason="membership_ended")
    audit.record(db, action, "community", community_id, viewer=viewer, at=now,
                 details={"organization_id": organization_id})


def remove_tenant(db: Session, viewer: Viewer, community_id: int, organization_id: int, *,
                  now: datetime) -> None:
    """A Community Administrator removes a member tenant; its access ends at once."""
    require_community(db, viewer, COMMUNITY_REMOVE_TENANT, community_id)
    _end_membership(db, viewer, community_id, organization_id, now, "community.remove_tenant")


def leave_community(db: Session, viewer: Viewer, community_id: int, typed_name: str, *,
                    now: datetime) -> None:
    """A Community Moderator removes their own tenant, confirming by typing its name."""
    require_community(db, viewer, COMMUNITY_LEAVE, community_id)
    if typed_name.strip() != viewer.org_name:
        raise InvalidInput(f"Type {viewer.org_name} exactly to confirm.")
    _end_membership(db, viewer, community_id, viewer.organization_id, now,
                    "community.leave")
