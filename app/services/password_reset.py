"""Forgot password: an emailed link, usable once for 30 minutes, to choose a new password.

The answer to a request is the same whether or not the address has an account: the
request is recorded either way (to throttle it) and only an account gets mail. Requests
are throttled per address typed (past a few, no more mail goes to it, silently) and per
client (past more, the client is told to wait). The link's token is stored only as a
hash; using it ends every session of the account and every other open link.
"""

import hashlib
import hmac
from datetime import datetime, timedelta

from sqlalchemy import delete, func, update
from sqlmodel import Session, select

from app import routes
from app.domain.errors import InvalidInput, TooManyAttempts
from app.domain.names import normalize_email
from app.domain.password_rules import check_new_password
from app.domain.tokens import hash_token, new_token
from app.mail import outbox, templates
from app.models import Organization, PasswordReset, ResetRequest, User
from app.services import audit
from app.services.accounts import end_reset_links, end_sessions
from app.services.auth import throttle_address
from app.services.passwords import hash_password
from app.settings import derive_key

LINK_LIFETIME = timedelta(minutes=30)
REQUEST_WINDOW = timedelta(minutes=15)
WINDOW_MINUTES = int(REQUEST_WINDOW.total_seconds() // 60)
MAILS_PER_ADDRESS = 3
REQUESTS_PER_CLIENT = 10
LINK_ENDED = ("This link has expired or has already been used. Ask for a new one from "
              "the sign-in page.")


def _address_key(secret_key: str, email: str) -> str:
    return hmac.new(derive_key(secret_key, "password-reset-throttle"), email.encode(),
                    hashlib.sha256).hexdigest()


def _recent(db: Session, column, value: str, now: datetime) -> int:
    return db.exec(select(func.count()).select_from(ResetRequest).where(
        column == value, ResetRequest.at > now - REQUEST_WINDOW)).one()


def request_password_reset(db: Session, *, secret_key: str, base_url: str, email: str,
                           now: datetime, ip: str = "") -> None:
    """Record the request and, for an active account under a few recent requests, queue
    the link in the outbox; raises only for a malformed address or a client asking too
    often, neither of which depends on an account existing."""
    address = normalize_email(email)
    bucket = throttle_address(ip)
    if bucket and _recent(db, ResetRequest.ip, bucket, now) >= REQUESTS_PER_CLIENT:
        raise TooManyAttempts(WINDOW_MINUTES, "requests for a new password from your network")
    db.exec(delete(ResetRequest).where(ResetRequest.at <= now - REQUEST_WINDOW))
    key = _address_key(secret_key, address)
    earlier = _recent(db, ResetRequest.key, key, now)
    db.add(ResetRequest(key=key, ip=bucket, at=now))
    user = db.exec(select(User).where(User.email == address)).first()
    if user is None or not user.is_active or earlier >= MAILS_PER_ADDRESS:
        return
    token = new_token()
    db.add(PasswordReset(user_id=user.id, token_hash=hash_token(secret_key, token),
                         created_at=now, expires_at=now + LINK_LIFETIME))
    subject, text, html = templates.password_reset(
        name=user.display_name, expires_at=now + LINK_LIFETIME,
        link=routes.reset_link(base_url, token))
    outbox.enqueue(db, to=user.email, subject=subject, text=text, html=html,
                   base_url=base_url, now=now)
    audit.record(db, "user.password_reset_requested", "user", user.id, at=now,
                 organization_id=user.home_organization_id, ip=ip or None)


def _open_link(db: Session, secret_key: str, token: str, now: datetime) -> PasswordReset:
    link = db.exec(select(PasswordReset).where(
        PasswordReset.token_hash == hash_token(secret_key, token))).first() if token else None
    if link is None or link.used_at is not None or link.expires_at <= now:
        raise InvalidInput(LINK_ENDED)
    return link


def reset_view(db: Session, secret_key: str, token: str, now: datetime) -> dict:
    """What the reset page shows for `token`: whose password it sets; InvalidInput for a
    link that is unknown, used or expired."""
    user = db.get(User, _open_link(db, secret_key, token, now).user_id)
    if not user.is_active:
        raise InvalidInput(LINK_ENDED)
    return {"email": user.email}


def reset_password(db: Session, *, secret_key: str, token: str, new_password: str,
                   now: datetime, ip: str = "") -> str:
    """Set the new password through the link, once; every session of the account and
    every other open link end. Returns the alias of the account's home organization
    (to sign in with)."""
    check_new_password(new_password)
    link = _open_link(db, secret_key, token, now)
    user = db.get(User, link.user_id)
    if not user.is_active:
        raise InvalidInput(LINK_ENDED)
    password_hash = hash_password(new_password)
    used = db.exec(update(PasswordReset).where(
        PasswordReset.id == link.id, PasswordReset.used_at.is_(None),
        PasswordReset.expires_at > now).values(used_at=now)).rowcount
    if used != 1:  # someone used it a moment ago
        raise InvalidInput(LINK_ENDED)
    user.password_hash, user.updated_at = password_hash, now
    ended = end_sessions(db, user.id, now)
    end_reset_links(db, user.id, now)
    audit.record(db, "user.password_reset", "user", user.id, at=now, actor_user_id=user.id,
                 organization_id=user.home_organization_id, ip=ip or None,
                 details={"sessions_ended": ended})
    return db.get(Organization, user.home_organization_id).alias
