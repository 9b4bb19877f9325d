"""The test OpenID provider (`app.sso.provider`), over real HTTP on loopback, with httpx: what
it serves, the code flow with PKCE and the ID token it signs, what it refuses, and its hooks."""

import base64
import hashlib
import secrets
import time
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx
import pytest
from authlib.oidc.core import CodeIDToken
from joserfc import jwt
from joserfc.errors import BadSignatureError, InvalidClaimError, InvalidKeyIdError, JoseError
from joserfc.jwk import KeySet, RSAKey

from app.sso.provider import OpenIDProvider, Person
from tests.oidc_provider import ProviderLoginFailed

CALLBACK = "http://127.0.0.1:8000/sso/callback"
BYE = "http://127.0.0.1:8000/signed-out"
CLIENT, SECRET = "commons", "commons-secret"


@pytest.fixture
def idp(oidc_provider):  # noqa: F811
    oidc_provider.add_client(CLIENT, SECRET, [CALLBACK], [BYE])
    return oidc_provider


@pytest.fixture
def http():
    with httpx.Client(timeout=10) as client:
        yield client


class Attempt:
    """One authorization request: its PKCE verifier, nonce and state, and its URL."""

    def __init__(self, idp, **params):
        self.idp = idp
        self.verifier = secrets.token_urlsafe(48)
        self.nonce, self.state = secrets.token_urlsafe(16), secrets.token_urlsafe(16)
        challenge = base64.urlsafe_b64encode(hashlib.sha256(self.verifier.encode()).digest())
        query = {"response_type": "code", "client_id": CLIENT, "redirect_uri": CALLBACK,
                 "scope": "openid email profile", "state": self.state, "nonce": self.nonce,
                 "code_challenge": challenge.rstrip(b"=").decode(),
                 "code_challenge_method": "S256"} | params
        self.state = query["state"]
        self.url = f"{idp.issuer}/authorize?" + urlencode(
            {k: v for k, v in query.items() if v is not None})

    def code(self, http, username="ada", password="ada-password") -> str:
        back = self.idp.login(http, self.url, username, password)
        assert back.startswith(CALLBACK + "?")
        answer = _query(back)
        assert answer["state"] == self.state and "error" not in answer
        return answer["code"]

    def exchange(self, http, code, verifier=None, auth=(CLIENT, SECRET), post=False):
        data = {"grant_type": "authorization_code", "code": code, "redirect_uri": CALLBACK,
                "code_verifier": verifier or self.verifier}
        if post:
            data |= {"client_id": auth[0], "client_secret": auth[1]}
        return http.post(f"{self.idp.issuer}/token", data=data, auth=None if post else auth)

    def tokens(self, http) -> dict:
        answer = self.exchange(http, self.code(http))
        assert answer.status_code == 200, answer.text
        return answer.json()


def _query(url: str) -> dict:
    return {k: v[0] for k, v in parse_qs(urlsplit(url).query).items()}


def _verified(idp, tokens: dict, attempt: Attempt):
    """The ID token's claims, checked as a relying party would; raises if anything is off."""
    keys = KeySet.import_key_set(httpx.get(f"{idp.issuer}/jwks").json())
    token = jwt.decode(tokens["id_token"], keys, algorithms=["RS256"])
    claims = CodeIDToken(token.claims, token.header, {"iss": {"values": [idp.issuer]}},
                         {"nonce": attempt.nonce, "client_id": CLIENT,
                          "access_token": tokens["access_token"]})
    claims.validate(leeway=60)
    return token


