"""Telling other tabs about a change, from the server, after the acting event is done.

No client-callable handler publishes: an action handler that changed something calls
`broadcast`, which schedules the signal outside the event (it would otherwise wait on the
topic locks the acting tab holds). The topics come from the server (the page's own rule and
the invitations' audience), and the signal names only the audit events the action wrote.
"""

import reflex as rx

from app.live.announce import announce
from app.live.topics import publish_after


def broadcast(state: rx.State, topics: list[str], event_ids: list[int], *,
              invitation_ids: list[int] | None = None,
              recipients: list[str] | None = None) -> None:
    """Wake the other tabs following `topics`, the inboxes of the people these invitations
    (or addresses and usernames) are for and the pages of the organizations on both sides;
    this tab has refreshed already."""
    publish_after(announce(list(topics), list(event_ids), list(invitation_ids or []),
                           list(recipients or []), state.router.session.client_token))
