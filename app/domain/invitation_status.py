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


def effective_status(status: str, expires_at: datetime, now: datetime) -> str:
    """A pending invitation whose link has run out is expired; `now` is an input."""
    if status == PENDING and now >= expires_at:
        return EXPIRED
    return status


def label(kind: str, status: str) -> str:
    """The words people read for an effective status of an invitation of `kind`."""
    return LABELS[kind][status]
