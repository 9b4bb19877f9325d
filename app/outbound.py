"""Outbound HTTP calls (webhooks, identity providers): public HTTPS addresses only.

`post` connects to the very address `check_url` approved, so DNS cannot change between
the check and the connection (DNS rebinding), and it never follows a redirect.
"""

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

MAX_RESPONSE_BYTES = 64 * 1024
RESPONSE_CHARS = 500
_NAT64 = ipaddress.ip_network("64:ff9b::/96")


class OutboundRefused(ValueError):
    """A URL Commons will not call; `str(err)` is for an administrator."""


class OutboundFailed(Exception):
    """The call was allowed but did not complete (timeout, refused, TLS, bad answer)."""


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str
    port: int
    path: str
    addresses: list[str]


def _embedded_ipv4(ip):
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, NAT64), else `ip`."""
    if ip.version == 6:
        if ip.ipv4_mapped:
            return ip.ipv4_mapped
        if ip.sixtofour:
            return ip.sixtofour
        if ip in _NAT64:
            return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return ip


def _is_public(address: str) -> bool:
    ip = _embedded_ipv4(ipaddress.ip_address(address))
    return ip.is_global and not (ip.is_multicast or ip.is_reserved)


def _is_loopback(address: str) -> bool:
    return _embedded_ipv4(ipaddress.ip_address(address)).is_loopback


def _resolve(host: str, port: int, resolve) -> list[str]:
    try:
        found = resolve(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError, ValueError):
        found = []
    addresses = list(dict.fromkeys(str(info[4][0]) for info in found))
    if not addresses:
        raise OutboundRefused(f"{host} could not be resolved.")
    return addresses


def _inspect(url: str, allow_private: bool, resolve) -> _Target:
    if any(ch <= " " or ch == "\x7f" for ch in url):
        raise OutboundRefused(f"The URL contains spaces or control characters: {url!r}.")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise OutboundRefused(f"The URL is not valid: {url}.") from None
    if parts.scheme not in ("https", "http"):
        raise OutboundRefused(f"Commons calls https:// URLs only: {url}.")
    if "@" in parts.netloc:
        raise OutboundRefused("The URL may not contain a user name or password.")
    host = parts.hostname
    if not host:
        raise OutboundRefused(f"The URL has no host: {url}.")
    if port is None:
        port = 443 if parts.scheme == "https" else 80
    if not 1 <= port <= 65535:
        raise OutboundRefused(f"The URL's port must be between 1 and 65535: {url}.")
    addresses = _resolve(host, port, resolve)
    if parts.scheme == "http" and not (allow_private and all(map(_is_loopback, addresses))):
        raise OutboundRefused(f"Commons calls https:// URLs only; plain http is allowed only "
                              f"to this machine, when private addresses are allowed: {url}.")
    refused = [address for address in addresses if not _is_public(address)]
    if refused and not allow_private:
        raise OutboundRefused("Commons does not call private, loopback or link-local "
                              f"addresses: {refused[0]} ({host}).")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return _Target(parts.scheme, host, port, path, addresses)


def check_url(url: str, *, allow_private: bool, resolve=socket.getaddrinfo) -> list[str]:
    """The addresses `url` resolves to; OutboundRefused unless Commons may call them all."""
    return _inspect(url, allow_private, resolve).addresses


class _PinnedConnection(http.client.HTTPConnection):
    """Sends `Host: host` (and SNI for https) but connects only to the checked addresses."""

    def __init__(self, target: _Target, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self.default_port = 443 if target.scheme == "https" else 80
        self._target = target

    def connect(self):
        error = None
        for address in self._target.addresses:
            try:
                self.sock = socket.create_connection((address, self.port), self.timeout)
                break
            except OSError as err:
                error = err
        else:
            raise error
        if self._target.scheme == "https":
            context = ssl.create_default_context()
            self.sock = context.wrap_socket(self.sock, server_hostname=self.host)


def _failure(err: Exception, timeout: float) -> str:
    if isinstance(err, TimeoutError):
        return f"timed out after {timeout:g} s"
    if isinstance(err, ConnectionRefusedError):
        return "connection refused"
    if isinstance(err, ssl.SSLCertVerificationError):
        return f"certificate not accepted: {err.verify_message}"
    if isinstance(err, ssl.SSLError):
        return "TLS handshake failed"
    if isinstance(err, http.client.HTTPException | ConnectionResetError):
        return "the server closed the connection or answered with invalid HTTP"
    return f"network error: {getattr(err, 'strerror', None) or err}"


def post(url: str, body: bytes, headers: dict, *, timeout: float, allow_private: bool,
         resolve=socket.getaddrinfo) -> tuple[int, str]:
    """POST `body`; (status, start of the answer). A 3xx is returned, not followed."""
    target = _inspect(url, allow_private, resolve)
    connection = _PinnedConnection(target, timeout)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read(MAX_RESPONSE_BYTES).decode("utf-8", errors="replace")
        return response.status, text[:RESPONSE_CHARS]
    except (OSError, http.client.HTTPException) as err:
        raise OutboundFailed(_failure(err, timeout)) from err
    finally:
        connection.close()
