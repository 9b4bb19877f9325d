"""Back to sign-in and back again: a wrong password keeps what was typed, an ended session
says so, the return path keeps its query string and never leaves the site; and the
Account, Forgot password and reset pages driven through Reflex's own event processing."""

import asyncio
import re
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlmodel import select
from starlette.applications import Starlette

from app import db as app_db
from app import routes
from app.api import auth_routes
from app.db import session_scope
from app.models import OutboxMessage, utcnow
from app.services import auth
from app.settings import get_settings
from app.states.account import AccountState
from app.states.password_reset import ForgotPasswordState, ResetPasswordState
from app.states.shell import ShellState
from app.states.signin import NOTICES, SignInState
from tests.helpers import SECRET
from tests.reflex_harness import Browser, full_name
from tests.test_accounts import NEW, open_session
from tests.test_password_reset import link_token


@pytest.mark.parametrize("path", [
    "//evil.example", "//evil.example/x?y=1", "/\\evil.example", "\\\\evil.example",
    "http://evil.example", "https:evil.example", "javascript:alert(1)", "/\t/evil.example",
    "/\n/evil.example", " /communities", "evil.example", "", None, "/" + "x" * 2001,
    "/signin?next=/x", "/signin/", "/forgot-password", "/reset/abc"])
def test_a_return_path_that_could_leave_the_site_or_loop_becomes_home(path):
    assert routes.safe_next(path) == routes.HOME


@pytest.mark.parametrize("path", [
    "/invitations", "/invitations/?status=pending&q=a%20b", "/communities/3?invitation=4",
    "/users"])
def test_a_path_of_this_site_comes_back_with_its_query_string(path):
    assert routes.safe_next(path) == path


@pytest.fixture
def app_engine(engine, monkeypatch):
    """The app's own session_scope() uses the test engine."""
    monkeypatch.setitem(app_db._engines, get_settings().database_url, engine)
    return engine


def post_signin(form: dict):
    async def post():
        base = get_settings().base_url
        async with httpx.AsyncClient(transport=httpx.ASGITransport(
                app=Starlette(routes=auth_routes.ROUTES)), base_url=base) as client:
            return await client.post(routes.API_SIGNIN, data=form, headers={"origin": base})
    return asyncio.run(post())


def test_a_wrong_password_comes_back_with_the_tenant_and_username_but_not_the_password(
        app_engine, demo):
    reply = post_signin({"tenant": "contoso", "identifier": "alice ",
                         "password": "not-the-password", "next": "/invitations?status=pending"})
    location = urlsplit(reply.headers["location"])
    assert location.path == routes.SIGNIN
    assert parse_qs(location.query) == {"tenant": ["contoso"], "user": ["alice"],
                                        "error": ["failed"],
                                        "next": ["/invitations?status=pending"]}
    assert "not-the-password" not in reply.headers["location"]


def test_a_right_password_returns_to_the_page_with_its_filters(app_engine, demo):
    reply = post_signin({"tenant": "contoso", "identifier": "alice",
                         "password": "commons-demo", "next": "/invitations?status=pending"})
    assert reply.headers["location"] == "/invitations?status=pending"
    evil = post_signin({"tenant": "contoso", "identifier": "alice",
                        "password": "commons-demo", "next": "//evil.example/x"})
    assert evil.headers["location"] == "/"


def test_the_sign_in_page_fills_in_what_was_typed_and_says_why_the_person_is_back():
    with Browser() as browser:
        tab = browser.tab(None, "/signin?tenant=contoso&user=alice%40contoso.example"
                                "&error=failed&next=%2Fusers")
        tab.send(full_name(SignInState, "load"))
        state = tab.state(SignInState)
        assert (state.step, state.tenant, state.identifier, state.next_path) == (
            2, "contoso", "alice@contoso.example", "/users")
        assert state.error and not state.notice
        assert state.forgot_href == "/forgot-password?email=alice%40contoso.example"
        tab.send(full_name(SignInState, "load"), path="/signin?reason=ended&next=%2F%2Fevil")
        state = tab.state(SignInState)
        assert state.notice == NOTICES["ended"] and state.next_path == "/"
        assert state.forgot_href == "/forgot-password"


