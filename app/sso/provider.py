"""A small, real OpenID provider (authorization code flow with PKCE), for the tests and the demo.

Built from authlib's framework-free server parts on Starlette: `StarletteAuthorizationServer`
adapts `authlib.oauth2.AuthorizationServer` (as authlib's Flask adapter does, without Flask), and
`OpenIDProvider` registers the code grant with `OpenIDCode(require_nonce=True)` and PKCE (S256
only, required), serves discovery, JWKS, a sign-in page, the token, userinfo and logout endpoints,
and signs RS256 ID tokens with a joserfc key.

Codes, access tokens and nonces are kept in memory, in the instance, under a lock, and pruned
when expired: the provider serves one process only. It keeps no sign-in session: every
authorization asks for the password. `claims_hook`, `signing_key` and `discovery_overrides` let
tests make it misbehave; they are off unless set.
"""

import hmac
import html
import json
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from urllib.parse import urlsplit

from authlib.common.security import is_secure_transport
from authlib.oauth2 import AuthorizationServer, OAuth2Error
from authlib.oauth2.rfc6749 import (
    InvalidRequestError,
    InvalidScopeError,
    JsonPayload,
    JsonRequest,
    OAuth2Payload,
    OAuth2Request,
    list_to_scope,
    scope_to_list,
)
from authlib.oauth2.rfc6749.grants import AuthorizationCodeGrant
from authlib.oauth2.rfc6750 import BearerTokenGenerator
from authlib.oauth2.rfc7636 import CodeChallenge
from authlib.oidc.core import UserInfo
from authlib.oidc.core.grants import OpenIDCode
from authlib.oidc.core.util import create_half_hash
from authlib.oidc.rpinitiated import EndSessionEndpoint
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.routing import Route

SCOPES = ("openid", "email", "profile")
AUTH_METHODS = ("client_secret_basic", "client_secret_post")
CLAIMS = ("iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "amr",
          "email", "email_verified", "name")


@dataclass(frozen=True)
class Person:
    """Whom the provider signs in."""
    subject: str
    email: str
    email_verified: bool = True
    name: str = ""


@dataclass(frozen=True)
class ProviderClient:
    """A relying party registered with the provider (a confidential client)."""
    client_id: str
    client_secret: str
    redirect_uris: tuple[str, ...]
    post_logout_redirect_uris: tuple[str, ...] = ()


async def read_body(request: Request) -> None:
    """Read the body of a Starlette request (async) so authlib (sync) can use it later."""
    kind = request.headers.get("content-type", "").split(";")[0].strip().lower()
    form, data = [], None
    if kind in ("application/x-www-form-urlencoded", "multipart/form-data"):
        form = [(k, v) for k, v in (await request.form()).multi_items() if isinstance(v, str)]
    elif kind == "application/json":
        try:
            data = await request.json()
        except ValueError:
            data = None
    request.state.oauth2_form, request.state.oauth2_json = form, data


class _Payload(OAuth2Payload):
    def __init__(self, items: list[tuple[str, str]]):
        self._data: dict[str, str] = {}
        self._datalist: dict[str, list[str]] = {}
        for key, value in items:
            self._data.setdefault(key, value)
            self._datalist.setdefault(key, []).append(value)

    @property
    def data(self):
        return self._data

    @property
    def datalist(self):
        return self._datalist


class _StarletteRequest(OAuth2Request):
    def __init__(self, request: Request, uri: str):
        super().__init__(request.method, uri, headers=request.headers)
        self._args = dict(request.query_params)
        self._form = dict(request.state.oauth2_form)
        self.payload = _Payload(list(request.query_params.multi_items())
                                + request.state.oauth2_form)

    @property
    def args(self):
        return self._args

    @property
    def form(self):
        return self._form


class _JsonPayload(JsonPayload):
    def __init__(self, data):
        self._value = data

    @property
    def data(self):
        return self._value


