"""The Managed Communities Users tab: members and invitations of the communities an admin
manages; change roles, remove, resend, revoke."""

from datetime import datetime

from sqlalchemy import delete, update
from sqlmodel import Session, select

from app.domain import invitation_status as st
from app.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.domain.permissions import COMMUNITY_MANAGE_MEMBER
from app.domain.transitions import INVITER, flags
from app.domain.viewer import Viewer
from app.models import (
    Community,
    CommunityMember,
    CommunityMemberRole,
    Invitation,
    Role,
    User,
)
from app.services import audit
from app.services import invitation_lifecycle as lifecycle
from app.services.access import require_community
from app.services.invitation_lifecycle import Mailer
from app.services.invitation_policies import COMMUNITY_USER
from app.services.managed_communities import managed_communities
from app.services.role_grants import grantable_roles
from app.services.user_invitations import KIND

_FMT = "%Y-%m-%d %H:%M"


def list_people(db: Session, viewer: Viewer, community_id: int | None, now: datetime) -> dict:
    """Members and open invitations of the managed communities the viewer administers."""
    managed = {c["id"]: c["name"] for c in managed_communities(db, viewer)}
    ids = [community_id] if community_id in managed else list(managed)
    members = db.exec(select(CommunityMember, User)
                      .join(User, User.id == CommunityMember.user_id)
                      .where(CommunityMember.community_id.in_(ids),
                             CommunityMember.status == "active")
                      .order_by(User.display_name)).all()
    role_names: dict[int, list[tuple[int, str]]] = {}
    for member_id, rid, name in db.exec(
            select(CommunityMemberRole.member_id, Role.id, Role.name)
            .join(Role, Role.id == CommunityMemberRole.role_id)
            .where(CommunityMemberRole.member_id.in_([m.id for m, _ in members]))).all():
        role_names.setdefault(member_id, []).append((rid, name))
    invitations = db.exec(select(Invitation).where(
        Invitation.kind == KIND, Invitation.community_id.in_(ids),
        Invitation.status.in_((st.PENDING,))).order_by(Invitation.created_at.desc())).all()
    return {
        "members": [{"member_id": m.id, "name": u.display_name, "email": u.email,
                     "community": managed[m.community_id],
                     "roles": ", ".join(sorted(n for _, n in role_names.get(m.id, []))),
                     "role_ids": ",".join(str(r) for r, _ in role_names.get(m.id, [])),
                     "joined": m.joined_at.strftime(_FMT),
                     "is_me": int(u.id == viewer.user_id)} for m, u in members],
        "invitations": [_invitation_row(i, managed, now) for i in invitations],
    }


def _invitation_row(inv: Invitation, managed: dict[int, str], now: datetime) -> dict:
    """An open invitation as the admin who manages its community sees it: a status key and
    what they may do with it."""
    status = st.effective_status(inv.status, inv.expires_at, now)
    return {"id": inv.id, "recipient": inv.recipient, "community": managed[inv.community_id],
            "roles": ", ".join(inv.grants.get("roles", [])), "status": status,
            "expires": inv.expires_at.strftime(_FMT), **flags(KIND, status, {INVITER})}


def _member(db: Session, viewer: Viewer, member_id: int) -> CommunityMember:
    member = db.get(CommunityMember, member_id)
    if member is None or member.status != "active":
        raise NotFound("That member is not in the community any more.")
    require_community(db, viewer, COMMUNITY_MANAGE_MEMBER, member.community_id)
    if db.get(Community, member.community_id).kind not in ("mssp", "managed"):
        raise PermissionDenied("Members of standard communities are managed per tenant.")
    return member


def change_roles(db: Session, viewer: Viewer, member_id: int, role_ids: list[int], *,
                 now: datetime) -> int:
    """Replace a member's roles with roles the viewer may grant in that community. Returns
    the community id."""
    member = _member(db, viewer, member_id)
    if member.user_id == viewer.user_id:
        raise PermissionDenied("You cannot change your own roles.")
    if not role_ids:
        raise InvalidInput("A member keeps at least one role. To end their access, close "
                           "this and use Remove.")
    roles = grantable_roles(db, viewer, role_ids, [db.get(Community, member.community_id)])
    db.exec(delete(CommunityMemberRole).where(CommunityMemberRole.member_id == member.id))
    for role in roles:
        db.add(CommunityMemberRole(member_id=member.id, role_id=role.id))
    audit.record(db, "community.change_member_roles", "community", member.community_id,
                 viewer=viewer, at=now, details={"user_id": member.user_id,
                                         "roles": sorted(r.name for r in roles)})
    return member.community_id


def remove_member(db: Session, viewer: Viewer, member_id: int, *, now: datetime) -> int:
    """Remove a person from a community; access ends at once. Returns the community id."""
    member = _member(db, viewer, member_id)
    if member.user_id == viewer.user_id:
        raise PermissionDenied("You cannot remove yourself here.")
    changed = db.exec(update(CommunityMember).where(
        CommunityMember.id == member.id, CommunityMember.status == "active")
        .values(status="removed", removed_at=now)).rowcount
    if changed != 1:
        raise Conflict("That member was removed a moment ago.")
    audit.record(db, "community.remove_member", "community", member.community_id,
                 viewer=viewer, details={"user_id": member.user_id}, at=now)
    return member.community_id


def revoke(db: Session, viewer: Viewer, invitation_id: int, *, now: datetime) -> None:
    lifecycle.revoke(db, viewer, COMMUNITY_USER,
                     lifecycle.managed(db, viewer, COMMUNITY_USER, invitation_id), now=now)


def resend(db: Session, viewer: Viewer, invitation_id: int, *, now: datetime,
           mailer: Mailer) -> None:
    """A new link and expiry for the pending rows of this invitation's batch."""
    lifecycle.resend(db, viewer, COMMUNITY_USER,
                     lifecycle.managed(db, viewer, COMMUNITY_USER, invitation_id),
                     now=now, mailer=mailer)