def test_discovery_and_jwks(idp, http):
    doc = http.get(f"{idp.issuer}/.well-known/openid-configuration").json()
    assert doc["issuer"] == idp.issuer
    for name, path in [("authorization_endpoint", "authorize"), ("token_endpoint", "token"),
                       ("jwks_uri", "jwks"), ("userinfo_endpoint", "userinfo"),
                       ("end_session_endpoint", "logout")]:
        assert doc[name] == f"{idp.issuer}/{path}"
    assert doc["response_types_supported"] == ["code"]
    assert doc["code_challenge_methods_supported"] == ["S256"]
    assert doc["id_token_signing_alg_values_supported"] == ["RS256"]
    assert set(doc["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic", "client_secret_post"}
    assert {"openid", "email"} <= set(doc["scopes_supported"])
    assert {"sub", "email", "email_verified", "nonce"} <= set(doc["claims_supported"])
    keys = http.get(doc["jwks_uri"]).json()["keys"]
    assert len(keys) == 1 and keys[0]["kty"] == "RSA" and keys[0]["kid"]
    assert not {"d", "p", "q", "dp", "dq", "qi"} & set(keys[0])  # public parts only


def test_code_flow_with_pkce_gives_a_verifiable_id_token(idp, http):
    attempt = Attempt(idp)
    tokens = attempt.tokens(http)
    assert tokens["token_type"] == "Bearer" and tokens["expires_in"] == 300
    token = _verified(idp, tokens, attempt)
    assert token.header["alg"] == "RS256"
    assert token.header["kid"] == idp.provider.jwks["keys"][0]["kid"]
    claims = token.claims
    assert claims["iss"] == idp.issuer and claims["aud"] == CLIENT
    assert claims["sub"] == "ada-0001" and claims["nonce"] == attempt.nonce
    assert claims["email"] == "ada@example.org" and claims["email_verified"] is True
    assert claims["name"] == "Ada Lovelace" and claims["at_hash"]
    now = time.time()
    assert claims["iat"] <= now + 5 < claims["exp"] and abs(claims["auth_time"] - now) < 60


def test_client_secret_post_and_people_added_by_the_test(idp, http):
    idp.people["lin"] = ("lin-pw", Person("lin-7", "lin@example.net", False, "Lin"))
    attempt = Attempt(idp, scope="openid email")
    answer = attempt.exchange(http, attempt.code(http, "lin", "lin-pw"), post=True)
    assert answer.status_code == 200, answer.text
    claims = _verified(idp, answer.json(), attempt).claims
    assert claims["sub"] == "lin-7" and claims["email_verified"] is False
    assert "name" not in claims  # no profile scope


def test_wrong_code_verifier_is_refused(idp, http):
    attempt = Attempt(idp)
    answer = attempt.exchange(http, attempt.code(http), verifier=secrets.token_urlsafe(48))
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"
    assert "id_token" not in answer.text


def test_a_code_is_single_use_and_its_reuse_revokes_the_tokens(idp, http):
    attempt = Attempt(idp)
    code = attempt.code(http)
    first = attempt.exchange(http, code)
    assert first.status_code == 200
    bearer = {"Authorization": f"Bearer {first.json()['access_token']}"}
    assert http.get(f"{idp.issuer}/userinfo", headers=bearer).status_code == 200
    again = attempt.exchange(http, code)
    assert again.status_code == 400 and again.json()["error"] == "invalid_grant"
    assert http.get(f"{idp.issuer}/userinfo", headers=bearer).status_code == 401


def test_a_code_expires(idp, http):
    idp.provider.code_seconds = 0.2
    attempt = Attempt(idp)
    code = attempt.code(http)
    time.sleep(0.3)
    answer = attempt.exchange(http, code)
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_grant"


@pytest.mark.parametrize("params", [
    {"code_challenge": None, "code_challenge_method": None},  # no PKCE at all
    {"code_challenge_method": None},  # "plain" by default
    {"code_challenge_method": "plain"},
    {"nonce": None},
    {"scope": "email"},  # not an OpenID request
])
def test_requests_without_pkce_s256_nonce_or_openid_are_refused(idp, http, params):
    attempt = Attempt(idp, **params)
    for answer in (http.get(attempt.url),
                   http.post(attempt.url, data={"username": "ada", "password": "ada-password"})):
        assert answer.status_code == 302  # back to the registered callback, with an error
        back = answer.headers["location"]
        assert back.startswith(CALLBACK + "?")
        assert _query(back)["error"] in ("invalid_request", "invalid_scope")
        assert "code" not in _query(back) and _query(back)["state"] == attempt.state


@pytest.mark.parametrize("params", [
    {"redirect_uri": "http://127.0.0.1:9999/evil"},
    {"redirect_uri": 'http://127.0.0.1:8000/sso/callback"\\'},
    {"redirect_uri": None},
    {"client_id": "nobody"},
    {"client_id": None},
    {"response_type": "tok\u00e9n"},  # authlib will not quote it in an error: a page, not a 500
])
def test_unknown_client_or_unregistered_redirect_uri_get_an_error_page(idp, http, params):
    attempt = Attempt(idp, **params)
    for answer in (http.get(attempt.url),
                   http.post(attempt.url, data={"username": "ada", "password": "ada-password"})):
        assert answer.status_code == 400 and "location" not in answer.headers
        assert answer.headers["content-type"].startswith("text/html")
        assert "Sign-in refused" in answer.text and "evil" not in answer.text


def test_a_wrong_client_secret_is_refused(idp, http):
    attempt = Attempt(idp)
    code = attempt.code(http)
    basic = attempt.exchange(http, code, auth=(CLIENT, "guess"))
    assert basic.status_code == 401 and basic.json()["error"] == "invalid_client"
    posted = attempt.exchange(http, code, auth=(CLIENT, "guess"), post=True)
    assert posted.status_code in (400, 401) and posted.json()["error"] == "invalid_client"
    assert attempt.exchange(http, code).status_code == 200  # the code was not spent


def test_a_wrong_password_shows_the_form_again(idp, http):
    attempt = Attempt(idp)
    with pytest.raises(ProviderLoginFailed):
        idp.login(http, attempt.url, "ada", "not-her-password")
    answer = http.post(attempt.url, data={"username": "ada", "password": "nope"})
    assert answer.status_code == 200 and "location" not in answer.headers
    assert "Wrong username or password." in answer.text and 'value="ada"' in answer.text
    assert 'role="alert"' in answer.text
    assert http.post(attempt.url, data={"username": "nobody", "password": "x"}).status_code == 200
    assert attempt.code(http)  # and then the right password still works


def test_sign_in_page_is_accessible_and_escapes_what_it_shows(idp, http):
    attempt = Attempt(idp, state='"><script>alert(1)</script>')
    page = http.get(attempt.url)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    text = page.text
    assert "<script>" not in text
    assert 'name="viewport"' in text and "color-scheme: light dark" in text
    assert '<label for="username">Username</label>' in text
    assert '<label for="password">Password</label>' in text
    assert '<button type="submit">Sign in</button>' in text
    assert "frame-ancestors 'none'" in page.headers["content-security-policy"]
    again = http.post(attempt.url, data={"username": '"><script>x()</script>', "password": "?"})
    assert "<script>" not in again.text and "&quot;&gt;&lt;script&gt;" in again.text
    back = idp.login(http, attempt.url, "ada", "ada-password")
    assert _query(back)["state"] == attempt.state


def test_userinfo_needs_the_access_token(idp, http):
    attempt = Attempt(idp)
    tokens = attempt.tokens(http)
    info = http.get(f"{idp.issuer}/userinfo",
                    headers={"Authorization": f"Bearer {tokens['access_token']}"})
    assert info.status_code == 200
    assert info.json() == {"sub": "ada-0001", "email": "ada@example.org",
                           "email_verified": True, "name": "Ada Lovelace"}
    for headers in ({}, {"Authorization": "Bearer nope"},
                    {"Authorization": f"Basic {tokens['access_token']}"}):
        refused = http.get(f"{idp.issuer}/userinfo", headers=headers)
        assert refused.status_code == 401 and "invalid_token" in refused.headers[
            "www-authenticate"]


def test_logout_redirects_only_to_a_registered_post_logout_redirect_uri(idp, http):
    idp.add_client("other", "other-secret", ["http://127.0.0.1:7000/cb"],
                   ["http://127.0.0.1:7000/bye"])
    logout = f"{idp.issuer}/logout"
    answer = http.get(logout, params={"client_id": CLIENT, "post_logout_redirect_uri": BYE,
                                      "state": "s1"})
    assert answer.status_code == 302 and answer.headers["location"] == f"{BYE}?state=s1"
    answer = http.get(logout, params={"client_id": CLIENT, "post_logout_redirect_uri": BYE})
    assert answer.headers["location"] == BYE
    for params in ({"client_id": CLIENT, "post_logout_redirect_uri": "http://evil.test/"},
                   {"client_id": CLIENT, "post_logout_redirect_uri": "http://127.0.0.1:7000/bye"},
                   {"client_id": "nobody", "post_logout_redirect_uri": BYE},
                   {"post_logout_redirect_uri": BYE}, {}):
        page = http.get(logout, params=params)
        assert page.status_code == 200 and "location" not in page.headers
        assert "You are signed out of Test identity provider." in page.text


def test_logout_with_an_id_token_hint(idp, http):
    attempt = Attempt(idp)
    hint = attempt.tokens(http)["id_token"]
    answer = http.get(f"{idp.issuer}/logout",
                      params={"id_token_hint": hint, "post_logout_redirect_uri": BYE})
    assert answer.status_code == 302 and answer.headers["location"] == BYE
    forged = hint[:-4] + ("AAAA" if not hint.endswith("AAAA") else "BBBB")
    for bad in (forged, "not-a-token"):
        page = http.get(f"{idp.issuer}/logout", params={
            "id_token_hint": bad, "client_id": CLIENT, "post_logout_redirect_uri": BYE})
        assert page.status_code == 200 and "location" not in page.headers


def test_claims_hook_rewrites_the_id_token(idp, http):
    attempt = Attempt(idp)
    idp.provider.claims_hook = lambda claims: claims | {"nonce": "another"}
    with pytest.raises(InvalidClaimError, match="nonce"):
        _verified(idp, attempt.tokens(http), attempt)

    attempt = Attempt(idp)
    past = int(time.time()) - 3600
    idp.provider.claims_hook = lambda claims: claims | {"iat": past, "exp": past + 300}
    with pytest.raises(JoseError, match="expired"):
        _verified(idp, attempt.tokens(http), attempt)

    attempt = Attempt(idp)
    idp.provider.claims_hook = lambda claims: claims | {"email": "eve@example.org",
                                                        "email_verified": False}
    claims = _verified(idp, attempt.tokens(http), attempt).claims
    assert claims["email"] == "eve@example.org" and claims["email_verified"] is False


@pytest.mark.parametrize("same_kid", [True, False])
def test_signing_key_signs_with_a_key_not_in_the_jwks(idp, http, same_kid):
    published = idp.provider.jwks["keys"][0]["kid"]
    other = RSAKey.generate_key(2048, parameters={"kid": published} if same_kid else None,
                                auto_kid=True)
    idp.provider.signing_key = other
    attempt = Attempt(idp)
    tokens = attempt.tokens(http)
    header = jwt.decode(tokens["id_token"], other, algorithms=["RS256"]).header
    assert (header["kid"] == published) is same_kid
    with pytest.raises(BadSignatureError if same_kid else InvalidKeyIdError):
        _verified(idp, tokens, attempt)


def test_discovery_overrides(idp, http):
    idp.provider.discovery_overrides = {"issuer": "http://127.0.0.1:1/elsewhere",
                                        "response_types_supported": ["id_token"]}
    doc = http.get(f"{idp.issuer}/.well-known/openid-configuration").json()
    assert doc["issuer"] == "http://127.0.0.1:1/elsewhere"
    assert doc["response_types_supported"] == ["id_token"]
    assert doc["token_endpoint"] == f"{idp.issuer}/token"


def test_hooks_are_off_in_each_new_test(idp, http):
    provider = idp.provider
    assert provider.claims_hook is None and provider.signing_key is None
    assert provider.discovery_overrides == {} and provider.code_seconds == 60
    assert set(idp.people) == {"ada", "grace"}


def test_routes_follow_the_issuer_path():
    def paths(issuer):
        provider = OpenIDProvider(issuer, clients=[], authenticate=lambda *_: None,
                                  key=RSAKey.generate_key(2048))
        return [route.path for route in provider.routes()]

    assert "/.well-known/openid-configuration" in paths("http://127.0.0.1:5000")
    assert "/jwks" in paths("http://127.0.0.1:5000/")
    assert "/a/b/token" in paths("https://id.example.org/a/b")
    with pytest.raises(ValueError):
        paths("http://id.example.org/idp")  # not https, not loopback
