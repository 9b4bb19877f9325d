"""Resolving the signed-in viewer from the HttpOnly cookie on every event."""

import logging
from http.cookies import CookieError, SimpleCookie
from typing import NamedTuple

import reflex as rx
from sqlalchemy.exc import DBAPIError

from app import routes
from app.db import connection_lost, session_scope
from app.domain.errors import DomainError, NotSignedIn
from app.domain.viewer import Viewer
from app.models import utcnow
from app.services.audit import written_ids
from app.services.auth import viewer_for_token
from app.settings import get_settings

log = logging.getLogger(__name__)


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


def viewer_in(db, state: rx.State) -> Viewer:
    """The viewer behind this tab's session cookie, read in `db`; raises NotSignedIn."""
    return viewer_for_token(db, secret_key=get_settings().secret_key,
                            token=session_token(state.router.headers.cookie),
                            now=utcnow(), ip=state.router.session.client_ip)


def to_signin(state: rx.State):
    """Send the tab to sign-in, coming back here afterwards (to this page with its query
    string); a tab that held a session hears that it ended (expired, or signed out
    elsewhere)."""
    url = state.router.url
    had_session = session_token(state.router.headers.cookie) is not None
    return rx.redirect(routes.signin(next_path=url.path + (f"?{url.query}" if url.query else ""),
                                     reason="ended" if had_session else None), replace=True)


class Outcome(NamedTuple):
    """What running one action gave: who acted and the service's result with the audit
    events it wrote; or why not: `refusal` (the message to show) or `away` (the event that
    sends a tab whose session ended to sign-in)."""

    viewer: Viewer | None = None
    result: object = None
    event_ids: list[int] = []
    refusal: str | None = None
    away: object = None

    @property
    def done(self) -> bool:
        return self.refusal is None and self.away is None

    def stop(self):
        """The event that ends a refused action: to sign-in, or the refusal as a toast."""
        return self.away if self.away is not None else rx.toast.error(self.refusal)


DATABASE_GONE = ("The database could not be reached, so nothing was changed. Try again in a "
                 "moment.")


def refusal_for(err: BaseException) -> str | None:
    """What to tell a person when the database went away under their action; None for
    other errors."""
    return DATABASE_GONE if connection_lost(err) else None


def run(state: rx.State, action, *, signed_in: bool = True) -> Outcome:
    """The one way a handler acts: resolve the viewer and run `action(db, viewer)` in one
    transaction. With `signed_in=False` (a page anyone holding a link may use), the
    viewer is None when nobody is signed in."""
    try:
        with session_scope() as db:
            try:
                viewer = viewer_in(db, state)
            except NotSignedIn:
                if signed_in:
                    raise
                viewer = None
            result = action(db, viewer)
            return Outcome(viewer, result, written_ids(db))
    except NotSignedIn:
        return Outcome(away=to_signin(state))
    except DomainError as err:
        return Outcome(refusal=err.message)
    except DBAPIError as err:
        if refusal_for(err) is None:
            raise
        log.warning("the database went away during an action: %s", err.orig)
        return Outcome(refusal=DATABASE_GONE)


def path_token(state: rx.State) -> str:
    """The `[token]` segment of an accept page's path."""
    parts = state.router.url.path.strip("/").split("/")
    return parts[1] if len(parts) > 1 else ""
