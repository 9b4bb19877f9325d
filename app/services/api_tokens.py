"""Personal API tokens (issue 16): made on the API tokens page, shown once, sent as
`Authorization: Bearer <token>`.

A token acts as its owner in the organization it was made in, with the owner's
permissions at the time of each request (a demoted owner's token loses rights at once;
one whose owner left the organization or was deactivated works no more), and never past
its scope: "read" tokens may only read. Only the token's keyed hash is stored, like a
session's; the last characters (`hint`) tell tokens apart in a list.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlmodel import Session, select

from app.domain.errors import InvalidInput, NotFound, NotSignedIn, PermissionDenied
from app.domain.tokens import hash_token, new_token
from app.domain.viewer import Viewer
from app.models import ApiToken, Organization
from app.services import audit
from app.services.auth import active_member, viewer_for_user

PREFIX = "cmn_"  # says what a token is, in a leaked log or a secret scanner
READ, WRITE = "read", "write"
SCOPES = {READ: "Read", WRITE: "Read and write"}
LIFETIMES = {"30": 30, "90": 90, "365": 365, "never": None}  # days
MAX_NAME = 100
MAX_TOKEN = 200  # characters of a presented token (one is 47)
USED_EVERY = timedelta(minutes=1)  # `last_used_at` is written at most this often
UNUSABLE = "This API token is unknown, revoked or expired."
READ_ONLY = "This API token may only read."


@dataclass(frozen=True)
class Made:
    token: str  # shown once, never stored
    row: ApiToken


def create_token(db: Session, viewer: Viewer, name: str, scope: str, lifetime: str, *,
                 now: datetime, secret_key: str) -> Made:
    """A new token of `viewer` in their current organization."""
    name = " ".join(name.split())
    if not name:
        raise InvalidInput("Give the token a name, so that you know it again.")
    if len(name) > MAX_NAME:
        raise InvalidInput(f"The name is too long (at most {MAX_NAME} characters).")
    if scope not in SCOPES:
        raise InvalidInput("Choose what the token may do: read, or read and write.")
    if lifetime not in LIFETIMES:
        raise InvalidInput("Choose when the token expires.")
    days = LIFETIMES[lifetime]
    token = PREFIX + new_token()
    row = ApiToken(token_hash=hash_token(secret_key, token), hint=token[-4:], name=name,
                   scope=scope, user_id=viewer.user_id,
                   organization_id=viewer.organization_id, created_at=now,
                   expires_at=now + timedelta(days=days) if days else None)
    db.add(row)
    db.flush()
    audit.record(db, "api_token.create", "api_token", row.id, viewer=viewer, at=now,
                 details={"name": name, "scope": scope})
    return Made(token, row)


def list_tokens(db: Session, viewer: Viewer, now: datetime) -> list[dict]:
    """The viewer's own tokens, in every organization, newest first, with their state."""
    rows = db.exec(select(ApiToken, Organization.name)
                   .join(Organization, Organization.id == ApiToken.organization_id)
                   .where(ApiToken.user_id == viewer.user_id)
                   .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())).all()
    return [{"id": t.id, "name": t.name, "hint": t.hint, "scope": t.scope,
             "scope_label": SCOPES.get(t.scope, t.scope), "organization": org,
             "created": _day(t.created_at), "expires": _day(t.expires_at) or "Never",
             "last_used": _day(t.last_used_at) or "Never", "state": state(t, now)}
            for t, org in rows]


def state(token: ApiToken, now: datetime) -> str:
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    return "active"


def revoke_token(db: Session, viewer: Viewer, token_id: int, *, now: datetime) -> ApiToken:
    """Revoke one of the viewer's own tokens (anyone else's is NotFound, as is none)."""
    row = db.get(ApiToken, token_id)
    if row is None or row.user_id != viewer.user_id:
        raise NotFound()
    if row.revoked_at is None:
        row.revoked_at = now
        audit.record(db, "api_token.revoke", "api_token", row.id, viewer=viewer, at=now,
                     details={"name": row.name})
    return row


def viewer_for_api_token(db: Session, *, secret_key: str, token: str | None, now: datetime,
                         write: bool, ip: str | None = None) -> Viewer:
    """The Viewer a request acts as: the token's owner in its organization, as they are
    now. NotSignedIn for a missing, unknown, revoked or expired token, or one whose owner
    is inactive or no longer in that organization; PermissionDenied for a write with a
    read token."""
    if not token or len(token) > MAX_TOKEN or not token.startswith(PREFIX):
        raise NotSignedIn(UNUSABLE)
    row = db.exec(select(ApiToken).where(
        ApiToken.token_hash == hash_token(secret_key, token))).first()
    if row is None or state(row, now) != "active":
        raise NotSignedIn(UNUSABLE)
    user = active_member(db, row.user_id, row.organization_id)
    if user is None:
        raise NotSignedIn(UNUSABLE)
    if write and row.scope != WRITE:
        raise PermissionDenied(READ_ONLY)
    if row.last_used_at is None or row.last_used_at <= now - USED_EVERY:
        row.last_used_at = now
    return viewer_for_user(db, user, row.organization_id, ip=ip)


def _day(at: datetime | None) -> str:
    return at.strftime("%Y-%m-%d") if at else ""
