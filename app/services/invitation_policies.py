"""What differs between the three kinds of invitation, as data: the lifecycle
(invitation_lifecycle) is written once and takes one of these policies.

A policy says how long a link lasts, who may manage an invitation (resend, revoke or
delete, confirm), what its email says, what ending it is called, and what accepting it
grants. The kind modules (tenant_invitations, user_invitations with community_members,
parent_invitations) keep only their own checks and views.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session

from app import routes
from app.domain import invitation_status as st
from app.domain.errors import NotFound
from app.domain.permissions import (
    COMMUNITY_INVITE_TENANT,
    COMMUNITY_MANAGE_MEMBER,
    ORG_INVITE_PARENT_USERS,
)
from app.domain.viewer import Viewer
from app.models import Invitation
from app.services import invitation_grants as grants
from app.services import invitation_letters as letters
from app.services.access import require_community, require_org

Grant = Callable[[Session, list[Invitation], int, datetime], None]


@dataclass(frozen=True)
class Policy:
    kind: str
    validity: Callable[[int], timedelta]  # the configured days -> how long a link lasts
    may_manage: Callable[[Session, Viewer, Invitation], None]  # raises when the viewer may not
    letter: Callable[..., letters.Letter]  # invitation_letters: the email for a new link
    grant: Grant  # what the accepted (tenant: confirmed) rows give `user_id`
    manage_path: Callable[[Invitation], str]  # where its inviter manages it
    end_action: str = "invitation.revoke"  # the audit action of Revoke (or Delete)
    ends_from: frozenset[str] = frozenset({st.PENDING})  # stored statuses it may end from
    end_refused: str = "This invitation is no longer pending; nothing was revoked."

    def label(self, status: str) -> str:
        return st.label(self.kind, status)


def _community_manager(permission: str):
    def check(db: Session, viewer: Viewer, inv: Invitation) -> None:
        require_community(db, viewer, permission, inv.community_id)
    return check


def _child_organization(db: Session, viewer: Viewer, inv: Invitation) -> None:
    require_org(viewer, ORG_INVITE_PARENT_USERS)
    if inv.target_organization_id != viewer.organization_id:
        raise NotFound()


TENANT = Policy(
    kind="tenant", validity=lambda days: timedelta(days=days),
    may_manage=_community_manager(COMMUNITY_INVITE_TENANT), letter=letters.tenant,
    grant=lambda db, rows, user_id, now: grants.grant_tenant(db, rows[0], now),
    manage_path=lambda inv: routes.community(inv.community_id, inv.id),
    ends_from=st.OPEN,
    end_refused="This invitation is no longer open; nothing was revoked.")

COMMUNITY_USER = Policy(
    kind="community_user", validity=lambda days: timedelta(days=days),
    may_manage=_community_manager(COMMUNITY_MANAGE_MEMBER), letter=letters.community_user,
    grant=lambda db, rows, user_id, now: grants.grant_community_user(db, user_id, rows, now),
    manage_path=lambda inv: routes.MANAGED)

PARENT_USER = Policy(
    kind="parent_user", validity=lambda days: timedelta(hours=72),  # 004: exactly 72 hours
    may_manage=_child_organization, letter=letters.parent_user,
    grant=lambda db, rows, user_id, now: grants.grant_parent_user(db, user_id, rows[0], now),
    manage_path=lambda inv: routes.USERS,
    end_action="invitation.delete",
    end_refused="Only a pending or expired invitation can be deleted.")

POLICIES = {p.kind: p for p in (TENANT, COMMUNITY_USER, PARENT_USER)}
