"""The effective status in SQL, beside its Python form (`invitation_status.effective_status`).

Lists filter, count and sort by a status key inside the query, so a filter is right
whatever the length of the list; tests/test_status_lists.py checks that both forms agree,
at the boundary (`expires_at == now` is expired) too.
"""

from datetime import datetime

from sqlalchemy import and_, case

from app.domain import invitation_status as st
from app.domain.errors import InvalidInput
from app.models import Invitation


def status_is(key: str, now: datetime) -> list:
    """SQL conditions selecting the invitations whose effective status is `key`."""
    if key == st.EXPIRED:
        return [Invitation.status == st.PENDING, Invitation.expires_at <= now]
    if key == st.PENDING:
        return [Invitation.status == st.PENDING, Invitation.expires_at > now]
    if key in st.STATUSES:
        return [Invitation.status == key]
    raise InvalidInput("Choose one of the statuses offered.")


def effective_status(now: datetime):
    """The effective status key of each row, as a SQL expression."""
    return case((and_(Invitation.status == st.PENDING, Invitation.expires_at <= now),
                 st.EXPIRED), else_=Invitation.status)


def status_rank(now: datetime):
    """The position of each row's effective status in `STATUSES` (a status sort)."""
    return case({key: i for i, key in enumerate(st.STATUSES)}, value=effective_status(now),
                else_=len(st.STATUSES))
