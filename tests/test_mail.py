"""The outbox and the background sender, against a real local SMTP server."""

import threading
from datetime import timedelta

import pytest
from sqlmodel import Session, select

from app.domain.errors import InvalidInput
from app.mail import sender
from app.mail.devmailbox import list_messages, start_dev_mailbox
from app.mail.outbox import enqueue
from app.mail.runner import release_lease, take_lease
from app.mail.smtp import build_message
from app.models import OutboxMessage, utcnow
from app.services.delivery_log import record_delivery
from tests.smtp_server import TestSMTPServer, self_signed

BASE = "http://localhost:3000"


@pytest.fixture
def smtp():
    server = TestSMTPServer().start()
    yield server
    server.stop()


def _queue(engine, n=1, to="bob@fabrikam.example"):
    with Session(engine) as db:
        ids = [enqueue(db, to=to, subject=f"Hello {i}", text=f"Body {i}", html="<p>Hi</p>",
                       base_url=BASE, now=utcnow()).id for i in range(n)]
        db.commit()
    return ids


def _row(engine, message_id):
    with Session(engine) as db:
        return db.get(OutboxMessage, message_id)


def _send(engine, smtp, now=None):
    return sender.run_once(engine, worker="w1", smtp_url=smtp.url, sender="no-reply@localhost",
                           delivery_log=record_delivery,
                           now_fn=lambda: now or utcnow())


def test_queued_message_is_delivered_with_its_message_id(engine, smtp):
    [mid] = _queue(engine)
    assert _send(engine, smtp) == {"sent": 1}
    [msg] = smtp.to("bob@fabrikam.example")
    row = _row(engine, mid)
    assert msg["Message-ID"] == row.message_id and row.status == "sent" and row.attempts == 1
    assert msg.get_body(preferencelist=("html",)).get_content().strip() == "<p>Hi</p>"


def test_a_rolled_back_change_sends_nothing(engine, smtp):
    with Session(engine) as db:
        enqueue(db, to="x@example.com", subject="s", text="t", base_url=BASE, now=utcnow())
        db.rollback()
    assert _send(engine, smtp) == {}
    assert smtp.messages == []


def test_temporary_failure_is_retried_later_then_delivered(engine, smtp):
    [mid] = _queue(engine)
    smtp.failures = ["451 4.3.0 try later"]
    assert _send(engine, smtp) == {"queued": 1}
    row = _row(engine, mid)
    assert row.last_error.startswith("451") and row.next_attempt_at > utcnow()
    assert _send(engine, smtp) == {}  # not due yet
    assert _send(engine, smtp, now=utcnow() + timedelta(minutes=1)) == {"sent": 1}
    assert len(smtp.messages) == 1


def test_a_dropped_connection_is_temporary(engine, smtp):
    [mid] = _queue(engine)
    smtp.failures = ["drop"]
    assert _send(engine, smtp) == {"queued": 1}
    assert _row(engine, mid).attempts == 1


def test_permanent_failure_stops_at_once(engine, smtp):
    [mid] = _queue(engine)
    smtp.failures = ["550 5.1.1 no such user"]
    assert _send(engine, smtp) == {"failed": 1}
    row = _row(engine, mid)
    assert row.status == "failed" and "no such user" in row.last_error
    assert _send(engine, smtp, now=utcnow() + timedelta(days=1)) == {}


def test_unreachable_server_is_retried(engine):
    [mid] = _queue(engine)
    out = sender.run_once(engine, worker="w1", smtp_url="smtp://127.0.0.1:1",
                          sender="no-reply@localhost", delivery_log=record_delivery)
    assert out == {"queued": 1} and _row(engine, mid).attempts == 1


def test_retry_delays_grow():
    delays = [sender.retry_delay(n) for n in range(1, 5)]
    assert delays == sorted(delays) and delays[0] == timedelta(seconds=30)


