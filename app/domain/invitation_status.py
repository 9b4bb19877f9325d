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
COMMUNITY_USER_LABELS = {
    PENDING: "Pending", ACCEPTED: "Accepted", CONFIRMED: "Accepted", DECLINED: "Declined",
    EXPIRED: "Expired", REVOKED: "Revoked",
}
PARENT_USER_LABELS = {**COMMUNITY_USER_LABELS, REVOKED: "Deleted"}  # 004 says Delete
LABELS = {"tenant": TENANT_LABELS, "community_user": COMMUNITY_USER_LABELS,
          "parent_user": PARENT_USER_LABELS}
# Ending an invitation: the button's word per kind (its past is the `revoked` label).
END_VERBS = {"tenant": "Revoke", "community_user": "Revoke", "parent_user": "Delete"}
# A list that mixes kinds names the one `revoked` key with both words.
MIXED_LABELS = {**COMMUNITY_USER_LABELS, REVOKED: "Revoked / Deleted"}


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


USED_OR_ENDED = frozenset({ACCEPTED, CONFIRMED, DECLINED, REVOKED})
CLOSED = "closed"  # what a link page shows a stranger of a used or ended invitation
# The one answer of a link that does not speak to whoever opened it: forged, mistyped,
# replaced by a resend, of another kind, or used or ended and opened by someone else. It
# names nothing, so a guessed token and a real one read the same.
LINK_UNUSABLE = ("This invitation link is not valid or can no longer be used. A newer "
                 "invitation email may have replaced it.")


def closed_view() -> dict:
    """What a link page is sent when the link does not speak to the visitor (no id)."""
    return {"status": CLOSED, "closed": True}


def shown_on_link(status: str, is_recipient: bool) -> str:
    """The status a link page may show whoever opened it: a used or ended link tells
    anyone but its recipient only that it can no longer be used (CLOSED)."""
    return status if is_recipient or status not in USED_OR_ENDED else CLOSED


def label(kind: str, status: str) -> str:
    """The words people read for an effective status of an invitation of `kind`."""
    return LABELS[kind][status]


_BECAME = {ACCEPTED: "has already been accepted", CONFIRMED: "has already been confirmed",
           DECLINED: "was declined", EXPIRED: "has expired"}


def no_longer(kind: str, status: str) -> str:
    """Why an invitation of `kind` in `status` cannot be used, as a sentence."""
    became = _BECAME.get(status) or f"was {ended(kind)}"
    return f"This invitation {became} and can no longer be used."


def refused_use(kind: str, status: str, accepted_by: int | None,
                accepted_at: datetime | None, user_id: int, now: datetime) -> str:
    """Why accepting again is refused: to whoever accepted it, when (a double click), and
    to anyone else, `no_longer`."""
    if status in (ACCEPTED, CONFIRMED) and accepted_by == user_id and accepted_at:
        return f"You accepted this invitation {ago(accepted_at, now)}; nothing more to do."
    return no_longer(kind, status)


def ago(then: datetime, now: datetime) -> str:
    """"3 s ago", "4 min ago", "2 h ago", "5 days ago"."""
    seconds = max(0, int((now - then).total_seconds()))
    for size, unit in ((86400, " days"), (3600, " h"), (60, " min")):
        if seconds >= size:
            return f"{seconds // size}{unit} ago"
    return f"{seconds} s ago"


def ended(kind: str) -> str:
    """"revoked" or "deleted": what ending an invitation of `kind` did, for a sentence."""
    return LABELS[kind][REVOKED].lower()
