"""Mail secrets: invitation links are sealed in the outbox, and the dev mailbox that shows
every message exists only when it is switched on."""

import asyncio
import os
import re
import socket
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from app.mail import links, sender
from app.mail.devmailbox import list_messages
from app.mail.outbox import enqueue
from app.mail.runner import run_mail
from app.mail.setup import LOUD, shows_mail_banner, shows_mailbox, start_log
from app.models import Community, Invitation, OutboxMessage, Role, utcnow
from app.services import community_members as cm
from app.services import tenant_invitations as ti
from app.services import user_invitations as ui
from app.services.delivery_log import record_delivery
from app.settings import load_settings
from tests.helpers import NOW, SECRET, viewer
from tests.smtp_server import TestSMTPServer

ROOT = Path(__file__).resolve().parent.parent
BASE = "http://localhost:3000"
TOKEN, OTHER = "AbC-123_xyzSecretToken", "Tok-en_9OtherSecret"
BOB = "bob@fabrikam.example"


@pytest.fixture
def smtp():
    server = TestSMTPServer().start()
    yield server
    server.stop()


def _send(engine, smtp, now=None):
    return sender.run_once(engine, worker="w1", smtp_url=smtp.url, sender="no-reply@localhost",
                           delivery_log=record_delivery,
                           now_fn=lambda: now or utcnow())


def _stored(engine, message_id: int) -> str:
    """Every column of the outbox row, as the database holds it."""
    with engine.connect() as conn:
        row = conn.execute(text("SELECT * FROM outboxmessage WHERE id = :id"),
                           {"id": message_id}).one()
    return " ".join(str(value) for value in row)


def _queue_link(engine) -> int:
    with Session(engine) as db:
        mid = enqueue(db, to=BOB, subject="Invite",
                      text=f"Open {BASE}/invite/{TOKEN} or {BASE}/org-invite/{OTHER}",
                      html=f'<a href="{BASE}/join/{TOKEN}">{BASE}/join/{TOKEN}</a>',
                      base_url=BASE, now=utcnow()).id
        db.commit()
    return mid


def _row(engine, message_id: int) -> OutboxMessage:
    with Session(engine) as db:
        return db.get(OutboxMessage, message_id)


def _body(msg, kind="plain") -> str:
    return msg.get_body(preferencelist=(kind,)).get_content()


# --- links at rest -------------------------------------------------------------------------


def test_a_queued_message_stores_no_usable_token_and_delivers_the_working_link(engine, smtp):
    mid = _queue_link(engine)
    stored = _stored(engine, mid)
    assert TOKEN not in stored and OTHER not in stored
    assert f"{BASE}/invite/[sealed link 0]" in _row(engine, mid).body_text
    assert _send(engine, smtp) == {"sent": 1}
    [msg] = smtp.messages
    assert smtp.links(msg) == [f"{BASE}/invite/{TOKEN}", f"{BASE}/org-invite/{OTHER}"]
    assert f'href="{BASE}/join/{TOKEN}"' in _body(msg, "html")
    row = _row(engine, mid)
    assert row.sealed_links is None and msg["Message-ID"] == row.message_id
    assert "/invite/[removed after delivery]" in row.body_text
    assert TOKEN not in _stored(engine, mid)


def test_a_retried_message_keeps_its_link_sealed_until_it_goes(engine, smtp):
    mid = _queue_link(engine)
    smtp.failures = ["451 4.3.0 try later"]
    assert _send(engine, smtp) == {"queued": 1}
    assert _row(engine, mid).sealed_links and TOKEN not in _stored(engine, mid)
    assert _send(engine, smtp, now=utcnow() + timedelta(minutes=1)) == {"sent": 1}
    assert smtp.links(smtp.messages[0])[0] == f"{BASE}/invite/{TOKEN}"


@pytest.mark.parametrize("how", ["permanent", "too many attempts"])
def test_a_message_that_fails_for_good_loses_its_links(engine, smtp, how):
    mid = _queue_link(engine)
    if how == "permanent":
        smtp.failures = ["550 5.1.1 no such user"]
    else:
        with Session(engine) as db:
            db.get(OutboxMessage, mid).attempts = sender.MAX_ATTEMPTS - 1
            db.commit()
        smtp.failures = ["451 4.3.0 try later"]
    assert _send(engine, smtp) == {"failed": 1}
    row = _row(engine, mid)
    assert row.sealed_links is None
    assert f"/invite/[{links.DELIVERY_FAILED}]" in row.body_text


def test_a_sealed_link_opens_only_for_its_own_message():
    text_, html, sealed = links.seal("<1@x>", f"{BASE}/join/{TOKEN}", "")
    mine = OutboxMessage(message_id="<1@x>", to_addr=BOB, subject="s", body_text=text_,
                         body_html=html, sealed_links=sealed)
    other = OutboxMessage(message_id="<2@x>", to_addr=BOB, subject="s", body_text=text_,
                          body_html=html, sealed_links=sealed)
    assert links.opened(mine)[0] == f"{BASE}/join/{TOKEN}"
    assert links.opened(other)[0] == f"{BASE}/join/[{links.UNREADABLE}]"


