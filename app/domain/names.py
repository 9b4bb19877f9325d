"""Normalizing what people type: aliases, usernames, emails."""

import re

from email_validator import EmailNotValidError, validate_email

from app.domain.errors import InvalidInput

ALIAS_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
USERNAME_RE = re.compile(r"^[a-z0-9](?:[a-z0-9._-]{0,62})$")


def _lower_matching(text: str, pattern: re.Pattern, rule: str) -> str:
    value = text.strip().lower()
    if not pattern.fullmatch(value):
        raise InvalidInput(rule)
    return value


def normalize_alias(alias: str) -> str:
    return _lower_matching(alias, ALIAS_RE, "An alias uses lowercase letters, digits and "
                           "hyphens (not at either end), up to 63 characters.")


def normalize_username(username: str) -> str:
    return _lower_matching(username, USERNAME_RE, "A username uses lowercase letters, "
                           "digits, dots, hyphens and underscores, up to 64 characters.")


def normalize_email(address: str, check_deliverability: bool = False) -> str:
    """The normalized form of `address`, or InvalidInput with email-validator's reason."""
    try:
        info = validate_email(address.strip(), check_deliverability=check_deliverability)
    except EmailNotValidError as err:
        raise InvalidInput(f"{address.strip() or 'That'} is not a valid email address: {err}") from None
    return info.normalized.lower()
