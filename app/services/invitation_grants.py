"""What an invitation gives once it is accepted (a tenant invitation: once confirmed).

One function per kind; the lifecycle step that ends the invitation (invitation_lifecycle)
runs first, in the same transaction, so a grant never outlives a refused step.
"""

from datetime import datetime

from sqlmodel import Session, select

from app.domain.permissions import COMMUNITY_MODERATOR
from app.models import (
    CommunityMember,
    CommunityMemberRole,
    CommunityTenant,
    Group,
    GroupMember,
    Invitation,
    OrganizationMember,
)
from app.services.communities import add_member


def grant_tenant(db: Session, inv: Invitation, now: datetime) -> None:
    """The accepting tenant joins the community; its accepting admin becomes Community
    Moderator."""
    db.add(CommunityTenant(community_id=inv.community_id,
                           organization_id=inv.accepted_for_organization_id, joined_at=now,
                           invitation_id=inv.id))
    add_member(db, inv.community_id, inv.accepted_by_user_id, inv.accepted_for_organization_id,
               [COMMUNITY_MODERATOR], now=now)


def grant_community_user(db: Session, user_id: int, rows: list[Invitation],
                         now: datetime) -> None:
    """Guest membership of the owner and the invited roles in each community, as stored."""
    owner_id = rows[0].organization_id
    if db.exec(select(OrganizationMember.id).where(
            OrganizationMember.organization_id == owner_id,
            OrganizationMember.user_id == user_id)).first() is None:
        db.add(OrganizationMember(organization_id=owner_id, user_id=user_id, kind="guest",
                                  created_at=now))
    for row in rows:
        member = db.exec(select(CommunityMember).where(
            CommunityMember.community_id == row.community_id,
            CommunityMember.user_id == user_id, CommunityMember.status == "active")).first()
        if member is None:
            member = CommunityMember(community_id=row.community_id, user_id=user_id,
                                     organization_id=owner_id, joined_at=now)
            db.add(member)
            db.flush()
        for role_id in row.grants.get("role_ids", []):
            if db.get(CommunityMemberRole, (member.id, role_id)) is None:
                db.add(CommunityMemberRole(member_id=member.id, role_id=role_id))


def grant_parent_user(db: Session, user_id: int, inv: Invitation, now: datetime) -> None:
    """The parent's user becomes a shared user of the child, in the invited groups that
    still exist."""
    db.add(OrganizationMember(organization_id=inv.target_organization_id, user_id=user_id,
                              kind="shared", created_at=now))
    for group_id in inv.grants.get("group_ids", []):
        if db.get(Group, group_id) is not None and db.get(
                GroupMember, (group_id, user_id)) is None:
            db.add(GroupMember(group_id=group_id, user_id=user_id))
