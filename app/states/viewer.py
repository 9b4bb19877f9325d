"""Resolving the signed-in viewer from the HttpOnly cookie on every event."""

from http.cookies import CookieError, SimpleCookie
from typing import NamedTuple

import reflex as rx

from app import routes
from app.db import session_scope
from app.domain.viewer import Viewer
from app.models import utcnow
from app.services.audit import written_ids
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
    morsel = jar.get(get_settings().session_cookie)
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


class Outcome(NamedTuple):
    """What running one action gave: who acted, the service's result, the event that
    refuses (a redirect to sign-in or an error toast) and the audit events written."""

    viewer: Viewer | None
    result: object
    refusal: object
    event_ids: list[int]


def attempt(state: rx.State, action) -> Outcome:
    """Check the session and run `action(db, viewer)` in one transaction: what every
    action handler needs first."""
    from app.domain.errors import DomainError, NotSignedIn

    try:
        viewer = viewer_of(state)
        with session_scope() as db:
            result = action(db, viewer)
            event_ids = written_ids(db)
    except NotSignedIn:
        return Outcome(None, None, to_signin(state), [])
    except DomainError as err:
        return Outcome(None, None, rx.toast.error(err.message), [])
    return Outcome(viewer, result, None, event_ids)


def path_token(state: rx.State) -> str:
    """The `[token]` segment of an accept page's path."""
    parts = state.router.url.path.strip("/").split("/")
    return parts[1] if len(parts) > 1 else ""


def optional_viewer(state: rx.State) -> Viewer | None:
    """The signed-in viewer, or None on pages that anyone holding a link may open."""
    from app.domain.errors import NotSignedIn

    try:
        return viewer_of(state)
    except NotSignedIn:
        return None