def test_a_marker_typed_into_a_name_is_not_filled_with_a_link():
    text_, _, sealed = links.seal("<1@x>", f"Team /join/[sealed link 0] {BASE}/join/{TOKEN}",
                                  "")
    row = OutboxMessage(message_id="<1@x>", to_addr=BOB, subject="s", body_text=text_,
                        body_html="", sealed_links=sealed)
    assert links.opened(row)[0] == f"Team /join/[link] {BASE}/join/{TOKEN}"


# --- links of invitations that end --------------------------------------------------------

MAILER = ti.Mailer(SECRET, BASE, days=14)


def _tenant_invitation(db) -> tuple[int, OutboxMessage]:
    wind = db.exec(select(Community).where(Community.name == "Wind Farm Analytics")).one().id
    inv_id = ti.invite_tenant(db, viewer(db, "alice"), wind, BOB, now=NOW, mailer=MAILER)
    db.commit()
    return inv_id, _message_of(db, inv_id)


def _message_of(db, inv_id: int) -> OutboxMessage:
    db.expire_all()
    return db.exec(select(OutboxMessage).where(OutboxMessage.invitation_id == inv_id)
                   .order_by(OutboxMessage.id.desc())).first()


def _token_of(message: OutboxMessage) -> str:
    return re.search(r"/invite/([A-Za-z0-9_\-]+)", links.opened(message)[0])[1]


def test_an_invitation_revoked_while_its_email_waits_leaves_no_usable_link(
        engine, db, demo, smtp):
    inv_id, message = _tenant_invitation(db)
    token = _token_of(message)
    ti.revoke_invitation(db, viewer(db, "alice"), inv_id, now=NOW)
    db.commit()
    message = _message_of(db, inv_id)
    assert message.sealed_links is None and message.status == "queued"
    assert f"/invite/[{links.ENDED}]" in message.body_text
    assert _send(engine, smtp) == {"sent": 1}
    [msg] = smtp.to(BOB)
    assert token not in msg.as_string() and links.ENDED_NOTE in _body(msg)
    assert links.ENDED_NOTE in _body(msg, "html")


@pytest.mark.parametrize("ending", ["accepted", "declined"])
def test_an_answered_invitation_keeps_no_link_in_a_waiting_email(db, demo, ending):
    inv_id, message = _tenant_invitation(db)
    token = _token_of(message)
    if ending == "accepted":
        ti.join(db, viewer(db, "bob"), token, now=NOW, mailer=MAILER)
    else:
        ti.decline(db, viewer(db, "bob"), token, "no thanks", now=NOW, mailer=MAILER)
    db.commit()
    db.expire_all()
    assert db.get(OutboxMessage, message.id).sealed_links is None


def test_an_expired_invitation_is_not_delivered_with_a_working_link(engine, db, demo, smtp):
    inv_id, message = _tenant_invitation(db)
    token = _token_of(message)
    expired = db.get(Invitation, inv_id).expires_at + timedelta(seconds=1)
    assert _send(engine, smtp, now=expired) == {"sent": 1}
    [msg] = smtp.to(BOB)
    assert token not in msg.as_string() and links.ENDED_NOTE in _body(msg)


def test_the_runner_sweep_deletes_the_links_of_expired_invitations(db, demo):
    inv_id, message = _tenant_invitation(db)
    assert links.drop_ended_links(db, NOW) == 0
    expired = db.get(Invitation, inv_id).expires_at
    assert links.drop_ended_links(db, expired) == 1
    db.commit()
    assert _message_of(db, inv_id).sealed_links is None


def test_a_batch_link_lives_while_one_of_its_communities_is_pending(db, demo):
    names = ["Client A", "Client B"]
    ids = [db.exec(select(Community.id).where(Community.name == n)).one() for n in names]
    role = db.exec(select(Role.id).where(Role.name == "Community Member")).one()
    ui.invite_users(db, viewer(db, "alice"), "new@client.example", ids, [role], now=NOW,
                    mailer=ti.Mailer(SECRET, BASE, days=7))
    db.commit()
    rows = db.exec(select(Invitation).where(Invitation.recipient == "new@client.example")
                   .order_by(Invitation.id)).all()
    message = db.exec(select(OutboxMessage).where(
        OutboxMessage.to_addr == "new@client.example")).one()
    cm.revoke(db, viewer(db, "alice"), rows[0].id, now=NOW)
    db.commit()
    db.expire_all()
    assert db.get(OutboxMessage, message.id).sealed_links is not None
    cm.revoke(db, viewer(db, "alice"), rows[1].id, now=NOW)
    db.commit()
    db.expire_all()
    assert db.get(OutboxMessage, message.id).sealed_links is None


