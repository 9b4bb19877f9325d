"""Invitation statuses: what is stored, what is computed, and the words each kind shows.

Services work with status keys; only pages (and the CSV export) turn a key into words,
through `label`.
"""

from datetime import datetime

PENDING, ACCEPTED, CONFIRMED, DECLINED, REVOKED = (
    "pending", "accepted", "confirmed", "declined", "revoked")
OPEN = frozenset({PENDING, ACCEPTED})
EXPIRED = "expired"
# Every effective status, in the order of an invitation's life (a status sort uses it).
STATUSES = (PENDING, EXPIRED, ACCEPTED, CONFIRMED, DECLINED, REVOKED)
KINDS = ("tenant", "community_user", "parent_user")

TENANT_LABELS = {
    PENDING: "Invitation Pending", ACCEPTED: "Invitation Accepted", CONFIRMED: "Confirmed",
    DECLINED: "Declined", EXPIRED: "Expired", REVOKED: "Revoked",
}
USER_LABELS = {
    PENDING: "Pending", ACCEPTED: "Accepted", CONFIRMED: "Accepted", DECLINED: "Declined",
    EXPIRED: "Expired", REVOKED: "Deleted",
}
LABELS = {"tenant": TENANT_LABELS, "community_user": USER_LABELS, "parent_user": USER_LABELS}


def is_expired(expires_at: datetime, now: datetime) -> bool:
    """A link has run out at `expires_at` itself and after; `now` is an input. The SQL
    form is `status_sql.status_is`."""
    return now >= expires_at


def effective_status(status: str, expires_at: datetime, now: datetime) -> str:
    """A pending invitation whose link has run out is expired."""
    if status == PENDING and is_expired(expires_at, now):
        return EXPIRED
    return status


def is_live(status: str, expires_at: datetime, now: datetime) -> bool:
    """Pending and not expired: the only status a link can still be used in."""
    return effective_status(status, expires_at, now) == PENDING


def label(kind: str, status: str) -> str:
    """The words people read for an effective status of an invitation of `kind`."""
    return LABELS[kind][status]