def test_a_tab_whose_session_ended_goes_to_sign_in_told_so_and_comes_back_with_its_query(
        app_engine, demo):
    with session_scope() as db:
        token = open_session(db)
    with Browser() as browser:
        tab = browser.tab(token, "/invitations?status=pending&q=bob")
        assert tab.send(full_name(ShellState, "require_session")).redirects == []
        with session_scope() as db:
            auth.sign_out(db, secret_key=SECRET, token=token, now=utcnow())
        [away] = tab.send(full_name(ShellState, "require_session")).redirects
        query = parse_qs(urlsplit(away).query)
        assert query == {"reason": ["ended"], "next": ["/invitations?status=pending&q=bob"]}
        stranger = browser.tab(None, "/users")
        [away] = stranger.send(full_name(ShellState, "require_session")).redirects
        assert away == "/signin?next=%2Fusers"  # never signed in: nothing ended


def test_the_account_page_changes_the_password_and_signs_out_the_others(app_engine, demo):
    with session_scope() as db:
        here, there = open_session(db), open_session(db)
    with Browser() as browser:
        tab = browser.tab(here, "/account")
        send = lambda h, payload=None: tab.send(full_name(AccountState, h), payload)  # noqa: E731
        send("load")
        assert [s["current"] for s in tab.state(AccountState).sessions] == [True, False]
        send("change_password", {"form": {"current": "wrong-one", "new": NEW, "confirm": NEW}})
        assert "not right" in tab.state(AccountState).password_error
        send("change_password", {"form": {"current": "commons-demo", "new": NEW,
                                          "confirm": NEW + "x"}})
        assert tab.state(AccountState).password_error == "The two new passwords differ."
        got = send("change_password", {"form": {"current": "commons-demo", "new": NEW,
                                                "confirm": NEW}})
        assert got.toasts("success") and tab.state(AccountState).password_error == ""
        assert [s["current"] for s in tab.state(AccountState).sessions] == [True]
        other = browser.tab(there, "/invitations?status=pending")
        [away] = other.send(full_name(ShellState, "require_session")).redirects
        assert "reason=ended" in away
        assert tab.send(full_name(ShellState, "require_session")).redirects == []


def test_sign_out_other_sessions_from_the_account_page(app_engine, demo):
    with session_scope() as db:
        here, there = open_session(db), open_session(db)
    with Browser() as browser:
        tab = browser.tab(here, "/account")
        tab.send(full_name(AccountState, "load"))
        assert tab.state(AccountState).other_sessions == 1
        got = tab.send(full_name(AccountState, "sign_out_others"))
        assert got.toasts("success") and tab.state(AccountState).other_sessions == 0
        other = browser.tab(there, "/account")
        assert other.send(full_name(AccountState, "sign_out_others")).redirects


def test_forgot_password_and_the_emailed_link_through_the_pages(app_engine, demo):
    with Browser() as browser:
        tab = browser.tab(None, "/forgot-password?email=alice%40contoso.example")
        tab.send(full_name(ForgotPasswordState, "load"))
        assert tab.state(ForgotPasswordState).email == "alice@contoso.example"
        for email in ("alice@contoso.example", "nobody@contoso.example"):
            tab.send(full_name(ForgotPasswordState, "request_link"), {"form": {"email": email}})
            state = tab.state(ForgotPasswordState)
            assert (state.sent_to, state.error) == (email, "")  # the same answer
        with session_scope() as db:
            [mail] = db.exec(select(OutboxMessage)).all()
            token = link_token(mail)
        page = browser.tab(None, f"/reset/{token}")
        page.send(full_name(ResetPasswordState, "load"))
        assert page.state(ResetPasswordState).email == "alice@contoso.example"
        page.send(full_name(ResetPasswordState, "choose_password"),
                  {"form": {"password": "short", "confirm": "short"}})
        assert "too short" in page.state(ResetPasswordState).form_error
        got = page.send(full_name(ResetPasswordState, "choose_password"),
                        {"form": {"password": NEW, "confirm": NEW}})
        assert got.redirects == ["/signin?tenant=contoso&reason=reset"]
        page.send(full_name(ResetPasswordState, "load"))
        state = page.state(ResetPasswordState)
        assert state.email == "" and re.search("already been used", state.link_error)
