"""The lifecycle every kind of invitation shares: load and authorize, issue, resend (a new
link), remind, revoke or delete, accept, decline, and the batch-invite loop.

What differs between kinds is a `Policy` (invitation_policies): how long a link lasts, who
may manage it, its email, the name of ending it, what accepting grants. Expiry is
`invitation_status.is_expired` / `status_sql.status_is`. Every step that depends on a
status is a conditional update checked by its row count, in the caller's transaction.
"""

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import update
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, select

from app.domain import invitation_status as st
from app.domain.errors import Conflict, DomainError, NotFound, PermissionDenied
from app.domain.limits import MAX_DECLINE_REASON, check_length
from app.domain.tokens import hash_token, new_token
from app.domain.viewer import Viewer
from app.mail import templates
from app.mail.links import drop_ended_links
from app.mail.outbox import enqueue
from app.models import Community, Invitation, Organization, User
from app.services import audit
from app.services.invitation_limits import check_room
from app.services.invitation_policies import Policy
from app.services.revocations import end_where
from app.services.status_sql import status_is
from app.services.tokens_lookup import invitation_by_token
from app.stop_points import stop_at


@dataclass(frozen=True)
class Mailer:
    """What a step needs to write mail: the secret for token hashes, the base URL of links
    and how many days a link lasts."""

    secret_key: str
    base_url: str
    days: int = 14

    def validity(self, policy: Policy) -> timedelta:
        return policy.validity(self.days)


CHANGED = "This invitation changed meanwhile; it can no longer be resent."
REPEAT_WINDOW = timedelta(seconds=10)  # a resend this soon after the last resend repeats it
ALREADY_INVITED = "already invited"


def load(db: Session, policy: Policy, invitation_id: int) -> Invitation:
    """The invitation `invitation_id` of the policy's kind; NotFound for another kind, as
    for none. Who may act on it is the caller's check (or `managed`)."""
    inv = db.get(Invitation, invitation_id)
    if inv is None or inv.kind != policy.kind:
        raise NotFound()
    return inv


def managed(db: Session, viewer: Viewer, policy: Policy, invitation_id: int) -> Invitation:
    """The invitation, when the viewer may manage it (resend, revoke or delete, confirm)."""
    inv = load(db, policy, invitation_id)
    policy.may_manage(db, viewer, inv)
    return inv


def not_for_viewer(status: str, why: str) -> DomainError:
    """The refusal of someone who is not a link's recipient: once the link is used or
    ended, the generic answer its page shows them (`st.LINK_UNUSABLE`); before, `why`."""
    if st.shown_on_link(status, False) == st.CLOSED:
        return NotFound(st.LINK_UNUSABLE)
    return PermissionDenied(why)


def for_link_page(db: Session, secret_key: str, token: str, policy: Policy) -> Invitation | None:
    """The invitation a link page shows, or None when the token finds none of the policy's
    kind (the page then shows `st.closed_view`, as for any link that does not speak to
    its visitor)."""
    try:
        return load_by_token(db, secret_key, token, policy)
    except NotFound:
        return None


def load_by_token(db: Session, secret_key: str, token: str, policy: Policy) -> Invitation:
    """The invitation of the policy's kind whose link carries `token`; NotFound otherwise."""
    inv = invitation_by_token(db, secret_key, token)
    if inv.kind != policy.kind:
        raise NotFound(st.LINK_UNUSABLE)  # as for a link that finds nothing
    return inv


def send(db: Session, policy: Policy, rows: list[Invitation], token: str, *, mailer: Mailer,
         now: datetime, inviter: Viewer | None, flush: bool = True) -> None:
    """Queue the kind's email carrying the link `token` to the batch `rows` (`flush=False`:
    the caller flushes once after queuing many)."""
    letter = policy.letter(db, rows, token, mailer.base_url, inviter)
    enqueue(db, to=letter.to, subject=letter.subject, text=letter.text, html=letter.html,
            base_url=mailer.base_url, invitation_id=rows[0].id, now=now, flush=flush)


