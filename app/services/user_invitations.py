"""Inviting people into managed and MSSP communities with roles (product document 003).

One batch per address: a row per selected community, one token and one email. The
addresses are checked together and written together, in one transaction, so an address
either gets all its rows or none.
"""

import re
from collections.abc import Callable
from datetime import datetime
from typing import NamedTuple

from sqlmodel import Session, select

from app.domain import invitation_status as st
from app.domain.errors import Conflict, InvalidInput, NotFound
from app.domain.limits import MAX_BATCH, MAX_BATCH_TEXT, MAX_PICKS, check_count, check_length
from app.domain.names import normalize_email
from app.domain.tokens import hash_token
from app.domain.viewer import Viewer
from app.models import (
    Community,
    CommunityMember,
    Invitation,
    Organization,
    Role,
    User,
)
from app.services import audit
from app.services import invitation_lifecycle as lifecycle
from app.services.auth import password_off
from app.services.invitation_lifecycle import Mailer
from app.services.invitation_policies import COMMUNITY_USER
from app.services.managed_communities import described, managed_targets
from app.services.orgs import create_user, free_username
from app.services.revocations import revoke_where
from app.services.role_grants import grantable_roles
from app.services.sign_in_codes import issue_sign_in_code
from app.services.sso_sign_in import provider_for_address, signs_in_at

KIND = COMMUNITY_USER.kind
_SPLIT = re.compile(r"[\s,;]+")


def parse_addresses(text: str) -> list[str]:
    """Addresses one per line or separated by commas; duplicates dropped, order kept."""
    seen: dict[str, None] = {}
    for part in _SPLIT.split(text.strip()):
        if part:
            seen.setdefault(part, None)
    return list(seen)


def _outcomes(db: Session, addresses: list[str], invalid: set[str],
              communities: list[Community], now: datetime) -> dict[str, str]:
    """The outcome of each address, for the whole batch in two queries: "invalid address",
    "already a member" (active in any of `communities`), "already invited" (an open,
    unexpired invitation into any of them) or "ok"."""
    ids = [c.id for c in communities]
    valid = [a for a in dict.fromkeys(addresses) if a not in invalid]
    members = set(db.exec(select(User.email).join(
        CommunityMember, CommunityMember.user_id == User.id).where(
        User.email.in_(valid), CommunityMember.status == "active",
        CommunityMember.community_id.in_(ids))).all()) if valid else set()
    invited = {r.recipient for r in db.exec(select(
        Invitation.recipient, Invitation.status, Invitation.expires_at).where(
        Invitation.kind == KIND, Invitation.recipient.in_(valid),
        Invitation.community_id.in_(ids), Invitation.status.in_(st.OPEN))).all()
        if st.effective_status(r.status, r.expires_at, now) != st.EXPIRED} if valid else set()
    return {a: "invalid address" if a in invalid else "already a member" if a in members
            else lifecycle.ALREADY_INVITED if a in invited else "ok" for a in addresses}


def invite_users(db: Session, viewer: Viewer, addresses: str | list[str],
                 community_ids: list[int],
                 role_ids: list[int], *, now: datetime, mailer: Mailer,
                 progress: Callable[[int, int], None] | None = None) -> list[dict]:
    """Validate everything, then write each address's batch; returns a result per address.
    `addresses`: text as typed (split at commas, spaces and lines) or a list, one each.
    `progress(done, total)` is called every 25 addresses and once at the end."""
    check_count(community_ids, MAX_PICKS, "communities")
    check_count(role_ids, MAX_PICKS, "roles")
    communities = managed_targets(db, viewer, community_ids)
    roles = grantable_roles(db, viewer, role_ids, communities)
    wanted = (parse_addresses(check_length(addresses, MAX_BATCH_TEXT, "list of addresses"))
              if isinstance(addresses, str)
              else list(dict.fromkeys(a.strip() for a in addresses if a.strip())))
    if not wanted:
        raise InvalidInput("Enter at least one email address.")
    check_count(wanted, MAX_BATCH, "addresses")
    invalid: set[str] = set()
    addresses = [_normalized(raw, invalid) for raw in wanted]
    outcomes = _outcomes(db, addresses, invalid, communities, now)

    def write(some: list[str]) -> None:
        _write_batches(db, viewer, some, communities, roles, now, mailer)

    return lifecycle.invite_each(db, addresses, outcomes.__getitem__, lambda a: write([a]),
                                 key="address", progress=progress, write_all=write)


