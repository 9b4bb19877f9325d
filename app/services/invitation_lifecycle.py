"""The lifecycle every kind of invitation shares: issue, reissue the token (resend,
remind), revoke or delete, accept, decline, and the batch-invite loop.

Each kind (tenant_invitations, user_invitations with community_members, parent_invitations)
keeps what differs: who may act, what the email says, what accepting grants
(invitation_grants). Expiry is `invitation_status.is_expired` / `status_sql.status_is`.
Every step that depends on a status is a conditional update checked by its row count, in
the caller's transaction.
"""

import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session

from app.domain import invitation_status as st
from app.domain.errors import Conflict, NotFound
from app.domain.tokens import hash_token, new_token
from app.domain.viewer import Viewer
from app.mail.links import drop_ended_links
from app.models import Invitation
from app.services import audit
from app.services.revocations import end_where
from app.services.status_sql import status_is
from app.services.tokens_lookup import invitation_by_token


@dataclass(frozen=True)
class Mailer:
    """What a step needs to write mail: the secret for token hashes, the base URL of links
    and how many days a link lasts."""

    secret_key: str
    base_url: str
    days: int = 14


CHANGED = "This invitation changed meanwhile; it can no longer be resent."
NOT_PENDING = "This invitation is no longer pending; nothing was revoked."
ALREADY_INVITED = "already invited"


def load(db: Session, invitation_id: int, kind: str) -> Invitation:
    """The invitation `invitation_id` of `kind`; NotFound for another kind, as for none.
    Who may act on it is the caller's check."""
    inv = db.get(Invitation, invitation_id)
    if inv is None or inv.kind != kind:
        raise NotFound()
    return inv


def load_by_token(db: Session, secret_key: str, token: str, kind: str) -> Invitation:
    """The invitation of `kind` whose link carries `token`; NotFound otherwise."""
    inv = invitation_by_token(db, secret_key, token)
    if inv.kind != kind:
        raise NotFound()
    return inv


def issue(db: Session, viewer: Viewer, kind: str, recipient: str, targets: list[dict], *,
          grants: dict, now: datetime, secret_key: str, validity: timedelta,
          details: Callable[[Invitation], dict]) -> tuple[str, list[Invitation]]:
    """A new invitation from the viewer's organization: a row per target (its scope_key and
    community or organization), all in one batch under one link, each with an
    "invitation.send" audit event carrying `details(row)`. Returns the token, for the email,
    and the rows."""
    token, batch = new_token(), uuid.uuid4().hex
    rows = []
    for target in targets:
        inv = Invitation(kind=kind, batch_id=batch, organization_id=viewer.organization_id,
                         invited_by_user_id=viewer.user_id, recipient=recipient, grants=grants,
                         token_hash=hash_token(secret_key, token), expires_at=now + validity,
                         created_at=now, sent_at=now, **target)
        db.add(inv)
        db.flush()
        audit.record(db, "invitation.send", "invitation", inv.id, viewer=viewer, at=now,
                     details=details(inv))
        rows.append(inv)
    return token, rows


def reissue_token(db: Session, rows: list[Invitation], *, now: datetime, secret_key: str,
                  validity: timedelta, viewer: Viewer, action: str = "invitation.resend",
                  details: dict | None = None) -> str:
    """A new link and expiry for pending `rows` (one batch: one token); the old link dies.

    Each row changes only if it is still pending with the token it was read with, else
    Conflict (a concurrent resend, revoke or accept won). An audit event per row. Returns
    the new token, for the email.
    """
    token = new_token()
    values = {"token_hash": hash_token(secret_key, token), "resent_at": now,
              "expires_at": now + validity}
    for row in rows:
        changed = db.exec(update(Invitation).where(
            Invitation.id == row.id, Invitation.status == st.PENDING,
            Invitation.token_hash == row.token_hash).values(**values)).rowcount
        if changed != 1:
            raise Conflict(CHANGED)
        db.refresh(row)
        audit.record(db, action, "invitation", row.id, viewer=viewer, at=now, details=details)
    return token


