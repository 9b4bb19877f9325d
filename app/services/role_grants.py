"""Which community roles may be granted where: one rule for invitations, role changes and
edits of a custom role.

A role may be given in a community when it is built-in or belongs to the organization that
owns the community, and the person giving it holds every permission it carries there. A
role's permissions apply wherever it is held, so editing one is giving it again in every
community that holds or is offered it.
"""

from sqlmodel import Session, select

from app.domain.errors import InvalidInput, PermissionDenied
from app.domain.permissions import COMMUNITY, COMMUNITY_VIEW
from app.domain.viewer import Viewer
from app.models import (
    Community,
    CommunityMember,
    CommunityMemberRole,
    Invitation,
    Role,
    RolePermission,
)
from app.services.access import community_permissions

UNSEEN = "a community you do not administer"


def lacking(db: Session, viewer: Viewer, permissions: set[str],
            community: Community) -> tuple[set[str], str]:
    """The permissions the viewer does not hold in `community`, and how a message may name
    it: by name only when the viewer can see it."""
    held = community_permissions(db, viewer, community.id)
    return set(permissions) - held, community.name if COMMUNITY_VIEW in held else UNSEEN


def permissions_of(db: Session, role_ids: list[int]) -> set[str]:
    return set(db.exec(select(RolePermission.permission)
                       .where(RolePermission.role_id.in_(role_ids))).all())


def grantable_roles(db: Session, viewer: Viewer, role_ids: list[int],
                    communities: list[Community]) -> list[Role]:
    """The chosen roles, when the viewer may give every one of them in every community.

    The rows stay share-locked until the transaction ends, so an edit of a role waits for a
    grant in progress (and the grant sees the edit) instead of racing it.
    """
    if not role_ids:
        raise InvalidInput("Pick at least one role.")
    roles = db.exec(select(Role).where(Role.id.in_(role_ids), Role.scope == COMMUNITY)
                    .order_by(Role.id).with_for_update(read=True)).all()
    if len(roles) != len(set(role_ids)):
        raise InvalidInput("One of the chosen roles does not exist.")
    granted = permissions_of(db, [r.id for r in roles])
    for community in communities:
        over, place = lacking(db, viewer, granted, community)
        if any(r.key is None and r.organization_id != community.organization_id
               for r in roles):
            raise InvalidInput(f"Only the built-in roles and the roles of the organization "
                               f"that owns {place} can be granted there.")
        if over:
            raise PermissionDenied(f"You cannot grant permissions you do not hold in "
                                   f"{place}: {', '.join(sorted(over))}.")
    return roles


def role_uses(db: Session, role: Role) -> list[tuple[Community, str]]:
    """Each community where `role` is held by an active member ("held") or offered by a
    pending invitation ("offered"), held first."""
    held = db.exec(select(Community).distinct()
                   .join(CommunityMember, CommunityMember.community_id == Community.id)
                   .join(CommunityMemberRole,
                         CommunityMemberRole.member_id == CommunityMember.id)
                   .where(CommunityMemberRole.role_id == role.id,
                          CommunityMember.status == "active")).all()
    uses = {c.id: (c, "held") for c in held}
    for invitation in offering(db, role):
        if invitation.community_id not in uses:
            uses[invitation.community_id] = (db.get(Community, invitation.community_id),
                                             "offered")
    return sorted(uses.values(), key=lambda use: (use[1], use[0].name))


def offering(db: Session, role: Role) -> list[Invitation]:
    """Pending invitations that would grant `role` when accepted."""
    # grantable_roles only lets an invitation offer roles of the organization that sent it
    rows = db.exec(select(Invitation).where(
        Invitation.kind == "community_user", Invitation.status == "pending",
        Invitation.organization_id == role.organization_id)).all()
    return [r for r in rows if role.id in r.grants.get("role_ids", [])]


def check_edit(db: Session, viewer: Viewer, role: Role, old: set[str], new: set[str]) -> None:
    """Refuse to change a role's permissions anywhere it is used unless the editor holds
    both what it gives there now and what it would give."""
    for community, how in role_uses(db, role):
        over, place = lacking(db, viewer, old | new, community)
        where = (f"it is held in {place}" if how == "held"
                 else f"an open invitation offers it in {place}")
        if added := over & new:
            raise PermissionDenied(f"You cannot give {role.name} {', '.join(sorted(added))}: "
                                   f"{where}, where you do not hold them.")
        if over & (old - new):
            raise PermissionDenied(f"You cannot take {', '.join(sorted(over))} from "
                                   f"{role.name}: {where}, where you do not hold them.")
