"""The Overview (the page after sign-in): what needs the viewer, with the rows' buttons."""

import reflex as rx

from app.live.topics import inbox_topic, organization_topic, register_refresher
from app.models import utcnow
from app.services.communities import list_communities
from app.services.overview import needs_you
from app.states.invitation_actions import AskFirst, InvitationActions
from app.states.page import ViewerPage

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

    def _clear(self) -> None:
        self.needs, self.waiting, self.communities = [], 0, []

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
