"""Commons as an OpenID Connect client: the authorization request (code flow with PKCE,
`state` and `nonce`), the code exchange, and the ID token's checks, which authlib makes:
signature against the provider's published keys, issuer, audience, expiry and nonce."""

import base64
import json
from urllib.parse import quote, urlencode

from authlib.oauth2.rfc7636 import create_s256_code_challenge
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import InvalidKeyIdError, JoseError
from joserfc.jws import JWSRegistry

from app.outbound import OutboundFailed, OutboundRefused, call
from app.sso.discovery import (
    TIMEOUT,
    ProviderMetadata,
    ProviderProblem,
    discover,
    forget,
    off_loop,
)

LEEWAY = 60  # seconds of clock difference allowed on exp and iat


class TokenRejected(Exception):
    """The provider's answer does not sign anyone in; `str()` says why, for the log."""


def authorization_url(meta: ProviderMetadata, *, client_id: str, scopes: str,
                      redirect_uri: str, state: str, nonce: str, code_verifier: str,
                      login_hint: str = "") -> str:
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
              "scope": scopes, "state": state, "nonce": nonce,
              "code_challenge": create_s256_code_challenge(code_verifier),
              "code_challenge_method": "S256"}
    if login_hint:
        params["login_hint"] = login_hint
    joiner = "&" if "?" in meta.authorization_endpoint else "?"
    return meta.authorization_endpoint + joiner + urlencode(params)


def logout_url(meta: ProviderMetadata, *, client_id: str, after: str) -> str:
    """RP-initiated logout at the provider, back to `after`; "" when it offers none."""
    if not meta.end_session_endpoint:
        return ""
    joiner = "&" if "?" in meta.end_session_endpoint else "?"
    return meta.end_session_endpoint + joiner + urlencode(
        {"client_id": client_id, "post_logout_redirect_uri": after})


def _exchange(meta: ProviderMetadata, *, client_id: str, client_secret: str, code: str,
              redirect_uri: str, code_verifier: str, allow_private: bool) -> dict:
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri,
            "code_verifier": code_verifier}
    headers = {"Content-Type": "application/x-www-form-urlencoded",
               "Accept": "application/json"}
    if meta.auth_methods and "client_secret_basic" not in meta.auth_methods:
        form.update(client_id=client_id, client_secret=client_secret)  # client_secret_post
    else:
        pair = f"{quote(client_id, safe='')}:{quote(client_secret, safe='')}"
        headers["Authorization"] = "Basic " + base64.b64encode(pair.encode()).decode()
    try:
        status, text = call("POST", meta.token_endpoint, urlencode(form).encode(), headers,
                            timeout=TIMEOUT, allow_private=allow_private)
    except (OutboundRefused, OutboundFailed) as err:
        raise TokenRejected(f"token endpoint: {err}") from None
    try:
        answer = json.loads(text)
    except ValueError:
        answer = {}
    if status != 200 or not isinstance(answer, dict):
        raise TokenRejected(f"token endpoint answered HTTP {status}: "
                            f"{str(answer.get('error', text))[:200]}")
    if not isinstance(answer.get("id_token"), str):
        raise TokenRejected("the token endpoint sent no ID token")
    return answer


async def exchange(meta: ProviderMetadata, **fields) -> dict:
    """The token endpoint's answer for an authorization code (off the event loop)."""
    return await off_loop(_exchange, meta, **fields)


def _decode(meta: ProviderMetadata, id_token: str):
    return jwt.decode(id_token, meta.key_set(),
                      registry=JWSRegistry(algorithms=list(meta.algorithms)))


async def id_token_claims(meta: ProviderMetadata, tokens: dict, *, client_id: str,
                          nonce: str, allow_private: bool) -> dict:
    """The ID token's claims once authlib has checked them; a key id the provider does not
    publish (yet) fetches its keys once more. TokenRejected otherwise."""
    try:
        try:
            token = _decode(meta, tokens["id_token"])
        except InvalidKeyIdError:
            forget(meta.issuer)
            meta = await discover(meta.issuer, allow_private=allow_private)
            token = _decode(meta, tokens["id_token"])
        options = {"iss": {"essential": True, "values": [meta.issuer]},
                   "aud": {"essential": True, "value": client_id}}
        claims = CodeIDToken(token.claims, token.header, options,
                             {"nonce": nonce, "client_id": client_id,
                              "access_token": tokens.get("access_token")})
        claims.validate(leeway=LEEWAY)
    except (JoseError, ValueError, ProviderProblem) as err:
        raise TokenRejected(f"ID token: {type(err).__name__}: {err}") from None
    return dict(claims)