def issue(db: Session, viewer: Viewer, policy: Policy, recipient: str, targets: list[dict], *,
          grants: dict, now: datetime, mailer: Mailer,
          details: Callable[[Invitation], dict]) -> list[Invitation]:
    """A new invitation from the viewer's organization: a row per target (its scope_key and
    community or organization), all in one batch under one link, each with an
    "invitation.send" audit event carrying `details(row)`, and its email queued."""
    (rows,) = issue_many(db, viewer, policy, [recipient], targets, grants=grants, now=now,
                         mailer=mailer, details=details)
    return rows


def issue_many(db: Session, viewer: Viewer, policy: Policy, recipients: list[str],
               targets: list[dict], *, grants: dict, now: datetime, mailer: Mailer,
               details: Callable[[Invitation], dict]) -> list[list[Invitation]]:
    """`issue` to each of `recipients` (each its own batch, link and email), written
    together: one flush inserts every row, one more their audit events and emails. Past
    the inviter's or the organization's limit (`invitation_limits`), nothing is written."""
    check_room(db, viewer, len(recipients), now)
    issued = []
    for recipient in recipients:
        token, batch = new_token(), uuid.uuid4().hex
        token_hash = hash_token(mailer.secret_key, token)
        rows = [Invitation(kind=policy.kind, batch_id=batch,
                           organization_id=viewer.organization_id,
                           invited_by_user_id=viewer.user_id, recipient=recipient,
                           grants=grants, token_hash=token_hash,
                           expires_at=now + mailer.validity(policy), created_at=now,
                           sent_at=now, **target)
                for target in targets]
        db.add_all(rows)
        issued.append((token, rows))
    db.flush()
    for token, rows in issued:
        for inv in rows:
            audit.record(db, "invitation.send", "invitation", inv.id, viewer=viewer, at=now,
                         details=details(inv))
        send(db, policy, rows, token, mailer=mailer, now=now, inviter=viewer, flush=False)
    db.flush()
    stop_at("batch-written")  # a test's kill: written, not yet committed
    return [rows for _, rows in issued]


def resend(db: Session, viewer: Viewer, policy: Policy, inv: Invitation, *, now: datetime,
           mailer: Mailer, action: str = "invitation.resend") -> list[Invitation]:
    """A new link and expiry for the pending rows of the invitation's batch, by email; the
    old link dies. Conflict when none is pending (expired ones are: they renew)."""
    rows = db.exec(select(Invitation).where(
        Invitation.batch_id == inv.batch_id, Invitation.status == st.PENDING)
        .order_by(Invitation.id)).all()
    if not rows:
        raise Conflict("Only a pending or expired invitation can be resent.")
    last = max((r.resent_at for r in rows if r.resent_at), default=None)
    if last and now - last < REPEAT_WINDOW:  # a double click, or two admins: one email
        raise Conflict(f"Sent {st.ago(last, now)}; nothing was sent again.")
    token = reissue_token(db, rows, now=now, secret_key=mailer.secret_key,
                          validity=mailer.validity(policy), viewer=viewer, action=action,
                          details={"recipient": inv.recipient})
    send(db, policy, rows, token, mailer=mailer, now=now, inviter=viewer)
    return rows


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


def revoke(db: Session, viewer: Viewer, policy: Policy, inv: Invitation, *,
           now: datetime) -> None:
    """End one invitation (Revoke, or Delete for parent users): its link dies, the row stays.
    Conflict with the policy's message when its status no longer allows it."""
    if not end_where(db, viewer, now, Invitation.id == inv.id,
                     Invitation.status.in_(tuple(policy.ends_from))):
        raise Conflict(policy.end_refused)
    audit.record(db, policy.end_action, "invitation", inv.id, viewer=viewer, at=now)


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


