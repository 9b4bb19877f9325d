"""Finding an invitation by the token of its link."""

from sqlmodel import Session, select

from app.domain.errors import NotFound
from app.domain.tokens import hash_token
from app.models import Invitation


def invitation_by_token(db: Session, secret_key: str, token: str) -> Invitation:
    """The invitation whose link carries `token`; a resent link's old token finds nothing."""
    if not token or len(token) > 200:
        raise NotFound("This invitation link is not valid. It may have been replaced by a "
                       "newer one.")
    found = db.exec(select(Invitation).where(
        Invitation.token_hash == hash_token(secret_key, token))).first()
    if found is None:
        raise NotFound("This invitation link is not valid. It may have been replaced by a "
                       "newer one.")
    return found
