"""Inviting people into managed and MSSP communities with roles (product document 003).

One batch per address: a row per selected community, one token and one email, written in
one transaction, so an address either gets all its rows or none.
"""

import re
import uuid
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app import routes
from app.domain import invitation_status as st
from app.domain.community_order import ordered
from app.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.domain.limits import MAX_BATCH, MAX_BATCH_TEXT, MAX_PICKS, check_count, check_length
from app.domain.names import normalize_email
from app.domain.permissions import COMMUNITY_MANAGE_MEMBER
from app.domain.tokens import hash_token, new_token
from app.domain.viewer import Viewer
from app.mail import templates
from app.mail.links import drop_ended_links
from app.mail.outbox import enqueue
from app.models import (
    Community,
    CommunityMember,
    CommunityMemberRole,
    Invitation,
    Organization,
    OrganizationMember,
    Role,
    User,
)
from app.services import audit
from app.services.access import community_permissions, require_community, visible_communities
from app.services.communities import create_community
from app.services.orgs import create_user
from app.services.revocations import revoke_where
from app.services.role_grants import grantable_roles
from app.services.tenant_invitations import Mailer

KIND = "community_user"
MANAGED_KINDS = ("mssp", "managed")
_SPLIT = re.compile(r"[\s,;]+")


def managed_communities(db: Session, viewer: Viewer) -> list[dict]:
    """Managed and MSSP communities the viewer administers, MSSP main first, children under."""
    rows = db.exec(visible_communities(viewer).where(Community.kind.in_(MANAGED_KINDS))).all()
    mine = [c for c in rows
            if COMMUNITY_MANAGE_MEMBER in community_permissions(db, viewer, c.id)]
    return ordered({"id": c.id, "name": c.name, "kind": c.kind, "parent_id": c.parent_id,
                    "description": c.description} for c in mine)


def create_managed_community(db: Session, viewer: Viewer, name: str, description: str,
                             kind: str, parent_id: int | None = None, *,
                             now: datetime) -> int:
    """An MSSP main community, a managed community inside one, or a plain managed one."""
    if kind not in MANAGED_KINDS:
        raise InvalidInput("Choose an MSSP community or a managed community.")
    if parent_id is not None:
        if kind != "managed":
            raise InvalidInput("Only a managed community can sit inside an MSSP community.")
        require_community(db, viewer, COMMUNITY_MANAGE_MEMBER, parent_id)
        parent = db.get(Community, parent_id)
        if parent.kind != "mssp" or parent.organization_id != viewer.organization_id:
            raise InvalidInput("A managed community can only sit inside your MSSP community.")
    return create_community(db, viewer, name, description, kind=kind, parent_id=parent_id,
                            now=now).id


def parse_addresses(text: str) -> list[str]:
    """Addresses one per line or separated by commas; duplicates dropped, order kept."""
    seen: dict[str, None] = {}
    for part in _SPLIT.split(text.strip()):
        if part:
            seen.setdefault(part, None)
    return list(seen)


def _check_roles(db: Session, viewer: Viewer, role_ids: list[int],
                 communities: list[Community]) -> list[Role]:
    return grantable_roles(db, viewer, role_ids, communities)


def _check_communities(db: Session, viewer: Viewer, community_ids: list[int]) -> list[Community]:
    if not community_ids:
        raise InvalidInput("Pick at least one community.")
    communities = []
    for community_id in dict.fromkeys(community_ids):
        require_community(db, viewer, COMMUNITY_MANAGE_MEMBER, community_id)
        community = db.get(Community, community_id)
        if community.kind not in MANAGED_KINDS:
            raise InvalidInput(f"{community.name} takes tenants, not people: use Invite Tenant.")
        if community.organization_id != viewer.organization_id:
            raise InvalidInput(f"{community.name} belongs to another organization.")
        communities.append(community)
    return communities


def _outcome(db: Session, address: str, communities: list[Community], now: datetime) -> str:
    user_id = db.exec(select(User.id).where(User.email == address)).first()
    ids = [c.id for c in communities]
    if user_id is not None and db.exec(select(CommunityMember.id).where(
            CommunityMember.user_id == user_id, CommunityMember.status == "active",
            CommunityMember.community_id.in_(ids))).first() is not None:
        return "already a member"
    open_rows = db.exec(select(Invitation).where(
        Invitation.kind == KIND, Invitation.recipient == address,
        Invitation.community_id.in_(ids), Invitation.status.in_(st.OPEN))).all()
    if any(st.effective_status(r.status, r.expires_at, now) != st.EXPIRED for r in open_rows):
        return "already invited"
    return "ok"


