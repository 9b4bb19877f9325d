"""After Redis comes back empty (a restart without persistence, a failover, a flush), the
tabs of this worker reconnect, so that they are whole again.

With several workers Redis holds Reflex's state, which worker holds each tab's socket
(updates for a tab on another worker go through it) and who follows which live topic
(`app/live/topics.py`). A Redis that lost its memory knows none of it: the tabs would stay
connected but hear nothing from the other workers, and their next event would meet an
empty state. So each worker keeps a key of its own in Redis; when the key is gone, Redis
forgot, and the worker closes its tabs' connections. A browser reconnects by itself when
its connection drops (not when the server says goodbye, which is why the transport is
closed rather than the Socket.IO session), and a reconnect hydrates the page in full: it
loads its data again and follows its topics again.
"""

import asyncio
import logging
import uuid

from reflex_base.registry import RegistrationContext

log = logging.getLogger("commons.live")
EVERY = 1.0  # seconds between looks
SETTLE = 2.0  # seconds a tab may take to connect before it counts as refused


async def watch(redis, *, every: float = EVERY, on_forgotten=None) -> None:
    """Loop until cancelled: keep this worker's key in `redis`; when it is gone, call
    `on_forgotten()` (default: close this worker's tabs' connections) and set it again."""
    key = f"commons:live:worker:{uuid.uuid4().hex}"
    on_forgotten = on_forgotten or reconnect_tabs
    known = away = False
    while True:
        try:
            if not await redis.exists(key):
                if known:
                    log.warning("Redis came back without its data: this worker's tabs "
                                "reconnect and load their pages again")
                    await on_forgotten()
                await redis.set(key, "1")
                known = True
            elif away:
                log.warning("Redis answers again")
            away = False
        except Exception as err:  # noqa: BLE001 - Redis away: look again, say it once
            if not away:
                log.warning("Redis could not be reached (%s)", str(err).splitlines()[0][:200])
            away = True
        await asyncio.sleep(every)


async def reconnect_tabs() -> None:
    """Drop the connection of every tab of this worker; each browser reconnects."""
    app = RegistrationContext.get().app
    if app.sio is None or app.event_namespace is None:
        return
    closed = await close_tabs(app.sio, app.event_namespace.namespace)
    log.warning("closed the connections of %d tabs", closed)


async def close_tabs(sio, namespace: str, settle: float = SETTLE) -> int:
    """Close the connection of each tab of `sio` (a Socket.IO server) on `namespace`;
    returns how many were closed.

    Engine.IO's own `disconnect` sends a close packet that a browser's websocket transport
    ignores, and leaves the websocket open until a ping times out (minutes), with the tab
    talking into a closed session. So the session is closed and its writer told to stop
    (the None its queue ends with), which closes the websocket: the browser sees its
    transport close and reconnects.

    A tab whose Socket.IO connection is not made yet is closed only if it still is not
    `settle` seconds later (its connect was refused while Redis was away): it may have
    reconnected a moment ago (another worker closed it first), to the Redis that is back,
    with its connect waiting to run, which a close now would make fail."""
    def connecting(eio_sids) -> set[str]:
        return {s for s in eio_sids if sio.manager.sid_from_eio_sid(s, namespace) is None}

    everyone = set(sio.eio.sockets)
    waiting = connecting(everyone)
    closed = await _close(sio, everyone - waiting)
    if waiting:
        await asyncio.sleep(settle)
        closed += await _close(sio, connecting(waiting))
    return closed


async def _close(sio, eio_sids: set[str]) -> int:
    closed = 0
    for eio_sid in eio_sids:
        sock = sio.eio.sockets.get(eio_sid)
        if sock is None:
            continue
        try:
            await sock.close(wait=False)
            sock.queue.put_nowait(None)
            closed += 1
        except Exception:  # noqa: BLE001 - a socket closing as we close it
            log.warning("a tab's connection could not be closed", exc_info=True)
    return closed
