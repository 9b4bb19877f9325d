"""Outbound HTTP calls (webhooks, identity providers): public HTTPS addresses only.

`call` (and `post`) connects to the very address `check_url` approved, so DNS cannot change between
the check and the connection (DNS rebinding), and it never follows a redirect.
"""

import concurrent.futures
import contextlib
import http.client
import ipaddress
import socket
import ssl
import threading
from dataclasses import dataclass
from urllib.parse import quote, urlsplit

MAX_RESPONSE_BYTES = 64 * 1024
RESOLVE_SECONDS = 3
MAX_ADDRESSES = 2  # tried in turn, each within what is left of the call's time
_RESOLVER = concurrent.futures.ThreadPoolExecutor(4, thread_name_prefix="outbound-dns")
RESPONSE_CHARS = 500
_NAT64 = ipaddress.ip_network("64:ff9b::/96")
_LOCAL_NAT64 = ipaddress.ip_network("64:ff9b:1::/48")  # site prefixes (RFC 8215): refused


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
    raw = ipaddress.ip_address(address)
    if raw.version == 6 and raw in _LOCAL_NAT64:  # a site's own translator: local reach
        return False
    ip = _embedded_ipv4(raw)
    return ip.is_global and not (ip.is_multicast or ip.is_reserved)


def _is_loopback(address: str) -> bool:
    return _embedded_ipv4(ipaddress.ip_address(address)).is_loopback


def _resolve(host: str, port: int, resolve) -> list[str]:
    """The host's addresses, or OutboundRefused; a resolver that does not answer within
    RESOLVE_SECONDS counts as none (so a caller never waits on a silent nameserver)."""
    lookup = _RESOLVER.submit(resolve, host, port, type=socket.SOCK_STREAM)
    try:
        found = lookup.result(timeout=RESOLVE_SECONDS)
    except (OSError, UnicodeError, ValueError, concurrent.futures.TimeoutError):
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
    try:  # an international name is called by its ASCII (xn--) form
        host = host.encode("idna").decode("ascii")
    except UnicodeError:
        raise OutboundRefused(f"The URL's host is not a valid name: {url}.") from None
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
    # a character outside ASCII in the path or query is sent percent-encoded
    path = quote(parts.path or "/", safe="/%:@!$&'()*+,;=-._~") + (
        f"?{quote(parts.query, safe='/%:@!$&()*+,;=-._~?')}" if parts.query else "")
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
        self.raw: socket.socket | None = None  # kept when the response takes the socket

    def connect(self):
        error, tried = None, self._target.addresses[:MAX_ADDRESSES]
        for address in tried:
            try:  # the call's time shared among the addresses tried
                self.sock = self.raw = socket.create_connection(
                    (address, self.port), self.timeout / len(tried))
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
    """POST `body`; (status, start of the answer). A 3xx is returned, not followed. The
    whole call, from connecting to the last byte read, ends within `timeout` seconds: a
    server that trickles its answer is cut off then."""
    status, text = call("POST", url, body, headers, timeout=timeout,
                        allow_private=allow_private, resolve=resolve)
    return status, text[:RESPONSE_CHARS]


def call(method: str, url: str, body: bytes | None, headers: dict, *, timeout: float,
         allow_private: bool, resolve=socket.getaddrinfo,
         max_bytes: int = MAX_RESPONSE_BYTES) -> tuple[int, str]:
    """One request to an address `check_url` approves: (status, the answer's first
    `max_bytes` as text). A 3xx is returned, not followed; the whole call ends within
    `timeout` seconds. Blocking: call it off the event loop."""
    target = _inspect(url, allow_private, resolve)
    connection = _PinnedConnection(target, timeout)
    expired = threading.Event()

    def cut_off():
        expired.set()
        sock = connection.raw
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    deadline = threading.Timer(timeout, cut_off)
    deadline.daemon = True
    deadline.start()
    try:
        connection.request(method, target.path, body=body, headers=headers)
        response = connection.getresponse()
        text = response.read(max_bytes).decode("utf-8", errors="replace")
        if expired.is_set():
            raise TimeoutError()
        return response.status, text
    except (OSError, http.client.HTTPException) as err:
        raise OutboundFailed(_failure(TimeoutError() if expired.is_set() else err,
                                      timeout)) from err
    finally:
        deadline.cancel()
        connection.close()
