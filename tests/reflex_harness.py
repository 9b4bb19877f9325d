"""Drive Reflex event handlers in-process, exactly as the websocket would.

`Browser()` takes the app's own `EventNamespace` and runs a `BaseStateEventProcessor` (the
app's middleware and backend exception handler, an in-memory state manager) on a private
event loop. `browser.tab(cookie_token, path)` connects a tab the way Socket.IO does: its
connect request carries the `commons_session` cookie, an origin and a client address, so
`state.router.headers.cookie` is what a real browser would send. `tab.send(name, payload)`
hands the event to `EventNamespace.on_event` (the same entry as a websocket frame: the
router data is rebuilt from the connection and the page path), waits until the event and
everything it chained (on-load, broadcasts, live refreshes) have finished, and returns
what the socket would have sent that tab.

No server, no compiled frontend: it works under plain pytest. Database access goes
through `app.db.session_scope()`, so point `app.db` at the test engine first (see
`tests/matrix_fixtures.py`).
"""

import asyncio
import contextvars
import json
import uuid
from dataclasses import dataclass, field

from reflex.istate.manager.memory import StateManagerMemory
from reflex_base.event.processor import BaseStateEventProcessor
from reflex_base.utils import format

from app.settings import get_settings

ORIGIN = "http://localhost:3000"
SETTLE_SECONDS = 10
# Tasks that live as long as the processor, not as long as one event.
_RESIDENT = ("reflex_event_queue_processor", "StateManagerMemory")


def full_name(state_cls, handler: str) -> str:
    """The name a browser sends for `state_cls.handler` (`reflex___state____state.app…`)."""
    return f"{state_cls.get_full_name()}.{handler}"


@dataclass
class Received:
    """What one `send` made the server emit to the tab, as the browser receives it."""

    updates: list[dict] = field(default_factory=list)  # serialized StateUpdates
    errors: list[BaseException] = field(default_factory=list)  # raised by handlers

    @property
    def events(self) -> list[dict]:
        """Frontend events (toasts, redirects, scripts) in the order they were sent."""
        return [e for u in self.updates for e in u.get("events", [])]

    def delta(self, state_cls) -> dict:
        """The last value sent of each var of `state_cls`, keyed by var name."""
        key, merged = state_cls.get_full_name(), {}
        for update in self.updates:
            for name, value in update.get("delta", {}).get(key, {}).items():
                merged[name.removesuffix("_rx_state_")] = value
        return merged

    @property
    def redirects(self) -> list[str]:
        return [e["payload"]["path"] for e in self.events if e["name"] == "_redirect"]

    def toasts(self, level: str | None = None) -> list[str]:
        """The scripts of the toasts shown (`level`: success, error, info, warning)."""
        codes = [e["payload"].get("function") or "" for e in self.events]
        return [c for c in codes if "__toast" in c
                and (level is None or f'?.["{level}"](' in c)]


class Tab:
    """One connected browser tab (a client token and a socket id)."""

    def __init__(self, browser: "Browser", cookie_token: str | None, path: str,
                 cookie_header: str | None = None):
        self.browser, self.path = browser, path
        self.token, self.sid = str(uuid.uuid4()), uuid.uuid4().hex
        if cookie_header is None:
            cookie_header = f"{get_settings().session_cookie}={cookie_token}" if cookie_token else ""
        headers = [(b"origin", ORIGIN.encode()), (b"user-agent", b"pytest harness")]
        if cookie_header:
            headers.append((b"cookie", cookie_header.encode()))
        environ = {"QUERY_STRING": f"token={self.token}",
                   "asgi.scope": {"headers": headers, "client": ("127.0.0.9", 50000)}}
        browser.run(browser.ns.on_connect(self.sid, environ))
        browser._sids.append(self.sid)

    def send(self, name: str, payload: dict | None = None, path: str | None = None) -> Received:
        """Send event `name` from the page at `path` (default: the tab's page)."""
        self.path = path or self.path
        route, _, query = self.path.partition("?")
        params = dict(p.partition("=")[::2] for p in query.split("&") if p)
        pattern = (self.browser.app.router(route) or "").strip("/").split("/")
        for part, value in zip(pattern, route.strip("/").split("/"), strict=False):
            if part.startswith("[") and part.endswith("]"):  # React Router's params
                params[part[1:-1]] = value
        router_data = {"pathname": route, "asPath": self.path, "query": params}
        data = {"name": name, "payload": payload or {}, "router_data": router_data}
        return self.browser.deliver(self, self.browser.ns.on_event(self.sid, data))

    def state(self, state_cls):
        """This tab's instance of `state_cls`, as the server holds it now."""
        from reflex.istate.manager.token import BaseStateToken
        from reflex.state import State

        async def read():
            root = await self.browser.app.state_manager.get_state(
                BaseStateToken(ident=self.token, cls=State))
            return await root.get_state(state_cls)
        return self.browser.run(read())


