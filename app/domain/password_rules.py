"""What a new password must be: one rule for every place a password is chosen."""

from app.domain.errors import InvalidInput

MIN_PASSWORD = 8
MAX_PASSWORD = 1000  # the sign-in route reads no more than this


def check_new_password(password: str) -> str:
    """Refuse a password too short or too long to be one; returns it unchanged."""
    if len(password) < MIN_PASSWORD:
        raise InvalidInput(f"The new password is too short: use at least {MIN_PASSWORD} "
                           "characters.")
    if len(password) > MAX_PASSWORD:
        raise InvalidInput(f"The new password is too long (at most {MAX_PASSWORD:,} "
                           "characters).")
    return password
