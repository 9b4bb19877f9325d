"""How much one request may carry: stated limits, checked before anything is written.

A client can send any handler anything, so every list and string taken from it has a
bound; past it the person gets a clear message and nothing changes.
"""

from app.domain.errors import InvalidInput

MAX_BATCH = 1_000          # addresses or usernames invited at once
MAX_BATCH_TEXT = 100_000   # characters of a pasted list of addresses
MAX_PICKS = 200            # communities, roles or groups picked in one form
MAX_SEARCH = 100           # characters of a search or filter text
MAX_NAME = 200             # characters of a typed name (community, organization, group)
MAX_LIST_ROWS = 5_000      # rows one list tab shows at most ("Show more" stops there)
MAX_DECLINE_REASON = 500   # characters of the reason given when declining


def check_count(items, limit: int, what: str) -> None:
    """Refuse more than `limit` `what` (a plural noun) in one request."""
    if len(items) > limit:
        raise InvalidInput(f"At most {limit:,} {what} at once; this has {len(items):,}. "
                           "Nothing was sent.")


def check_length(text: str, limit: int, what: str) -> str:
    """Refuse a `what` longer than `limit` characters; returns the text."""
    if len(text) > limit:
        raise InvalidInput(f"The {what} is too long (at most {limit:,} characters).")
    return text


def more_rows(shown: int, total: int, page: int) -> int:
    """How many rows a list shows after "Show more": one page more, never past what exists
    (so repeated clicks, or a client calling the handler in a loop, ask for nothing more)
    nor past MAX_LIST_ROWS."""
    return max(min(shown + page, max(total, page), MAX_LIST_ROWS), min(shown, MAX_LIST_ROWS))


# The largest id the database keeps (a 32-bit integer column): an id past it, from a
# client or an API path, is refused as input before it reaches a query.
MAX_ID = 2**31 - 1
