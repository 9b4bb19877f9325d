"""GET /auth/sso/start and /auth/sso/callback: signing in through an organization's
OpenID Connect provider, ending in a full page load that sets the HttpOnly session
cookie from the server, as the password sign-in does."""

import html
import logging

from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse
from starlette.routing import Route

from app import routes
from app.api.auth_routes import set_session_cookie
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
BROWSER_COOKIE = "commons_sso"


def callback_url() -> str:
    return get_settings().base_url + routes.API_SSO_CALLBACK


async def start_route(request: Request):
    """To the provider of the organization `tenant`, remembering where to come back to
    (`next`) and, from an invitation, whom the invitation expects (`expected`)."""
    params = request.query_params
    tenant = params.get("tenant", "")[:100]
    next_path = routes.safe_next(params.get("next", ""))
    expected = params.get("expected", "")[:320]
    settings = get_settings()
    with session_scope() as db:
        provider = sso.provider_for(db, tenant)
    if provider is None:
        return RedirectResponse(routes.signin(next_path, tenant=tenant or None,
                                              error="sso-none"), status_code=303)
    try:
        meta = await discover(provider.issuer, allow_private=settings.outbound_allow_private)
    except ProviderProblem as problem:
        log.warning("sign-in through %s refused: %s", provider.issuer, problem)
        return RedirectResponse(routes.signin(next_path, tenant=tenant, error="sso-down"),
                                status_code=303)
    with session_scope() as db:
        started = sso.begin(db, provider, secret_key=settings.secret_key,
                            next_path=next_path, expected=expected, now=utcnow())
    response = RedirectResponse(authorization_url(
        meta, client_id=provider.client_id, scopes=provider.scopes,
        redirect_uri=callback_url(), state=started.state, nonce=started.nonce,
        code_verifier=started.code_verifier, login_hint=expected), status_code=303)
    response.set_cookie(BROWSER_COOKIE, started.browser_secret,
                        max_age=sso.LOGIN_MINUTES * 60, httponly=True, samesite="lax",
                        path=routes.API_SSO, secure=settings.secure)
    return response


def _claim(state: str, browser_secret: str):
    """The sign-in under way, used up in its own transaction (so a refusal after it still
    leaves it used) and detached; LoginGone."""
    with session_scope() as db:
        login = sso.claim(db, secret_key=get_settings().secret_key, state=state,
                          browser_secret=browser_secret, now=utcnow())
        provider = db.get(IdentityProvider, login.provider_id)
        org = db.get(Organization, provider.organization_id)
        return login, provider, org


async def callback_route(request: Request):
    params = request.query_params
    settings = get_settings()
    try:
        login, provider, org = _claim(params.get("state", ""),
                                      request.cookies.get(BROWSER_COOKIE, ""))
    except DomainError as gone:
        return refusal_page(str(gone), routes.SIGNIN)
    again = routes.signin(login.next_path, tenant=org.alias)
    if params.get("error"):
        return refusal_page(f"{provider.name} did not sign you in "
                            f"({params.get('error', '')[:60]}).", again)
    try:
        meta = await discover(login.issuer, allow_private=settings.outbound_allow_private)
        tokens = await exchange(
            meta, client_id=provider.client_id,
            client_secret=CLIENT_SECRETS.unseal(provider.client_secret, org.id),
            code=params.get("code", "")[:2000], redirect_uri=callback_url(),
            code_verifier=login.code_verifier, allow_private=settings.outbound_allow_private)
        claims = await id_token_claims(meta, tokens, client_id=provider.client_id,
                                       nonce=login.nonce,
                                       allow_private=settings.outbound_allow_private)
    except (ProviderProblem, TokenRejected) as err:
        log.warning("sign-in through %s refused: %s", login.issuer, err)
        return refusal_page(f"{provider.name}'s answer could not be verified, so you were "
                            "not signed in.", again)
    try:
        with session_scope() as db:
            signed = sso.finish(db, login, claims, secret_key=settings.secret_key,
                                now=utcnow(), hours=settings.session_hours,
                                ip=request_address(request),
                                user_agent=request.headers.get("user-agent", ""))
    except DomainError as refused:
        return refusal_page(str(refused), login.next_path if login.expected else again)
    response = set_session_cookie(RedirectResponse(signed.next_path, status_code=303),
                                  signed.token)
    response.delete_cookie(BROWSER_COOKIE, path=routes.API_SSO, httponly=True,
                           samesite="lax", secure=settings.secure)
    return response


_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer"><title>Not signed in · Commons</title>
<style>:root{{color-scheme:light dark;font-family:system-ui,sans-serif}}
body{{margin:0;min-height:100vh;display:grid;place-items:center;padding:16px}}
main{{max-width:420px;border:1px solid #8884;border-radius:12px;padding:24px}}
h1{{font-size:1.25rem}}a{{color:LinkText}}</style></head>
<body><main><p><strong>Commons</strong></p><h1>You are not signed in</h1>
<p role="alert">{message}</p><p><a href="{href}">{link}</a></p></main></body></html>"""


def refusal_page(message: str, href: str) -> HTMLResponse:
    """Why a sign-in through a provider did not happen (written on the server: the
    message names addresses, so it never travels in a URL)."""
    link = "Back to the invitation" if href.startswith(("/invite/", "/join/", "/org-invite/")) \
        else "Sign in again"
    return HTMLResponse(_PAGE.format(message=html.escape(message),
                                     href=html.escape(routes.safe_next(href)),
                                     link=link), status_code=403,
                        headers={"Cache-Control": "no-store"})


ROUTES = [
    Route(routes.API_SSO_START, start_route, methods=["GET"]),
    Route(routes.API_SSO_CALLBACK, callback_route, methods=["GET"]),
]