def _normalized(raw: str, invalid: set[str]) -> str:
    """The address in its stored form; one that is not an address is kept as typed and
    noted in `invalid`."""
    try:
        return normalize_email(raw)
    except InvalidInput:
        invalid.add(raw)
        return raw


def _write_batches(db: Session, viewer: Viewer, addresses: list[str],
                   communities: list[Community], roles: list[Role], now: datetime,
                   mailer: Mailer) -> None:
    """A batch per address (a row per community, one link, one email), all written
    together; the expired open rows of these addresses and targets end first."""
    grants = {"role_ids": sorted(r.id for r in roles), "roles": sorted(r.name for r in roles)}
    revoke_where(db, viewer, now,
                 Invitation.kind == KIND, Invitation.recipient.in_(addresses),
                 Invitation.community_id.in_([c.id for c in communities]),
                 Invitation.status.in_(st.OPEN), reason="replaced")
    lifecycle.issue_many(
        db, viewer, COMMUNITY_USER, addresses,
        [{"scope_key": f"community:{c.id}", "community_id": c.id} for c in communities],
        grants=grants, now=now, mailer=mailer,
        details=lambda row: {"recipient": row.recipient, "community_id": row.community_id})


def _batch(db: Session, secret_key: str, token: str) -> list[Invitation]:
    rows = []
    if token and len(token) <= 200:
        rows = db.exec(select(Invitation).where(
            Invitation.token_hash == hash_token(secret_key, token),
            Invitation.kind == KIND).order_by(Invitation.id)).all()
    if not rows:
        raise NotFound(st.LINK_UNUSABLE)
    return rows


def _batch_status(rows: list[Invitation], now: datetime) -> str:
    statuses = {st.effective_status(r.status, r.expires_at, now) for r in rows}
    for status in (st.PENDING, st.ACCEPTED, st.EXPIRED, st.DECLINED, st.REVOKED):
        if status in statuses:
            return status
    return st.REVOKED


def join_view(db: Session, secret_key: str, token: str, viewer: Viewer | None,
              now: datetime) -> dict:
    """What the accept page shows; opening it changes nothing. A link that does not
    speak to the viewer shows `closed_view`, whatever the reason."""
    try:
        rows = _batch(db, secret_key, token)
    except NotFound:
        return st.closed_view()
    live = [r for r in rows if r.status in st.OPEN] or rows
    owner = db.get(Organization, rows[0].organization_id)
    inviter = db.get(User, rows[0].invited_by_user_id)
    status = _batch_status(rows, now)
    mine = viewer is not None and viewer.email == rows[0].recipient
    if st.shown_on_link(status, mine) == st.CLOSED:
        return st.closed_view()
    account = db.exec(select(User).where(User.email == rows[0].recipient)).first()
    problem = ""
    at = signs_in_at(db, rows[0].recipient)
    through = at if viewer is None and at.provider_name else None
    if viewer is not None and viewer.email != rows[0].recipient:
        problem = (f"This invitation is for {rows[0].recipient}, but you are signed in as "
                   f"{viewer.email}. Sign in as the invited address to accept it.")
    return {
        "id": rows[0].id, "recipient": rows[0].recipient, "inviter": inviter.display_name,
        "owner": owner.name, "owner_alias": owner.alias, "owner_id": owner.id,
        "communities": ", ".join(described(db, [db.get(Community, r.community_id)
                                                for r in live])),
        "roles": ", ".join(rows[0].grants.get("roles", [])),
        "status": status, "status_label": COMMUNITY_USER.label(status),
        "expires": rows[0].expires_at.strftime("%d %B %Y, %H:%M UTC"),
        "has_account": account is not None, "problem": problem,
        # the invited address signs in through its organization's provider, not a password
        "sso_name": through.provider_name if through else "",
        "sso_tenant": through.alias if through else "",
        # where the invited address signs in: its own home, or (a new account) the owner
        "sign_in_alias": at.alias or owner.alias,
        "community_ids": ",".join(str(r.community_id) for r in live),
        **_joined(db, [r for r in rows if r.status == st.ACCEPTED]),
    }


def _joined(db: Session, rows: list[Invitation]) -> dict:
    """The communities `rows` let the person into: their ids, and the name when one."""
    return {"joined_ids": ",".join(str(r.community_id) for r in rows),
            "joined_name": db.get(Community, rows[0].community_id).name if len(rows) == 1
            else ""}