class StarletteAuthorizationServer(AuthorizationServer):
    """authlib's `AuthorizationServer` on Starlette. Await `read_body(request)` before handing a
    request to it; `origin` (scheme://host[:port]) is the public one, when behind a proxy."""

    def __init__(self, query_client, save_token, *, origin: str | None = None, scopes=None):
        super().__init__(scopes_supported=scopes)
        self._query_client, self._save_token, self.origin = query_client, save_token, origin

    def query_client(self, client_id):
        return self._query_client(client_id)

    def save_token(self, token, request):
        return self._save_token(token, request)

    def send_signal(self, name, *args, **kwargs):
        """authlib signals (client authenticated, token revoked): nobody listens here."""

    def _uri(self, request: Request) -> str:
        if not self.origin:
            return str(request.url)
        query = request.url.query
        return self.origin + request.url.path + (f"?{query}" if query else "")

    def create_oauth2_request(self, request):
        if isinstance(request, OAuth2Request):
            return request
        if not hasattr(request.state, "oauth2_form"):
            raise RuntimeError("await read_body(request) before handing it to authlib")
        return _StarletteRequest(request, self._uri(request))

    def create_json_request(self, request):
        json_request = JsonRequest(request.method, self._uri(request), request.headers)
        json_request.payload = _JsonPayload(getattr(request.state, "oauth2_json", None))
        return json_request

    def handle_response(self, status_code, payload, headers):
        if isinstance(payload, dict):
            payload = json.dumps(payload)
        return Response(payload, status_code=status_code, headers=dict(headers))


@dataclass
class _Client:
    """A `ProviderClient` as authlib asks about it (its ClientMixin)."""
    registered: ProviderClient

    @property
    def client_id(self):
        return self.registered.client_id

    @property
    def client_metadata(self):
        return {"post_logout_redirect_uris": list(self.registered.post_logout_redirect_uris)}

    def get_client_id(self):
        return self.client_id

    def get_default_redirect_uri(self):
        return None  # OpenID Connect requires redirect_uri in every request

    def get_allowed_scope(self, scope):
        return list_to_scope([s for s in scope_to_list(scope or "") if s in SCOPES])

    def check_redirect_uri(self, redirect_uri):
        return redirect_uri in self.registered.redirect_uris

    def check_client_secret(self, client_secret):
        return hmac.compare_digest(client_secret.encode(), self.registered.client_secret.encode())

    def check_endpoint_auth_method(self, method, endpoint):
        return method in AUTH_METHODS

    def check_response_type(self, response_type):
        return response_type == "code"

    def check_grant_type(self, grant_type):
        return grant_type == "authorization_code"


@dataclass
class _Code:
    """An authorization code (authlib's oidc AuthorizationCodeMixin)."""
    code: str
    client_id: str
    redirect_uri: str
    scope: str
    nonce: str
    person: Person
    auth_time: int
    code_challenge: str
    code_challenge_method: str
    expires_at: float

    def get_redirect_uri(self):
        return self.redirect_uri

    def get_scope(self):
        return self.scope

    def get_nonce(self):
        return self.nonce

    def get_auth_time(self):
        return self.auth_time

    def get_acr(self):
        return None

    def get_amr(self):
        return ["pwd"]


@dataclass
class _Token:
    person: Person
    client_id: str
    scope: str
    expires_at: float


def _user_info(person: Person, scope: str) -> UserInfo:
    info = UserInfo(sub=person.subject, email=person.email, email_verified=person.email_verified)
    if person.name:
        info["name"] = person.name
    return info.filter(scope)


class _CodeGrant(AuthorizationCodeGrant):
    """The code grant, keeping its codes in the provider; only `openid` requests pass."""
    TOKEN_ENDPOINT_AUTH_METHODS = list(AUTH_METHODS)

    @staticmethod
    def validate_authorization_redirect_uri(request, client):
        # authlib's own message quotes the URI, and refuses (ValueError) to quote some characters
        if request.payload.redirect_uri and not client.check_redirect_uri(
                request.payload.redirect_uri):
            raise InvalidRequestError("The redirect_uri is not registered for this client.")
        return AuthorizationCodeGrant.validate_authorization_redirect_uri(request, client)

    def validate_authorization_request(self):
        redirect_uri = super().validate_authorization_request()
        if "openid" not in scope_to_list(self.request.scope or ""):
            raise InvalidScopeError("The 'openid' scope is required.", redirect_uri=redirect_uri)
        return redirect_uri

    def save_authorization_code(self, code, request):
        data, now = request.payload.data, time.time()
        self.server.provider._keep_code(_Code(
            code, request.client.client_id, request.payload.redirect_uri, request.scope,
            data["nonce"], request.user, int(now), data.get("code_challenge"),
            data.get("code_challenge_method"), now + self.server.provider.code_seconds))

    def query_authorization_code(self, code, client):
        return self.server.provider._take_code(code, client.client_id)

    def delete_authorization_code(self, authorization_code):
        """Nothing to do: `query_authorization_code` already spent the code."""

    def authenticate_user(self, authorization_code):
        return authorization_code.person


