"""The signal after a change: to the topics the change names, and to the people its
invitations are for (their inboxes) and the organizations on both sides."""

from app.db import session_scope
from app.live.topics import inbox_topic, organization_topic, publish_all
from app.services.directory import invitation_audience


async def announce(topics: list[str], event_ids: list[int], invitation_ids: list[int],
                   recipients: list[str], exclude: str | None = None) -> None:
    """Signal `topics` plus the audience of `invitation_ids` and `recipients` (addresses
    or usernames), naming the audit events `event_ids`; `exclude`: a tab that knows."""
    if invitation_ids or recipients:
        with session_scope() as db:
            users, orgs = invitation_audience(db, invitation_ids, recipients)
        topics = (topics + [inbox_topic(u) for u in users]
                  + [organization_topic(o) for o in orgs])
    await publish_all(topics, event_ids, exclude=exclude)
