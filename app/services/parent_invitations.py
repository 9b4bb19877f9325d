"""Inviting users of the direct parent organization into a child one (product doc 004).

Links are valid for exactly 72 hours: valid before `sent + 72h`, invalid at and after.
"""

import re
from collections.abc import Callable
from datetime import datetime, timedelta

from sqlalchemy import func
from sqlmodel import Session, select

from app import routes
from app.domain import invitation_status as st
from app.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.domain.limits import MAX_BATCH, MAX_BATCH_TEXT, MAX_PICKS, check_count, check_length
from app.domain.permissions import ORG_INVITE_PARENT_USERS
from app.domain.transitions import INVITER, flags
from app.domain.viewer import Viewer
from app.mail import templates
from app.mail.outbox import enqueue
from app.models import Group, Invitation, Organization, OrganizationMember, User
from app.services import audit
from app.services import invitation_lifecycle as lifecycle
from app.services.access import require_org
from app.services.groups import own_group
from app.services.invitation_grants import grant_parent_user
from app.services.revocations import revoke_where
from app.services.status_sql import status_is

KIND = "parent_user"
VALIDITY = timedelta(hours=72)
PAGE = 500  # rows of the Invitations tab at first; "Show more" asks for more
NOT_PARENT = "not a user of the parent organization"
_SPLIT = re.compile(r"[\s,;]+")


def _scope(organization_id: int) -> str:
    return f"organization:{organization_id}"


def invite_parent_users(db: Session, viewer: Viewer, usernames: list[str] | str,
                        group_ids: list[int], *, now: datetime, secret_key: str,
                        base_url: str,
                        progress: Callable[[int, int], None] | None = None) -> list[dict]:
    """Invite each username of the direct parent; a result per username. `progress(done,
    total)` is called every 25 usernames and once at the end."""
    require_org(viewer, ORG_INVITE_PARENT_USERS)
    child = db.get(Organization, viewer.organization_id)
    if child.parent_id is None:
        raise InvalidInput(f"{child.name} has no parent organization.")
    check_count(group_ids, MAX_PICKS, "groups")
    groups = [own_group(db, viewer, gid) for gid in dict.fromkeys(group_ids)]
    if isinstance(usernames, str):
        usernames = _SPLIT.split(check_length(usernames, MAX_BATCH_TEXT, "list of usernames"))
    names = list(dict.fromkeys(u.strip().lower() for u in usernames if u.strip()))
    if not names:
        raise InvalidInput("Enter at least one username.")
    check_count(names, MAX_BATCH, "usernames")
    return lifecycle.invite_each(
        db, names, lambda name: _outcome(db, child, name, now),
        lambda name: _write(db, viewer, child, name, groups, now, secret_key, base_url),
        key="username", progress=progress)


def _outcome(db: Session, child: Organization, name: str, now: datetime) -> str:
    user = db.exec(select(User).where(User.username == name)).first()
    if user is None or user.home_organization_id != child.parent_id or not user.is_active:
        return NOT_PARENT
    if db.exec(select(OrganizationMember.id).where(
            OrganizationMember.organization_id == child.id,
            OrganizationMember.user_id == user.id)).first() is not None:
        return "already a member"
    open_row = db.exec(select(Invitation).where(
        Invitation.kind == KIND, Invitation.recipient == name,
        Invitation.scope_key == _scope(child.id), Invitation.status.in_(st.OPEN))).first()
    if open_row is not None and st.effective_status(open_row.status, open_row.expires_at,
                                                    now) != st.EXPIRED:
        return lifecycle.ALREADY_INVITED
    return "ok"


def _send(db: Session, viewer: Viewer, inv: Invitation, token: str, child: Organization,
          base_url: str, now: datetime) -> None:
    user = db.exec(select(User).where(User.username == inv.recipient)).one()
    subject, text, html = templates.parent_invitation(
        inviter=viewer.display_name, organization=child.name,
        groups=inv.grants.get("groups", []), expires_at=inv.expires_at,
        link=routes.org_invite_link(base_url, token))
    enqueue(db, to=user.email, subject=subject, text=text, html=html, base_url=base_url,
            invitation_id=inv.id, now=now)


def _write(db: Session, viewer: Viewer, child: Organization, name: str, groups: list[Group],
           now: datetime, secret_key: str, base_url: str) -> None:
    revoke_where(db, viewer, now,  # an expired open row of this username ends here
                 Invitation.kind == KIND, Invitation.recipient == name,
                 Invitation.scope_key == _scope(child.id), Invitation.status.in_(st.OPEN),
                 reason="replaced")
    token, (inv,) = lifecycle.issue(
        db, viewer, KIND, name,
        [{"scope_key": _scope(child.id), "target_organization_id": child.id}],
        grants={"group_ids": [g.id for g in groups], "groups": [g.name for g in groups]},
        now=now, secret_key=secret_key, validity=VALIDITY,
        details=lambda row: {"username": name})
    _send(db, viewer, inv, token, child, base_url, now)


