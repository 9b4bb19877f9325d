"""The Overview (the page after sign-in): what needs the viewer, with the rows' buttons,
and how the invitations their side sent fare (read after the rest, in a thread)."""

import asyncio

import reflex as rx

from app.domain.errors import InvalidInput
from app.live.topics import inbox_topic, organization_topic, register_refresher
from app.models import utcnow
from app.services.communities import list_communities
from app.services.invitation_stats import fare, window_days
from app.services.overview import needs_you
from app.states.invitation_actions import AskFirst, InvitationActions
from app.states.page import ViewerPage
from app.states.viewer import run

COMMUNITIES_SHOWN = 8


class OverviewState(InvitationActions, ViewerPage, rx.State):
    # each need: key, title, count, href (the Invitations page filtered to it), rows
    needs: list[dict] = []
    waiting: int = 0        # how many invitations the needs hold, all told
    communities: list[dict[str, str | int | None]] = []
    more_communities: int = 0

    def _refresh(self, db, viewer) -> None:
        self.needs = needs_you(db, viewer, utcnow())
        self.waiting = sum(n["count"] for n in self.needs)
        communities = list_communities(db, viewer)
        self.communities = communities[:COMMUNITIES_SHOWN]
        self.more_communities = max(0, len(communities) - COMMUNITIES_SHOWN)

    # how invitations fare (`invitation_stats.fare`), over the last `days`
    days: int = 30
    fare_kinds: list[dict[str, str | int]] = []
    fare_timing: list[dict[str, str | int | float]] = []
    fare_weeks: list[dict[str, str | int]] = []
    fare_total: int = 0
    fare_loaded: bool = False

    def _clear(self) -> None:
        self.needs, self.waiting, self.communities = [], 0, []
        self.fare_kinds, self.fare_timing, self.fare_weeks = [], [], []
        self.fare_total = 0

    def _start(self) -> None:
        self.fare_loaded = False  # a visit shows its own numbers, not the last visit's

    def _read_later(self):
        return OverviewState.read_fare

    @rx.event
    async def read_fare(self):
        """Read the charts as the viewer, off the event loop (a scan of the window)."""
        days = self.days
        done = await asyncio.to_thread(run, self, lambda db, v: fare(db, v, utcnow(), days))
        if done.away is not None:
            return done.away
        if done.refusal is not None:
            self._clear()
            return rx.toast.error(done.refusal)
        got = done.result
        self.fare_kinds, self.fare_timing = got["kinds"], got["timing"]
        self.fare_weeks, self.fare_total = got["weeks"], got["total"]
        self.fare_loaded = True
        return None

    @rx.event
    def set_days(self, value: str | list[str]):
        """Look back 30 or 90 days; anything else is refused and changes nothing."""
        try:
            self.days = window_days(value)
        except InvalidInput as err:
            return rx.toast.error(err.message)
        return OverviewState.read_fare

    def _follow(self, viewer):
        return [organization_topic(viewer.organization_id), inbox_topic(viewer.user_id)]

    def _page_path(self) -> str:
        return "/"

    def _on_page(self) -> bool:
        return self.router.url.path.rstrip("/") == ""

    def _row(self, invitation_id: int) -> dict | None:
        return next((r for n in self.needs for r in n["rows"] if r["id"] == invitation_id),
                    None)


class OverviewQuestion(AskFirst, OverviewState):
    """The Overview's question dialog (see AskFirst)."""


register_refresher("org", OverviewState)
register_refresher("inbox", OverviewState)