class Browser:
    """The app's websocket endpoint and event processor, in-process (use `with`)."""

    def __init__(self):
        from app.app import app

        self.app, self.ns = app, app.event_namespace
        self.sent: dict[str, list[dict]] = {}
        self.errors: list[BaseException] = []
        self._sids: list[str] = []
        self.loop = asyncio.new_event_loop()
        self.ctx = contextvars.copy_context()
        self._saved = (app._state_manager, app._event_processor)
        app._state_manager = StateManagerMemory()
        self.ns.emit = self._emit  # the socket: record instead of sending
        self.processor = BaseStateEventProcessor(
            middleware=app, backend_exception_handler=self._on_error)
        self.processor.configure(state_manager=app._state_manager, event_namespace=self.ns)
        app._event_processor = self.processor
        self.run(self.processor.start())

    def __enter__(self) -> "Browser":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def close(self) -> None:
        self.run(self._disconnect_all())
        self.run(self.processor.stop())
        self.run(self.app._state_manager.close())
        self.loop.close()
        del self.ns.emit
        self.app._state_manager, self.app._event_processor = self._saved

    def run(self, awaitable):
        """Run `awaitable` on this browser's loop, inside its Reflex contexts."""
        async def wrapped():
            return await awaitable
        return self.loop.run_until_complete(self.loop.create_task(wrapped(), context=self.ctx))

    def tab(self, cookie_token: str | None = None, path: str = "/", *,
            cookie_header: str | None = None) -> Tab:
        return Tab(self, cookie_token, path, cookie_header)

    def deliver(self, tab: Tab, coro) -> Received:
        """Run `coro` (an incoming frame) and everything it causes; return what `tab` got."""
        before, errors_before = len(self.sent.get(tab.sid, [])), len(self.errors)
        self.run(self._settle(coro))
        return Received(self.sent.get(tab.sid, [])[before:], self.errors[errors_before:])

    async def _disconnect_all(self) -> None:
        for sid in list(self._sids):
            if (task := self.ns.on_disconnect(sid)) is not None:
                await task

    async def _settle(self, coro) -> None:
        """Run `coro`, then wait until every task it started (handlers, chained events,
        live signals scheduled after the event) has finished."""
        await coro
        me = asyncio.current_task()
        idle = 0
        for _ in range(200):
            await self.processor.join()
            busy = [t for t in asyncio.all_tasks() if t is not me and not t.done()
                    and not t.get_name().startswith(_RESIDENT)]
            if busy:
                idle = 0
                await asyncio.wait(busy, timeout=SETTLE_SECONDS)
            elif (idle := idle + 1) > 3:  # done-callbacks may still start a task
                return
            else:
                await asyncio.sleep(0)
        raise TimeoutError(f"still running: {[t.get_name() for t in busy]}")

    async def _emit(self, event: str, data=None, to: str | None = None, **_kw) -> None:
        self.sent.setdefault(to or "", []).append(json.loads(format.json_dumps(data)))

    def _on_error(self, ex: Exception):
        self.errors.append(ex)
        return self.app.backend_exception_handler(ex)