def reissue_for_reminder(db: Session, batch_id: str, *, now: datetime,
                         secret_key: str) -> str | None:
    """A new token (same expiry) for the pending, not yet reminded rows of a batch, marked
    reminded; None when another run reminded them first."""
    token = new_token()
    changed = db.exec(update(Invitation).where(
        Invitation.batch_id == batch_id, Invitation.status == st.PENDING,
        Invitation.reminded_at.is_(None))
        .values(reminded_at=now, token_hash=hash_token(secret_key, token))).rowcount
    return token if changed else None


def revoke(db: Session, viewer: Viewer, inv: Invitation, *, now: datetime,
           action: str = "invitation.revoke", from_statuses: Iterable[str] = (st.PENDING,),
           refused: str = NOT_PENDING) -> None:
    """End one invitation (Revoke, or Delete for parent users): its link dies, the row stays.
    Conflict with `refused` when it is no longer in one of `from_statuses`."""
    if not end_where(db, viewer, now, Invitation.id == inv.id,
                     Invitation.status.in_(tuple(from_statuses))):
        raise Conflict(refused)
    audit.record(db, action, "invitation", inv.id, viewer=viewer, at=now)


def mark_accepted(db: Session, ids: list[int], *, now: datetime, user_id: int,
                  for_organization_id: int, token_hash: str | None = None) -> bool:
    """Accept the rows `ids` if every one is still pending and unexpired (and, given
    `token_hash`, still has that link); their links die. False, and nothing changed that
    the caller keeps, when any row moved on: the caller raises its own message."""
    conditions = [Invitation.id.in_(ids), *status_is(st.PENDING, now)]
    if token_hash is not None:
        conditions.append(Invitation.token_hash == token_hash)
    changed = db.exec(update(Invitation).where(*conditions).values(
        status=st.ACCEPTED, accepted_at=now, accepted_by_user_id=user_id,
        accepted_for_organization_id=for_organization_id)).rowcount
    if changed != len(ids):
        return False
    drop_ended_links(db, now, ids)
    return True


def decline(db: Session, viewer: Viewer, *conditions, now: datetime,
            reason: str | None = None) -> list[int]:
    """The recipient declines the pending rows matching `conditions` (one invitation or a
    batch); their links die, an audit event per row. Conflict when none was pending."""
    declined = [row_id for (row_id,) in db.exec(
        update(Invitation).where(*conditions, Invitation.status == st.PENDING)
        .values(status=st.DECLINED, declined_at=now, decline_reason=reason)
        .returning(Invitation.id)).all()]
    if not declined:
        raise Conflict("This invitation is no longer pending; nothing was declined.")
    drop_ended_links(db, now, declined)
    for row_id in declined:
        audit.record(db, "invitation.decline", "invitation", row_id, viewer=viewer, at=now)
    return declined


def invite_each(db: Session, items: list[str], outcome: Callable[[str], str],
                write: Callable[[str], None], *, key: str,
                progress: Callable[[int, int], None] | None = None) -> list[dict]:
    """The batch-invite loop: every item already validated as a whole, each `item` whose
    `outcome` is "ok" is written in its own savepoint, so one failure spares the others; a
    unique-constraint clash (a concurrent invite) reads "already invited". A result per item,
    `{key: item, "outcome": ...}`. `progress(done, total)` is called every 25 items and once
    at the end."""
    results = []
    for item in items:
        if progress and len(results) % 25 == 0:
            progress(len(results), len(items))
        result = outcome(item)
        if result == "ok":
            try:
                with db.begin_nested():
                    write(item)
                result = "invited"
            except IntegrityError:
                result = ALREADY_INVITED
        results.append({key: item, "outcome": result})
    if progress:
        progress(len(results), len(items))
    return results
