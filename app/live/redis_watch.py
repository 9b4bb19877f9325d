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
    """Drop the connection of every tab of this worker; each browser reconnects.

    Engine.IO's own `disconnect` sends a close packet that a browser's websocket transport
    ignores, and leaves the websocket open until a ping times out (minutes), with the tab
    talking into a closed session. So the session is closed and its writer told to stop
    (the None its queue ends with), which closes the websocket: the browser sees its
    transport close and reconnects."""
    app = RegistrationContext.get().app
    server = app.sio.eio if app.sio is not None else None
    if server is None:
        return
    sockets = list(server.sockets.values())
    for sock in sockets:
        try:
            await sock.close(wait=False)
            sock.queue.put_nowait(None)
        except Exception:  # noqa: BLE001 - a socket closing as we close it
            log.warning("a tab's connection could not be closed", exc_info=True)
    log.warning("closed the connections of %d tabs", len(sockets))
