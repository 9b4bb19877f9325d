"""An OpenID provider's discovery document and signing keys, fetched under the outbound
rules (`app/outbound.py`: public HTTPS only unless private addresses are allowed, no
redirects, a deadline), off the event loop, and checked: the issuer it names is the one
configured, it offers the authorization code flow, its keys can be read.

What was fetched is kept a few minutes per issuer; Test connection fetches afresh."""

import asyncio
import json
import time
from dataclasses import dataclass, field

from joserfc.jwk import KeySet

from app.outbound import OutboundFailed, OutboundRefused, call

TIMEOUT = 5.0
KEEP_SECONDS = 300
MAX_DOCUMENT = 256 * 1024
WELL_KNOWN = "/.well-known/openid-configuration"


class ProviderProblem(Exception):
    """What is wrong with a provider, in one line for an administrator."""


@dataclass(frozen=True)
class ProviderMetadata:
    issuer: str
    authorization_endpoint: str
    token_endpoint: str
    jwks_uri: str
    end_session_endpoint: str
    auth_methods: tuple[str, ...]
    algorithms: tuple[str, ...]
    jwks: dict = field(repr=False, hash=False, compare=False)

    @property
    def keys(self) -> int:
        return len(self.jwks.get("keys", []))

    def key_set(self) -> KeySet:
        return KeySet.import_key_set(self.jwks)


_kept: dict[str, tuple[float, ProviderMetadata]] = {}


def _get_json(url: str, what: str, allow_private: bool) -> dict:
    try:
        status, text = call("GET", url, None, {"Accept": "application/json"},
                            timeout=TIMEOUT, allow_private=allow_private,
                            max_bytes=MAX_DOCUMENT)
    except OutboundRefused as err:
        raise ProviderProblem(f"{what}: {err}") from None
    except OutboundFailed as err:
        raise ProviderProblem(f"{what} could not be reached: {err}.") from None
    if status != 200:
        raise ProviderProblem(f"{what} at {url} answered HTTP {status}.")
    try:
        document = json.loads(text)
    except ValueError:
        raise ProviderProblem(f"{what} at {url} is not JSON.") from None
    if not isinstance(document, dict):
        raise ProviderProblem(f"{what} at {url} is not a JSON object.")
    return document


def _strings(value) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str)) if isinstance(value, list) else ()


def _read(issuer: str, allow_private: bool) -> ProviderMetadata:
    doc = _get_json(issuer.rstrip("/") + WELL_KNOWN, "The discovery document", allow_private)
    if doc.get("issuer") != issuer:
        raise ProviderProblem(f"Issuer mismatch: the discovery document names "
                              f"{str(doc.get('issuer'))[:200]!r}, the setting is {issuer!r}.")
    if "code" not in _strings(doc.get("response_types_supported")):
        raise ProviderProblem("The provider does not offer the authorization code flow "
                              "(no \"code\" in response_types_supported).")
    methods = _strings(doc.get("code_challenge_methods_supported"))
    if methods and "S256" not in methods:
        raise ProviderProblem("The provider does not offer PKCE with S256.")
    endpoints = {}
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        value = doc.get(name)
        if not isinstance(value, str) or not value.startswith(("https://", "http://")):
            raise ProviderProblem(f"The discovery document has no {name}.")
        endpoints[name] = value
    jwks = _get_json(endpoints["jwks_uri"], "The provider's keys (jwks_uri)", allow_private)
    try:
        KeySet.import_key_set(jwks)
    except Exception:
        raise ProviderProblem("The provider's keys (jwks_uri) could not be read.") from None
    if not jwks.get("keys"):
        raise ProviderProblem("The provider publishes no signing keys (jwks_uri).")
    end_session = doc.get("end_session_endpoint")
    return ProviderMetadata(
        issuer=issuer, **endpoints,
        end_session_endpoint=end_session if isinstance(end_session, str) else "",
        auth_methods=_strings(doc.get("token_endpoint_auth_methods_supported")),
        algorithms=_strings(doc.get("id_token_signing_alg_values_supported")) or ("RS256",),
        jwks=jwks)


async def discover(issuer: str, *, allow_private: bool, fresh: bool = False
                   ) -> ProviderMetadata:
    """The provider's checked metadata and keys (kept KEEP_SECONDS unless `fresh`);
    ProviderProblem when it cannot be used."""
    kept = _kept.get(issuer)
    if kept and not fresh and time.monotonic() - kept[0] < KEEP_SECONDS:
        return kept[1]
    metadata = await asyncio.to_thread(_read, issuer, allow_private)
    _kept[issuer] = (time.monotonic(), metadata)
    return metadata


def forget(issuer: str) -> None:
    """The next `discover` fetches again (the provider's keys changed, its setting did)."""
    _kept.pop(issuer, None)