def invite_users(db: Session, viewer: Viewer, addresses: str, community_ids: list[int],
                 role_ids: list[int], *, now: datetime, mailer: Mailer) -> list[dict]:
    """Validate everything, then write each address's batch; returns a result per address."""
    check_count(community_ids, MAX_PICKS, "communities")
    check_count(role_ids, MAX_PICKS, "roles")
    communities = _check_communities(db, viewer, community_ids)
    roles = _check_roles(db, viewer, role_ids, communities)
    wanted = parse_addresses(check_length(addresses, MAX_BATCH_TEXT, "list of addresses"))
    if not wanted:
        raise InvalidInput("Enter at least one email address.")
    check_count(wanted, MAX_BATCH, "addresses")
    results = []
    for raw in wanted:
        try:
            address = normalize_email(raw)
        except InvalidInput:
            results.append({"address": raw, "outcome": "invalid address"})
            continue
        outcome = _outcome(db, address, communities, now)
        if outcome == "ok":
            try:
                with db.begin_nested():
                    _write_batch(db, viewer, address, communities, roles, now, mailer)
                outcome = "invited"
            except IntegrityError:
                outcome = "already invited"
        results.append({"address": address, "outcome": outcome})
    return results


def _write_batch(db: Session, viewer: Viewer, address: str, communities: list[Community],
                 roles: list[Role], now: datetime, mailer: Mailer) -> None:
    token, batch = new_token(), uuid.uuid4().hex
    expires = now + timedelta(days=mailer.days)
    grants = {"role_ids": sorted(r.id for r in roles), "roles": sorted(r.name for r in roles)}
    revoke_where(db, viewer, now,  # expired open rows of these targets end here
                 Invitation.kind == KIND, Invitation.recipient == address,
                 Invitation.community_id.in_([c.id for c in communities]),
                 Invitation.status.in_(st.OPEN), reason="replaced")
    first_id = None
    for community in communities:
        inv = Invitation(kind=KIND, batch_id=batch, organization_id=viewer.organization_id,
                         invited_by_user_id=viewer.user_id, recipient=address,
                         scope_key=f"community:{community.id}", community_id=community.id,
                         grants=grants, token_hash=hash_token(mailer.secret_key, token),
                         expires_at=expires, created_at=now, sent_at=now)
        db.add(inv)
        db.flush()
        first_id = first_id or inv.id
        audit.record(db, "invitation.send", "invitation", inv.id, viewer=viewer, at=now,
                     details={"recipient": address, "community_id": community.id})
    subject, text, html = templates.user_invitation(
        inviter=viewer.display_name, inviter_org=viewer.org_name,
        communities=[c.name for c in communities], roles=grants["roles"], expires_at=expires,
        link=routes.join_link(mailer.base_url, token))
    enqueue(db, to=address, subject=subject, text=text, html=html, base_url=mailer.base_url,
            invitation_id=first_id, now=now)


def _batch(db: Session, secret_key: str, token: str) -> list[Invitation]:
    rows = []
    if token and len(token) <= 200:
        rows = db.exec(select(Invitation).where(
            Invitation.token_hash == hash_token(secret_key, token),
            Invitation.kind == KIND).order_by(Invitation.id)).all()
    if not rows:
        raise NotFound("This invitation link is not valid. It may have been replaced by a "
                       "newer one.")
    return rows


def _batch_status(rows: list[Invitation], now: datetime) -> str:
    statuses = {st.effective_status(r.status, r.expires_at, now) for r in rows}
    for status in (st.PENDING, st.ACCEPTED, st.EXPIRED, st.DECLINED, st.REVOKED):
        if status in statuses:
            return status
    return st.REVOKED


def join_view(db: Session, secret_key: str, token: str, viewer: Viewer | None,
              now: datetime) -> dict:
    """What the accept page shows; opening it changes nothing."""
    rows = _batch(db, secret_key, token)
    live = [r for r in rows if r.status in st.OPEN] or rows
    owner = db.get(Organization, rows[0].organization_id)
    inviter = db.get(User, rows[0].invited_by_user_id)
    status = _batch_status(rows, now)
    has_account = db.exec(select(User.id).where(User.email == rows[0].recipient)).first()
    problem = ""
    if viewer is not None and viewer.email != rows[0].recipient:
        problem = (f"This invitation is for {rows[0].recipient}, but you are signed in as "
                   f"{viewer.email}. Sign in as the invited address to accept it.")
    return {
        "recipient": rows[0].recipient, "inviter": inviter.display_name,
        "owner": owner.name, "owner_alias": owner.alias, "owner_id": owner.id,
        "communities": ", ".join(db.get(Community, r.community_id).name for r in live),
        "roles": ", ".join(rows[0].grants.get("roles", [])),
        "status": status, "status_label": st.USER_LABELS[status],
        "expires": rows[0].expires_at.strftime("%d %B %Y, %H:%M UTC"),
        "has_account": has_account is not None, "problem": problem,
        "community_ids": ",".join(str(r.community_id) for r in live),
    }


