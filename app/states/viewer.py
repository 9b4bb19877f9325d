"""Resolving the signed-in viewer from the HttpOnly cookie on every event."""

from http.cookies import CookieError, SimpleCookie

import reflex as rx

from app import routes
from app.db import session_scope
from app.domain.viewer import Viewer
from app.models import utcnow
from app.services.auth import viewer_for_token
from app.settings import get_settings


def session_token(cookie_header: str | None) -> str | None:
    if not cookie_header:
        return None
    jar = SimpleCookie()
    try:
        jar.load(cookie_header)
    except CookieError:
        return None
    morsel = jar.get(routes.SESSION_COOKIE)
    return morsel.value if morsel else None


def viewer_of(state: rx.State) -> Viewer:
    """The viewer behind this tab's session cookie; raises NotSignedIn."""
    with session_scope() as db:
        return viewer_for_token(db, secret_key=get_settings().secret_key,
                                token=session_token(state.router.headers.cookie),
                                now=utcnow(), ip=state.router.session.client_ip)


def to_signin(state: rx.State):
    """Send the tab to sign-in, coming back here afterwards."""
    return rx.redirect(routes.signin(next_path=state.router.url.path), replace=True)
