"""Column helpers shared by every table."""

from datetime import UTC, datetime


def utcnow() -> datetime:
    """Aware UTC 'now'. SQLModel's UTCDateTime stores and returns UTC on both engines."""
    return datetime.now(UTC)
