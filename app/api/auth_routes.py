"""POST /auth/signin and /auth/signout: set or clear the HttpOnly session cookie."""

from urllib.parse import urlsplit

from starlette.requests import Request
from starlette.responses import PlainTextResponse, RedirectResponse
from starlette.routing import Route

from app import routes
from app.db import session_scope
from app.domain.errors import DomainError, TooManyAttempts
from app.models import utcnow
from app.services.auth import sign_in, sign_out
from app.settings import get_settings


def _same_origin(request: Request) -> bool:
    """Refuse cross-site form posts: a browser's Origin must name this host."""
    origin = request.headers.get("origin")
    if origin is None or origin == "null":
        return origin is None
    return urlsplit(origin).netloc == request.headers.get("host")


def _client_ip(request: Request) -> str:
    return request.client.host if request.client else ""


async def signin_route(request: Request):
    if not _same_origin(request):
        return PlainTextResponse("Cross-site sign-in refused.", status_code=403)
    form = await request.form()
    tenant = str(form.get("tenant", ""))[:100]
    next_path = routes.safe_next(str(form.get("next", "")))
    settings = get_settings()
    try:
        with session_scope() as db:
            token = sign_in(db, secret_key=settings.secret_key, tenant=tenant,
                            identifier=str(form.get("identifier", ""))[:320],
                            password=str(form.get("password", ""))[:1000], now=utcnow(),
                            hours=settings.session_hours, ip=_client_ip(request),
                            user_agent=request.headers.get("user-agent", ""))
    except DomainError as err:
        code = "throttled" if isinstance(err, TooManyAttempts) else "failed"
        return RedirectResponse(routes.signin(next_path, tenant=tenant, error=code),
                                status_code=303)
    response = RedirectResponse(next_path, status_code=303)
    response.set_cookie(routes.SESSION_COOKIE, token, max_age=settings.session_hours * 3600,
                        httponly=True, samesite="lax", path="/",
                        secure=settings.base_url.startswith("https://"))
    return response


async def signout_route(request: Request):
    if not _same_origin(request):
        return PlainTextResponse("Cross-site sign-out refused.", status_code=403)
    with session_scope() as db:
        sign_out(db, secret_key=get_settings().secret_key,
                 token=request.cookies.get(routes.SESSION_COOKIE), now=utcnow())
    response = RedirectResponse(routes.SIGNIN, status_code=303)
    response.delete_cookie(routes.SESSION_COOKIE, path="/", httponly=True, samesite="lax")
    return response


ROUTES = [
    Route(routes.API_SIGNIN, signin_route, methods=["POST"]),
    Route(routes.API_SIGNOUT, signout_route, methods=["POST"]),
]
