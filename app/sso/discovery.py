"""An OpenID provider's discovery document and signing keys, fetched under the outbound
rules (`app/outbound.py`: public HTTPS only unless private addresses are allowed, no
redirects, a deadline), off the event loop, and checked: the issuer it names is the one
configured, it offers the authorization code flow, its keys can be read.

What was fetched is kept a few minutes per issuer; Test connection fetches afresh."""

import asyncio
import json
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from joserfc.jwk import KeySet

from app.outbound import OutboundFailed, OutboundRefused, call

TIMEOUT = 5.0
KEEP_SECONDS = 300
FAILED_SECONDS = 30   # a provider that could not be used is not asked again sooner
MAX_KEPT = 200        # issuers remembered
MAX_DOCUMENT = 256 * 1024
WELL_KNOWN = "/.well-known/openid-configuration"
# Signatures Commons accepts on ID tokens: public-key ones only (never "none", never a
# shared secret an attacker could sign with using the published key).
ALGORITHMS = ("RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384",
              "ES512", "EdDSA")
# Calls to providers wait here, never in the pool the API and the mail sender share; what
# administrators ask for (Test connection, Verify) has its own, so that it cannot hold up
# people signing in.
POOL = ThreadPoolExecutor(max_workers=4, thread_name_prefix="commons-sso")
ADMIN_POOL = ThreadPoolExecutor(max_workers=2, thread_name_prefix="commons-sso-admin")


async def off_loop(work, *args, pool: ThreadPoolExecutor = POOL, **kwargs):
    """Run a blocking call to a provider (or DNS) on threads of its own."""
    return await asyncio.get_running_loop().run_in_executor(
        pool, lambda: work(*args, **kwargs))


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
    sends_iss: bool  # RFC 9207: its answers name their issuer
    jwks: dict = field(repr=False, hash=False, compare=False)

    @property
    def keys(self) -> int:
        return len(self.jwks.get("keys", []))

    def key_set(self) -> KeySet:
        return KeySet.import_key_set(self.jwks)


# issuer -> (when, what was found or the problem it had); in order of use
_kept: dict[str, tuple[float, ProviderMetadata | ProviderProblem]] = {}
_fetching: dict[str, asyncio.Future] = {}


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
    schemes = ("https://", "http://") if allow_private else ("https://",)
    endpoints = {}
    for name in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        value = doc.get(name)
        if not isinstance(value, str) or not value.startswith(schemes):
            raise ProviderProblem(f"The discovery document has no https {name}.")
        endpoints[name] = value
    jwks = _get_json(endpoints["jwks_uri"], "The provider's keys (jwks_uri)", allow_private)
    try:
        KeySet.import_key_set(jwks)
    except Exception:
        raise ProviderProblem("The provider's keys (jwks_uri) could not be read.") from None
    if not jwks.get("keys"):
        raise ProviderProblem("The provider publishes no signing keys (jwks_uri).")
    end_session = doc.get("end_session_endpoint")
    listed = _strings(doc.get("id_token_signing_alg_values_supported")) or ("RS256",)
    algorithms = tuple(a for a in listed if a in ALGORITHMS)
    if not algorithms:
        raise ProviderProblem("The provider signs ID tokens only with algorithms Commons does "
                              f"not accept ({', '.join(listed)[:100]}); it needs RS256 or "
                              "another public-key signature.")
    return ProviderMetadata(
        issuer=issuer, **endpoints,
        end_session_endpoint=(end_session if isinstance(end_session, str)
                              and end_session.startswith(schemes) else ""),
        auth_methods=_strings(doc.get("token_endpoint_auth_methods_supported")),
        algorithms=algorithms, jwks=jwks,
        sends_iss=doc.get("authorization_response_iss_parameter_supported") is True)


async def discover(issuer: str, *, allow_private: bool, fresh: bool = False
                   ) -> ProviderMetadata:
    """The provider's checked metadata and keys (kept KEEP_SECONDS, a problem
    FAILED_SECONDS, unless `fresh`); ProviderProblem when it cannot be used. Callers
    asking at once share one fetch."""
    kept = _kept.get(issuer)
    if kept and not fresh:
        age = time.monotonic() - kept[0]
        if isinstance(kept[1], ProviderProblem) and age < FAILED_SECONDS:
            raise kept[1]
        if isinstance(kept[1], ProviderMetadata) and age < KEEP_SECONDS:
            return kept[1]
    running = _fetching.get(issuer)
    if running is None:
        running = _fetching[issuer] = asyncio.ensure_future(off_loop(
            _read, issuer, allow_private, pool=ADMIN_POOL if fresh else POOL))
        running.add_done_callback(lambda done: _remember(issuer, done))
    return await asyncio.shield(running)


def _remember(issuer: str, done: asyncio.Future) -> None:
    _fetching.pop(issuer, None)
    if done.cancelled():
        return
    found = done.exception() or done.result()
    if isinstance(found, ProviderMetadata | ProviderProblem):
        _kept.pop(issuer, None)
        _kept[issuer] = (time.monotonic(), found)
        while len(_kept) > MAX_KEPT:
            _kept.pop(next(iter(_kept)))


def forget(issuer: str) -> None:
    """The next `discover` fetches again (the provider's keys changed, its setting did)."""
    _kept.pop(issuer, None)