def _row(db: Session, viewer: Viewer, invitation_id: int) -> Invitation:
    require_org(viewer, ORG_INVITE_PARENT_USERS)
    inv = lifecycle.load(db, invitation_id, KIND)
    if inv.target_organization_id != viewer.organization_id:
        raise NotFound()
    return inv


def delete_invitation(db: Session, viewer: Viewer, invitation_id: int, *,
                      now: datetime) -> None:
    """Delete a pending or expired invitation: its link dies; the row stays as Deleted."""
    lifecycle.revoke(db, viewer, _row(db, viewer, invitation_id), now=now,
                     action="invitation.delete",
                     refused="Only a pending or expired invitation can be deleted.")


def resend_invitation(db: Session, viewer: Viewer, invitation_id: int, *, now: datetime,
                      secret_key: str, base_url: str) -> None:
    """A new 72-hour link; the old one dies."""
    inv = _row(db, viewer, invitation_id)
    if inv.status != st.PENDING:
        raise Conflict("Only a pending or expired invitation can be resent.")
    token = lifecycle.reissue_token(db, [inv], now=now, secret_key=secret_key,
                                    validity=VALIDITY, viewer=viewer)
    _send(db, viewer, inv, token, db.get(Organization, inv.target_organization_id), base_url,
          now)


def list_invitations(db: Session, viewer: Viewer, now: datetime, status: str = "", *,
                     limit: int = PAGE) -> dict:
    """The organization's invitations of parent users with effective status `status` ("":
    any), newest first, the first `limit` of them: {"rows": [...], "total": how many match}.
    Filter, order and limit are one query."""
    require_org(viewer, ORG_INVITE_PARENT_USERS)
    where = [Invitation.kind == KIND, Invitation.target_organization_id == viewer.organization_id,
             *(status_is(status, now) if status else [])]
    total = db.exec(select(func.count()).select_from(Invitation).where(*where)).one()
    rows = db.exec(select(Invitation, User.display_name)
                   .join(User, User.id == Invitation.invited_by_user_id).where(*where)
                   .order_by(Invitation.created_at.desc(), Invitation.id.desc())
                   .limit(max(1, min(limit, 100_000)))).all()
    out = []
    for inv, inviter in rows:
        shown = st.effective_status(inv.status, inv.expires_at, now)
        out.append({"id": inv.id, "username": inv.recipient,
                    "groups": ", ".join(inv.grants.get("groups", [])) or "—", "status": shown,
                    "invited_by": inviter,
                    "sent": (inv.resent_at or inv.sent_at).strftime("%Y-%m-%d %H:%M"),
                    "expires": inv.expires_at.strftime("%Y-%m-%d %H:%M"),
                    **flags(KIND, shown, {INVITER})})
    return {"total": total, "rows": out}


def invitation_view(db: Session, secret_key: str, token: str, viewer: Viewer | None,
                    now: datetime) -> dict:
    """What the accept page shows; opening it changes nothing."""
    inv = lifecycle.load_by_token(db, secret_key, token, KIND)
    child = db.get(Organization, inv.target_organization_id)
    parent = db.get(Organization, child.parent_id)
    status = st.effective_status(inv.status, inv.expires_at, now)
    problem = ""
    if viewer is not None and (viewer.username != inv.recipient
                               or viewer.organization_id != parent.id):
        problem = (f"This invitation is for {inv.recipient} of {parent.name}. You are signed "
                   f"in as {viewer.username} of {viewer.org_name}: sign in as the invited "
                   "user with the alias " + parent.alias + ".")
    return {"id": inv.id, "organization": child.name, "organization_id": child.id,
            "parent": parent.name, "parent_alias": parent.alias, "username": inv.recipient,
            "groups": ", ".join(inv.grants.get("groups", [])) or "no groups",
            "status": status, "status_label": st.USER_LABELS[status],
            "expires": inv.expires_at.strftime("%d %B %Y, %H:%M UTC"), "problem": problem}


def accept(db: Session, viewer: Viewer, token: str, *, now: datetime, secret_key: str) -> int:
    """The invited parent user, signed in to the parent, accepts: shared user plus groups,
    in one transaction. Returns the child organization's id."""
    inv = lifecycle.load_by_token(db, secret_key, token, KIND)
    return accept_invitation(db, viewer, inv, now=now)


def accept_invitation(db: Session, viewer: Viewer, inv: Invitation, *, now: datetime) -> int:
    """Accept with the invitation in hand (from its link or from the received list)."""
    child = db.get(Organization, inv.target_organization_id)
    if viewer.username != inv.recipient or viewer.organization_id != child.parent_id:
        raise PermissionDenied("Sign in as the invited user, with the parent organization's "
                               "alias, to accept.")
    if not lifecycle.mark_accepted(db, [inv.id], now=now, user_id=viewer.user_id,
                                   for_organization_id=child.id, token_hash=inv.token_hash):
        status = st.effective_status(inv.status, inv.expires_at, now)
        raise Conflict(f"This invitation is {st.USER_LABELS[status].lower()} and can no "
                       "longer be accepted.")
    grant_parent_user(db, viewer.user_id, inv, now)
    audit.record(db, "invitation.accept", "invitation", inv.id, viewer=viewer, at=now)
    return child.id
