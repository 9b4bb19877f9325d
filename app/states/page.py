"""What every signed-in page state does the same way: read its data as the viewer, show a
refusal as a message, follow its live topic, and re-read when someone else acts."""

import reflex as rx

from app.db import session_scope
from app.domain.errors import DomainError, NotSignedIn
from app.domain.viewer import Viewer
from app.settings import get_settings
from app.states.broadcast import broadcast
from app.states.viewer import attempt, optional_viewer, path_token, to_signin, viewer_of


class ViewerPage(rx.State, mixin=True):
    error: str = ""
    loaded: bool = False

    # --- what a page defines --------------------------------------------------------------
    def _refresh(self, db, viewer: Viewer) -> None:
        """Read this page's data as `viewer`."""
        raise NotImplementedError

    def _clear(self) -> None:
        """Empty the page's data after a refusal."""

    def _start(self) -> None:
        """Reset what a fresh visit starts from (first page, closed panes)."""

    def _follow(self, viewer: Viewer):
        """The events that follow this page's live topics (None: not live)."""
        return None

    def _page_path(self) -> str:
        """The path this page lives at; a live signal elsewhere is ignored."""
        return ""

    def _topics(self, viewer: Viewer, result) -> list[str]:
        """Who else hears of an action whose service call returned `result`."""
        return []

    # --- shared ------------------------------------------------------------------------------
    def _reload(self):
        """Re-read the page as the viewer; returns a redirect to sign-in when needed."""
        try:
            viewer = viewer_of(self)
            with session_scope() as db:
                self._refresh(db, viewer)
            self.error = ""
        except NotSignedIn:
            return to_signin(self)
        except DomainError as err:
            self._clear()
            self.error = err.message
        finally:
            self.loaded = True
        return None

    def _act(self, action, success: str, announce: bool = True,
             invitation_id: int | None = None):
        """Run `action(db, viewer)`, re-read this page, say `success`; with `announce`, tell
        the other tabs following `_topics` and the person `invitation_id` is for."""
        viewer, result, refusal = attempt(self, action)
        if refusal is not None:
            return refusal
        self._reload()
        events = [rx.toast.success(success)]
        topics = self._topics(viewer, result) if announce else []
        if topics:
            events.append(broadcast(self, topics, f"{viewer.display_name}: {success}",
                                    invitation_ids=[invitation_id] if invitation_id else None))
        return events

    @rx.event
    def load(self):
        self._start()
        result = self._reload()
        if result is not None:
            return result
        try:
            return self._follow(viewer_of(self))
        except NotSignedIn:
            return to_signin(self)

    @rx.event
    def live_refresh(self, message: str, topic: str):
        """Someone else acted on what this page shows: re-read it, say who did what."""
        if not self.router.url.path.rstrip("/").endswith(self._page_path()):
            return None
        self._reload()
        return rx.toast.info(message) if message else None


class LinkPage(rx.State, mixin=True):
    """A page anyone holding an emailed link may open: the invitation as the viewer (signed
    in or not) may see it, and who is signed in."""

    invitation: dict[str, str | bool | int] = {}
    error: str = ""
    signed_in_as: str = ""
    loaded: bool = False

    def _view(self, db, secret_key: str, token: str, viewer: Viewer | None) -> dict:
        """The service's view of the invitation behind `token`."""
        raise NotImplementedError

    def _who(self, viewer: Viewer) -> str:
        return f"{viewer.email} ({viewer.org_name})"

    def _token(self) -> str:
        return path_token(self)

    def _show(self) -> None:
        viewer = optional_viewer(self)
        self.signed_in_as = self._who(viewer) if viewer else ""
        try:
            with session_scope() as db:
                self.invitation = self._view(db, get_settings().secret_key, self._token(),
                                             viewer)
            self.error = ""
        except DomainError as err:
            self.invitation, self.error = {}, err.message
        self.loaded = True


class BatchInvite(rx.State, mixin=True):
    """A dialog that invites several people at once and shows one result per person."""

    results: list[dict[str, str]] = []
    invite_error: str = ""

    def _invite(self, action, key: str):
        """Run `action(db, viewer)` (a result per person, `key` naming them), re-read the
        page, and tell the other tabs and the people invited."""
        found, error, away = submit(self, lambda db, v: (v, action(db, v)))
        if away is not None:
            return away
        if error is not None:
            self.invite_error, self.results = error, []
            return None
        viewer, self.results = found
        self.invite_error = ""
        self._reload()
        invited = [r[key] for r in self.results if r["outcome"] == "invited"]
        if not invited:
            return None
        return broadcast(self, self._topics(viewer, None),
                         f"{viewer.display_name} invited {', '.join(invited)}.",
                         recipients=invited)


def submit(state: rx.State, action):
    """Run a form's `action(db, viewer)` in one transaction: `(result, None, None)`, or
    `(None, message, None)` with the refusal to show in the form, or `(None, None, event)`
    that sends a tab whose session ended to sign-in."""
    try:
        viewer = viewer_of(state)
        with session_scope() as db:
            return action(db, viewer), None, None
    except NotSignedIn:
        return None, None, to_signin(state)
    except DomainError as err:
        return None, err.message, None
