"""What every signed-in page state does the same way: read its data as the viewer, show a
refusal as a message, follow its live topic, and re-read when someone else acts."""

import reflex as rx

from app.db import session_scope
from app.domain.errors import DomainError, NotSignedIn
from app.domain.viewer import Viewer
from app.states.viewer import to_signin, viewer_of


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
