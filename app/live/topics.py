"""Topics: a shared state per community, organization, invitation or person that carries
only a change signal.

The server decides what a tab follows: a page's load links the tab to the topics derived
from its viewer and page (`follow`), never to a name the client sent, and no handler lets a
client pick one. After a change, `publish_after` bumps each topic's counter once the acting
event has released its locks and asks every other following tab to run a refresh handler
of its own state with the ids of the audit events written; each tab re-reads what its own
session may see and says only what its viewer may read. The same code works with one
worker and with several workers over Redis (Reflex relays events between them).
"""

import asyncio
import contextvars
import logging

import reflex as rx
from reflex_base.event import Event
from reflex_base.registry import RegistrationContext

log = logging.getLogger("commons.live")


def community_topic(community_id: int) -> str:
    return f"community-{community_id}"


def invitation_topic(invitation_id: int) -> str:
    return f"invitation-{invitation_id}"


def managed_topic(organization_id: int) -> str:
    return f"managed-{organization_id}"


def organization_topic(organization_id: int) -> str:
    return f"org-{organization_id}"


def inbox_topic(user_id: int) -> str:
    return f"inbox-{user_id}"


_REFRESHERS: dict[str, list[str]] = {}


def register_refresher(kind: str, state_cls) -> None:
    """Tabs following `<kind>-<id>` topics refresh through `state_cls.live_refresh`; a
    refresher ignores the signal unless its tab shows its page."""
    handler = f"{state_cls.get_full_name()}.live_refresh"
    if handler not in _REFRESHERS.setdefault(kind, []):
        _REFRESHERS[kind].append(handler)


def refreshers_for(topic: str) -> list[str]:
    return _REFRESHERS.get(topic.split("-", 1)[0], [])


class LiveTopic(rx.SharedState):
    """The topic of the page a tab shows (a community, an organization…). No handlers:
    only the server links a tab to it."""

    version: int = 0


class LiveInbox(rx.SharedState):
    """The signed-in person's own topic: invitations addressed to them, from any
    organization. Followed beside the page topic, so a tab can hear both."""

    version: int = 0


def _channel(topic: str):
    return LiveInbox if topic.startswith("inbox-") else LiveTopic


async def follow(state: rx.State, topics: list[str]) -> None:
    """Link `state`'s tab to `topics` (at most one page topic and one inbox), which the
    caller derived on the server from the tab's viewer and page."""
    for topic in topics:
        live = await state.get_state(_channel(topic))
        await live._link_to(topic)


async def _detached(coro):
    """Run `coro` outside the current event's context.

    Reflex forks an enqueued event's context from the current one and, when the event
    has no router data, inherits the current tab's router (its URL and cookie) into the
    other tab's state. Outside any event context the event gets an empty router and the
    other tab keeps its own.
    """
    return await asyncio.get_running_loop().create_task(coro, context=contextvars.Context())


async def publish_all(topics: list[str], event_ids: list[int],
                      exclude: str | None = None) -> int:
    """Signal a change on each topic to the tabs following it, each through its refresher;
    returns how many tabs were asked to refresh."""
    woken = 0
    for topic in dict.fromkeys(topics):
        woken += await publish(topic, refreshers_for(topic), {"event_ids": list(event_ids)},
                               exclude=exclude)
    return woken


async def publish(topic: str, handlers: list[str], payload: dict,
                  exclude: str | None = None) -> int:
    """Signal a change on `topic`; returns how many other tabs were asked to refresh."""
    app = RegistrationContext.get().app
    channel = _channel(topic)
    # The state manager directly, not `app.modify_state`: nothing is sent to the topic's
    # own token (no browser holds it; Reflex would warn of a "disconnected client" each
    # time), while the write still renews the topic's lifetime in the state manager.
    async with app.state_manager.modify_state(
            rx.BaseStateToken(ident=topic, cls=channel)) as root:
        live = await root.get_state(channel)
        live.version += 1
        tokens = set(live._linked_from) - {exclude}
    manager = app.event_namespace._token_manager if app.event_namespace else None
    woken = 0
    for token in tokens:
        if manager is not None and not await manager.is_token_connected(token):
            continue
        for handler in handlers:
            await _detached(app.event_processor.enqueue(token, Event(name=handler,
                                                                     payload=payload)))
        woken += 1
    return woken


_PENDING: set[asyncio.Task] = set()


def publish_after(signal) -> None:
    """Run the coroutine `signal` (which publishes) after the current event: it waits for
    the topic locks the acting tab holds until its event ends, so it must not be awaited
    inside the event. The task is kept until it is done; a failure is logged."""
    task = asyncio.get_running_loop().create_task(signal)
    _PENDING.add(task)

    def done(t: asyncio.Task) -> None:
        _PENDING.discard(t)
        if not t.cancelled() and t.exception() is not None:
            log.error("live signal failed", exc_info=t.exception())

    task.add_done_callback(done)
