"""One entry per action for the Invitations page, whatever the kind of invitation."""

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session

from app.domain.errors import Conflict, PermissionDenied
from app.domain.viewer import Viewer
from app.models import Invitation
from app.services import invitation_lifecycle as lifecycle
from app.services import invitation_visibility as vis
from app.services import parent_invitations as pi
from app.services import tenant_invitations as ti
from app.services import user_invitations as ui
from app.services.invitation_policies import POLICIES, Policy


@dataclass(frozen=True)
class MailSettings:
    secret_key: str
    base_url: str
    tenant_days: int = 14
    user_days: int = 7

    def tenant(self) -> ti.Mailer:
        return ti.Mailer(self.secret_key, self.base_url, self.tenant_days)

    def user(self) -> ti.Mailer:
        return ti.Mailer(self.secret_key, self.base_url, self.user_days)

    def for_kind(self, kind: str) -> ti.Mailer:
        return self.tenant() if kind == "tenant" else self.user()

    @classmethod
    def of(cls, settings) -> "MailSettings":
        """From the deployment's settings (app/settings.py)."""
        return cls(settings.secret_key, settings.base_url, settings.tenant_invite_days,
                   settings.user_invite_days)


def _managed(db: Session, viewer: Viewer, invitation_id: int) -> tuple[Invitation, Policy]:
    inv = vis.find_visible(db, viewer, invitation_id)
    policy = POLICIES[inv.kind]
    policy.may_manage(db, viewer, inv)
    return inv, policy


def resend(db: Session, viewer: Viewer, invitation_id: int, *, now: datetime,
           mail: MailSettings) -> Invitation:
    inv, policy = _managed(db, viewer, invitation_id)
    lifecycle.resend(db, viewer, policy, inv, now=now, mailer=mail.for_kind(inv.kind))
    return inv


def revoke(db: Session, viewer: Viewer, invitation_id: int, *, now: datetime) -> Invitation:
    inv, policy = _managed(db, viewer, invitation_id)
    lifecycle.revoke(db, viewer, policy, inv, now=now)
    return inv


def confirm(db: Session, viewer: Viewer, invitation_id: int, *, now: datetime) -> Invitation:
    inv = vis.find_visible(db, viewer, invitation_id)
    if inv.kind != "tenant":
        raise Conflict("Only tenant invitations are confirmed by the inviter.")
    ti.confirm_tenant(db, viewer, inv.id, now=now)
    return inv


def _addressed(viewer: Viewer, inv: Invitation) -> None:
    if not vis.addressed_to_viewer.holds(viewer, inv):
        raise PermissionDenied("Only the person invited can respond to this invitation.")


def accept(db: Session, viewer: Viewer, invitation_id: int, *, now: datetime,
           mail: MailSettings) -> Invitation:
    """Accept a received invitation without its email (Join, for a tenant invitation)."""
    inv = vis.find_visible(db, viewer, invitation_id)
    _addressed(viewer, inv)
    if inv.kind == "tenant":
        ti.join_invitation(db, viewer, inv, now=now, mailer=mail.tenant())
    elif inv.kind == "community_user":
        ui.accept_received(db, viewer, inv.id, now=now)
    else:
        pi.accept_invitation(db, viewer, inv, now=now)
    return inv


def decline(db: Session, viewer: Viewer, invitation_id: int, *, now: datetime,
            mail: MailSettings, reason: str = "") -> Invitation:
    inv = vis.find_visible(db, viewer, invitation_id)
    _addressed(viewer, inv)
    if inv.kind == "tenant":
        ti.decline_invitation(db, viewer, inv, reason, now=now, mailer=mail.tenant())
    elif inv.kind == "community_user":
        ui.decline_received(db, viewer, inv.id, now=now, mailer=mail.user(), reason=reason)
    else:
        raise Conflict("A parent organization invitation is declined by letting it expire, "
                       "or the inviter deletes it.")
    return inv
