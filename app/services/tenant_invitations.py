"""The tenant invitation handshake: invite, Join (or Decline), Confirm Tenant.

Every step is one transaction. Steps that depend on a status change it with a
conditional update and check that exactly one row changed, so concurrent clicks end
in one outcome and the loser gets a clear message.
"""

from datetime import datetime

from sqlalchemy import func, update
from sqlmodel import Session, select

from app import routes
from app.domain import invitation_status as st
from app.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.domain.names import normalize_email
from app.domain.permissions import COMMUNITY_INVITE_TENANT, COMMUNITY_MODERATOR
from app.domain.viewer import Viewer
from app.mail import templates
from app.mail.outbox import enqueue
from app.models import (
    AuditEvent,
    Community,
    CommunityTenant,
    Invitation,
    Organization,
    OrganizationMember,
    User,
)
from app.services import audit
from app.services import invitation_lifecycle as lifecycle
from app.services.access import require_community
from app.services.invitation_lifecycle import Mailer
from app.services.invitation_policies import TENANT
from app.services.sso_sign_in import signs_in_at

KIND = TENANT.kind


class AlreadyInvited(Conflict):
    def __init__(self, invitation_id: int, email: str):
        super().__init__(f"{email} already has an open invitation to this community. "
                         "Use Resend Invitation to send it again.")
        self.invitation_id = invitation_id


def _scope(community_id: int) -> str:
    return f"community:{community_id}"


def _community(db: Session, community_id: int) -> Community:
    community = db.get(Community, community_id)
    if community is None or community.archived_at is not None:
        raise NotFound()
    return community


def _member_tenant_ids(db: Session, community_id: int) -> set[int]:
    return set(db.exec(select(CommunityTenant.organization_id).where(
        CommunityTenant.community_id == community_id,
        CommunityTenant.status == "active")).all())


def invite_tenant(db: Session, viewer: Viewer, community_id: int, email: str, *,
                  now: datetime, mailer: Mailer) -> int:
    """Invite the administrator at `email` to bring their tenant into the community."""
    require_community(db, viewer, COMMUNITY_INVITE_TENANT, community_id)
    community = _community(db, community_id)
    if community.kind != "standard":
        raise InvalidInput("Managed and MSSP communities take people, not tenants.")
    address = normalize_email(email)
    members = _member_tenant_ids(db, community_id)
    in_member = db.exec(select(OrganizationMember.id)
                        .join(User, User.id == OrganizationMember.user_id)
                        .where(User.email == address,
                               OrganizationMember.organization_id.in_(members))).first()
    if in_member is not None:
        raise InvalidInput(f"{address} belongs to a tenant that is already a member of "
                           f"{community.name}.")
    open_row = db.exec(select(Invitation).where(
        Invitation.kind == KIND, Invitation.recipient == address,
        Invitation.scope_key == _scope(community_id),
        Invitation.status.in_(st.OPEN))).first()
    if open_row is not None:
        if st.effective_status(open_row.status, open_row.expires_at, now) != st.EXPIRED:
            raise AlreadyInvited(open_row.id, address)
        lifecycle.resend(db, viewer, TENANT, open_row, now=now, mailer=mailer,
                         action="invitation.reinvite")
        return open_row.id
    (inv,) = lifecycle.issue(
        db, viewer, TENANT, address,
        [{"scope_key": _scope(community_id), "community_id": community_id}],
        grants={"roles": [COMMUNITY_MODERATOR.key]}, now=now, mailer=mailer,
        details=lambda row: {"recipient": address, "community_id": community_id})
    return inv.id


def resend_invitation(db: Session, viewer: Viewer, invitation_id: int, *, now: datetime,
                      mailer: Mailer) -> None:
    lifecycle.resend(db, viewer, TENANT, lifecycle.managed(db, viewer, TENANT, invitation_id),
                     now=now, mailer=mailer)


def revoke_invitation(db: Session, viewer: Viewer, invitation_id: int, *, now: datetime) -> None:
    lifecycle.revoke(db, viewer, TENANT, lifecycle.managed(db, viewer, TENANT, invitation_id),
                     now=now)


