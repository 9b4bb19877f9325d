"""Invitees land somewhere: a new account is signed in at once through POST /auth/code
(the HttpOnly cookie) and taken to what it joined; an answered link page opens the app;
sending someone to sign in fills in the invited address."""

import asyncio
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from sqlmodel import select
from starlette.applications import Starlette

from app import db as app_db
from app import routes
from app.api import auth_routes
from app.db import session_scope
from app.models import AuthSession, utcnow
from app.services import auth
from app.settings import get_settings
from app.states.accept import AcceptState
from app.states.join import JoinState
from app.states.org_invite import OrgInviteState
from tests.helpers import SECRET
from tests.reflex_harness import Browser, full_name
from tests.test_accounts import open_session
from tests.test_parent_invitations import token_for
from tests.test_tenant_invitations import invite as invite_tenant
from tests.test_user_invitations import community, invite, link_token


@pytest.fixture
def app_engine(engine, monkeypatch):
    """The app's own session_scope() uses the test engine."""
    monkeypatch.setitem(app_db._engines, get_settings().database_url, engine)
    return engine


def post_code(form: dict, origin: str | None = None):
    async def post():
        base = get_settings().base_url
        async with httpx.AsyncClient(transport=httpx.ASGITransport(
                app=Starlette(routes=auth_routes.ROUTES)), base_url=base) as client:
            return await client.post(routes.API_SIGN_IN_CODE, data=form,
                                     headers={"origin": origin or base})
    return asyncio.run(post())


def created_on_the_page(address: str, names=("Client A",)) -> dict:
    """Create the account from the /join/ link as the page does; what the page holds."""
    with session_scope() as db:
        invite(db, address, list(names))
        token = link_token(db, address)
    with Browser() as browser:
        tab = browser.tab(None, f"/join/{token}")
        tab.send(full_name(JoinState, "load"))
        got = tab.send(full_name(JoinState, "create_account"), {"form": {
            "display_name": "Pat", "password": "a-long-password",
            "confirm": "a-long-password"}})
        assert any("join-code-form" in (e["payload"].get("javascript_code") or "")
                   for e in got.events), got.events  # the page posts the code at once
        return dict(tab.state(JoinState).created)


def test_a_new_account_posts_its_code_and_lands_signed_in_on_its_community(app_engine, demo):
    made = created_on_the_page("pat@client.example")
    with session_scope() as db:
        client_a = community(db, "Client A")
    assert made["next"] == routes.community(client_a)
    assert (made["tenant"], made["user"], made["name"]) == ("contoso", "pat@client.example",
                                                            "Client A")
    reply = post_code({"code": made["code"], "next": made["next"]})
    assert reply.status_code == 303 and reply.headers["location"] == f"/communities/{client_a}"
    cookie = reply.headers["set-cookie"]
    assert cookie.startswith(get_settings().session_cookie + "=") and "HttpOnly" in cookie
    token = reply.cookies[get_settings().session_cookie]
    with session_scope() as db:
        viewer = auth.viewer_for_token(db, secret_key=SECRET, token=token, now=utcnow())
        assert (viewer.email, viewer.org_alias) == ("pat@client.example", "contoso")

    again = post_code(made)  # a replay: to sign-in, with the tenant and address filled in
    location = urlsplit(again.headers["location"])
    assert (again.status_code, location.path) == (303, routes.SIGNIN)
    assert parse_qs(location.query) == {"tenant": ["contoso"], "user": ["pat@client.example"],
                                        "error": ["code"], "next": [made["next"]]}
    assert "set-cookie" not in again.headers


def test_several_communities_land_on_the_communities_page(app_engine, demo):
    made = created_on_the_page("pat@client.example", ("Client A", "Client B"))
    assert made["next"] == routes.COMMUNITIES and made["name"] == ""


def test_the_code_route_refuses_other_sites_and_never_leaves_this_one(app_engine, demo):
    made = created_on_the_page("pat@client.example")
    assert post_code(made, origin="https://evil.example").status_code == 403
    with session_scope() as db:
        assert db.exec(select(AuthSession)).all() == []  # the code was not used
    reply = post_code({**made, "next": "//evil.example/x"})
    assert reply.status_code == 303 and reply.headers["location"] == "/"


