"""Normalizing what people type: aliases, usernames, emails."""

import re

from email_validator import EmailNotValidError, validate_email

from app.domain.errors import InvalidInput

ALIAS_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
USERNAME_RE = re.compile(r"^[a-z0-9](?:[a-z0-9._-]{0,62})$")


def normalize_alias(alias: str) -> str:
    value = alias.strip().lower()
    if not ALIAS_RE.fullmatch(value):
        raise InvalidInput(
            "An alias uses lowercase letters, digits and hyphens (not at either end), "
            "up to 63 characters."
        )
    return value


def normalize_username(username: str) -> str:
    value = username.strip().lower()
    if not USERNAME_RE.fullmatch(value):
        raise InvalidInput(
            "A username uses lowercase letters, digits, dots, hyphens and underscores, "
            "up to 64 characters."
        )
    return value


def normalize_email(address: str, check_deliverability: bool = False) -> str:
    """The normalized form of `address`, or InvalidInput with email-validator's reason."""
    try:
        info = validate_email(address.strip(), check_deliverability=check_deliverability)
    except EmailNotValidError as err:
        raise InvalidInput(f"{address.strip() or 'That'} is not a valid email address: {err}") from None
    return info.normalized.lower()