def _accept_rows(db: Session, rows: list[Invitation], user: User, now: datetime,
                 ip: str | None) -> None:
    ids = [r.id for r in rows if st.is_live(r.status, r.expires_at, now)]
    if not ids:
        raise Conflict(st.refused_use(KIND, _batch_status(rows, now), rows[0].accepted_by_user_id,
                                      rows[0].accepted_at, user.id, now))
    if not lifecycle.mark_accepted(db, ids, now=now, user_id=user.id,
                                   for_organization_id=rows[0].organization_id):
        raise Conflict("This invitation changed a moment ago; nothing was done.")
    COMMUNITY_USER.grant(db, [r for r in rows if r.id in ids], user.id, now)
    for row_id in ids:
        audit.record(db, "invitation.accept", "invitation", row_id, actor_user_id=user.id,
                     organization_id=rows[0].organization_id, ip=ip, at=now)


def accept(db: Session, viewer: Viewer, token: str, *, now: datetime, secret_key: str) -> None:
    """A signed-in user accepts; they must be signed in as the invited address."""
    rows = _batch(db, secret_key, token)
    if viewer.email != rows[0].recipient:
        raise lifecycle.not_for_viewer(
            _batch_status(rows, now), f"This invitation is for {rows[0].recipient}, but you "
                                      f"are signed in as {viewer.email}.")
    _accept_rows(db, rows, db.get(User, viewer.user_id), now, viewer.ip)


class NewAccount(NamedTuple):
    alias: str  # of its home, the inviting organization
    email: str
    joined: dict  # joined_ids and joined_name, as on the page (_joined)
    sign_in_code: str  # signs it in once, within a minute (services/sign_in_codes.py)


def create_account_and_accept(db: Session, token: str, display_name: str, password: str, *,
                              now: datetime, secret_key: str,
                              ip: str | None = None) -> NewAccount:
    """Someone without an account creates one (home: the inviting organization), accepts,
    and gets a code that signs the new account in at once."""
    rows = _batch(db, secret_key, token)
    address = rows[0].recipient
    if db.exec(select(User.id).where(User.email == address)).first() is not None:
        raise Conflict(f"{address} already has an account: sign in to accept.")
    if _batch_status(rows, now) != st.PENDING:
        raise Conflict("This invitation can no longer be accepted.")
    if (found := provider_for_address(db, address)) is not None:
        raise InvalidInput(f"{address} signs in through {found[0].name}: accept with it, "
                           "not with a new password.")
    owner = db.get(Organization, rows[0].organization_id)
    if name := password_off(db, owner):
        raise InvalidInput(f"{owner.name} signs in through {name} only, so an account with a "
                           "password cannot be made here. Ask the inviter to invite an address "
                           f"{name} knows.")
    user = create_user(db, owner, email=address, username=free_username(db, address),
                       display_name=display_name.strip()[:200] or address.split("@")[0],
                       password=password, role=None, kind="guest", now=now)
    audit.record(db, "user.create", "user", user.id, actor_user_id=user.id,
                 organization_id=owner.id, ip=ip, at=now,
                 details={"email": address, "from_invitation": rows[0].id})
    joined = _joined(db, [r for r in rows if st.is_live(r.status, r.expires_at, now)])
    _accept_rows(db, rows, user, now, ip)
    code = issue_sign_in_code(db, secret_key=secret_key, user_id=user.id,
                              organization_id=owner.id, now=now)
    return NewAccount(owner.alias, address, joined, code)


def accept_received(db: Session, viewer: Viewer, invitation_id: int, *, now: datetime) -> None:
    """Accept from the received list: every pending row of the invitation's batch."""
    inv = db.get(Invitation, invitation_id)
    if inv is None or inv.kind != KIND or inv.recipient != viewer.email:
        raise NotFound()
    rows = db.exec(select(Invitation).where(Invitation.batch_id == inv.batch_id)
                   .order_by(Invitation.id)).all()
    _accept_rows(db, rows, db.get(User, viewer.user_id), now, viewer.ip)


def decline_received(db: Session, viewer: Viewer, invitation_id: int, *, now: datetime,
                     mailer: Mailer, reason: str = "") -> None:
    inv = db.get(Invitation, invitation_id)
    if inv is None or inv.kind != KIND or inv.recipient != viewer.email:
        raise NotFound()
    # every community of the batch, each in its own timeline
    lifecycle.decline(db, viewer, COMMUNITY_USER, Invitation.batch_id == inv.batch_id,
                      now=now, mailer=mailer, reason=reason)
