"""What every signed-in page state does the same way: read its data as the viewer, run an
action (check the session, call the service, refresh, toast, publish), show a refusal,
follow its live topics, and re-read when someone else acts."""

import reflex as rx

from app.domain.viewer import Viewer
from app.live.topics import follow, invitation_topic
from app.models import utcnow
from app.services.auth import switch_organization
from app.services.live_events import summary_for, summary_for_invitation
from app.settings import get_settings
from app.states.broadcast import broadcast
from app.states.viewer import Outcome, path_token, run

# What someone else did stays on screen longer than the answer to one's own action (Sonner's
# 4 s): it arrives unasked, perhaps while the person looks elsewhere. Hovering holds it, and
# the toaster pauses while the page is hidden.
HEARD_MS = 10_000


def heard(said: str):
    """The toast telling this tab what someone else did (nothing when there is nothing)."""
    return rx.toast.info(said, duration=HEARD_MS) if said else None


class ViewerPage(rx.State, mixin=True):
    error: str = ""
    loaded: bool = False
    busy: bool = False  # an action runs: its buttons are disabled until it is done

    # --- what a page defines --------------------------------------------------------------
    def _refresh(self, db, viewer: Viewer) -> None:
        """Read this page's data as `viewer`."""
        raise NotImplementedError

    def _clear(self) -> None:
        """Empty the page's data after a refusal."""

    def _data_changed(self) -> None:
        """What the page shows may have changed (it loads, it acted, someone else did):
        forget what it keeps between reads (counts read for the same filters…)."""

    def _start(self) -> None:
        """Reset what a fresh visit starts from (first page, closed panes)."""

    def _follow(self, viewer: Viewer) -> list[str]:
        """The live topics this page follows for `viewer`, derived on the server (at most
        one page topic and the viewer's inbox); none: not live."""
        return []

    def _page_path(self) -> str:
        """The path this page lives at; a live signal elsewhere is ignored."""
        return ""

    def _on_page(self) -> bool:
        return self.router.url.path.rstrip("/").endswith(self._page_path())

    def _gone(self) -> str:
        """What to say when a re-read after someone else's change is refused."""
        return ""

    def _topics(self, viewer: Viewer, result) -> list[str]:
        """Who else hears of an action whose service call returned `result`."""
        return []

    def _after_load(self):
        """Events to run once the page has loaded and follows its topics."""
        return None

    def _read_later(self):
        """The event that reads the slower part of the page (in a thread, so that other
        tabs do not wait), run after every read: on load, after an action, when someone
        else acts. None: the page has no such part."""
        return None

    def _with_later(self, *events) -> list:
        return [e for e in (*events, self._read_later()) if e is not None]

    # --- shared ------------------------------------------------------------------------------
    def _read(self, then=None) -> Outcome:
        """Re-read the page as the viewer (and `then(db, viewer)` in the same transaction);
        a refusal empties the page and shows its message."""

        def read(db, viewer):
            self._refresh(db, viewer)
            return then(db, viewer) if then else None

        done = run(self, read)
        self.loaded = True
        if done.refusal is not None:
            self._clear()
        self.error = done.refusal or ""
        return done

    def _reload(self):
        """Re-read the page; returns the redirect to sign-in when the session ended."""
        return self._read().away

    def _act(self, action, success, announce: bool = True,
             invitation_id: int | None = None):
        """Run `action(db, viewer)`, re-read this page, say `success` (text, or a function
        of the action's result giving it); with `announce`, tell
        the other tabs following `_topics` (and the invitation's) and the person
        `invitation_id` is for. A generator: the page first hears that it is `busy` (its
        action buttons disable), then the outcome."""
        self.busy = True
        yield
        try:
            done = run(self, action)
        finally:
            self.busy = False
        if not done.done:
            yield done.stop()
            return
        self._data_changed()
        self._reload()
        if announce:
            self._announce(done, invitation_id)
        yield self._with_later(rx.toast.success(success(done.result) if callable(success)
                                                else success))

    def _announce(self, done: Outcome, invitation_id: int | None = None) -> None:
        """Tell the other tabs following `_topics` (and the invitation's) of a done action."""
        topics = self._topics(done.viewer, done.result)
        if invitation_id:
            topics = topics + [invitation_topic(invitation_id)]
        broadcast(self, topics, done.event_ids,
                  invitation_ids=[invitation_id] if invitation_id else None)

    def _submit(self, action, error_field: str) -> Outcome:
        """Run a dialog's `action(db, viewer)`; a refusal goes into `error_field` (shown in
        the dialog), a success clears it."""
        done = run(self, action)
        setattr(self, error_field, done.refusal or "")
        return done

    def _opened(self, query) -> None:
        """The page was opened (a link's `query` parameters may choose what it shows)."""

    @rx.event
    async def load(self):
        self._opened(self.router.url.query_parameters)
        self._start()
        self._data_changed()
        done = self._read()
        if not done.done:
            return done.away
        await follow(self, self._follow(done.viewer))
        return self._with_later(self._after_load())

    @rx.event
    def live_refresh(self, event_ids: list[int]):
        """Someone else acted on what this page shows: re-read it, and say what they did
        as far as this viewer may read it."""
        if not self._on_page():
            return None
        self._data_changed()
        done = self._read(lambda db, viewer: summary_for(db, viewer, event_ids))
        if done.away is not None:
            return done.away
        if done.refusal is not None:
            return rx.toast.warning(self._gone()) if self._gone() else None
        return self._with_later(heard(done.result))


