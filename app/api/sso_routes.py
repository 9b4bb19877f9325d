"""POST /auth/sso/start and GET /auth/sso/callback/<Tenant ID>: signing in through an organization's
OpenID Connect provider, ending in a full page load that sets the HttpOnly session
cookie from the server, as the password sign-in does."""

import hashlib
import html
import logging

from cryptography.exceptions import InvalidTag
from sqlalchemy.exc import IntegrityError
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse
from starlette.routing import Route

from app import routes
from app.api.auth_routes import set_session_cookie
from app.api.guards import foreign_origin
from app.db import session_scope
from app.domain.errors import DomainError
from app.models import IdentityProvider, Organization, utcnow
from app.services import sso_sign_in as sso
from app.services.client_address import request_address
from app.services.sealing import CLIENT_SECRETS
from app.settings import get_settings
from app.sso.client import TokenRejected, authorization_url, exchange, id_token_claims
from app.sso.discovery import ProviderProblem, discover

log = logging.getLogger("commons.sso")
BROWSER_COOKIE = "commons_sso_"  # + a name of its own for each sign-in under way


def _cookie_name(state: str) -> str:
    """Each sign-in under way has its own cookie, so two tabs do not undo each other."""
    return BROWSER_COOKIE + hashlib.sha256(state.encode()).hexdigest()[:12]


async def start_route(request: Request):
    """To the provider of the organization `tenant`, remembering where to come back to
    (`next`) and, from an invitation, whom it expects (`expected`). Only this app's own
    pages may start a sign-in (a form they post), not another site's page or link."""
    if foreign_origin(request) or request.headers.get("sec-fetch-site") == "same-site":
        return PlainTextResponse("Cross-site sign-in refused.", status_code=403)
    form = await request.form()
    tenant = str(form.get("tenant", ""))[:100]
    next_path = routes.safe_next(str(form.get("next", "")))
    expected = str(form.get("expected", ""))[:320]
    settings = get_settings()
    with session_scope() as db:
        found = sso.provider_for(db, tenant)
    if found is None:
        return RedirectResponse(routes.signin(next_path, tenant=tenant or None,
                                              error="sso-none"), status_code=303)
    provider, org = found
    try:
        meta = await discover(provider.issuer, allow_private=settings.outbound_allow_private)
    except ProviderProblem as problem:
        log.warning("sign-in through %s refused: %s", provider.issuer, problem)
        return RedirectResponse(routes.signin(next_path, tenant=tenant, error="sso-down"),
                                status_code=303)
    try:
        with session_scope() as db:
            started = sso.begin(db, provider, secret_key=settings.secret_key,
                                next_path=next_path, expected=expected, now=utcnow(),
                                ip=request_address(request))
    except sso.TooManyStarts:
        return RedirectResponse(routes.signin(next_path, tenant=tenant, error="sso-throttled"),
                                status_code=303)
    response = RedirectResponse(authorization_url(
        meta, client_id=provider.client_id, scopes=provider.scopes,
        redirect_uri=routes.sso_callback(settings.base_url, org.tenant_id),
        state=started.state, nonce=started.nonce, code_verifier=started.code_verifier,
        login_hint=started.expected), status_code=303)
    response.set_cookie(_cookie_name(started.state), started.browser_secret,
                        max_age=sso.LOGIN_MINUTES * 60, httponly=True, samesite="lax",
                        path=routes.API_SSO, secure=settings.secure)
    return response


def _claim(state: str, browser_secret: str, tenant_id: str):
    """The sign-in under way, used up in its own transaction (a refusal after it still
    leaves it used) and detached, with its provider and organization; LoginGone."""
    with session_scope() as db:
        login = sso.claim(db, secret_key=get_settings().secret_key, state=state,
                          browser_secret=browser_secret, tenant_id=tenant_id, now=utcnow())
        provider = db.get(IdentityProvider, login.provider_id)
        org = db.get(Organization, provider.organization_id)
        return login, provider, org