class _S256Required(CodeChallenge):
    """PKCE as `CodeChallenge(required=True)`, but refusing a request without a challenge
    (authlib's `required` applies to public clients only) and any method but S256."""
    SUPPORTED_CODE_CHALLENGE_METHOD = ["S256"]

    def validate_code_challenge(self, grant, redirect_uri):
        data = grant.request.payload.data
        if not data.get("code_challenge"):
            raise InvalidRequestError("Missing 'code_challenge'.")
        if data.get("code_challenge_method") != "S256":
            raise InvalidRequestError("The 'code_challenge_method' must be S256.")
        super().validate_code_challenge(grant, redirect_uri)


class _OpenIDCode(OpenIDCode):
    """authlib's OpenIDCode with the 1.9.9 hooks, signing with the provider's key."""

    def __init__(self, provider: "OpenIDProvider"):
        super().__init__(require_nonce=True)
        self.provider = provider

    def exists_nonce(self, nonce, request):
        return self.provider._nonce_used(request.payload.client_id, nonce)

    def generate_user_info(self, user, scope):
        return _user_info(user, scope)

    def resolve_client_private_key(self, client):
        return self.provider.signing_key or self.provider.key

    def get_client_algorithm(self, client):
        return "RS256"

    def get_client_claims(self, client):
        now = int(time.time())
        return {"iss": self.provider.issuer, "aud": client.client_id, "iat": now,
                "exp": now + self.provider.token_seconds}

    def get_encode_header(self, client):
        return {"alg": "RS256", "kid": self.resolve_client_private_key(client).kid}

    def encode_id_token(self, token, request):
        """authlib's own steps, with the provider's `claims_hook` applied just before signing."""
        claims = self.get_compatible_claims(request)
        claims.update(self.get_authorization_code_claims(request.authorization_code))
        claims["at_hash"] = create_half_hash(token["access_token"], "RS256").decode()
        claims.update(self.generate_user_info(request.user, token["scope"]))
        if self.provider.claims_hook:
            claims = self.provider.claims_hook(dict(claims))
        key = self.resolve_client_private_key(request.client)
        return jwt.encode(self.get_encode_header(request.client), claims, key, ["RS256"])


class _EndSession(EndSessionEndpoint):
    """RP-initiated logout: redirect only to a post_logout_redirect_uri registered for the
    client named by client_id (or by a valid id_token_hint)."""

    def get_server_jwks(self):
        return self.server.provider.jwks

    def get_algorithms(self):
        return ["RS256"]

    def is_post_logout_redirect_uri_legitimate(self, request, uri, client, logout_hint):
        return True  # authlib has already checked that the URI is registered for the client

    def end_session(self, end_session_request):
        """Nothing to end: the provider keeps no sign-in session."""


