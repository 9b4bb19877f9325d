"""Reliability battery, row 10 (in part): the database under pressure and going away.

- SQLite under 50 concurrent writers never tells a person "database is locked": every
  writer's unit of work goes through (they queue on the lock).
- PostgreSQL behind a loopback TCP proxy that is cut: the action in flight is refused with
  a clear message and writes nothing; the pool notices the dead connections and the next
  action works without a restart.
- The mail sender, whose database goes away for a while: it says so once (a warning, not
  an error a second), keeps running, and sends what waits once the database is back.
"""

import asyncio
import logging
import socket
import threading
import time

import pytest
from sqlalchemy import func, text
from sqlmodel import Session, select

from app.db import make_engine, session_scope
from app.models import Invitation
from app.services import tenant_invitations as ti
from app.services.communities import create_community
from tests.helpers import NOW, viewer
from tests.test_battery_races import MAILER

WRITERS = 50


def test_fifty_writers_at_once_never_hear_database_is_locked(engine, demo, db):
    if engine.dialect.name != "sqlite":
        pytest.skip("the lock is SQLite's")
    alice = viewer(db, "alice")
    community = create_community(db, alice, "Busy", now=NOW).id
    db.commit()
    barrier, errors = threading.Barrier(WRITERS), []

    def write(i):
        barrier.wait()
        try:
            with session_scope(engine) as s:
                ti.invite_tenant(s, alice, community, f"admin{i}@busy{i}.example", now=NOW,
                                 mailer=MAILER)
        except Exception as err:  # noqa: BLE001 - what the battery looks for
            errors.append(f"{type(err).__name__}: {err}")

    threads = [threading.Thread(target=write, args=(i,)) for i in range(WRITERS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert db.exec(select(func.count()).select_from(Invitation).where(
        Invitation.community_id == community)).one() == WRITERS


class Proxy:
    """A loopback TCP proxy to PostgreSQL that can cut every connection through it."""

    def __init__(self, port: int):
        self.target = ("127.0.0.1", port)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.open = True
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            if not self.open:
                client.close()
                continue
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a, b):
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def cut(self):
        for s in self.sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.sockets.clear()

    def down(self):
        """The database is away: connections through the proxy are cut and new ones
        refused until `up`."""
        self.open = False
        self.cut()

    def up(self):
        self.open = True

    def close(self):
        self.cut()
        self.server.close()


def test_a_cut_connection_refuses_the_action_in_flight_and_the_next_one_works(engines):
    if "postgresql" not in engines:
        pytest.skip("COMMONS_TEST_DATABASE_URL is not set")
    from app.states.viewer import DATABASE_GONE, refusal_for

    url = engines["postgresql"].url
    proxy = Proxy(url.port or 5432)
    through = make_engine(url.set(host="127.0.0.1", port=proxy.port)
                          .render_as_string(hide_password=False))
    try:
        with Session(through) as s:
            assert s.exec(select(func.count()).select_from(Invitation)).one() >= 0
        with Session(through) as s:  # in flight: a row written, not committed, then cut
            s.exec(text("CREATE TABLE IF NOT EXISTS cut_probe (n integer)"))
            s.commit()
            s.exec(text("INSERT INTO cut_probe VALUES (1)"))
            proxy.cut()
            with pytest.raises(Exception) as lost:
                s.commit()
            assert refusal_for(lost.value) == DATABASE_GONE
        with Session(through) as s:  # the pool pings, drops the dead ones, reconnects
            assert s.exec(text("SELECT count(*) FROM cut_probe")).one() == (0,)  # not half
            s.exec(text("DROP TABLE cut_probe"))
            s.commit()
    finally:
        through.dispose()
        proxy.close()


def test_the_mail_sender_waits_out_a_database_outage_and_then_sends(engines, caplog):
    if "postgresql" not in engines:
        pytest.skip("COMMONS_TEST_DATABASE_URL is not set")
    from app.mail.outbox import enqueue
    from app.mail.runner import run_mail
    from app.models import OutboxMessage, utcnow
    from app.services.delivery_log import record_delivery
    from tests.smtp_server import TestSMTPServer

    url = engines["postgresql"].url
    proxy, smtp = Proxy(url.port or 5432), TestSMTPServer().start()
    through = make_engine(url.set(host="127.0.0.1", port=proxy.port)
                          .render_as_string(hide_password=False))

    async def outage():
        task = asyncio.create_task(run_mail(through, smtp_url=smtp.url, dev_port=0,
                                            sender="no-reply@localhost", interval=0.05,
                                            delivery_log=record_delivery))
        await asyncio.sleep(0.5)  # passes go through
        proxy.down()
        await asyncio.sleep(1)  # twenty passes meet no database
        with Session(engines["postgresql"]) as db:  # queued meanwhile, directly
            enqueue(db, to="later@outage.example", subject="After the outage", text="Hi",
                    base_url="http://localhost", now=utcnow())
            db.commit()
        proxy.up()
        deadline = time.monotonic() + 10
        while not smtp.to("later@outage.example") and time.monotonic() < deadline:
            await asyncio.sleep(0.1)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)

    try:
        with caplog.at_level(logging.WARNING, logger="commons.mail"):
            asyncio.run(outage())
        assert len(smtp.to("later@outage.example")) == 1
        said = [(r.levelname, r.getMessage()) for r in caplog.records
                if r.name == "commons.mail"]
        assert [level for level, _ in said] == ["WARNING", "WARNING"], said
        assert said[0][1].startswith("the database could not be reached: mail waits")
        assert said[1][1] == "the database is back: mail goes out again"
        with Session(engines["postgresql"]) as db:
            assert db.exec(select(OutboxMessage.status).where(
                OutboxMessage.to_addr == "later@outage.example")).all() == ["sent"]
    finally:
        through.dispose()
        proxy.close()
        smtp.stop()
