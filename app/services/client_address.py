"""Who is on the other end: the client address, believing X-Forwarded-For only from proxies
named in COMMONS_TRUSTED_PROXIES.

One rule for every entry point (the HTTP routes pass a Starlette request; anything else
can call `client_address` with the peer and the header values it has).
"""

import ipaddress
from collections.abc import Iterable, Sequence

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_LENGTH = 64  # the width of the ip columns


def _parse(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    """An address from `1.2.3.4`, `1.2.3.4:80`, `::1` or `[::1]:80`; None for anything else."""
    text = text.strip()
    if text.startswith("["):
        text = text[1:].split("]", 1)[0]
    elif text.count(":") == 1:
        text = text.split(":", 1)[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _trusted(address, trusted: Sequence[Network]) -> bool:
    return address is not None and any(address in net for net in trusted)


def client_address(peer: str | None, forwarded_for: Iterable[str],
                   trusted: Sequence[Network]) -> str:
    """The client's address.

    The TCP peer is the client unless it is a trusted proxy. Then X-Forwarded-For (every
    header value, in order) is read from the right, skipping trusted proxies; the first
    address that is not one is the client. Addresses left of it were written by the client
    itself and are never believed.
    """
    peer_address = _parse(peer or "")
    if not _trusted(peer_address, trusted):
        return str(peer_address) if peer_address else (peer or "")[:MAX_LENGTH]
    hops = [h.strip() for value in forwarded_for for h in value.split(",") if h.strip()]
    client = str(peer_address)
    for hop in reversed(hops):
        address = _parse(hop)
        if address is None:
            return hop[:MAX_LENGTH]  # a trusted proxy wrote it: not something to skip past
        client = str(address)
        if not _trusted(address, trusted):
            return client
    return client


def request_address(request, trusted: Sequence[Network] | None = None) -> str:
    """`client_address` of a Starlette request (default: the configured trusted proxies)."""
    if trusted is None:
        from app.settings import get_settings

        trusted = get_settings().trusted_proxies
    peer = request.client.host if request.client else None
    return client_address(peer, request.headers.getlist("x-forwarded-for"), trusted)
