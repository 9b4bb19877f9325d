"""What each kind of invitation allows in each status, and which side may do it.

The status is the effective one (expired computed). The services' own conditional
updates stay the authority on whether an action happens; this table is what they allow,
written once, so lists can say which buttons to show (`flags`) and a test can hold the
two together (tests/test_status_lists.py).
"""

from functools import cache

from app.domain.invitation_status import ACCEPTED, EXPIRED, PENDING

INVITER, RECIPIENT = "inviter_side", "recipient_side"
RESEND, REVOKE, CONFIRM, ACCEPT, DECLINE = "resend", "revoke", "confirm", "accept", "decline"
ACTIONS = (RESEND, REVOKE, CONFIRM, ACCEPT, DECLINE)

_INVITER_OPEN = {RESEND: INVITER, REVOKE: INVITER}

# kind -> effective status -> action -> the side that may take it. A status that is not
# listed (confirmed, declined, revoked; accepted for people) allows nothing.
TABLE: dict[str, dict[str, dict[str, str]]] = {
    "tenant": {
        PENDING: {**_INVITER_OPEN, ACCEPT: RECIPIENT, DECLINE: RECIPIENT},
        EXPIRED: dict(_INVITER_OPEN),
        # the inviter confirms the accepting tenant, or withdraws before confirming
        ACCEPTED: {CONFIRM: INVITER, REVOKE: INVITER},
    },
    "community_user": {
        PENDING: {**_INVITER_OPEN, ACCEPT: RECIPIENT, DECLINE: RECIPIENT},
        EXPIRED: dict(_INVITER_OPEN),
    },
    # a parent user declines by letting the invitation expire; "revoke" reads "Delete"
    "parent_user": {
        PENDING: {**_INVITER_OPEN, ACCEPT: RECIPIENT},
        EXPIRED: dict(_INVITER_OPEN),
    },
}


def who(kind: str, status: str, action: str) -> str | None:
    """The side that may take `action` on an invitation of `kind` in `status`, or None."""
    return TABLE[kind].get(status, {}).get(action)


def allowed(kind: str, status: str, action: str) -> bool:
    return who(kind, status, action) is not None


def actions_for(kind: str, status: str, side: str) -> set[str]:
    """The actions `side` may take on an invitation of `kind` in `status`."""
    return {action for action, by in TABLE[kind].get(status, {}).items() if by == side}


def flags(kind: str, status: str, sides: set[str] | frozenset[str]) -> dict[str, bool]:
    """`can_<action>` for every action: allowed in this status, to one of the viewer's
    `sides` (which buttons a list shows; the service still decides)."""
    return dict(_flags(kind, status, frozenset(sides)))


@cache
def _flags(kind: str, status: str, sides: frozenset[str]) -> tuple[tuple[str, bool], ...]:
    """`flags` of one combination: a page asks for the same few on every row."""
    mine = set().union(*(actions_for(kind, status, side) for side in sides))
    return tuple((f"can_{action}", action in mine) for action in ACTIONS)
