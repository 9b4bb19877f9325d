"""Random tokens for links and sessions; only their keyed hashes are stored."""

import hashlib
import hmac
import secrets
import string

TOKEN_BYTES = 32  # 256 random bits
_TENANT_ID_ALPHABET = string.ascii_lowercase + string.digits


def new_token() -> str:
    return secrets.token_urlsafe(TOKEN_BYTES)


def hash_token(secret_key: str, token: str) -> str:
    """Hex HMAC-SHA256 of `token`: what the database stores in place of the token."""
    return hmac.new(secret_key.encode(), token.encode(), hashlib.sha256).hexdigest()


def new_tenant_id() -> str:
    """A public Tenant ID such as `t-4kq9x2m7pz3w`: random, never the primary key."""
    return "t-" + "".join(secrets.choice(_TENANT_ID_ALPHABET) for _ in range(12))
