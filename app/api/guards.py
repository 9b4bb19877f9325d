"""What every cookie-authenticated HTTP route checks first: that the request comes from a
page of this app, not from another site's page riding on the person's cookie."""

from starlette.requests import Request

from app.settings import get_settings


def foreign_origin(request: Request) -> bool:
    """True when a browser says the request comes from another site: an `Origin` that is
    not one of the allowed origins (or "null"), or `Sec-Fetch-Site: cross-site`. Clients
    that send neither (curl, scripts) are not browsers riding on someone's cookie."""
    origin = request.headers.get("origin")
    site = request.headers.get("sec-fetch-site")
    if origin == "null" and site == "same-origin":
        # a page that asked for no Referer (the emailed links' pages) sends its own posts
        # with `Origin: null`; the browser's own Sec-Fetch-Site still says where it is from
        return False
    if origin is not None and origin.lower().rstrip("/") not in get_settings().allowed_origins:
        return True
    return site == "cross-site"


def session_token(request: Request) -> str | None:
    """The session cookie's value."""
    return request.cookies.get(get_settings().session_cookie)
