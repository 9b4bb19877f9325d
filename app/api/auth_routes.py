"""POST /auth/signin, /auth/code and /auth/signout: set or clear the HttpOnly session
cookie."""

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse
from starlette.routing import Route

from app import routes
from app.api.guards import foreign_origin, session_token
from app.db import session_scope
from app.domain.errors import DomainError, TooManyAttempts
from app.models import IdentityProvider, utcnow
from app.services.auth import PasswordSignInOff, sign_in, sign_out
from app.services.client_address import request_address
from app.services.passwords import off_loop
from app.services.sign_in_codes import sign_in_with_code
from app.settings import get_settings
from app.sso.client import logout_url
from app.sso.discovery import ProviderProblem, discover


def _sign_in_unit(**fields) -> str:
    """The whole sign-in, one transaction, committed even when refused (a failed
    attempt's failure row counts against the next ones), then the refusal is raised;
    runs on the password pool, off the event loop."""
    with session_scope() as db:
        attempt = sign_in(db, **fields)
    return attempt.token_or_raise()


async def signin_route(request: Request):
    if foreign_origin(request):
        return PlainTextResponse("Cross-site sign-in refused.", status_code=403)
    form = await request.form()
    tenant = str(form.get("tenant", ""))[:100]
    identifier = str(form.get("identifier", ""))[:320]
    next_path = routes.safe_next(str(form.get("next", "")))
    settings = get_settings()
    try:
        token = await off_loop(_sign_in_unit, secret_key=settings.secret_key, tenant=tenant,
                               identifier=identifier,
                               password=str(form.get("password", ""))[:1000], now=utcnow(),
                               hours=settings.session_hours, ip=request_address(request),
                               user_agent=request.headers.get("user-agent", ""))
    except DomainError as err:
        code = ("throttled" if isinstance(err, TooManyAttempts) else
                "password-off" if isinstance(err, PasswordSignInOff) else "failed")
        # the form comes back with what was typed, but the password
        return RedirectResponse(routes.signin(next_path, tenant=tenant, user=identifier.strip(),
                                              error=code), status_code=303)
    return _signed_in(next_path, token)


def _signed_in(next_path: str, token: str) -> RedirectResponse:
    """On to `next_path` with the session's HttpOnly cookie."""
    return set_session_cookie(RedirectResponse(next_path, status_code=303), token)


def set_session_cookie(response, token: str):
    settings = get_settings()
    response.set_cookie(settings.session_cookie, token, max_age=settings.session_hours * 3600,
                        httponly=True, samesite="lax", path="/",
                        secure=settings.secure)
    return response


def _code_unit(**fields) -> str:
    with session_scope() as db:
        return sign_in_with_code(db, **fields)


async def code_route(request: Request):
    """A just-created account signs in with the one-minute code its page posts; a used or
    expired code goes to the sign-in page, with the tenant and address it was given."""
    if foreign_origin(request):
        return PlainTextResponse("Cross-site sign-in refused.", status_code=403)
    form = await request.form()
    next_path = routes.safe_next(str(form.get("next", "")))
    settings = get_settings()
    try:
        token = _code_unit(secret_key=settings.secret_key, code=str(form.get("code", ""))[:200],
                           now=utcnow(), hours=settings.session_hours,
                           ip=request_address(request),
                           user_agent=request.headers.get("user-agent", ""))
    except DomainError:
        return RedirectResponse(routes.signin(
            next_path, tenant=str(form.get("tenant", ""))[:100] or None,
            user=str(form.get("user", ""))[:320] or None, error="code"), status_code=303)
    return _signed_in(next_path, token)


async def signout_route(request: Request):
    """End the Commons session; a session an identity provider signed in then goes on to
    the provider's own sign-out (RP-initiated logout), when it offers one."""
    if foreign_origin(request):
        return PlainTextResponse("Cross-site sign-out refused.", status_code=403)
    settings = get_settings()
    with session_scope() as db:
        provider_id = sign_out(db, secret_key=settings.secret_key,
                               token=session_token(request), now=utcnow())
        provider = db.get(IdentityProvider, provider_id) if provider_id else None
    after = await provider_logout(provider) if provider else ""
    response = RedirectResponse(after or routes.SIGNIN, status_code=303)
    response.delete_cookie(settings.session_cookie, path="/", httponly=True, samesite="lax",
                           secure=settings.secure)
    return response


async def provider_logout(provider: IdentityProvider) -> str:
    """The provider's sign-out address, back to the sign-in page; "" when it has none or
    cannot be reached now."""
    settings = get_settings()
    try:
        meta = await discover(provider.issuer, allow_private=settings.outbound_allow_private)
    except ProviderProblem:
        return ""
    return logout_url(meta, client_id=provider.client_id,
                      after=settings.base_url + routes.SIGNIN)


ROUTES = [
    Route(routes.API_SIGNIN, signin_route, methods=["POST"]),
    Route(routes.API_SIGNOUT, signout_route, methods=["POST"]),
    Route(routes.API_SIGN_IN_CODE, code_route, methods=["POST"]),
]
