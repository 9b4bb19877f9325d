"""Every event a client sends is checked against its handler's declared arguments first.

Reflex calls a handler with whatever arguments a client sends (a list where an id is
declared, a megabyte where a name is). `ArgumentGuard` refuses, before any handler runs,
an event whose arguments do not match the handler's annotations or exceed the stated
limits; `setvar` is checked against the setter it would reach. The person (or script)
gets one clear toast and nothing changes.
"""

import functools
import logging
import types
import typing
from typing import Any

import reflex as rx
from reflex.state import StateUpdate
from reflex_base.event import Event
from reflex_base.registry import RegistrationContext
from reflex_base.utils.form import transform_form_data

from app.domain.limits import MAX_BATCH, MAX_BATCH_TEXT, MAX_ID

log = logging.getLogger("commons.events")

MAX_DICT_KEYS = 50
REFUSAL = "That request was not understood; nothing was changed."


def fits(value: Any, hint: Any) -> bool:
    """True when `value` (as decoded from the client's JSON) matches `hint`."""
    if hint is Any or hint is typing.Any:
        return True
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(fits(value, h) for h in typing.get_args(hint))
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return (isinstance(value, int) and not isinstance(value, bool)
                and abs(value) <= MAX_ID) or (isinstance(value, str) and _digits(value))
    if hint is str:
        return isinstance(value, str) and len(value) <= MAX_BATCH_TEXT
    if hint is list or origin is list:
        inner = (typing.get_args(hint) or (Any,))[0]
        return (isinstance(value, list) and len(value) <= MAX_BATCH
                and all(fits(v, inner) for v in value))
    if hint is dict or origin is dict:
        return (isinstance(value, dict) and len(value) <= MAX_DICT_KEYS
                and all(isinstance(k, str) and len(k) <= 100 for k in value)
                and all(fits(v, str | int | bool | None) for v in value.values()))
    return False


def _digits(text: str) -> bool:
    return 0 < len(text) <= 11 and text.lstrip("-").isdigit() and abs(int(text)) <= MAX_ID


@functools.cache
def _parameters(fn) -> tuple[dict, frozenset[str], frozenset[str]]:
    """A handler's annotations, parameter names and required ones (read once: every
    event asks)."""
    names = fn.__code__.co_varnames[1:fn.__code__.co_argcount]
    defaults = len(fn.__defaults__ or ())
    return (typing.get_type_hints(fn), frozenset(names),
            frozenset(names[:len(names) - defaults]))


def arguments_fit(fn, payload: dict) -> bool:
    """The payload names only parameters of `fn`, gives every required one, and each
    value fits its annotation."""
    if not isinstance(payload, dict):
        return False
    hints, signature, required = _parameters(fn)
    if set(payload) - signature or required - set(payload):
        return False
    return all(fits(transform_form_data(value, hints.get(name, Any)), hints.get(name, Any))
               for name, value in payload.items())


def _setvar_fits(state_cls, payload: dict) -> bool:
    """`setvar(var_name, value)` reaches `set_<var_name>`: only one of this app's setters,
    and with a value its annotation accepts."""
    name = payload.get("var_name") if isinstance(payload, dict) else None
    if not isinstance(name, str) or set(payload) - {"var_name", "value"}:
        return False
    setter = state_cls.event_handlers.get(f"set_{name}")
    if setter is None or not setter.fn.__module__.startswith("app.") or "value" not in payload:
        return False
    code = setter.fn.__code__
    if code.co_argcount != 2:
        return False
    return arguments_fit(setter.fn, {code.co_varnames[1]: payload["value"]})


def event_allowed(event_name: str, payload: dict) -> bool:
    """True when an event of this app may run with `payload`; Reflex's own events are
    left to Reflex."""
    registered = RegistrationContext.get().event_handlers.get(event_name)
    if registered is None:
        return True  # Reflex reports an unknown handler itself
    fn = registered.handler.fn
    if fn.__name__ == "setvar":
        state_cls = registered.states[0] if registered.states else None
        if state_cls is None or not state_cls.__module__.startswith("app."):
            return True
        return _setvar_fits(state_cls, payload)
    if not fn.__module__.startswith("app."):
        return True
    return arguments_fit(fn, payload)


class ArgumentGuard(rx.Middleware):
    async def preprocess(self, app, state, event):
        if event_allowed(event.name, event.payload):
            return None
        log.warning("refused event %s: its arguments do not match the handler",
                    event.name.rsplit(".", 1)[-1])
        return StateUpdate(events=Event.from_event_type([rx.toast.error(REFUSAL)]))
