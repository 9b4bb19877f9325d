"""Finding an invitation by the token of its link."""

from sqlmodel import Session, select

from app.domain.errors import NotFound
from app.domain.invitation_status import LINK_UNUSABLE
from app.domain.tokens import hash_token
from app.models import Invitation


def invitation_by_token(db: Session, secret_key: str, token: str) -> Invitation:
    """The invitation whose link carries `token`; a resent link's old token finds nothing."""
    if not token or len(token) > 200:
        raise NotFound(LINK_UNUSABLE)
    found = db.exec(select(Invitation).where(
        Invitation.token_hash == hash_token(secret_key, token))).first()
    if found is None:
        raise NotFound(LINK_UNUSABLE)
    return found