# --- where mail goes -------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _run_mail_briefly(engine, **where) -> None:
    async def go():
        task = asyncio.create_task(run_mail(engine, sender="no-reply@localhost",
                                            delivery_log=record_delivery,
                                            interval=0.05, **where))
        await asyncio.sleep(0.6)
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
    asyncio.run(go())


def test_with_no_smtp_server_and_no_dev_mailbox_mail_stays_queued(engine):
    mid = _queue_link(engine)
    port = _free_port()
    _run_mail_briefly(engine, smtp_url=None, dev_mailbox=False, dev_port=port)
    row = _row(engine, mid)
    assert row.status == "queued" and row.attempts == 0 and row.sealed_links
    with socket.socket() as s:  # no dev mailbox listening either
        assert s.connect_ex(("127.0.0.1", port)) != 0


def test_the_dev_mailbox_receives_the_working_link_when_it_is_on(engine):
    mid = _queue_link(engine)
    _run_mail_briefly(engine, smtp_url=None, dev_mailbox=True, dev_port=_free_port())
    assert _row(engine, mid).status == "sent"
    with Session(engine) as db:
        [received] = list_messages(db)
    assert f"{BASE}/invite/{TOKEN}" in received["body"]


def _settings(tmp_path, **env):
    return load_settings({"COMMONS_DATA_DIR": str(tmp_path), **env})


def test_the_mailbox_exists_only_while_the_dev_mailbox_is_on(tmp_path):
    assert not shows_mailbox(_settings(tmp_path))
    assert shows_mailbox(_settings(tmp_path, COMMONS_DEV_MAILBOX="1"))
    assert not shows_mailbox(_settings(tmp_path, COMMONS_DEV_MAILBOX="1",
                                       COMMONS_SMTP_URL="smtp://mail.example:25"))


def test_administrators_see_that_mail_is_not_configured(tmp_path):
    bare = _settings(tmp_path)
    assert shows_mail_banner(bare, tenant_admin=True)
    assert not shows_mail_banner(bare, tenant_admin=False)
    for env in ({"COMMONS_DEV_MAILBOX": "1"}, {"COMMONS_SMTP_URL": "smtp://mail.example"}):
        assert not shows_mail_banner(_settings(tmp_path, **env), tenant_admin=True)


def test_the_start_log_says_where_mail_goes(tmp_path):
    assert start_log(_settings(tmp_path, COMMONS_SMTP_URL="smtp://mail.example")) == []
    [queued] = start_log(_settings(tmp_path))
    assert "stay queued until COMMONS_SMTP_URL is set" in queued
    [local] = start_log(_settings(tmp_path, COMMONS_DEV_MAILBOX="1"))
    assert "every signed-in user" in local and LOUD not in local
    public = start_log(_settings(tmp_path, COMMONS_DEV_MAILBOX="1",
                                 COMMONS_BASE_URL="https://commons.example.com"))
    assert LOUD in public


def test_the_command_line_warns_loudly_of_a_dev_mailbox_on_a_public_address(tmp_path):
    env = {**os.environ, "COMMONS_DATA_DIR": str(tmp_path), "COMMONS_DEV_MAILBOX": "1",
           "COMMONS_BASE_URL": "https://commons.example.com",
           "COMMONS_DATABASE_URL": f"sqlite:///{tmp_path / 'cli.db'}"}
    env.pop("COMMONS_SMTP_URL", None)
    done = subprocess.run([sys.executable, "-m", "app.cli", "prepare"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert f"commons: {LOUD}" in done.stderr.splitlines()


# --- the migration ----------------------------------------------------------------------------


def test_the_migration_seals_the_links_of_mail_already_waiting(tmp_path):
    from alembic import command
    from app.db import get_engine
    from app.migrate import alembic_config, upgrade

    url = f"sqlite:///{tmp_path / 'old.db'}"
    cfg = alembic_config(url)
    with get_engine(url).begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "0006")
        for n, status in enumerate(("queued", "failed")):
            conn.execute(text(
                "INSERT INTO outboxmessage (message_id, to_addr, subject, body_text, "
                "body_html, status, attempts, next_attempt_at, created_at) VALUES "
                f"(:mid, 'b@x.example', 's', :body, '', '{status}', 0, :now, :now)"),
                {"mid": f"<{n}@x>", "body": f"{BASE}/join/{TOKEN}", "now": utcnow()})
    upgrade(url)
    with Session(get_engine(url)) as db:
        queued, failed = db.exec(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert TOKEN not in queued.body_text and links.opened(queued)[0] == f"{BASE}/join/{TOKEN}"
    assert failed.sealed_links is None
    assert failed.body_text == f"{BASE}/join/[{links.DELIVERY_FAILED}]"
