"""One event that tells other tabs about a change, after the acting tab's event is done."""

import reflex as rx

from app.db import session_scope
from app.live.topics import inbox_topic, organization_topic, publish_all
from app.services.directory import invitation_audience


class Broadcaster(rx.State):
    @rx.event(background=True)
    async def broadcast(self, topics: list[str], message: str,
                        invitation_ids: list[int] | None = None,
                        recipients: list[str] | None = None):
        """Wake the other tabs following `topics`, the inboxes of the people these
        invitations (or addresses and usernames) are for and the pages of the
        organizations on both sides, outside this tab's state lock."""
        if invitation_ids or recipients:
            with session_scope() as db:
                users, orgs = invitation_audience(db, invitation_ids or [], recipients or [])
            topics = (list(topics) + [inbox_topic(u) for u in users]
                      + [organization_topic(o) for o in orgs])
        await publish_all(topics, message, exclude=self.router.session.client_token)


def broadcast(topics: list[str], message: str, *, invitation_ids: list[int] | None = None,
              recipients: list[str] | None = None):
    """The event to return from a handler (the tab's own refresh happened already)."""
    return Broadcaster.broadcast(topics, message, invitation_ids or [], recipients or [])
