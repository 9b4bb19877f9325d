"""Inviting users of the direct parent organization into a child one (product doc 004).

Links are valid for exactly 72 hours: valid before `sent + 72h`, invalid at and after.
"""

import re
from collections.abc import Callable
from datetime import datetime

from sqlalchemy import func
from sqlmodel import Session, select

from app.domain import invitation_status as st
from app.domain.errors import Conflict, InvalidInput
from app.domain.limits import MAX_BATCH, MAX_BATCH_TEXT, MAX_PICKS, check_count, check_length
from app.domain.permissions import ORG_INVITE_PARENT_USERS
from app.domain.transitions import INVITER, flags
from app.domain.viewer import Viewer
from app.models import Group, Invitation, Organization, OrganizationMember, User
from app.services import audit
from app.services import invitation_lifecycle as lifecycle
from app.services.access import require_org
from app.services.groups import own_group
from app.services.invitation_lifecycle import Mailer
from app.services.invitation_policies import PARENT_USER
from app.services.revocations import revoke_where
from app.services.status_sql import status_is

KIND = PARENT_USER.kind
PAGE = 500  # rows of the Invitations tab at first; "Show more" asks for more
NOT_PARENT = "not a user of the parent organization"
ALREADY_MEMBER = "already a member of this organization"
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
    if user is not None and db.exec(select(OrganizationMember.id).where(
            OrganizationMember.organization_id == child.id,
            OrganizationMember.user_id == user.id)).first() is not None:
        return ALREADY_MEMBER  # the child's own members: the viewer's organization
    if user is None or user.home_organization_id != child.parent_id or not user.is_active:
        return NOT_PARENT
    open_row = db.exec(select(Invitation).where(
        Invitation.kind == KIND, Invitation.recipient == name,
        Invitation.scope_key == _scope(child.id), Invitation.status.in_(st.OPEN))).first()
    if open_row is not None and st.effective_status(open_row.status, open_row.expires_at,
                                                    now) != st.EXPIRED:
        return lifecycle.ALREADY_INVITED
    return "ok"


def _write(db: Session, viewer: Viewer, child: Organization, name: str, groups: list[Group],
           now: datetime, secret_key: str, base_url: str) -> None:
    revoke_where(db, viewer, now,  # an expired open row of this username ends here
                 Invitation.kind == KIND, Invitation.recipient == name,
                 Invitation.scope_key == _scope(child.id), Invitation.status.in_(st.OPEN),
                 reason="replaced")
    lifecycle.issue(
        db, viewer, PARENT_USER, name,
        [{"scope_key": _scope(child.id), "target_organization_id": child.id}],
        grants={"group_ids": [g.id for g in groups], "groups": [g.name for g in groups]},
        now=now, mailer=Mailer(secret_key, base_url), details=lambda row: {"username": name})


def delete_invitation(db: Session, viewer: Viewer, invitation_id: int, *,
                      now: datetime) -> None:
    """Delete a pending or expired invitation: its link dies; the row stays as Deleted."""
    lifecycle.revoke(db, viewer, PARENT_USER,
                     lifecycle.managed(db, viewer, PARENT_USER, invitation_id), now=now)


def resend_invitation(db: Session, viewer: Viewer, invitation_id: int, *, now: datetime,
                      secret_key: str, base_url: str) -> None:
    """A new 72-hour link; the old one dies."""
    lifecycle.resend(db, viewer, PARENT_USER,
                     lifecycle.managed(db, viewer, PARENT_USER, invitation_id), now=now,
                     mailer=Mailer(secret_key, base_url))


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
    """What the accept page shows; opening it changes nothing. A link that does not
    speak to the viewer shows `closed_view`, whatever the reason."""
    inv = lifecycle.for_link_page(db, secret_key, token, PARENT_USER)
    if inv is None:
        return st.closed_view()
    child = db.get(Organization, inv.target_organization_id)
    parent = db.get(Organization, child.parent_id)
    status = st.effective_status(inv.status, inv.expires_at, now)
    mine = viewer is not None and (viewer.username, viewer.home_organization_id) == (
        inv.recipient, parent.id)
    if st.shown_on_link(status, mine) == st.CLOSED:
        return st.closed_view()
    problem = ""
    if viewer is not None and (not mine or viewer.organization_id != parent.id):
        problem = (f"This invitation is for {inv.recipient} of {parent.name}. You are signed "
                   f"in as {viewer.username} of {viewer.org_name}: sign in as the invited "
                   "user with the alias " + parent.alias + ".")
    return {"id": inv.id, "organization": child.name, "organization_id": child.id,
            "organization_tenant_id": child.tenant_id,
            "parent": parent.name, "parent_alias": parent.alias, "username": inv.recipient,
            "groups": ", ".join(inv.grants.get("groups", [])) or "no groups",
            "status": status, "status_label": PARENT_USER.label(status),
            "expires": inv.expires_at.strftime("%d %B %Y, %H:%M UTC"), "problem": problem}


def accept(db: Session, viewer: Viewer, token: str, *, now: datetime, secret_key: str) -> int:
    """The invited parent user, signed in to the parent, accepts: shared user plus groups,
    in one transaction. Returns the child organization's id."""
    inv = lifecycle.load_by_token(db, secret_key, token, PARENT_USER)
    return accept_invitation(db, viewer, inv, now=now)


def accept_invitation(db: Session, viewer: Viewer, inv: Invitation, *, now: datetime) -> int:
    """Accept with the invitation in hand (from its link or from the received list)."""
    child = db.get(Organization, inv.target_organization_id)
    if viewer.username != inv.recipient or viewer.organization_id != child.parent_id:
        raise lifecycle.not_for_viewer(
            st.effective_status(inv.status, inv.expires_at, now),
            "Sign in as the invited user, with the parent organization's alias, to accept.")
    if not lifecycle.mark_accepted(db, [inv.id], now=now, user_id=viewer.user_id,
                                   for_organization_id=child.id, token_hash=inv.token_hash):
        db.refresh(inv)
        raise Conflict(st.refused_use(KIND, st.effective_status(inv.status, inv.expires_at, now),
                                      inv.accepted_by_user_id, inv.accepted_at,
                                      viewer.user_id, now))
    PARENT_USER.grant(db, [inv], viewer.user_id, now)
    audit.record(db, "invitation.accept", "invitation", inv.id, viewer=viewer, at=now)
    return child.id
