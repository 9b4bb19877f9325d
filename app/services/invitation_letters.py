"""The email of each kind of invitation, for a new link: when it is sent, resent, sent
again on re-invite, or reminded. One function per kind, `(db, rows, token, base_url,
inviter) -> Letter`; `rows` is the batch the link opens (one row, or one per community)
and `inviter` the person sending now (None for a reminder: the one who first sent it)."""

from dataclasses import dataclass

from sqlmodel import Session, select

from app import routes
from app.domain.viewer import Viewer
from app.mail import templates
from app.models import Community, Invitation, Organization, User
from app.services.managed_communities import described


@dataclass(frozen=True)
class Letter:
    to: str
    subject: str
    text: str
    html: str


def _inviter(db: Session, inv: Invitation, inviter: Viewer | None) -> tuple[str, str]:
    """The sender's name and organization."""
    if inviter is not None:
        return inviter.display_name, inviter.org_name
    return (db.get(User, inv.invited_by_user_id).display_name,
            db.get(Organization, inv.organization_id).name)


def tenant(db: Session, rows: list[Invitation], token: str, base_url: str,
           inviter: Viewer | None) -> Letter:
    inv = rows[0]
    name, org = _inviter(db, inv, inviter)
    return Letter(inv.recipient, *templates.tenant_invitation(
        inviter=name, inviter_org=org, community=db.get(Community, inv.community_id).name,
        expires_at=inv.expires_at, link=routes.accept_link(base_url, token)))


def community_user(db: Session, rows: list[Invitation], token: str, base_url: str,
                   inviter: Viewer | None) -> Letter:
    inv = rows[0]
    name, org = _inviter(db, inv, inviter)
    return Letter(inv.recipient, *templates.user_invitation(
        inviter=name, inviter_org=org,
        communities=described(db, [db.get(Community, r.community_id) for r in rows]),
        roles=inv.grants.get("roles", []), expires_at=inv.expires_at,
        link=routes.join_link(base_url, token)))


def parent_user(db: Session, rows: list[Invitation], token: str, base_url: str,
                inviter: Viewer | None) -> Letter:
    inv = rows[0]
    name, _ = _inviter(db, inv, inviter)
    to = db.exec(select(User.email).where(User.username == inv.recipient)).one()
    return Letter(to, *templates.parent_invitation(
        inviter=name, organization=db.get(Organization, inv.target_organization_id).name,
        groups=inv.grants.get("groups", []), expires_at=inv.expires_at,
        link=routes.org_invite_link(base_url, token)))
