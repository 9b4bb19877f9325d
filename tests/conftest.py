"""Service-test fixtures: a migrated database on SQLite and, when configured, PostgreSQL.

`COMMONS_TEST_DATABASE_URL` names a PostgreSQL database the tests may wipe; when set, every
test using `db` runs on both engines, and an unreachable server fails the run.
"""

import os
import tempfile
from pathlib import Path

import pytest

_TMP = Path(tempfile.mkdtemp(prefix="commons-tests-"))
os.environ.setdefault("COMMONS_DATA_DIR", str(_TMP))
os.environ.setdefault("COMMONS_SECRET_KEY", "test-secret-key-0123456789abcdef")
os.environ.setdefault("COMMONS_DATABASE_URL", f"sqlite:///{_TMP / 'unit.db'}")
os.environ.setdefault("COMMONS_OUTBOUND_ALLOW_PRIVATE", "1")  # webhooks to loopback receivers

from sqlalchemy import text  # noqa: E402
from sqlmodel import Session, SQLModel  # noqa: E402

from app.db import make_engine  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from app.services.roles import ensure_builtin_roles  # noqa: E402
from tests.api_client import api  # noqa: E402,F401  (the HTTP API client fixture)
from tests.oidc_provider import oidc_provider, oidc_server  # noqa: E402,F401

ENGINES = ["sqlite"] + (["postgresql"] if os.environ.get("COMMONS_TEST_DATABASE_URL") else [])


def _fresh_postgres(url: str):
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    return engine


@pytest.fixture(scope="session")
def engines():
    """One migrated engine per database kind, created once per test session."""
    made = {}
    sqlite_url = f"sqlite:///{_TMP / 'services.db'}"
    made["sqlite"] = make_engine(sqlite_url)
    upgrade(sqlite_url)
    pg_url = os.environ.get("COMMONS_TEST_DATABASE_URL")
    if pg_url:
        made["postgresql"] = _fresh_postgres(pg_url)
        upgrade(pg_url)
    yield made
    for engine in made.values():
        engine.dispose()


def _wipe(engine) -> None:
    with engine.begin() as conn:
        for table in reversed(SQLModel.metadata.sorted_tables):
            conn.execute(table.delete())


@pytest.fixture(params=ENGINES)
def engine(request, engines):
    """A migrated, emptied database with the built-in roles; on each engine in turn."""
    eng = engines[request.param]
    _wipe(eng)
    with Session(eng) as db:
        ensure_builtin_roles(db)
        db.commit()
    return eng


@pytest.fixture
def db(engine):
    with Session(engine, expire_on_commit=False) as session:
        yield session
        session.rollback()


@pytest.fixture
def demo(db):
    """The demo organizations (by alias), committed."""
    from app.services.demo import seed_demo
    from tests.helpers import NOW

    orgs = seed_demo(db, NOW)
    db.commit()
    return orgs


def pytest_collection_modifyitems(items):
    """The browser journeys run last: once Playwright's sync API has started, an event loop
    runs in this thread for the rest of the session, and `asyncio.run` (the in-process
    Reflex harness, the route tests) cannot run after it."""
    items.sort(key=lambda item: "e2e" in item.nodeid.split("/")[:2])