def join_problem(db: Session, viewer: Viewer, inv: Invitation, now: datetime) -> str | None:
    """Why the viewer cannot Join with this invitation, or None when they can."""
    status = st.effective_status(inv.status, inv.expires_at, now)
    if status == st.EXPIRED:
        return "This invitation has expired. Ask the inviter for a new invitation."
    if status != st.PENDING:
        if inv.accepted_by_user_id is not None and inv.accepted_by_user_id == viewer.user_id:
            return (f"You joined {st.ago(inv.accepted_at, now)}; nothing more to do until "
                    "the inviter confirms." if status == st.ACCEPTED else
                    "Your tenant is already a member of this community.")
        if viewer.email != inv.recipient:
            return st.LINK_UNUSABLE  # what its page shows anyone else
        return st.no_longer(KIND, status)
    if viewer.email != inv.recipient:
        return (f"This invitation is for {inv.recipient}, but you are signed in as "
                f"{viewer.email}. Sign in as the invited address to accept it.")
    if not viewer.is_tenant_admin:
        return (f"You must be a Tenant Administrator of {viewer.org_name} to accept for it.")
    if viewer.organization_id in _member_tenant_ids(db, inv.community_id):
        return f"{viewer.org_name} is already a member of this community."
    return None


def join(db: Session, viewer: Viewer, token: str, *, now: datetime, mailer: Mailer) -> int:
    """Accept the invitation for the viewer's tenant; membership waits for confirmation."""
    inv = lifecycle.load_by_token(db, mailer.secret_key, token, TENANT)
    return join_invitation(db, viewer, inv, now=now, mailer=mailer)


def join_invitation(db: Session, viewer: Viewer, inv: Invitation, *, now: datetime,
                    mailer: Mailer) -> int:
    """Join with an invitation in hand (from its link, or from the received list)."""
    problem = join_problem(db, viewer, inv, now)
    if problem:
        raise PermissionDenied(problem)
    if not lifecycle.mark_accepted(db, [inv.id], now=now, user_id=viewer.user_id,
                                   for_organization_id=viewer.organization_id,
                                   token_hash=inv.token_hash):
        raise Conflict("This invitation was used or changed a moment ago; nothing was done.")
    community = _community(db, inv.community_id)
    inviter = db.get(User, inv.invited_by_user_id)
    subject, text, html = templates.tenant_joined(
        invitee=viewer.display_name, invitee_org=viewer.org_name, community=community.name,
        link=mailer.base_url + routes.community(community.id, inv.id))
    enqueue(db, to=inviter.email, subject=subject, text=text, html=html,
            base_url=mailer.base_url, invitation_id=inv.id, now=now)
    audit.record(db, "invitation.accept", "invitation", inv.id, viewer=viewer, at=now,
                 details={"tenant": viewer.org_name})
    return inv.id


def decline(db: Session, viewer: Viewer, token: str, reason: str, *, now: datetime,
            mailer: Mailer) -> int:
    return decline_invitation(db, viewer,
                              lifecycle.load_by_token(db, mailer.secret_key, token, TENANT),
                              reason, now=now, mailer=mailer)


def decline_invitation(db: Session, viewer: Viewer, inv: Invitation, reason: str, *,
                       now: datetime, mailer: Mailer) -> int:
    if inv.kind != KIND:
        raise PermissionDenied("Only the invited address can decline this invitation.")
    if viewer.email != inv.recipient:
        raise lifecycle.not_for_viewer(st.effective_status(inv.status, inv.expires_at, now),
                                       "Only the invited address can decline this invitation.")
    lifecycle.decline(db, viewer, TENANT, Invitation.id == inv.id, now=now, mailer=mailer,
                      reason=reason)
    return inv.id