def _grant(db: Session, user: User, rows: list[Invitation], now: datetime) -> None:
    """Guest membership of the owner and the invited roles in each community, as stored."""
    owner_id = rows[0].organization_id
    if db.exec(select(OrganizationMember.id).where(
            OrganizationMember.organization_id == owner_id,
            OrganizationMember.user_id == user.id)).first() is None:
        db.add(OrganizationMember(organization_id=owner_id, user_id=user.id, kind="guest",
                                  created_at=now))
    for row in rows:
        member = db.exec(select(CommunityMember).where(
            CommunityMember.community_id == row.community_id,
            CommunityMember.user_id == user.id, CommunityMember.status == "active")).first()
        if member is None:
            member = CommunityMember(community_id=row.community_id, user_id=user.id,
                                     organization_id=owner_id, joined_at=now)
            db.add(member)
            db.flush()
        for role_id in row.grants.get("role_ids", []):
            if db.get(CommunityMemberRole, (member.id, role_id)) is None:
                db.add(CommunityMemberRole(member_id=member.id, role_id=role_id))


def _accept_rows(db: Session, rows: list[Invitation], user: User, now: datetime,
                 ip: str | None) -> None:
    ids = [r.id for r in rows if r.status == st.PENDING and r.expires_at > now]
    if not ids:
        status = _batch_status(rows, now)
        raise Conflict(f"This invitation is {st.USER_LABELS[status].lower()} and can no "
                       "longer be accepted.")
    changed = db.exec(update(Invitation).where(
        Invitation.id.in_(ids), Invitation.status == st.PENDING, Invitation.expires_at > now)
        .values(status=st.ACCEPTED, accepted_at=now, accepted_by_user_id=user.id,
                accepted_for_organization_id=rows[0].organization_id)).rowcount
    if changed != len(ids):
        raise Conflict("This invitation changed a moment ago; nothing was done.")
    drop_ended_links(db, now, ids)
    _grant(db, user, [r for r in rows if r.id in ids], now)
    for row_id in ids:
        audit.record(db, "invitation.accept", "invitation", row_id, actor_user_id=user.id,
                     organization_id=rows[0].organization_id, ip=ip, at=now)


def accept(db: Session, viewer: Viewer, token: str, *, now: datetime, secret_key: str) -> None:
    """A signed-in user accepts; they must be signed in as the invited address."""
    rows = _batch(db, secret_key, token)
    if viewer.email != rows[0].recipient:
        raise PermissionDenied(f"This invitation is for {rows[0].recipient}, but you are "
                               f"signed in as {viewer.email}.")
    _accept_rows(db, rows, db.get(User, viewer.user_id), now, viewer.ip)


def create_account_and_accept(db: Session, token: str, display_name: str, password: str, *,
                              now: datetime, secret_key: str, ip: str | None = None) -> str:
    """Someone without an account creates one (home: the inviting organization) and accepts.

    Returns the alias to sign in with.
    """
    rows = _batch(db, secret_key, token)
    address = rows[0].recipient
    if db.exec(select(User.id).where(User.email == address)).first() is not None:
        raise Conflict(f"{address} already has an account: sign in to accept.")
    if _batch_status(rows, now) != st.PENDING:
        raise Conflict("This invitation can no longer be accepted.")
    owner = db.get(Organization, rows[0].organization_id)
    user = create_user(db, owner, email=address, username=_free_username(db, address),
                       display_name=display_name.strip()[:200] or address.split("@")[0],
                       password=password, role=None, kind="guest", now=now)
    audit.record(db, "user.create", "user", user.id, actor_user_id=user.id,
                 organization_id=owner.id, ip=ip, at=now,
                 details={"email": address, "from_invitation": rows[0].id})
    _accept_rows(db, rows, user, now, ip)
    return owner.alias


def _free_username(db: Session, address: str) -> str:
    base = re.sub(r"[^a-z0-9._-]", "", address.split("@")[0].lower())[:50] or "user"
    name, n = base, 1
    while db.exec(select(User.id).where(User.username == name)).first() is not None:
        n += 1
        name = f"{base}{n}"
    return name


def accept_received(db: Session, viewer: Viewer, invitation_id: int, *, now: datetime) -> None:
    """Accept from the received list: every pending row of the invitation's batch."""
    inv = db.get(Invitation, invitation_id)
    if inv is None or inv.kind != KIND or inv.recipient != viewer.email:
        raise NotFound()
    rows = db.exec(select(Invitation).where(Invitation.batch_id == inv.batch_id)
                   .order_by(Invitation.id)).all()
    _accept_rows(db, rows, db.get(User, viewer.user_id), now, viewer.ip)


def decline_received(db: Session, viewer: Viewer, invitation_id: int, *, now: datetime) -> None:
    inv = db.get(Invitation, invitation_id)
    if inv is None or inv.kind != KIND or inv.recipient != viewer.email:
        raise NotFound()
    declined = db.exec(update(Invitation).where(
        Invitation.batch_id == inv.batch_id, Invitation.status == st.PENDING)
        .values(status=st.DECLINED, declined_at=now).returning(Invitation.id)).all()
    if not declined:
        raise Conflict("This invitation is no longer pending; nothing was declined.")
    drop_ended_links(db, now, [row_id for (row_id,) in declined])
    for (row_id,) in declined:  # every community of the batch, each in its own timeline
        audit.record(db, "invitation.decline", "invitation", row_id, viewer=viewer, at=now)
