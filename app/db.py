"""The engine and the session scope: the only place database sessions are opened."""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError
from sqlmodel import Session, create_engine

from app.settings import get_settings

_engines: dict[str, Engine] = {}


def _sqlite_pragmas(dbapi_conn, _record) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA busy_timeout=10000")
    cur.execute("PRAGMA journal_mode=WAL")
    cur.close()


def make_engine(url: str) -> Engine:
    """A new engine for `url`, with foreign keys enforced on SQLite."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    # psycopg prepares a query run five times on a connection; PostgreSQL would then reuse
    # a generic plan, which for a list filtered by a prefix or a status is the wrong one
    return create_engine(url, pool_pre_ping=True, pool_size=5, max_overflow=10,
                         connect_args={"options": "-c plan_cache_mode=force_custom_plan -c jit=off"})


def get_engine(url: str | None = None) -> Engine:
    """The process-wide engine for `url` (default: the configured database)."""
    url = url or get_settings().database_url
    if url not in _engines:
        _engines[url] = make_engine(url)
    return _engines[url]


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """One unit of work: commits when the block ends, rolls back when it raises."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise


class Outage:
    """What a background loop says about the database: one warning when it goes away and
    one when it is back (not a traceback a second); any other failure in full."""

    def __init__(self, log, work: str, waits: str, back: str):
        self.log, self.work, self.waits, self.back, self.away = log, work, waits, back, False

    def passed(self) -> None:
        if self.away:
            self.log.warning("the database is back: %s", self.back)
        self.away = False

    def failed(self, err: BaseException) -> None:
        if not connection_lost(err):
            self.log.exception("%s failed", self.work)
        elif not self.away:
            self.log.warning("the database could not be reached: %s until it is back (%s)",
                             self.waits, str(err).splitlines()[0][:200])
        self.away = self.away or connection_lost(err)


def connection_lost(err: BaseException) -> bool:
    """`err` says the database went away (a dropped connection, a restart, a failover): the
    unit of work was rolled back, and the pool replaces dead connections by itself, so
    trying again works once the database is back."""
    return isinstance(err, OperationalError | InterfaceError) or (
        isinstance(err, DBAPIError) and err.connection_invalidated)
