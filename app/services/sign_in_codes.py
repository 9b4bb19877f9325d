"""Signing a just-created account in at once: a random code, good for one minute and one
use, handed to the page that created the account, which posts it to /auth/code.

Only the code's keyed hash is stored. It names whom it signs in and where; using it is
one conditional update (unused and unexpired), so a replay or a race finds nothing.
"""

from datetime import datetime, timedelta

from sqlalchemy import delete, update
from sqlmodel import Session, select

from app.domain.errors import InvalidInput
from app.domain.tokens import hash_token, new_token
from app.models import Organization, SignInCode
from app.services import audit
from app.services.auth import active_member, open_session, password_off

CODE_LIFETIME = timedelta(seconds=60)
MAX_CODE = 200  # characters: a code is 43
CODE_ENDED = "This sign-in has expired or was already used. Sign in with your password."


def issue_sign_in_code(db: Session, *, secret_key: str, user_id: int, organization_id: int,
                       now: datetime) -> str:
    """A code that signs `user_id` in to `organization_id` once, within CODE_LIFETIME;
    written in the caller's transaction (with the account it signs in). Codes that
    expired earlier are deleted here."""
    db.exec(delete(SignInCode).where(SignInCode.expires_at <= now))
    code = new_token()
    db.add(SignInCode(code_hash=hash_token(secret_key, code), user_id=user_id,
                      organization_id=organization_id, created_at=now,
                      expires_at=now + CODE_LIFETIME))
    return code


def sign_in_with_code(db: Session, *, secret_key: str, code: str, now: datetime, hours: int,
                      ip: str = "", user_agent: str = "") -> str:
    """Use `code` (once) and open a session for whom it names; returns the session's
    cookie token. InvalidInput for a code that is unknown, used, expired, or whose
    account is no longer active there."""
    if not code or len(code) > MAX_CODE:
        raise InvalidInput(CODE_ENDED)
    code_hash = hash_token(secret_key, code)
    used = db.exec(update(SignInCode).where(
        SignInCode.code_hash == code_hash, SignInCode.used_at.is_(None),
        SignInCode.expires_at > now).values(used_at=now)).rowcount
    if used != 1:
        raise InvalidInput(CODE_ENDED)
    row = db.exec(select(SignInCode).where(SignInCode.code_hash == code_hash)).one()
    user = active_member(db, row.user_id, row.organization_id)
    if user is None or password_off(db, db.get(Organization, row.organization_id)):
        raise InvalidInput(CODE_ENDED)  # the code stands in for a password sign-in
    token = open_session(db, secret_key=secret_key, user_id=user.id,
                         organization_id=row.organization_id, now=now, hours=hours, ip=ip,
                         user_agent=user_agent)
    audit.record(db, "session.sign_in_with_code", "user", user.id, actor_user_id=user.id,
                 organization_id=row.organization_id, ip=ip or None, at=now)
    return token