class OpenIDProvider:
    """An OpenID provider at `issuer`; `routes()` are to be served at the issuer's path.

    Test hooks (off by default): `claims_hook(claims) -> claims` rewrites the ID token claims
    just before signing; `signing_key` (a joserfc key) signs ID tokens instead of the key
    published in `jwks`; `discovery_overrides` is merged into the discovery document;
    `code_seconds` is how long a code lasts.
    """

    code_seconds: float = 60

    def __init__(self, issuer: str, *, clients: list[ProviderClient],
                 authenticate: Callable[[str, str], Person | None],
                 title: str = "Sign in", key: RSAKey | None = None, token_seconds: int = 300):
        if not is_secure_transport(issuer):
            raise ValueError(f"The issuer must be https (or http on loopback): {issuer}")
        self.issuer, self.title = issuer.rstrip("/"), title
        self.authenticate, self.token_seconds = authenticate, token_seconds
        self.key = key or RSAKey.generate_key(2048)
        if not isinstance(self.key, RSAKey) or not self.key.is_private:
            raise ValueError("The key must be a private joserfc RSAKey.")
        self.key.ensure_kid()
        self.jwks = {"keys": [self.key.as_dict(private=False, use="sig", alg="RS256")]}
        self.claims_hook: Callable[[dict], dict] | None = None
        self.signing_key = None
        self.discovery_overrides: dict = {}
        self._lock = threading.Lock()
        self._clients = {c.client_id: _Client(c) for c in clients}
        self._codes: dict[str, _Code] = {}
        self._spent: dict[str, tuple[float, list[str]]] = {}  # code -> (until, its tokens)
        self._tokens: dict[str, _Token] = {}
        self._nonces: dict[tuple[str, str], float] = {}
        parts = urlsplit(self.issuer)
        self.server = StarletteAuthorizationServer(
            self._client, self._save_token, origin=f"{parts.scheme}://{parts.netloc}",
            scopes=list(SCOPES))
        self.server.provider = self  # where the grant and its extensions find the state
        self.server.register_token_generator("default", BearerTokenGenerator(
            lambda **_: secrets.token_urlsafe(32), None, lambda client, grant: token_seconds))
        self.server.register_grant(_CodeGrant, [_OpenIDCode(self), _S256Required(required=True)])
        self.server.register_endpoint(_EndSession)

    def add_client(self, client: ProviderClient) -> None:
        """Register a relying party (replacing one with the same client_id)."""
        with self._lock:
            self._clients[client.client_id] = _Client(client)

    def reset_hooks(self) -> None:
        """Turn the test hooks off again."""
        self.claims_hook, self.signing_key, self.discovery_overrides = None, None, {}
        self.code_seconds = type(self).code_seconds

    def discovery(self) -> dict:
        """The discovery document (with `discovery_overrides` merged in)."""
        return {
            "issuer": self.issuer,
            "authorization_endpoint": f"{self.issuer}/authorize",
            "token_endpoint": f"{self.issuer}/token",
            "jwks_uri": f"{self.issuer}/jwks",
            "userinfo_endpoint": f"{self.issuer}/userinfo",
            "end_session_endpoint": f"{self.issuer}/logout",
            "response_types_supported": ["code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": list(SCOPES),
            "token_endpoint_auth_methods_supported": list(AUTH_METHODS),
            "code_challenge_methods_supported": ["S256"],
            "grant_types_supported": ["authorization_code"],
            "claims_supported": list(CLAIMS),
        } | self.discovery_overrides

    def routes(self) -> list[Route]:
        base = urlsplit(self.issuer).path
        return [
            Route(f"{base}/.well-known/openid-configuration",
                  lambda _: JSONResponse(self.discovery())),
            Route(f"{base}/jwks", lambda _: JSONResponse(self.jwks)),
            Route(f"{base}/authorize", self._authorize, methods=["GET", "POST"]),
            Route(f"{base}/token", self._token, methods=["POST"]),
            Route(f"{base}/userinfo", self._userinfo, methods=["GET", "POST"]),
            Route(f"{base}/logout", self._logout, methods=["GET", "POST"]),
        ]

    # The endpoints

    async def _authorize(self, request: Request) -> Response:
        await read_body(request)
        try:
            grant = self.server.get_consent_grant(request)
        except OAuth2Error as error:
            if error.redirect_uri:  # the client and its redirect_uri are known: tell it there
                return self.server.handle_error_response(None, error)
            return self._page("Sign-in refused", f"<p>{_esc(error.description or error.error)}"
                              "</p>", 400)
        except ValueError:  # authlib will not put some characters in an error description
            return self._page("Sign-in refused", "<p>The request is malformed.</p>", 400)
        if request.method == "GET":
            return self._sign_in_page(request, grant)
        form = dict(request.state.oauth2_form)
        username, password = form.get("username", ""), form.get("password", "")
        person = None
        if username and password:
            person = await run_in_threadpool(self.authenticate, username, password)
        if person is None:
            return self._sign_in_page(request, grant, username, failed=True)
        return self.server.create_authorization_response(request, grant_user=person, grant=grant)

    async def _token(self, request: Request) -> Response:
        await read_body(request)
        return self.server.create_token_response(request)

    async def _userinfo(self, request: Request) -> Response:
        scheme, _, value = request.headers.get("authorization", "").partition(" ")
        with self._lock:
            self._prune()
            token = self._tokens.get(value.strip()) if scheme.lower() == "bearer" else None
        if token is None:
            return JSONResponse({"error": "invalid_token"}, 401, headers={
                "WWW-Authenticate": 'Bearer error="invalid_token"', "Cache-Control": "no-store"})
        return JSONResponse(dict(_user_info(token.person, token.scope)),
                            headers={"Cache-Control": "no-store"})

    async def _logout(self, request: Request) -> Response:
        await read_body(request)
        try:
            ending = self.server.validate_endpoint_request("end_session", request)
            response = self.server.create_endpoint_response("end_session", ending)
        except OAuth2Error:
            response = None  # e.g. an id_token_hint we did not sign: no redirect
        return response or self._page("Signed out",
                                      f"<p>You are signed out of {_esc(self.title)}.</p>")

    # Pages

    def _sign_in_page(self, request: Request, grant, username="", failed=False) -> Response:
        action = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        error = ('<p class="error" id="error" role="alert">Wrong username or password.</p>'
                 if failed else "")
        described = ' aria-describedby="error" aria-invalid="true"' if failed else ""
        back_to = urlsplit(grant.redirect_uri).netloc
        return self._page(self.title, f"""<h1>{_esc(self.title)}</h1>
<p>You will return to <strong>{_esc(back_to)}</strong>.</p>{error}
<form method="post" action="{_esc(action)}">
<label for="username">Username</label>
<input id="username" name="username" value="{_esc(username)}" autocomplete="username"
 autocapitalize="none" spellcheck="false" required autofocus{described}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password"
 required{described}>
<button type="submit">Sign in</button>
</form>""")

    def _page(self, title: str, body: str, status: int = 200) -> HTMLResponse:
        return HTMLResponse(f"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{_esc(title)}</title>
<style>
:root {{ color-scheme: light dark; font-family: system-ui, sans-serif; line-height: 1.5; }}
body {{ margin: 0; padding: 1rem; }}
main {{ max-width: 22rem; margin: 8vh auto 0; }}
label {{ display: block; margin-top: 1rem; font-weight: 600; }}
input, button {{ box-sizing: border-box; width: 100%; padding: .6rem; font: inherit; }}
button {{ margin-top: 1.5rem; font-weight: 600; cursor: pointer; }}
.error {{ border-left: 4px solid #d32f2f; padding: .5rem .75rem;
         background: rgba(211, 47, 47, .15); }}
</style></head>
<body><main>{body}</main></body></html>
""", status, headers={"Cache-Control": "no-store", "Referrer-Policy": "no-referrer",
                      "Content-Security-Policy": "default-src 'none'; "
                      "style-src 'unsafe-inline'; frame-ancestors 'none'"})

    # The state, in memory

    def _client(self, client_id):
        with self._lock:
            return self._clients.get(client_id)

    def _prune(self) -> None:
        now = time.time()
        for kept in (self._codes, self._tokens):
            for key in [k for k, v in kept.items() if v.expires_at <= now]:
                del kept[key]
        for key in [k for k, (until, _) in self._spent.items() if until <= now]:
            del self._spent[key]
        for key in [k for k, until in self._nonces.items() if until <= now]:
            del self._nonces[key]

    def _keep_code(self, code: _Code) -> None:
        with self._lock:
            self._prune()
            self._codes[code.code] = code
            until = time.time() + self.code_seconds + self.token_seconds
            self._nonces[(code.client_id, code.nonce)] = until

    def _take_code(self, code: str, client_id: str) -> _Code | None:
        """The code, spent by this first look; a second look revokes the tokens it gave."""
        with self._lock:
            self._prune()
            found = self._codes.pop(code, None)
            if found is None:
                for token in self._spent.pop(code, (0, []))[1]:
                    self._tokens.pop(token, None)
                return None
            self._spent[code] = (time.time() + self.token_seconds, [])
            return found if found.client_id == client_id else None

    def _save_token(self, token: dict, request) -> None:
        with self._lock:
            self._tokens[token["access_token"]] = _Token(
                request.user, request.client.client_id, token["scope"],
                time.time() + token["expires_in"])
            self._spent.get(request.authorization_code.code, (0, []))[1].append(
                token["access_token"])

    def _nonce_used(self, client_id: str, nonce: str) -> bool:
        with self._lock:
            self._prune()
            return (client_id, nonce) in self._nonces


def _esc(text: str) -> str:
    return html.escape(str(text), quote=True)
