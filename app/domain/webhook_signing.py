"""Standard Webhooks signatures (standardwebhooks.com): HMAC-SHA256 over `id.timestamp.body`.

A secret is `whsec_` plus the base64 of the key. During a rotation the old and the new
secret both sign, and the `webhook-signature` header carries both signatures.
"""

import base64
import binascii
import hashlib
import hmac
from collections.abc import Mapping
from secrets import token_bytes

SECRET_PREFIX = "whsec_"
SECRET_BYTES = 32
TOLERANCE = 300  # seconds either side of now, as the reference libraries use


class BadSignature(ValueError):
    """A webhook that must not be trusted; `str(err)` says why."""


def new_secret() -> str:
    return SECRET_PREFIX + base64.b64encode(token_bytes(SECRET_BYTES)).decode()


def _key(secret: str) -> bytes:
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("A webhook secret starts with whsec_.")
    try:
        key = base64.b64decode(secret[len(SECRET_PREFIX):], validate=True)
    except binascii.Error:
        raise ValueError("A webhook secret is whsec_ followed by base64.") from None
    if not key:
        raise ValueError("A webhook secret may not be empty.")
    return key


def sign(secret: str, msg_id: str, timestamp: int, body: bytes) -> str:
    """`v1,` and the base64 HMAC-SHA256 of `msg_id.timestamp.body` under the secret's key."""
    if "." in msg_id:
        # The spec forbids it: a full stop would let id and timestamp trade characters.
        raise ValueError("A webhook id may not contain a full stop.")
    content = f"{msg_id}.{int(timestamp)}.".encode() + body
    digest = hmac.new(_key(secret), content, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_header(secrets: list[str], msg_id: str, timestamp: int, body: bytes) -> str:
    """One signature per secret, space-separated, so a rotation needs no downtime."""
    if not secrets:
        raise ValueError("At least one webhook secret is needed to sign.")
    return " ".join(sign(secret, msg_id, timestamp, body) for secret in secrets)


def headers(secrets: list[str], msg_id: str, timestamp: int, body: bytes) -> dict[str, str]:
    return {
        "webhook-id": msg_id,
        "webhook-timestamp": str(int(timestamp)),
        "webhook-signature": signature_header(secrets, msg_id, timestamp, body),
    }


def verify(
    secret: str,
    headers: Mapping[str, str],
    body: bytes,
    *,
    now: int,
    tolerance: int = TOLERANCE,
) -> None:
    """Raise BadSignature unless one `v1` signature in `headers` matches `secret`."""
    found = {name.lower(): value for name, value in headers.items()}
    missing = [name for name in ("webhook-id", "webhook-timestamp", "webhook-signature")
               if not found.get(name)]
    if missing:
        noun = "header" if len(missing) == 1 else "headers"
        raise BadSignature(f"The webhook lacks the {noun} {', '.join(missing)}.")
    msg_id, stamp = found["webhook-id"], found["webhook-timestamp"]
    if "." in msg_id:
        raise BadSignature("The webhook-id may not contain a full stop.")
    if not (stamp.isascii() and stamp.isdigit()):
        raise BadSignature(f"The webhook-timestamp is not a whole number of seconds: {stamp!r}.")
    timestamp = int(stamp)
    if timestamp < now - tolerance:
        raise BadSignature(f"The webhook is too old: sent {now - timestamp} s ago, "
                           f"more than the {tolerance} s allowed.")
    if timestamp > now + tolerance:
        raise BadSignature(f"The webhook is dated {timestamp - now} s in the future, "
                           f"more than the {tolerance} s allowed.")
    expected = sign(secret, msg_id, timestamp, body).encode()
    # `expected` starts with "v1,", so v1a and other schemes never match.
    for candidate in found["webhook-signature"].split():
        if hmac.compare_digest(expected, candidate.encode()):
            return
    raise BadSignature("No webhook signature matches the secret.")