async def callback_route(request: Request):
    params = request.query_params
    settings = get_settings()
    state = params.get("state", "")[:200]
    tenant_id = request.path_params["tenant_id"][:40]
    cookie = _cookie_name(state)
    try:
        login, provider, org = _claim(state, request.cookies.get(cookie, ""), tenant_id)
    except DomainError as gone:
        return refusal_page(str(gone), routes.SIGNIN)
    again = routes.signin(login.next_path, tenant=org.alias)
    redirect_uri = routes.sso_callback(settings.base_url, org.tenant_id)
    if params.get("error"):
        return _forget(cookie, refusal_page(f"{provider.name} did not sign you in "
                                            f"({params.get('error', '')[:60]}).", again))
    try:
        meta = await discover(login.issuer, allow_private=settings.outbound_allow_private)
        if ("iss" in params or meta.sends_iss) and params.get("iss") != login.issuer:
            raise TokenRejected(f"the answer names the issuer {params.get('iss', '')[:200]!r}"
                                )  # RFC 9207: a code from another provider
        tokens = await exchange(
            meta, client_id=provider.client_id,
            client_secret=CLIENT_SECRETS.unseal(provider.client_secret, org.id),
            code=params.get("code", "")[:2000], redirect_uri=redirect_uri,
            code_verifier=login.code_verifier, allow_private=settings.outbound_allow_private)
        claims = await id_token_claims(meta, tokens, client_id=provider.client_id,
                                       nonce=login.nonce,
                                       allow_private=settings.outbound_allow_private)
    except (ProviderProblem, TokenRejected, InvalidTag) as err:
        log.warning("sign-in through %s refused: %s", login.issuer, err or type(err).__name__)
        return _forget(cookie, refusal_page(f"{provider.name}'s answer could not be "
                                            "verified, so you were not signed in.", again))
    try:
        with session_scope() as db:
            signed = sso.finish(db, login, claims, secret_key=settings.secret_key,
                                now=utcnow(), hours=settings.session_hours,
                                ip=request_address(request),
                                user_agent=request.headers.get("user-agent", ""))
    except DomainError as refused:
        return _forget(cookie, refusal_page(str(refused),
                                            login.next_path if login.expected else again))
    except IntegrityError:  # the same person's first sign-in, twice at once
        return _forget(cookie, refusal_page("Your account was being set up by another "
                                            "sign-in just now. Sign in again.", again))
    return _forget(cookie, set_session_cookie(RedirectResponse(signed.next_path,
                                                               status_code=303),
                                              signed.token))


def _forget(cookie: str, response):
    settings = get_settings()
    response.delete_cookie(cookie, path=routes.API_SSO, httponly=True, samesite="lax",
                           secure=settings.secure)
    return response


_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>Sign-in not completed · Commons</title>
<style>:root{{color-scheme:light dark;font-family:system-ui,sans-serif}}
*{{box-sizing:border-box}}
body{{margin:0;min-height:100vh;display:grid;place-items:center;padding:16px}}
main{{max-width:420px;border:1px solid #8884;border-radius:12px;padding:24px}}
h1{{font-size:1.25rem}}a{{color:LinkText}}</style></head>
<body><main><p><strong>Commons</strong></p><h1>The sign-in did not complete</h1>
<p role="alert">{message}</p><p><a href="{href}">{link}</a></p></main></body></html>"""


def refusal_page(message: str, href: str) -> HTMLResponse:
    """Why a sign-in through a provider did not happen (written on the server: the
    message names addresses, so it never travels in a URL). `href` is a path of this app:
    the sign-in page or a `next` that `routes.safe_next` let through."""
    link = "Back to the invitation" if href.startswith(("/invite/", "/join/", "/org-invite/")) \
        else "Sign in again"
    return HTMLResponse(_PAGE.format(message=html.escape(message), href=html.escape(href),
                                     link=link), status_code=403,
                        headers={"Cache-Control": "no-store"})


ROUTES = [
    Route(routes.API_SSO_START, start_route, methods=["POST"]),
    Route(routes.API_SSO_CALLBACK + "/{tenant_id}", callback_route, methods=["GET"]),
]
