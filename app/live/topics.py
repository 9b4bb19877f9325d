"""Topics: who follows a community, an organization, an invitation or a person, and the
signal that wakes them.

The server decides what a tab follows: a page's load records the tab under the topics
derived from its viewer and page (`follow`), never a name the client sent, and no handler
lets a client pick one. After a change, `publish_after` (once the acting event is over)
asks every other tab following a topic to run the refresh handler of the page it follows
with the ids of the audit events written; each tab re-reads what its own session may see
and says only what its viewer may read.

Followers are kept beside Reflex's state, not in it: in this process with one worker, in
Redis with several (the tab may be connected to another worker; Reflex relays the event).
A tab's own events never touch a topic, so tabs following one topic do not wait on each
other (a shared Reflex state would lock the topic on every event of every follower).
"""

import asyncio
import contextvars
import logging
import time

import reflex as rx
from reflex_base.event import Event
from reflex_base.registry import RegistrationContext

log = logging.getLogger("commons.live")

# A tab that has not loaded a page for this long no longer follows it (a signal to it
# would find it gone anyway); entries older than this are dropped as topics are read.
FOLLOW_SECONDS = 48 * 3600


def community_topic(community_id: int) -> str:
    return f"community-{community_id}"


def invitation_topic(invitation_id: int) -> str:
    return f"invitation-{invitation_id}"


def managed_topic(organization_id: int) -> str:
    return f"managed-{organization_id}"


def organization_topic(organization_id: int) -> str:
    return f"org-{organization_id}"


def webhooks_topic(organization_id: int) -> str:
    """The Webhooks page of an organization (deliveries change often: no other page)."""
    return f"webhooks-{organization_id}"


def inbox_topic(user_id: int) -> str:
    return f"inbox-{user_id}"


def invitation_topics(acting_organization_id: int, inv) -> list[str]:
    """Who hears of an action on invitation `inv`: the acting organization's pages, the
    inviting organization's, the community's and the invitation's own (its link pages)."""
    return [organization_topic(acting_organization_id),
            organization_topic(inv.organization_id), invitation_topic(inv.id)] + (
                [community_topic(inv.community_id)] if inv.community_id else [])


_REFRESHERS: dict[str, list[str]] = {}


def register_refresher(kind: str, state_cls) -> None:
    """Tabs following `<kind>-<id>` topics may refresh through `state_cls.live_refresh`; a
    refresher ignores the signal unless its tab shows its page."""
    handler = f"{state_cls.get_full_name()}.live_refresh"
    if handler not in _REFRESHERS.setdefault(kind, []):
        _REFRESHERS[kind].append(handler)


def refreshers_for(topic: str) -> list[str]:
    return _REFRESHERS.get(topic.split("-", 1)[0], [])


class _Local:
    """Followers in this process: the one-worker deployment."""

    def __init__(self):
        self.topics: dict[str, dict[str, tuple[float, str]]] = {}
        self.tabs: dict[str, list[str]] = {}

    async def follow(self, token: str, handler: str, topics: list[str], now: float) -> None:
        for old in set(self.tabs.get(token, [])) - set(topics):
            self.topics.get(old, {}).pop(token, None)
        self.tabs[token] = list(topics)
        for topic in topics:
            self.topics.setdefault(topic, {})[token] = (now, handler)

    async def followers(self, topic: str, now: float) -> dict[str, str]:
        entries = self.topics.get(topic, {})
        for token in [t for t, (at, _) in entries.items() if at < now - FOLLOW_SECONDS]:
            del entries[token]
            self.tabs.pop(token, None)
        return {token: handler for token, (_, handler) in entries.items()}


class _Shared:
    """Followers in Redis, which every worker (and host) of the deployment shares: a hash
    per topic (tab token -> "time handler") and a set per tab (its topics)."""

    def __init__(self, redis):
        self.redis = redis

    async def follow(self, token: str, handler: str, topics: list[str], now: float) -> None:
        tab = f"commons:live:tab:{token}"
        old = {t.decode() for t in await self.redis.smembers(tab)}
        pipe = self.redis.pipeline()
        for topic in old - set(topics):
            pipe.hdel(f"commons:live:topic:{topic}", token)
        pipe.delete(tab)
        if topics:
            pipe.sadd(tab, *topics)
            pipe.expire(tab, FOLLOW_SECONDS)
        for topic in topics:
            key = f"commons:live:topic:{topic}"
            pipe.hset(key, token, f"{now:.0f} {handler}")
            pipe.expire(key, FOLLOW_SECONDS)
        await pipe.execute()

    async def followers(self, topic: str, now: float) -> dict[str, str]:
        key = f"commons:live:topic:{topic}"
        found, stale = {}, []
        for token, entry in (await self.redis.hgetall(key)).items():
            at, handler = entry.decode().split(" ", 1)
            if float(at) < now - FOLLOW_SECONDS:
                stale.append(token)
            else:
                found[token.decode()] = handler
        if stale:
            await self.redis.hdel(key, *stale)
        return found


_LOCAL = _Local()


def redis_away(err: BaseException) -> bool:
    """`err` says Redis could not be reached (a restart, a failover)."""
    import redis.exceptions

    return isinstance(err, redis.exceptions.ConnectionError | redis.exceptions.TimeoutError)


def state_redis():
    """The Redis client of Reflex's state manager, or None when state is not in Redis."""
    from reflex.istate.manager.redis import StateManagerRedis

    manager = RegistrationContext.get().app.state_manager
    return manager.redis if isinstance(manager, StateManagerRedis) else None


def _followers():
    """Where followers are kept: Redis when Reflex keeps its state there, else here."""
    redis = state_redis()
    return _Shared(redis) if redis is not None else _LOCAL


async def follow(state: rx.State, topics: list[str]) -> None:
    """Record `state`'s tab as following `topics` (instead of what it followed before),
    which the caller derived on the server from the tab's viewer and page; signals reach
    it through `state`'s own refresher."""
    handler = f"{type(state).get_full_name()}.live_refresh"
    await _followers().follow(state.router.session.client_token, handler, list(topics),
                              time.time())


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
    """Signal a change on each topic to the tabs following it, each through its page's
    refresher (once per tab, however many of the topics it follows); returns how many
    tabs were asked to refresh."""
    now, asked = time.time(), {}
    followers = _followers()
    for topic in dict.fromkeys(topics):
        allowed = refreshers_for(topic)
        for token, handler in (await followers.followers(topic, now)).items():
            if token != exclude and handler in allowed:
                asked.setdefault(token, handler)
    app = RegistrationContext.get().app
    manager = app.event_namespace._token_manager if app.event_namespace else None
    woken = 0
    for token, handler in asked.items():
        if manager is not None and not await manager.is_token_connected(token):
            continue
        await _detached(app.event_processor.enqueue(
            token, Event(name=handler, payload={"event_ids": list(event_ids)})))
        woken += 1
    return woken


_PENDING: set[asyncio.Task] = set()


def publish_after(signal) -> None:
    """Run the coroutine `signal` (which publishes) after the current event, without
    delaying its answer. The task is kept until it is done; a failure is logged."""
    task = asyncio.get_running_loop().create_task(signal)
    _PENDING.add(task)

    def done(t: asyncio.Task) -> None:
        _PENDING.discard(t)
        if t.cancelled() or t.exception() is None:
            return
        if redis_away(t.exception()):  # the tabs reconnect and re-read once it is back
            log.warning("a live signal was not sent: Redis could not be reached")
        else:
            log.error("live signal failed", exc_info=t.exception())

    task.add_done_callback(done)
