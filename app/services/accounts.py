"""One's own account: change the password, see one's sessions, sign out the others.

Checking and hashing a password takes a tenth of a second each: entry points run these
use cases on the password pool (`app/services/passwords.off_loop`), never on the event
loop.
"""

from datetime import datetime

from sqlalchemy import update
from sqlmodel import Session, select

from app.domain.errors import DomainError, InvalidInput, TooManyAttempts
from app.domain.password_rules import check_new_password
from app.domain.viewer import Viewer
from app.models import AuthSession, PasswordReset, SignInFailure, User
from app.services import audit
from app.services.auth import (
    MAX_FAILURES_PER_ACCOUNT,
    WINDOW_MINUTES,
    recent_failures,
    throttle_address,
)
from app.services.passwords import hash_password, verify_password

WRONG_CURRENT = "The current password is not right; nothing was changed."


def end_sessions(db: Session, user_id: int, now: datetime, *, keep: int | None = None) -> int:
    """End every live session of `user_id` (but `keep`); returns how many ended."""
    query = update(AuthSession).where(AuthSession.user_id == user_id,
                                      AuthSession.ended_at.is_(None),
                                      AuthSession.expires_at > now)
    if keep is not None:
        query = query.where(AuthSession.id != keep)
    return db.exec(query.values(ended_at=now)).rowcount


def end_reset_links(db: Session, user_id: int, now: datetime) -> None:
    """Every reset link of `user_id` still open can no longer be used."""
    db.exec(update(PasswordReset).where(PasswordReset.user_id == user_id,
                                        PasswordReset.used_at.is_(None))
            .values(used_at=now))


def change_password(db: Session, viewer: Viewer, *, current: str, new: str,
                    now: datetime) -> DomainError | None:
    """Set a new password for the viewer, who types the current one; the viewer's other
    sessions and open reset links end, this session stays.

    A wrong current password counts against the account like a failed sign-in (a session
    left open must not become a way to guess it) and is returned, not raised, so the
    caller commits that count; so is the refusal of a throttled account. Other refusals
    (a new password too short) are raised and write nothing.
    """
    check_new_password(new)
    if new == current:
        raise InvalidInput("The new password is the current one; choose another.")
    bucket = throttle_address(viewer.ip or "")
    key = f"user:{viewer.user_id}"
    if recent_failures(db, SignInFailure.key, key, now) >= MAX_FAILURES_PER_ACCOUNT:
        return TooManyAttempts(WINDOW_MINUTES, "wrong passwords")
    user = db.get(User, viewer.user_id)
    if not verify_password(current, user.password_hash):
        db.add(SignInFailure(key=key, ip=bucket, at=now))
        return InvalidInput(WRONG_CURRENT)
    user.password_hash = hash_password(new)
    user.updated_at = now
    ended = end_sessions(db, user.id, now, keep=viewer.session_id)
    end_reset_links(db, user.id, now)
    audit.record(db, "user.password_changed", "user", user.id, at=now, viewer=viewer,
                 details={"other_sessions_ended": ended})
    return None


def _client(user_agent: str | None) -> str:
    """A short name for the browser and system in a User-Agent ("Chrome on Linux")."""
    ua = user_agent or ""
    browser = next((name for token, name in (
        ("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"), ("Chrome/", "Chrome"),
        ("Chromium/", "Chromium"), ("Safari/", "Safari")) if token in ua), "")
    system = next((name for token, name in (
        ("Android", "Android"), ("iPhone", "iPhone"), ("iPad", "iPad"),
        ("Windows", "Windows"), ("Mac OS X", "macOS"), ("Linux", "Linux")) if token in ua), "")
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or ua[:60] or "Unknown"


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else ""


def list_sessions(db: Session, viewer: Viewer, now: datetime) -> list[dict]:
    """The viewer's live sessions, this one first, then the most recently seen."""
    rows = db.exec(select(AuthSession).where(
        AuthSession.user_id == viewer.user_id, AuthSession.ended_at.is_(None),
        AuthSession.expires_at > now)).all()
    rows = sorted(rows, key=lambda s: (s.id != viewer.session_id,
                                       -(s.last_seen_at or s.created_at).timestamp()))
    return [{"id": s.id, "current": s.id == viewer.session_id,
             "signed_in": _when(s.created_at), "last_seen": _when(s.last_seen_at),
             "address": s.ip or "", "client": _client(s.user_agent)} for s in rows]


def sign_out_other_sessions(db: Session, viewer: Viewer, *, now: datetime) -> int:
    """End every other live session of the viewer; returns how many ended."""
    ended = end_sessions(db, viewer.user_id, now, keep=viewer.session_id)
    if ended:
        audit.record(db, "session.sign_out_others", "user", viewer.user_id, at=now,
                     viewer=viewer, details={"sessions_ended": ended})
    return ended
