"""A client of the HTTP API for service tests: a personal token per person, what each
change announced, and the shape of a problem answer."""

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app import db as app_db
from app.api import core, v1
from app.models import Community
from app.services import api_tokens as at
from app.settings import get_settings
from tests.helpers import NOW, viewer


@pytest.fixture
def api(engine, demo, monkeypatch):
    """A client of the API on this engine's database; `client.told` lists what each change
    announced: (sorted topics, recipients)."""
    monkeypatch.setitem(app_db._engines, get_settings().database_url, engine)
    told = []
    monkeypatch.setattr(core, "tell", lambda events, topics, invitation_ids=(),
                        recipients=(): told.append((sorted(set(topics)), list(recipients))))
    client = TestClient(v1.api)
    client.told = told
    return client


def token(engine, who="alice", scope=at.WRITE) -> dict:
    """Headers with a new token of `who` (made in their home organization)."""
    with Session(engine) as db:
        made = at.create_token(db, viewer(db, who), "test", scope, "30", now=NOW,
                               secret_key=get_settings().secret_key)
        db.commit()
    return {"Authorization": f"Bearer {made.token}"}


def community(engine, name: str) -> int:
    with Session(engine) as db:
        return db.exec(select(Community.id).where(Community.name == name)).one()


def wind(engine) -> int:
    return community(engine, "Wind Farm Analytics")


def problem(reply, status: int, kind: str) -> dict:
    assert reply.status_code == status, reply.text
    assert reply.headers["content-type"] == "application/problem+json"
    body = reply.json()
    assert body["type"].endswith("/" + kind) and body["status"] == status and body["detail"]
    return body