class LinkPage(rx.State, mixin=True):
    """A page anyone holding an emailed link may open: the invitation as the viewer (signed
    in or not) may see it, and who is signed in."""

    invitation: dict[str, str | bool | int] = {}
    error: str = ""
    signed_in_as: str = ""
    loaded: bool = False
    busy: bool = False  # an answer is on its way: Join, Accept and Decline are disabled

    def _view(self, db, secret_key: str, token: str, viewer: Viewer | None) -> dict:
        """The service's view of the invitation behind `token`."""
        raise NotImplementedError

    def _who(self, viewer: Viewer) -> str:
        return f"{viewer.email} ({viewer.org_name})"

    def _token(self) -> str:
        return path_token(self)

    def _topics(self) -> list[str]:
        """Who else hears when the invitee answers on this page."""
        return []

    async def _follow_invitation(self, topic_of) -> None:
        """Follow the topic of the invitation behind this page's link (`topic_of(id)`):
        the token is what entitles the tab to it."""
        if "id" in self.invitation:  # a closed view names no invitation
            await follow(self, [topic_of(int(self.invitation["id"]))])

    def _said(self, event_ids: list[int]) -> str:
        """What the named events say about this page's invitation ("" for others)."""
        if "id" not in self.invitation:
            return ""
        invitation_id = int(self.invitation["id"])
        done = run(self, lambda db, _: summary_for_invitation(db, invitation_id, event_ids),
                   signed_in=False)
        return done.result or ""

    def _show(self) -> None:
        def view(db, viewer):
            self.signed_in_as = self._who(viewer) if viewer else ""
            return self._view(db, get_settings().secret_key, self._token(), viewer)

        done = run(self, view, signed_in=False)
        self.invitation, self.error = (done.result, "") if done.done else ({}, done.refusal)
        self.loaded = True

    def _answer(self, step, success: str = ""):
        """The invitee acts on the invitation behind the link (signed in): run
        `step(db, viewer)`, show the new status, tell the inviter's pages. A generator, like
        `ViewerPage._act`: `busy` first."""
        self.busy = True
        yield
        try:
            done = run(self, step)
        finally:
            self.busy = False
        if done.away is not None:
            yield self._to_signin()
            return
        self._show()
        if done.refusal is not None:
            yield rx.toast.error(done.refusal)
            return
        broadcast(self, self._topics(), done.event_ids,
                  invitation_ids=[int(self.invitation["id"])] if "id" in self.invitation
                  else None)
        if success:
            yield rx.toast.success(success)

    def _to_signin(self):
        """Where a signed-out invitee goes to act: sign-in, back to this link."""
        from app import routes

        return rx.redirect(routes.signin(next_path=self.router.url.path))

    def _open(self, organization: str, path: str):
        """Into the app after answering: the viewer's session moves to `organization`
        (Tenant ID or alias; unless it is there already, and only where the viewer may
        switch) and the tab opens `path`."""

        def enter(db, viewer):
            if organization not in (viewer.tenant_id, viewer.org_alias):
                switch_organization(db, viewer, organization, now=utcnow())

        done = run(self, enter)
        return rx.redirect(path) if done.done else done.stop()


def too_long(what: str, limit: int):
    """The toast for typed text past its stated limit (nothing is changed)."""
    return rx.toast.error(f"{what} is limited to {limit:,} characters; nothing was changed.")