def decline(db: Session, viewer: Viewer, policy: Policy, *conditions, now: datetime,
            mailer: Mailer, reason: str = "") -> list[int]:
    """The recipient declines the live rows matching `conditions` (one invitation or a
    batch): their links die, an audit event per row keeps the reason, and the inviter is
    told by email, with the reason. Conflict when none was pending and unexpired."""
    reason = check_length(reason.strip(), MAX_DECLINE_REASON, "reason")
    declined = db.exec(
        update(Invitation).where(*conditions, *status_is(st.PENDING, now))
        .values(status=st.DECLINED, declined_at=now, decline_reason=reason or None)
        .returning(Invitation.id)).all()
    if not declined:
        raise Conflict("This invitation is no longer pending; nothing was declined.")
    ids = sorted(row_id for (row_id,) in declined)
    drop_ended_links(db, now, ids)
    for row_id in ids:
        audit.record(db, "invitation.decline", "invitation", row_id, viewer=viewer, at=now,
                     details={"decline_reason": reason} if reason else None)
    rows = [db.get(Invitation, row_id) for row_id in ids]
    where = ", ".join(dict.fromkeys(_place(db, row) for row in rows))
    subject, text, html = templates.invitation_declined(
        recipient=rows[0].recipient, where=where, reason=reason,
        link=mailer.base_url + policy.manage_path(rows[0]))
    enqueue(db, to=db.get(User, rows[0].invited_by_user_id).email, subject=subject,
            text=text, html=html, base_url=mailer.base_url, invitation_id=rows[0].id, now=now)
    return ids


def _place(db: Session, inv: Invitation) -> str:
    """What the invitation is into: its community, or the organization."""
    if inv.community_id is not None:
        return db.get(Community, inv.community_id).name
    return db.get(Organization, inv.target_organization_id).name


def invite_each(db: Session, items: list[str], outcome: Callable[[str], str],
                write: Callable[[str], None], *, key: str,
                progress: Callable[[int, int], None] | None = None,
                write_all: Callable[[list[str]], None] | None = None) -> list[dict]:
    """The batch-invite loop: every item already validated as a whole, each `item` whose
    `outcome` is "ok" is written in its own savepoint, so one failure spares the others; a
    unique-constraint clash (a concurrent invite) reads "already invited". A result per item,
    `{key: item, "outcome": ...}`. `progress(done, total)` is called every 25 items and once
    at the end.

    With `write_all`, every item is checked first (an item already "ok" earlier in the
    batch is then "already invited") and the "ok" ones are written together in one
    savepoint; only when that clashes are they written one by one as above."""
    if write_all is None:
        return _each_alone(db, items, outcome, write, key=key, progress=progress)
    results, ok = [], set()
    for item in items:
        if progress and len(results) % 25 == 0:
            progress(len(results), len(items))
        result = outcome(item)
        if result == "ok" and item in ok:
            result = ALREADY_INVITED
        if result == "ok":
            ok.add(item)
        results.append({key: item, "outcome": result})
    if progress:
        progress(len(results), len(items))
    chosen = [r for r in results if r["outcome"] == "ok"]
    try:
        with db.begin_nested():
            if chosen:
                write_all([r[key] for r in chosen])
    except IntegrityError:
        for r in chosen:
            r["outcome"] = _written(db, write, r[key])
        return results
    for r in chosen:
        r["outcome"] = "invited"
    return results


def _each_alone(db: Session, items: list[str], outcome: Callable[[str], str],
                write: Callable[[str], None], *, key: str,
                progress: Callable[[int, int], None] | None) -> list[dict]:
    results = []
    for item in items:
        if progress and len(results) % 25 == 0:
            progress(len(results), len(items))
        result = outcome(item)
        if result == "ok":
            result = _written(db, write, item)
        results.append({key: item, "outcome": result})
    if progress:
        progress(len(results), len(items))
    return results


def _written(db: Session, write: Callable[[str], None], item: str) -> str:
    """"invited" once `write(item)` is done in its own savepoint; "already invited" when it
    clashes with a unique constraint (and then nothing of it stays)."""
    try:
        with db.begin_nested():
            write(item)
    except IntegrityError:
        return ALREADY_INVITED
    return "invited"
