"""A browser tab of a Reflex 0.10.1 app without the browser: Socket.IO over a websocket,
speaking the protocol of `reflex_base/.templates/web/utils/state.js`.

- The tab's token goes in the connect URL (`?token=`), the hydrate event in the CONNECT
  packet's auth (`{"event": ...}`, `CompileVars.CONNECT_AUTH_EVENT`), on the `/_event`
  namespace at the `/_event` path. The websocket carries the `Origin` and the session
  cookie a browser would send.
- An event is `{"name": "<state full name>.<handler>", "payload": {...}, "router_data":
  {"pathname", "asPath", "query"}}` emitted as "event"; the server answers with "event"
  messages `{"delta": {substate: {var_rx_state_: value}}, "events": [frontend events]}`.
- Reflex 0.10 no longer marks an event's last update (`StateUpdate.final` is deprecated
  and never sent), and a handler whose delta is empty sends nothing. So `call` takes a
  `done(update)` predicate naming the update that ends that handler's answer; updates
  that arrive while no call waits are counted in `unsolicited`, by the substates they
  carry (a predicate that stopped too early shows up there).
"""

import asyncio
import time
import uuid
from collections import Counter
from collections.abc import Callable

import aiohttp
import socketio

NAMESPACE = "/_event"
ROOT_STATE = "reflex___state____state"
HYDRATED = "is_hydrated_rx_state_"

Update = dict
Done = Callable[[Update], bool]


class ReflexError(RuntimeError):
    """The app refused, redirected to sign-in, or did not answer in time."""


async def sign_in(http: aiohttp.ClientSession, base: str, origin: str, tenant: str,
                  identifier: str, password: str, next_path: str = "/") -> str:
    """POST /auth/signin as the sign-in form does; returns the Cookie header value."""
    async with http.post(f"{base}/auth/signin", allow_redirects=False,
                         data={"tenant": tenant, "identifier": identifier,
                               "password": password, "next": next_path},
                         headers={"Origin": origin}) as reply:
        await reply.read()
        location = reply.headers.get("location", "")
        if reply.status != 303 or "error=" in location:
            raise ReflexError(f"sign-in of {identifier}@{tenant}: {reply.status} {location}")
        cookie = reply.cookies
        if not cookie:
            raise ReflexError(f"sign-in of {identifier}@{tenant} set no cookie")
        return "; ".join(f"{k}={m.value}" for k, m in cookie.items())


def hydrated(update: Update) -> bool:
    """The update of `OnLoadInternalState.set_is_hydrated(True)`, the last event the
    page's on_load chain queues."""
    return any(vars_.get(HYDRATED) is True for vars_ in (update.get("delta") or {}).values())


def refusal(update: Update) -> str | None:
    """What in `update` a person would read as a failure: a redirect to sign-in or an
    error toast."""
    for ev in update.get("events") or []:
        name, payload = ev.get("name", ""), ev.get("payload") or {}
        if name == "_redirect" and "signin" in str(payload.get("path", "")):
            return f"redirected to {payload.get('path')}"
        code = str(payload.get("javascript_code", "")) + str(payload.get("function", ""))
        if name.startswith("_call_") and "toast" in code and (
                '?.["error"](' in code or ".error(" in code):
            return "error toast"
    return None


class ReflexTab:
    """One tab: connect (hydrate and on_load), then `call` handlers one at a time."""

    def __init__(self, base: str, origin: str, cookie: str, path: str):
        self.base, self.origin, self.cookie, self.path = base, origin, cookie, path
        self.token = str(uuid.uuid4())
        self.state: dict[str, dict] = {}
        self.unsolicited: Counter[tuple[str, ...]] = Counter()
        self.updates = 0
        self.refusals: list[str] = []
        self._waiting: tuple[Done, asyncio.Future] | None = None
        self.sio = socketio.AsyncClient(reconnection=False, handle_sigint=False)
        self.sio.on("event", self._on_update, namespace=NAMESPACE)

    def _router_data(self) -> dict:
        return {"pathname": self.path, "asPath": self.path}

    def _on_update(self, update: Update) -> None:
        self.updates += 1
        for substate, changes in (update.get("delta") or {}).items():
            self.state.setdefault(substate, {}).update(changes)
        if (why := refusal(update)) is not None:
            self.refusals.append(why)
        if self._waiting is None:
            what = sorted(name.rpartition(".")[2] for name in update.get("delta") or {})
            self.unsolicited[tuple(what + (["events"] if update.get("events") else []))] += 1
            return
        done, future = self._waiting
        if why is not None or done(update):
            self._waiting = None
            if not future.done():
                future.set_result(time.perf_counter())

    async def _answer(self, send, done: Done, timeout: float) -> float:
        """Run `send()` and wait for the update `done` names; the round trip in ms."""
        if self._waiting is not None:
            raise ReflexError("a call is still waiting for its answer")
        future = asyncio.get_running_loop().create_future()
        self._waiting = (done, future)
        refused = len(self.refusals)
        start = time.perf_counter()
        try:
            await send()
            end = await asyncio.wait_for(future, timeout)
        except TimeoutError:
            raise ReflexError(f"no answer within {timeout:.0f} s") from None
        finally:
            self._waiting = None
        if len(self.refusals) > refused:
            raise ReflexError(self.refusals[-1])
        return (end - start) * 1000

    async def connect(self, timeout: float = 30) -> float:
        """Open the websocket with the hydrate event in its CONNECT packet, as a page
        load does; returns the ms until the page's on_load chain has finished."""
        hydrate = {"name": f"{ROOT_STATE}.hydrate_and_load", "payload": {},
                   "router_data": self._router_data()}

        async def send():
            await self.sio.connect(
                f"{self.base}?token={self.token}", namespaces=[NAMESPACE],
                socketio_path=NAMESPACE, transports=["websocket"],
                headers={"Origin": self.origin, "Cookie": self.cookie},
                auth={"event": hydrate}, wait_timeout=timeout)

        return await self._answer(send, hydrated, timeout)

    async def call(self, handler: str, payload: dict | None = None, *, done: Done,
                   timeout: float = 10) -> float:
        """Emit `handler` ("<state full name>.<name>") and wait for the update `done`
        names; the round trip in ms."""
        event = {"name": handler, "payload": payload or {}, "router_data": self._router_data()}
        return await self._answer(lambda: self.sio.emit("event", event, namespace=NAMESPACE),
                                  done, timeout)

    def substate(self, suffix: str) -> tuple[str, dict]:
        """The full name and vars of the one substate whose name ends with `suffix`."""
        names = [name for name in self.state if name.endswith(suffix)]
        if len(names) != 1:
            raise ReflexError(f"no single substate ends with {suffix!r}: {names}")
        return names[0], self.state[names[0]]

    async def close(self) -> None:
        try:
            await self.sio.disconnect()
        except Exception:  # noqa: BLE001 - closing a socket the server already dropped
            pass
