"""What every signed-in page state does the same way: read its data as the viewer, show a
refusal as a message, follow its live topic, and re-read when someone else acts."""

from typing import NamedTuple

import reflex as rx

from app.db import session_scope
from app.domain.errors import DomainError, NotSignedIn
from app.domain.viewer import Viewer
from app.live.topics import follow
from app.services.audit import written_ids
from app.services.live_events import summary_for, summary_for_invitation
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

    def _follow(self, viewer: Viewer) -> list[str]:
        """The live topics this page follows for `viewer`, derived on the server (at most
        one page topic and the viewer's inbox); none: not live."""
        return []

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
        done = attempt(self, action)
        if done.refusal is not None:
            return done.refusal
        self._reload()
        if announce:
            broadcast(self, self._topics(done.viewer, done.result), done.event_ids,
                      invitation_ids=[invitation_id] if invitation_id else None)
        return rx.toast.success(success)

    @rx.event
    async def load(self):
        self._start()
        result = self._reload()
        if result is not None or self.error:
            return result
        try:
            viewer = viewer_of(self)
        except NotSignedIn:
            return to_signin(self)
        await follow(self, self._follow(viewer))
        return None

    @rx.event
    def live_refresh(self, event_ids: list[int]):
        """Someone else acted on what this page shows: re-read it, and say what they did
        as far as this viewer may read it."""
        if not self.router.url.path.rstrip("/").endswith(self._page_path()):
            return None
        away = self._reload()
        if away is not None or self.error:
            return away
        with session_scope() as db:
            said = summary_for(db, viewer_of(self), event_ids)
        return rx.toast.info(said) if said else None


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

    async def _follow_invitation(self, topic_of) -> None:
        """Follow the topic of the invitation behind this page's link (`topic_of(id)`):
        the token is what entitles the tab to it."""
        if self.invitation:
            await follow(self, [topic_of(int(self.invitation["id"]))])

    def _said(self, event_ids: list[int]) -> str:
        """What the named events say about this page's invitation ("" for others)."""
        if not self.invitation:
            return ""
        with session_scope() as db:
            return summary_for_invitation(db, int(self.invitation["id"]), event_ids)

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
        done = submit(self, action)
        if done.away is not None:
            return done.away
        if done.error is not None:
            self.invite_error, self.results = done.error, []
            return None
        self.results, self.invite_error = done.result, ""
        self._reload()
        invited = [r[key] for r in self.results if r["outcome"] == "invited"]
        if invited:
            broadcast(self, self._topics(done.viewer, None), done.event_ids,
                      recipients=invited)
        return None


class Submitted(NamedTuple):
    """A form's action: its result, or the refusal to show in the form, or the event that
    sends a tab whose session ended to sign-in; with who acted and the events written."""

    result: object = None
    error: str | None = None
    away: object = None
    viewer: Viewer | None = None
    event_ids: list[int] = []


def too_long(what: str, limit: int):
    """The toast for typed text past its stated limit (nothing is changed)."""
    return rx.toast.error(f"{what} is limited to {limit:,} characters; nothing was changed.")


def submit(state: rx.State, action) -> Submitted:
    """Run a form's `action(db, viewer)` in one transaction."""
    try:
        viewer = viewer_of(state)
        with session_scope() as db:
            result = action(db, viewer)
            return Submitted(result=result, viewer=viewer, event_ids=written_ids(db))
    except NotSignedIn:
        return Submitted(away=to_signin(state))
    except DomainError as err:
        return Submitted(error=err.message)
