"""Inviting users of the direct parent organization into a child one (product doc 004).

Links are valid for exactly 72 hours: valid before `sent + 72h`, invalid at and after.
"""

import re
import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app import routes
from app.domain import invitation_status as st
from app.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.domain.limits import MAX_BATCH, MAX_BATCH_TEXT, MAX_PICKS, check_count, check_length
from app.domain.permissions import ORG_INVITE_PARENT_USERS
from app.domain.tokens import hash_token, new_token
from app.domain.transitions import INVITER, flags
from app.domain.viewer import Viewer
from app.mail import templates
from app.mail.links import drop_ended_links
from app.mail.outbox import enqueue
from app.models import Group, GroupMember, Invitation, Organization, OrganizationMember, User
from app.services import audit
from app.services.access import require_org
from app.services.groups import own_group
from app.services.revocations import revoke_where
from app.services.status_sql import status_is
from app.services.tokens_lookup import invitation_by_token

KIND = "parent_user"
VALIDITY = timedelta(hours=72)
PAGE = 500  # rows of the Invitations tab at first; "Show more" asks for more
NOT_PARENT = "not a user of the parent organization"
_SPLIT = re.compile(r"[\s,;]+")


def _scope(organization_id: int) -> str:
    return f"organization:{organization_id}"


def invite_parent_users(db: Session, viewer: Viewer, usernames: list[str] | str,
                        group_ids: list[int], *, now: datetime, secret_key: str,
                        base_url: str) -> list[dict]:
    """Invite each username of the direct parent; a result per username."""
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
    results = []
    for name in names:
        outcome = _outcome(db, child, name, now)
        if outcome == "ok":
            try:
                with db.begin_nested():
                    _write(db, viewer, child, name, groups, now, secret_key, base_url)
                outcome = "invited"
            except IntegrityError:
                outcome = "already invited"
        results.append({"username": name, "outcome": outcome})
    return results


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
        return "already invited"
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
    token = new_token()
    inv = Invitation(kind=KIND, batch_id=uuid.uuid4().hex, organization_id=child.id,
                     invited_by_user_id=viewer.user_id, recipient=name,
                     scope_key=_scope(child.id), target_organization_id=child.id,
                     grants={"group_ids": [g.id for g in groups],
                             "groups": [g.name for g in groups]},
                     token_hash=hash_token(secret_key, token), expires_at=now + VALIDITY,
                     created_at=now, sent_at=now)
    db.add(inv)
    db.flush()
    _send(db, viewer, inv, token, child, base_url, now)
    audit.record(db, "invitation.send", "invitation", inv.id, viewer=viewer, at=now,
                 details={"username": name})


def _row(db: Session, viewer: Viewer, invitation_id: int) -> Invitation:
    require_org(viewer, ORG_INVITE_PARENT_USERS)
    inv = db.get(Invitation, invitation_id)
    if inv is None or inv.kind != KIND or inv.target_organization_id != viewer.organization_id:
        raise NotFound()
    return inv


def delete_invitation(db: Session, viewer: Viewer, invitation_id: int, *,
                      now: datetime) -> None:
    """Delete a pending or expired invitation: its link dies; the row stays as Deleted."""
    inv = _row(db, viewer, invitation_id)
    changed = db.exec(update(Invitation).where(
        Invitation.id == inv.id, Invitation.status == st.PENDING)
        .values(status=st.REVOKED, revoked_at=now, revoked_by_user_id=viewer.user_id)).rowcount
    if changed != 1:
        raise Conflict("Only a pending or expired invitation can be deleted.")
    drop_ended_links(db, now, [inv.id])
    audit.record(db, "invitation.delete", "invitation", inv.id, viewer=viewer, at=now)


def resend_invitation(db: Session, viewer: Viewer, invitation_id: int, *, now: datetime,
                      secret_key: str, base_url: str) -> None:
    """A new 72-hour link; the old one dies."""
    inv = _row(db, viewer, invitation_id)
    token = new_token()
    changed = db.exec(update(Invitation).where(
        Invitation.id == inv.id, Invitation.status == st.PENDING).values(
        token_hash=hash_token(secret_key, token), resent_at=now,
        expires_at=now + VALIDITY)).rowcount
    if changed != 1:
        raise Conflict("Only a pending or expired invitation can be resent.")
    db.refresh(inv)
    _send(db, viewer, inv, token, db.get(Organization, inv.target_organization_id), base_url,
          now)
    audit.record(db, "invitation.resend", "invitation", inv.id, viewer=viewer, at=now)


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
    inv = invitation_by_token(db, secret_key, token)
    if inv.kind != KIND:
        raise NotFound()
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
    inv = invitation_by_token(db, secret_key, token)
    if inv.kind != KIND:
        raise NotFound()
    return accept_invitation(db, viewer, inv, now=now)


def accept_invitation(db: Session, viewer: Viewer, inv: Invitation, *, now: datetime) -> int:
    """Accept with the invitation in hand (from its link or from the received list)."""
    child = db.get(Organization, inv.target_organization_id)
    if viewer.username != inv.recipient or viewer.organization_id != child.parent_id:
        raise PermissionDenied("Sign in as the invited user, with the parent organization's "
                               "alias, to accept.")
    changed = db.exec(update(Invitation).where(
        Invitation.id == inv.id, Invitation.status == st.PENDING,
        Invitation.token_hash == inv.token_hash, Invitation.expires_at > now).values(
        status=st.ACCEPTED, accepted_at=now, accepted_by_user_id=viewer.user_id,
        accepted_for_organization_id=child.id)).rowcount
    if changed != 1:
        status = st.effective_status(inv.status, inv.expires_at, now)
        raise Conflict(f"This invitation is {st.USER_LABELS[status].lower()} and can no "
                       "longer be accepted.")
    drop_ended_links(db, now, [inv.id])
    db.add(OrganizationMember(organization_id=child.id, user_id=viewer.user_id, kind="shared",
                              created_at=now))
    for group_id in inv.grants.get("group_ids", []):
        group = db.get(Group, group_id)
        if group is not None and db.get(GroupMember, (group_id, viewer.user_id)) is None:
            db.add(GroupMember(group_id=group_id, user_id=viewer.user_id))
    audit.record(db, "invitation.accept", "invitation", inv.id, viewer=viewer, at=now)
    return child.id