def test_concurrent_workers_never_claim_the_same_row(engine):
    ids = set(_queue(engine, n=30))
    won: dict[str, list[int]] = {}

    def claim(worker):
        with Session(engine) as db:
            won[worker] = sender.claim_due(db, worker, utcnow(), limit=30)

    threads = [threading.Thread(target=claim, args=(f"w{i}",)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    claimed = [i for got in won.values() for i in got]
    assert sorted(claimed) == sorted(ids) and len(claimed) == len(set(claimed))


def test_a_crashed_claim_is_taken_over_after_it_goes_stale(engine, smtp):
    [mid] = _queue(engine)
    with Session(engine) as db:
        assert sender.claim_due(db, "crashed", utcnow()) == [mid]
    assert _send(engine, smtp) == {}
    later = utcnow() + sender.STALE_CLAIM + timedelta(seconds=1)
    assert _send(engine, smtp, now=later) == {"sent": 1}


def test_header_injection_is_refused():
    with pytest.raises(InvalidInput):
        build_message(sender="a@b.c", to="x@y.z", subject="Hi\r\nBcc: evil@x.y", text="t",
                      html="", message_id="<1@x>")


def test_only_one_worker_holds_the_sender_lease(engine):
    assert take_lease(engine, "a") and not take_lease(engine, "b")
    assert take_lease(engine, "a")  # renews
    release_lease(engine, "a")
    assert take_lease(engine, "b")


def test_dev_mailbox_stores_what_it_receives(engine):
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    box = start_dev_mailbox(engine, port)
    try:
        _queue(engine, to="carol@northwind.example")
        out = sender.run_once(engine, worker="w1", smtp_url=f"smtp://127.0.0.1:{port}",
                              sender="no-reply@localhost", delivery_log=record_delivery)
    finally:
        box.stop()
    assert out == {"sent": 1}
    with Session(engine) as db:
        [row] = list_messages(db)
        assert row["to"] == "carol@northwind.example" and row["body"].strip() == "Body 0"
        assert db.exec(select(OutboxMessage.status)).one() == "sent"


def test_after_delivery_the_outbox_keeps_no_usable_link(engine, smtp):
    with Session(engine) as db:
        mid = enqueue(db, to="bob@fabrikam.example", subject="Invite",
                      text="Open http://localhost:3000/invite/AbC-123_xyz now",
                      html='<a href="http://localhost:3000/join/Tok-en_9">x</a>',
                      base_url=BASE, now=utcnow()).id
        db.commit()
    assert _send(engine, smtp) == {"sent": 1}
    assert "/invite/AbC-123_xyz" in smtp.links(smtp.messages[0])[0]
    row = _row(engine, mid)
    assert "AbC-123_xyz" not in row.body_text and "Tok-en_9" not in row.body_html
    assert "/invite/[removed after delivery]" in row.body_text


def test_a_name_with_line_breaks_cannot_inject_a_header(engine, smtp):
    with Session(engine) as db:
        enqueue(db, to="bob@fabrikam.example", subject="Eve\r\nBcc: victim@x.example invites you",
                text="t", base_url=BASE, now=utcnow())
        db.commit()
    assert _send(engine, smtp) == {"sent": 1}
    [msg] = smtp.messages
    assert msg["Bcc"] is None and msg["Subject"] == "Eve Bcc: victim@x.example invites you"


def test_a_crash_after_the_server_accepted_sends_one_duplicate_with_the_same_id(engine, smtp):
    """The worker delivered, then died before recording it: the stale claim is taken over
    and the message goes again, with the same Message-ID, exactly once more."""
    [mid] = _queue(engine)
    with Session(engine) as db:
        assert sender.claim_due(db, "crashed", utcnow()) == [mid]
        row = db.get(OutboxMessage, mid)
        from app.mail.smtp import send
        send(smtp.url, build_message(sender="no-reply@localhost", to=row.to_addr,
                                     subject=row.subject, text=row.body_text, html="",
                                     message_id=row.message_id))
    later = utcnow() + sender.STALE_CLAIM + timedelta(seconds=1)
    assert _send(engine, smtp, now=later) == {"sent": 1}
    assert _send(engine, smtp, now=later + sender.STALE_CLAIM * 2) == {}
    ids = [m["Message-ID"] for m in smtp.messages]
    assert len(ids) == 2 and ids[0] == ids[1] == _row(engine, mid).message_id


@pytest.fixture
def tls_smtp(tmp_path):
    cafile, context = self_signed(tmp_path)
    server = TestSMTPServer(tls=context, login=("mailer", "s3cret p@ss")).start()
    server.cafile = cafile
    yield server
    server.stop()


def _starttls_url(server, password="s3cret%20p%40ss", cafile=True):
    query = f"?cafile={server.cafile}" if cafile else ""
    return f"smtp+starttls://mailer:{password}@127.0.0.1:{server.port}{query}"


def test_starttls_and_login_deliver(engine, tls_smtp):
    [mid] = _queue(engine)
    sender.run_once(engine, worker="w1", smtp_url=_starttls_url(tls_smtp),
                    sender="no-reply@localhost", delivery_log=record_delivery, now_fn=utcnow)
    assert _row(engine, mid).status == "sent"
    assert tls_smtp.sessions == [{"tls": True, "login": "mailer"}]


def test_a_wrong_password_fails_at_once_with_the_servers_reason(engine, tls_smtp):
    [mid] = _queue(engine)
    sender.run_once(engine, worker="w1", smtp_url=_starttls_url(tls_smtp, password="wrong"),
                    sender="no-reply@localhost", delivery_log=record_delivery, now_fn=utcnow)
    row = _row(engine, mid)
    assert row.status == "failed" and row.last_error.startswith("535"), row.last_error
    assert tls_smtp.messages == []


def test_an_untrusted_certificate_is_not_sent_to_and_is_retried(engine, tls_smtp):
    [mid] = _queue(engine)
    sender.run_once(engine, worker="w1", smtp_url=_starttls_url(tls_smtp, cafile=False),
                    sender="no-reply@localhost", delivery_log=record_delivery, now_fn=utcnow)
    row = _row(engine, mid)
    assert row.status == "queued" and "CERTIFICATE_VERIFY_FAILED" in row.last_error
    assert tls_smtp.messages == []


def test_a_plain_connection_cannot_skip_starttls(engine, tls_smtp):
    [mid] = _queue(engine)
    sender.run_once(engine, worker="w1", smtp_url=f"smtp://127.0.0.1:{tls_smtp.port}",
                    sender="no-reply@localhost", delivery_log=record_delivery, now_fn=utcnow)
    row = _row(engine, mid)
    assert row.status == "failed" and "STARTTLS" in row.last_error


def test_a_poison_message_fails_once_and_does_not_block_the_ones_behind_it(engine, smtp,
                                                                          caplog):
    """Battery row 12: a stored message that cannot be built (here, a subject with a line
    break, as a row written before the check could hold) is marked failed at once; the
    messages queued after it go out in the same pass."""
    from sqlalchemy import update

    poison, *rest = _queue(engine, n=3)
    with Session(engine) as db:
        db.exec(update(OutboxMessage).where(OutboxMessage.id == poison)
                .values(subject="Hello\r\nBcc: everyone@example.com"))
        db.commit()
    assert _send(engine, smtp) == {"failed": 1, "sent": 2}
    row = _row(engine, poison)
    assert row.status == "failed" and row.last_error.startswith("Cannot be built")
    assert [m["Subject"] for m in smtp.messages] == ["Hello 1", "Hello 2"]
    assert _send(engine, smtp, now=utcnow() + timedelta(days=1)) == {}  # never again
    assert "cannot be built" in caplog.text


def test_a_message_that_always_fails_to_send_ends_failed(engine, smtp):
    """A message whose every attempt fails (the server always says "later") is tried
    MAX_ATTEMPTS times with growing delays, then marked failed: never forever."""
    [mid] = _queue(engine)
    now = utcnow()
    for attempt in range(1, sender.MAX_ATTEMPTS + 1):
        smtp.failures = ["451 4.3.0 try later"]
        expected = "failed" if attempt == sender.MAX_ATTEMPTS else "queued"
        assert _send(engine, smtp, now=now) == {expected: 1}
        now = _row(engine, mid).next_attempt_at + timedelta(seconds=1)
    assert _row(engine, mid).status == "failed"
    assert _send(engine, smtp, now=now + timedelta(days=30)) == {}


def test_a_message_whose_every_attempt_dies_with_its_worker_ends_failed(engine, smtp):
    """A claim taken over after its worker died counts that attempt: a message that
    kills its sender each time is given up after MAX_ATTEMPTS, not taken forever."""
    [mid] = _queue(engine)
    now = utcnow()
    with Session(engine) as db:
        assert sender.claim_due(db, "dies", now) == [mid]
        for _ in range(sender.MAX_ATTEMPTS):  # each worker takes it over, then dies too
            now += sender.STALE_CLAIM + timedelta(seconds=1)
            assert sender.claim_due(db, "dies", now) == [mid]
    assert _row(engine, mid).attempts == sender.MAX_ATTEMPTS
    assert _send(engine, smtp, now=now + sender.STALE_CLAIM * 2) == {"failed": 1}
    row = _row(engine, mid)
    assert row.status == "failed" and "never finished" in row.last_error
    assert smtp.messages == []
