"""Every event handler a browser can call is on the table of guards (tests/handler_table.py),
and what Reflex's generic handlers (`setvar`, client storage) can reach is known and small."""

import inspect

import pytest
import reflex as rx
from reflex.state import State
from reflex_base.registry import RegistrationContext

import app.app  # noqa: F401  (registers every page and state)
from tests.handler_table import HANDLERS, LINK, VIEWER
from tests.reflex_harness import Browser, full_name

# The states whose pages read an id from their path: all their data handlers take an id.
PATH_STATES = ("CommunityState", "AcceptState", "JoinState", "OrgInviteState")


def key(state_cls, handler: str) -> str:
    return f"{state_cls.__module__}.{state_cls.__name__}.{handler}"


def all_states(root=State):
    yield root
    for sub in root.get_substates():
        yield from all_states(sub)


def callable_handlers() -> dict:
    """`module.Class.handler` -> handler, for every handler Reflex would dispatch."""
    found = {}
    for name, registered in RegistrationContext.get().event_handlers.items():
        found[key(registered.states[0], name.rpartition(".")[2])] = registered.handler
    return found


def test_every_state_subclass_is_walked_through_the_registry():
    walked = {key(s, h) for s in all_states() for h in s.event_handlers}
    assert walked == set(callable_handlers())
    assert issubclass(State, rx.State)


def test_every_handler_a_client_can_call_is_on_the_table_of_guards():
    handlers = set(callable_handlers())
    missing = sorted(handlers - set(HANDLERS))
    gone = sorted(set(HANDLERS) - handlers)
    assert not missing, "handlers missing from tests/handler_table.py: " + ", ".join(missing)
    assert not gone, "table lines whose handler no longer exists: " + ", ".join(gone)


def _takes_an_id(name: str, handler) -> bool:
    if name.rsplit(".", 2)[1] in PATH_STATES:
        return True
    for param in list(inspect.signature(handler.fn).parameters.values())[1:]:
        hint = str(param.annotation)
        if param.name.endswith(("_id", "_ids")) or hint in ("<class 'int'>", "list[int]"):
            return True
    return False


def test_every_handler_that_takes_an_id_has_a_foreign_call_in_the_matrix():
    uncalled = sorted(
        name for name, handler in callable_handlers().items()
        if HANDLERS[name].guard in (VIEWER, LINK) and _takes_an_id(name, handler)
        and HANDLERS[name].call is None and not name.endswith((".load", "_page", ".newer"))
        and name.rsplit(".", 1)[1] not in _NO_ID)
    assert not uncalled, "give these a `call` in tests/handler_table.py: " + ", ".join(uncalled)


# Handlers of path states that act on nothing but the viewer's own tab or a redirect.
_NO_ID = {"sign_in", "sign_in_instead", "close_details",
          "set_tab"}


# --- setvar ---------------------------------------------------------------------------------
def setvar_reach(state_cls) -> set[str]:
    """The var names `setvar(var_name, value)` accepts: it calls `set_<var_name>`."""
    return {n.removeprefix("set_") for n in dir(state_cls)
            if n.startswith("set_") and callable(getattr(state_cls, n, None))}


def test_setvar_reaches_only_set_handlers_that_are_on_the_table():
    """`setvar` adds no power: every `set_*` it can call is a handler of its own, on the
    table (the value just skips the handler's argument conversion)."""
    for state_cls in all_states():
        for var in setvar_reach(state_cls):
            setter = f"set_{var}"
            owner = next(c for c in state_cls.__mro__ if setter in vars(c))
            assert key(state_cls, setter) in HANDLERS or key(owner, setter) in HANDLERS, (
                f"setvar of {state_cls.__name__} reaches {setter}, which is not on the table")


def test_auto_setters_are_off_so_setvar_reaches_no_plain_var():
    from reflex_base.config import get_config

    assert get_config().state_auto_setters is False


def _vars(state_cls) -> list[str]:
    """Its own fields (backend `_vars` included) and computed vars."""
    own = {n for n, f in state_cls.__fields__.items() if f._owner is state_cls}
    return sorted(own | set(state_cls.computed_vars))


APP_STATES = [s for s in all_states() if s.__module__.startswith("app.")]


@pytest.mark.parametrize("state_cls", APP_STATES, ids=lambda s: s.__name__)
def test_a_client_cannot_set_a_var_without_a_setter(state_cls):
    """Through setvar, the client-storage path (update_vars_internal) and a crafted
    hydrate_and_load: no var of the state changes unless a `set_*` handler of its own
    sets it."""
    fixed = [v for v in _vars(state_cls) if v not in setvar_reach(state_cls)
             and not v.startswith("_reflex") and v != "is_hydrated"]
    prefix = state_cls.get_full_name()
    with Browser() as browser:
        tab = browser.tab(None, "/signin")
        before = {v: repr(getattr(tab.state(state_cls), v, None)) for v in fixed}
        for var in fixed:
            got = tab.send(full_name(state_cls, "setvar"), {"var_name": var, "value": "pwned"})
            assert got.errors or got.toasts("error"), f"setvar({var!r}) was not refused"
        forged = {f"{prefix}.{v}": "pwned" for v in fixed}
        tab.send(full_name(State, "hydrate_and_load"), {"vars": forged})
        from reflex.state import UpdateVarsInternalState
        tab.send(full_name(UpdateVarsInternalState, "update_vars_internal"), {"vars": forged})
        after = {v: repr(getattr(tab.state(state_cls), v, None)) for v in fixed}
    changed = {v for v in fixed if before[v] != after[v] and not _derived(state_cls, v)}
    assert not changed


def test_setvar_does_reach_a_set_handler():
    """The control for the test above: `setvar("tab", …)` is `set_tab(…)`."""
    from app.states.community import CommunityState

    with Browser() as browser:
        tab = browser.tab(None, "/signin")
        tab.send(full_name(CommunityState, "setvar"),
                 {"var_name": "tab", "value": "invitations"})
        assert tab.state(CommunityState).tab == "invitations"


def _derived(state_cls, var: str) -> bool:
    """Computed vars may be recomputed (from server-set vars) without being set."""
    return var in state_cls.computed_vars


def test_no_app_state_declares_client_storage():
    """update_vars_internal and hydrate_and_load(vars=…) set only cookie and local-storage
    vars; the app has none, so the browser can set nothing through them."""
    for state_cls in APP_STATES:
        assert not [v for v in state_cls.base_vars if state_cls._is_client_storage(v)]


def test_a_private_method_or_an_unknown_name_is_not_an_event():
    """Only registered handlers run: `_act`, `_refresh` or a made-up name does nothing."""
    from app.states.community import CommunityState

    with Browser() as browser:
        tab = browser.tab(None, "/communities/1")
        for name in ("_act", "_refresh", "_reload", "__init__", "no_such_handler"):
            got = tab.send(full_name(CommunityState, name), {})
            assert not got.updates and not got.errors, name
