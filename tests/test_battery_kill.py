"""Reliability battery, row 9: a process killed mid-work (SIGKILL at a named point, see
app/stop_points.py), then started again.

- Inside a 1,000-address batch, after every row is written and before the commit: nothing
  of the batch is there after the kill, and the same batch then goes through whole.
- Inside delivery, after a message is claimed and before it is sent: after a restart every
  message goes out once.
- Inside delivery, after the mail server accepted a message and before that was recorded:
  after a restart no message is lost, and the one duplicate carries the same Message-ID.
"""

import os
import signal
import subprocess
import sys
from datetime import timedelta

import pytest
from sqlmodel import Session, func, select

from app.db import make_engine
from app.mail import sender
from app.mail.outbox import enqueue
from app.migrate import upgrade
from app.models import Invitation, OutboxMessage, utcnow
from app.services.delivery_log import record_delivery
from app.services.demo import seed_demo
from tests.helpers import NOW, SECRET
from tests.smtp_server import TestSMTPServer

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BATCH = 1000

INVITE = """
from sqlmodel import Session, select
from app.db import make_engine, session_scope
from app.models import Community, Role
from app.services import user_invitations as ui
from app.services.tenant_invitations import Mailer
from tests.helpers import NOW, SECRET, viewer
engine = make_engine({url!r})
with session_scope(engine) as db:
    client = db.exec(select(Community.id).where(Community.name == "Client A")).one()
    member = db.exec(select(Role.id).where(Role.name == "Community Member")).one()
    ui.invite_users(db, viewer(db, "alice"), ", ".join(f"k{{i}}@kill.example"
                    for i in range({n})), [client], [member], now=NOW,
                    mailer=Mailer(SECRET, "http://localhost:3000", days=7))
"""

SEND = """
from app.db import make_engine
from app.mail import sender
from app.services.delivery_log import record_delivery
sender.run_once(make_engine({url!r}), worker="doomed", smtp_url={smtp!r},
                sender="no-reply@localhost", delivery_log=record_delivery)
"""


def _child(code: str, stop_at: str | None) -> int:
    env = {**os.environ, "PYTHONPATH": ROOT, "COMMONS_SECRET_KEY": SECRET}
    if stop_at:
        env["COMMONS_STOP_AT"] = stop_at
    return subprocess.run([sys.executable, "-c", code], env=env, cwd=ROOT,
                          timeout=120).returncode


@pytest.fixture
def database(tmp_path):
    url = f"sqlite:///{tmp_path / 'killed.db'}"
    upgrade(url)
    engine = make_engine(url)
    with Session(engine) as db:
        seed_demo(db, NOW)
        db.commit()
    yield url, engine
    engine.dispose()


def _count(engine, model) -> int:
    with Session(engine) as db:
        return db.exec(select(func.count()).select_from(model)).one()


def test_a_batch_killed_before_its_commit_leaves_nothing_and_then_goes_through(database):
    url, engine = database
    code = INVITE.format(url=url, n=BATCH)
    assert _child(code, "batch-written") == -signal.SIGKILL
    assert (_count(engine, Invitation), _count(engine, OutboxMessage)) == (0, 0)
    assert _child(code, None) == 0
    assert (_count(engine, Invitation), _count(engine, OutboxMessage)) == (BATCH, BATCH)


@pytest.fixture
def smtp():
    server = TestSMTPServer().start()
    yield server
    server.stop()


def _queue(engine, n: int) -> list[int]:
    with Session(engine) as db:
        ids = [enqueue(db, to=f"r{i}@kill.example", subject=f"Message {i}", text=f"Body {i}",
                       html="", base_url="http://localhost:3000", now=utcnow()).id
               for i in range(n)]
        db.commit()
    return ids


def _restart(engine, smtp) -> dict:
    later = utcnow() + sender.STALE_CLAIM + timedelta(seconds=1)  # the claim went stale
    return sender.run_once(engine, worker="restarted", smtp_url=smtp.url,
                           sender="no-reply@localhost", delivery_log=record_delivery,
                           now_fn=lambda: later)


@pytest.mark.parametrize("point, duplicates", [("mail-claimed", 0), ("mail-accepted", 1)])
def test_delivery_killed_mid_message_loses_nothing_after_a_restart(database, smtp, point,
                                                                    duplicates):
    url, engine = database
    ids = _queue(engine, 3)
    assert _child(SEND.format(url=url, smtp=smtp.url), point) == -signal.SIGKILL
    assert len(smtp.messages) == duplicates  # the killed worker got this far
    assert _restart(engine, smtp) == {"sent": 3}
    with Session(engine) as db:
        rows = db.exec(select(OutboxMessage).where(OutboxMessage.id.in_(ids))).all()
        assert {r.status for r in rows} == {"sent"}
        message_ids = {r.message_id for r in rows}
    got = [m["Message-ID"] for m in smtp.messages]
    assert set(got) == message_ids  # none lost
    assert len(got) == 3 + duplicates  # at most the one in flight twice, with the same id