def test_after_accepting_the_join_page_opens_the_inviting_organization(app_engine, demo):
    """Carol of Northwind signs in at Northwind (filled in), accepts, and the button moves
    her session into Contoso, which owns the community, and opens it."""
    with session_scope() as db:
        invite(db, "carol@northwind.example", ["Client A"])
        token, client_a = link_token(db, "carol@northwind.example"), community(db, "Client A")
        cookie = open_session(db, "carol", "northwind")
    with Browser() as browser:
        tab = browser.tab(None, f"/join/{token}")
        tab.send(full_name(JoinState, "load"))
        [away] = tab.send(full_name(JoinState, "sign_in")).redirects
        assert parse_qs(urlsplit(away).query) == {
            "tenant": ["northwind"], "user": ["carol@northwind.example"],
            "next": [f"/join/{token}"]}  # where this address signs in, not the inviter
        tab = browser.tab(cookie, f"/join/{token}")
        tab.send(full_name(JoinState, "load"))
        assert tab.send(full_name(JoinState, "accept")).toasts("error") == []
        assert tab.state(JoinState).invitation["joined_name"] == "Client A"
        got = tab.send(full_name(JoinState, "open_communities"))
        assert got.redirects == [f"/communities/{client_a}"]
    with session_scope() as db:
        viewer = auth.viewer_for_token(db, secret_key=SECRET, token=cookie, now=utcnow())
        assert viewer.org_alias == "contoso"


def test_after_accepting_the_parent_user_opens_the_child_organization(app_engine, demo):
    from tests.test_parent_invitations import invite as invite_parent

    with session_scope() as db:
        invite_parent(db, "dave", ["frank"])
        token = token_for(db, "frank@contoso.example")
        cookie = open_session(db, "frank")
    with Browser() as browser:
        tab = browser.tab(None, f"/org-invite/{token}")
        tab.send(full_name(OrgInviteState, "load"))
        [away] = tab.send(full_name(OrgInviteState, "sign_in")).redirects
        assert parse_qs(urlsplit(away).query) == {
            "tenant": ["contoso"], "user": ["frank"], "next": [f"/org-invite/{token}"]}
        tab = browser.tab(cookie, f"/org-invite/{token}")
        tab.send(full_name(OrgInviteState, "load"))
        tab.send(full_name(OrgInviteState, "accept"))
        assert tab.state(OrgInviteState).invitation["status"] == "accepted"
        assert tab.send(full_name(OrgInviteState, "open_organization")).redirects == ["/"]
    with session_scope() as db:
        viewer = auth.viewer_for_token(db, secret_key=SECRET, token=cookie, now=utcnow())
        assert viewer.org_alias == "contoso-retail"


def test_the_tenant_invitation_sends_to_sign_in_with_the_address_and_tenant_filled_in(app_engine, demo):
    with session_scope() as db:
        _, token = invite_tenant(db)
    with Browser() as browser:
        tab = browser.tab(None, f"/invite/{token}")
        tab.send(full_name(AcceptState, "load"))
        [away] = tab.send(full_name(AcceptState, "sign_in_instead")).redirects
        assert parse_qs(urlsplit(away).query) == {"user": ["bob@fabrikam.example"],
                                                  "tenant": ["fabrikam"],
                                                  "next": [f"/invite/{token}"]}
        assert tab.state(AcceptState).community_path.startswith("/communities/")


def test_the_sign_in_page_says_why_a_new_account_signs_in_by_hand():
    from app.states.signin import ERRORS, SignInState

    with Browser() as browser:
        tab = browser.tab(None, "/signin?tenant=contoso&user=pat%40client.example&error=code")
        tab.send(full_name(SignInState, "load"))
        state = tab.state(SignInState)
        assert (state.step, state.identifier, state.error) == (
            2, "pat@client.example", ERRORS["code"])