def confirm_tenant(db: Session, viewer: Viewer, invitation_id: int, *, now: datetime) -> None:
    """Make the accepting tenant a member; its accepting admin becomes Community Moderator."""
    inv = lifecycle.managed(db, viewer, TENANT, invitation_id)
    changed = db.exec(update(Invitation).where(
        Invitation.id == inv.id, Invitation.status == st.ACCEPTED).values(
        status=st.CONFIRMED, confirmed_at=now, confirmed_by_user_id=viewer.user_id)).rowcount
    if changed != 1:
        raise Conflict("Only an accepted invitation can be confirmed; this one has changed.")
    db.refresh(inv)
    if inv.accepted_for_organization_id in _member_tenant_ids(db, inv.community_id):
        raise Conflict("That tenant is already a member of this community.")
    TENANT.grant(db, [inv], inv.accepted_by_user_id, now)
    audit.record(db, "invitation.confirm", "invitation", inv.id, viewer=viewer, at=now,
                 details={"organization_id": inv.accepted_for_organization_id})


def invitation_view(db: Session, secret_key: str, token: str, viewer: Viewer | None,
                    now: datetime) -> dict:
    """What the accept page shows; reading it changes nothing (mail scanners open links).
    A link that does not speak to the viewer shows `closed_view`, whatever the reason."""
    inv = lifecycle.for_link_page(db, secret_key, token, TENANT)
    if inv is None:
        return st.closed_view()
    community = db.get(Community, inv.community_id)
    inviter_org = db.get(Organization, inv.organization_id)
    inviter = db.get(User, inv.invited_by_user_id)
    status = st.effective_status(inv.status, inv.expires_at, now)
    mine = viewer is not None and (viewer.email == inv.recipient
                                   or viewer.user_id == inv.accepted_by_user_id)
    if st.shown_on_link(status, mine) == st.CLOSED:
        return st.closed_view()
    return {
        "id": inv.id, "community_id": community.id, "organization_id": inv.organization_id,
        "community": community.name, "inviter_org": inviter_org.name,
        "inviter": inviter.display_name, "recipient": inv.recipient,
        "status": status, "status_label": TENANT.label(status),
        "expires": inv.expires_at.strftime("%d %B %Y, %H:%M UTC"),
        "problem": (join_problem(db, viewer, inv, now) or "") if viewer else "",
        "accepted_by_me": bool(viewer and inv.accepted_by_user_id == viewer.user_id),
        "renewal_asked": status == st.EXPIRED and _renewal_asked_at(db, inv) is not None,
        "sign_in_alias": signs_in_at(db, inv.recipient).alias,
    }


RENEWAL_REQUESTED = "invitation.renewal_requested"


def renewal_requests() -> tuple:
    """Conditions on AuditEvent, for the Invitation of the statement: a request for a new
    invitation made since its link was last sent (the accept page lets it be made once)."""
    return (AuditEvent.target_type == "invitation", AuditEvent.target_id == Invitation.id,
            AuditEvent.action == RENEWAL_REQUESTED,
            AuditEvent.at >= func.coalesce(Invitation.resent_at, Invitation.sent_at))


def _renewal_asked_at(db: Session, inv: Invitation) -> datetime | None:
    """When the inviter was asked for a new invitation since the link was last sent."""
    return db.exec(select(AuditEvent.at).where(Invitation.id == inv.id,
                                               *renewal_requests())).first()


def request_new_invitation(db: Session, token: str, *, now: datetime, mailer: Mailer) -> None:
    """From an expired link, ask the inviter (once) to send a new invitation."""
    inv = lifecycle.load_by_token(db, mailer.secret_key, token, TENANT)
    if st.effective_status(inv.status, inv.expires_at, now) != st.EXPIRED:
        raise Conflict("Only an expired invitation can be renewed this way.")
    asked = _renewal_asked_at(db, inv)
    if asked is not None:
        raise Conflict(f"You asked the inviter {st.ago(asked, now)}; nothing was sent again.")
    community = _community(db, inv.community_id)
    inviter = db.get(User, inv.invited_by_user_id)
    subject, text, html = templates.renewal_request(
        recipient=inv.recipient, community=community.name,
        link=mailer.base_url + routes.community(community.id, inv.id))
    enqueue(db, to=inviter.email, subject=subject, text=text, html=html,
            base_url=mailer.base_url, invitation_id=inv.id, now=now)
    audit.record(db, RENEWAL_REQUESTED, "invitation", inv.id,
                 organization_id=inv.organization_id, details={"recipient": inv.recipient},
                 at=now)
