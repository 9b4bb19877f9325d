"""Invitation statuses: what is stored, what is computed, what people read."""

from datetime import datetime

PENDING, ACCEPTED, CONFIRMED, DECLINED, REVOKED = (
    "pending", "accepted", "confirmed", "declined", "revoked")
OPEN = frozenset({PENDING, ACCEPTED})
EXPIRED = "expired"

TENANT_LABELS = {
    PENDING: "Invitation Pending", ACCEPTED: "Invitation Accepted", CONFIRMED: "Confirmed",
    DECLINED: "Declined", EXPIRED: "Expired", REVOKED: "Revoked",
}
USER_LABELS = {
    PENDING: "Pending", ACCEPTED: "Accepted", CONFIRMED: "Accepted", DECLINED: "Declined",
    EXPIRED: "Expired", REVOKED: "Deleted",
}


def effective_status(status: str, expires_at: datetime, now: datetime) -> str:
    """A pending invitation whose link has run out is expired; `now` is an input."""
    if status == PENDING and now >= expires_at:
        return EXPIRED
    return status


def display_status(kind: str, status: str, expires_at: datetime, now: datetime) -> str:
    labels = TENANT_LABELS if kind == "tenant" else USER_LABELS
    return labels[effective_status(status, expires_at, now)]
