"""After Redis comes back without its data, a worker's tabs reconnect (app/live/redis_watch):
the watch notices its key is gone, once, and says so; a Redis that cannot be reached is said
once, not every second, and never stops the watch."""

import asyncio
import logging
import os

import redis.asyncio as aioredis

from app.live.redis_watch import watch
from tests.app_process import free_port

REDIS = os.environ.get("COMMONS_TEST_REDIS_URL", "redis://127.0.0.1:6379/7")


async def _watching(url: str, seconds: float, flush: bool = False) -> int:
    """How often the watch of a Redis at `url` found it had forgotten, in `seconds` (with
    `flush`: after the database was emptied, as a restart without persistence leaves it)."""
    client, forgotten = aioredis.Redis.from_url(url), []

    async def on_forgotten():
        forgotten.append(1)

    task = asyncio.create_task(watch(client, every=0.02, on_forgotten=on_forgotten))
    await asyncio.sleep(0.2)
    if flush:
        await client.flushdb()
    await asyncio.sleep(seconds)
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await client.aclose()
    return len(forgotten)


def test_tabs_reconnect_once_when_redis_forgot_and_not_before(caplog):
    with caplog.at_level(logging.WARNING, logger="commons.live"):
        assert asyncio.run(_watching(REDIS, 0.3)) == 0
        assert asyncio.run(_watching(REDIS, 0.3, flush=True)) == 1
    assert [r.getMessage() for r in caplog.records if r.name == "commons.live"] == [
        "Redis came back without its data: this worker's tabs reconnect and load their "
        "pages again"]


def test_a_redis_away_is_said_once_and_the_watch_goes_on(caplog):
    with caplog.at_level(logging.WARNING, logger="commons.live"):
        assert asyncio.run(_watching(f"redis://127.0.0.1:{free_port()}/0", 0.3)) == 0
    said = [r.getMessage() for r in caplog.records if r.name == "commons.live"]
    assert len(said) == 1 and said[0].startswith("Redis could not be reached")


def test_a_tab_still_connecting_is_left_to_connect_and_one_refused_is_closed(caplog):
    """A browser that reconnected a moment ago (another worker closed it first) may have its
    Socket.IO connect still waiting to run when this worker closes its tabs: closing it then
    made python-socketio's connect handler fail with a traceback (CI saw it once). Tabs whose
    connection is made are closed at once; one connecting is left to connect to the Redis
    that is back, and closed only if it still has no connection a moment later (its connect
    was refused while Redis was away)."""
    import engineio.async_socket
    import socketio

    from app.live.redis_watch import close_tabs

    async def scenario() -> tuple[int, list[str], list[str]]:
        sio, connected = socketio.AsyncServer(async_mode="asgi"), []

        @sio.on("connect", namespace="/_event")
        async def on_connect(sid, environ, auth=None):
            connected.append(sid)

        async def open_socket(eio_sid: str):
            sio.eio.sockets[eio_sid] = engineio.async_socket.AsyncSocket(sio.eio, eio_sid)
            await sio._handle_eio_connect(eio_sid, {})

        await open_socket("made")
        await sio._handle_eio_message("made", "0/_event,")
        await open_socket("refused")  # open, with no Socket.IO connection
        await open_socket("connecting")
        # its CONNECT packet arrived: the handler is a task that has not run yet
        pending = asyncio.ensure_future(sio._handle_eio_message("connecting", "0/_event,"))
        closed = await close_tabs(sio, "/_event", settle=0.05)
        await pending
        return closed, connected, [s for s, sock in sio.eio.sockets.items() if not sock.closed]

    with caplog.at_level(logging.INFO):
        closed, connected, open_ = asyncio.run(scenario())
    assert closed == 2 and len(connected) == 2 and open_ == ["connecting"]
    assert not [r for r in caplog.records if r.exc_info], "a handler failed"
