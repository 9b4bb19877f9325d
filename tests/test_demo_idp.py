"""The demo's own identity provider (COMMONS_DEMO_IDP=1): served by the app itself beside
its sign-in routes, as `make run` serves it, so the callback calls its own server."""

import dataclasses
import socket
import threading
import time

import httpx
import pytest
import uvicorn
from sqlmodel import Session, select
from starlette.applications import Starlette

from app import db as app_db
from app import settings as app_settings
from app.api.auth_routes import ROUTES as AUTH_ROUTES
from app.api.sso_routes import ROUTES as SSO_ROUTES
from app.cli import demo_idp_log
from app.models import AuthSession, IdentityProvider
from app.services.demo import DEMO_PASSWORD
from app.services.orgs import create_organization, create_user
from app.sso import demo_idp, discovery
from tests.helpers import NOW, user


@pytest.fixture
def served(engine, demo, monkeypatch):
    """Commons' HTTP routes and the demo provider on one loopback port, as one app."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    settings = dataclasses.replace(app_settings.get_settings(), demo_idp=True,
                                   base_url=f"http://127.0.0.1:{sock.getsockname()[1]}")
    monkeypatch.setattr(app_settings, "_current", settings)
    monkeypatch.setitem(app_db._engines, settings.database_url, engine)
    discovery._kept.clear()
    with Session(engine) as db:
        demo_idp.ensure_demo_provider(db, settings)
        outsider = create_organization(db, "Outsider", "outsider", now=NOW)
        create_user(db, outsider, email="olly@outsider.example", username="olly",
                    display_name="Olly", password=DEMO_PASSWORD, now=NOW)
        db.commit()
    app = Starlette(routes=AUTH_ROUTES + SSO_ROUTES + demo_idp.demo_provider(settings).routes())
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    while not server.started:
        time.sleep(0.01)
    yield settings
    server.should_exit = True
    thread.join(timeout=10)


def _through_the_demo(settings, username: str, password: str) -> httpx.Response:
    browser = httpx.Client(base_url=settings.base_url, follow_redirects=False)
    to_provider = browser.post("/auth/sso/start", data={"tenant": "northwind",
                                                        "next": "/communities"})
    assert to_provider.status_code == 303
    page = browser.get(to_provider.headers["location"])
    assert page.status_code == 200 and "Northwind ID" in page.text
    answer = browser.post(to_provider.headers["location"],
                          data={"username": username, "password": password})
    if answer.status_code != 302:
        return answer
    return browser.get(answer.headers["location"])


def test_northwind_signs_in_through_the_demo_provider_the_app_serves(served, engine):
    answer = _through_the_demo(served, "carol", DEMO_PASSWORD)
    assert answer.status_code == 303 and answer.headers["location"] == "/communities"
    with Session(engine) as db:
        session = db.exec(select(AuthSession)).one()
        assert session.user_id == user(db, "carol").id and session.provider_id is not None


def test_the_demo_provider_wants_the_demo_password_and_a_demo_person(served, engine):
    assert "Wrong username or password" in _through_the_demo(served, "carol", "guess").text
    assert "Wrong username or password" in _through_the_demo(served, "olly",
                                                             DEMO_PASSWORD).text
    # a demo person of another organization is not Northwind's to sign in
    refused = _through_the_demo(served, "alice", DEMO_PASSWORD)
    assert refused.status_code == 403 and "another organization" in refused.text
    with Session(engine) as db:
        assert not db.exec(select(AuthSession)).all()


def test_each_start_brings_the_demo_provider_up_to_the_base_url(served, engine):
    moved = dataclasses.replace(served, base_url="http://localhost:4000")
    with Session(engine) as db:
        demo_idp.ensure_demo_provider(db, moved)
        demo_idp.ensure_demo_provider(db, moved)
        db.commit()
        row = db.exec(select(IdentityProvider)).one()
        assert row.issuer == "http://localhost:4000/demo-idp" and row.just_in_time


def test_the_start_log_warns_when_the_demo_provider_faces_the_network(served):
    assert not demo_idp_log(dataclasses.replace(served, demo_idp=False))
    assert not demo_idp_log(served)[0].startswith("WARNING")
    public = dataclasses.replace(served, base_url="https://commons.example.com")
    assert demo_idp_log(public)[0].startswith("WARNING")
