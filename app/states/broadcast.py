"""One event that tells other tabs about a change, after the acting tab's event is done.

The event goes through the browser like any other, so its arguments carry a seal made
with the secret key: a client cannot ask for a broadcast (or a toast text) of its own.
"""

import hashlib
import hmac
import json
import logging

import reflex as rx

from app.db import session_scope
from app.live.topics import inbox_topic, organization_topic, publish_all
from app.services.directory import invitation_audience
from app.settings import get_settings

log = logging.getLogger("commons.live")


def _seal(topics: list[str], message: str, invitation_ids: list[int],
          recipients: list[str], client_token: str) -> str:
    body = json.dumps([topics, message, invitation_ids, recipients, client_token])
    return hmac.new(get_settings().secret_key.encode(), body.encode(),
                    hashlib.sha256).hexdigest()


class Broadcaster(rx.State):
    @rx.event(background=True)
    async def broadcast(self, topics: list[str], message: str, invitation_ids: list[int],
                        recipients: list[str], seal: str):
        """Wake the other tabs following `topics`, the inboxes of the people these
        invitations (or addresses and usernames) are for and the pages of the
        organizations on both sides, outside this tab's state lock."""
        me = self.router.session.client_token
        if not hmac.compare_digest(seal, _seal(topics, message, invitation_ids, recipients,
                                               me)):
            log.warning("broadcast with a bad seal ignored (client %s)", me)
            return
        if invitation_ids or recipients:
            with session_scope() as db:
                users, orgs = invitation_audience(db, invitation_ids, recipients)
            topics = (list(topics) + [inbox_topic(u) for u in users]
                      + [organization_topic(o) for o in orgs])
        await publish_all(topics, message, exclude=me)


def broadcast(state: rx.State, topics: list[str], message: str, *,
              invitation_ids: list[int] | None = None, recipients: list[str] | None = None):
    """The event to return from `state`'s handler (its own refresh happened already)."""
    ids, people = list(invitation_ids or []), list(recipients or [])
    seal = _seal(list(topics), message, ids, people, state.router.session.client_token)
    return Broadcaster.broadcast(list(topics), message, ids, people, seal)
