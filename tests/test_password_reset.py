"""Forgot password: an emailed link through the outbox, single use, 30 minutes, the same
answer whether or not the address has an account, throttled per address and per client."""

import re
from datetime import timedelta

import pytest
from sqlalchemy import text, update
from sqlmodel import Session, select

from app.domain.errors import InvalidInput, NotSignedIn, SignInFailed, TooManyAttempts
from app.mail.links import opened
from app.models import AuditEvent, OutboxMessage, PasswordReset, ResetRequest
from app.services import password_reset as pr
from tests.helpers import NOW, SECRET, user
from tests.test_accounts import NEW, open_session, seen

BASE = "http://localhost:3000"
ALICE = "alice@contoso.example"
SOON = NOW + timedelta(minutes=5)


def ask(db, email=ALICE, at=NOW, ip="10.0.0.1") -> None:
    pr.request_password_reset(db, secret_key=SECRET, base_url=BASE, email=email, now=at,
                              ip=ip)
    db.commit()


def mails(db, to=ALICE) -> list[OutboxMessage]:
    return db.exec(select(OutboxMessage).where(OutboxMessage.to_addr == to)
                   .order_by(OutboxMessage.id)).all()


def link_token(message: OutboxMessage) -> str:
    return re.search(rf"{BASE}/reset/(\S+)", opened(message)[0]).group(1)


def reset(db, token, password=NEW, at=SOON) -> str:
    alias = pr.reset_password(db, secret_key=SECRET, token=token, new_password=password,
                              now=at, ip="10.0.0.2")
    db.commit()
    return alias


def test_a_known_address_gets_a_link_that_the_outbox_keeps_sealed(db, demo, engine):
    ask(db)
    [message] = mails(db)
    token = link_token(message)
    assert message.subject == "Choose a new Commons password"
    assert (NOW + pr.LINK_LIFETIME).strftime("%H:%M UTC") in message.body_text
    with engine.connect() as conn:
        stored = " ".join(map(str, conn.execute(
            text("SELECT * FROM outboxmessage WHERE id = :id"), {"id": message.id}).one()))
    assert token not in stored and "[sealed link 0]" in stored
    assert db.exec(select(PasswordReset.token_hash)).one() != token
    assert pr.reset_view(db, SECRET, token, SOON) == {"email": ALICE}


@pytest.mark.parametrize("email", ["nobody@contoso.example", "FRANK@contoso.example"])
def test_the_answer_is_the_same_whether_or_not_the_address_has_an_active_account(
        db, demo, email):
    frank = user(db, "frank")
    frank.is_active = False
    db.commit()
    assert pr.request_password_reset(db, secret_key=SECRET, base_url=BASE, email=email,
                                     now=NOW, ip="10.0.0.1") is None
    db.commit()
    assert db.exec(select(OutboxMessage)).all() == []
    assert db.exec(select(PasswordReset)).all() == []
    assert len(db.exec(select(ResetRequest)).all()) == 1  # counted all the same


def test_a_malformed_address_is_refused_for_what_it_is(db, demo):
    with pytest.raises(InvalidInput, match="not a valid email address"):
        ask(db, email="alice-at-contoso")


def test_the_link_sets_the_password_once_and_ends_every_session(db, demo):
    sessions = [open_session(db), open_session(db)]
    ask(db)
    token = link_token(mails(db)[0])
    assert reset(db, token) == "contoso"
    for session in sessions:
        with pytest.raises(NotSignedIn):
            seen(db, session, at=SOON)
    with pytest.raises(SignInFailed):
        open_session(db, at=SOON)
    assert open_session(db, password=NEW, at=SOON)
    with pytest.raises(InvalidInput, match="already been used"):
        reset(db, token, password="yet-another-password")
    with pytest.raises(InvalidInput, match="already been used"):
        pr.reset_view(db, SECRET, token, SOON)
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "user.password_reset")).one()
    assert event.details == {"sessions_ended": 2} and event.ip == "10.0.0.2"


def test_the_link_lasts_30_minutes(db, demo):
    ask(db)
    token = link_token(mails(db)[0])
    with pytest.raises(InvalidInput, match="expired"):
        reset(db, token, at=NOW + pr.LINK_LIFETIME)
    assert reset(db, token, at=NOW + pr.LINK_LIFETIME - timedelta(seconds=1)) == "contoso"


def test_a_forged_or_empty_token_opens_nothing(db, demo):
    ask(db)
    for token in ("", link_token(mails(db)[0])[:-1] + "x"):
        with pytest.raises(InvalidInput):
            pr.reset_view(db, SECRET, token, SOON)


def test_using_one_link_ends_the_others(db, demo):
    ask(db)
    ask(db, at=NOW + timedelta(minutes=1))
    first, second = (link_token(m) for m in mails(db))
    reset(db, second)
    with pytest.raises(InvalidInput, match="already been used"):
        reset(db, first, password="yet-another-password")


def test_a_short_password_is_refused_and_the_link_still_works(db, demo):
    ask(db)
    token = link_token(mails(db)[0])
    with pytest.raises(InvalidInput, match="too short"):
        reset(db, token, password="short")
    db.rollback()
    assert reset(db, token) == "contoso"


def test_two_people_using_one_link_at_once_set_one_password(db, demo, engine, monkeypatch):
    """The link is spent by a conditional update: whoever comes second is refused, even
    when both read it as unused."""
    ask(db)
    token = link_token(mails(db)[0])
    hash_first = pr.hash_password

    def someone_else_uses_it_meanwhile(password):
        with Session(engine) as other:
            other.exec(update(PasswordReset).values(used_at=SOON))
            other.commit()
        return hash_first(password)

    monkeypatch.setattr(pr, "hash_password", someone_else_uses_it_meanwhile)
    with pytest.raises(InvalidInput, match="already been used"):
        pr.reset_password(db, secret_key=SECRET, token=token, new_password=NEW, now=SOON)
    db.rollback()
    assert open_session(db, at=SOON)  # the password did not change


def test_an_address_gets_a_few_mails_then_silently_no_more(db, demo):
    for minute in range(pr.MAILS_PER_ADDRESS + 2):
        ask(db, at=NOW + timedelta(minutes=minute), ip=f"10.0.0.{minute}")
    assert len(mails(db)) == pr.MAILS_PER_ADDRESS
    ask(db, at=NOW + pr.REQUEST_WINDOW + timedelta(minutes=5))
    assert len(mails(db)) == pr.MAILS_PER_ADDRESS + 1


def test_a_client_asking_too_often_is_told_to_wait_whatever_the_addresses(db, demo):
    for n in range(pr.REQUESTS_PER_CLIENT):
        ask(db, email=f"someone{n}@example.com")
    with pytest.raises(TooManyAttempts, match="Wait 15 minutes"):
        ask(db)
    ask(db, ip="10.0.0.99")  # another client
    ask(db, at=NOW + pr.REQUEST_WINDOW + timedelta(seconds=1))  # later
    assert len(mails(db)) == 2


def test_old_requests_are_forgotten(db, demo):
    ask(db, email="someone@example.com")
    ask(db, email="other@example.com", at=NOW + pr.REQUEST_WINDOW + timedelta(seconds=1))
    assert len(db.exec(select(ResetRequest)).all()) == 1


def test_no_audit_event_holds_the_link(db, demo):
    ask(db)
    token = link_token(mails(db)[0])
    reset(db, token)
    events = db.exec(select(AuditEvent)).all()
    assert {"user.password_reset_requested", "user.password_reset"} <= {e.action for e in events}
    assert all(token not in str(e.details) for e in events)
