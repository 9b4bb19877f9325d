"""One's own account: Change password (the current one asked; the other sessions end),
the list of one's sessions and Sign out other sessions."""

from datetime import timedelta

import pytest
from sqlmodel import select

from app.domain.errors import InvalidInput, NotSignedIn, SignInFailed, TooManyAttempts
from app.models import AuditEvent, AuthSession, PasswordReset, SignInFailure
from app.services import accounts, auth
from app.services import password_reset as pr
from app.services.demo import DEMO_PASSWORD
from tests.helpers import LATER, NOW, SECRET, user

NEW = "a-brand-new-password"
CHROME = ("Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) "
          "Chrome/124.0 Safari/537.36")
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:125.0) Gecko/20100101 Firefox/125.0"


def open_session(db, username="alice", tenant="contoso", password=DEMO_PASSWORD, at=NOW,
                 user_agent=CHROME, ip="10.0.0.1") -> str:
    """Sign in as the sign-in route does (committed); returns the cookie token."""
    attempt = auth.sign_in(db, secret_key=SECRET, tenant=tenant, identifier=username,
                           password=password, now=at, hours=12, ip=ip, user_agent=user_agent)
    db.commit()
    return attempt.token_or_raise()


def seen(db, token, at=LATER):
    return auth.viewer_for_token(db, secret_key=SECRET, token=token, now=at, ip="10.0.0.1")


def test_a_new_password_needs_the_current_one_and_signs_out_the_other_sessions(db, demo):
    here, there = open_session(db), open_session(db, user_agent=FIREFOX)
    refusal = accounts.change_password(db, seen(db, here), current=DEMO_PASSWORD, new=NEW,
                                       now=LATER)
    db.commit()
    assert refusal is None
    assert seen(db, here).username == "alice"  # this session stays
    with pytest.raises(NotSignedIn):
        seen(db, there)
    with pytest.raises(SignInFailed):
        open_session(db, at=LATER)
    assert seen(db, open_session(db, password=NEW, at=LATER)).username == "alice"
    event = db.exec(select(AuditEvent).where(AuditEvent.action == "user.password_changed")).one()
    assert event.details == {"other_sessions_ended": 1}
    assert event.actor_user_id == user(db, "alice").id


def test_a_wrong_current_password_changes_nothing_and_counts_as_a_failed_sign_in(db, demo):
    here, there = open_session(db), open_session(db)
    before = user(db, "alice").password_hash
    refusal = accounts.change_password(db, seen(db, here), current="not-my-password",
                                       new=NEW, now=LATER)
    db.commit()
    assert isinstance(refusal, InvalidInput) and refusal.message == accounts.WRONG_CURRENT
    assert user(db, "alice").password_hash == before
    assert seen(db, there).username == "alice"
    assert db.exec(select(SignInFailure.key)).all() == [f"user:{user(db, 'alice').id}"]


def test_guessing_the_current_password_from_an_open_session_is_throttled(db, demo):
    here = open_session(db)
    for _ in range(auth.MAX_FAILURES_PER_ACCOUNT):
        accounts.change_password(db, seen(db, here), current="a-guess-1", new=NEW, now=LATER)
        db.commit()
    refusal = accounts.change_password(db, seen(db, here), current=DEMO_PASSWORD, new=NEW,
                                       now=LATER)
    assert isinstance(refusal, TooManyAttempts)
    assert "wrong passwords" in refusal.message
    assert open_session(db, password=DEMO_PASSWORD, at=LATER, ip="10.9.9.9")  # not locked out


@pytest.mark.parametrize("new,words", [("short", "too short"), ("x" * 1001, "too long"),
                                       (DEMO_PASSWORD, "is the current one")])
def test_a_new_password_that_cannot_be_one_is_refused_before_anything_is_written(
        db, demo, new, words):
    here = open_session(db)
    with pytest.raises(InvalidInput, match=words):
        accounts.change_password(db, seen(db, here), current=DEMO_PASSWORD, new=new,
                                 now=LATER)
    assert db.exec(select(SignInFailure)).all() == []


def test_changing_the_password_ends_the_open_reset_links(db, demo):
    pr.request_password_reset(db, secret_key=SECRET, base_url="http://x", now=NOW,
                              email="alice@contoso.example")
    here = open_session(db)
    accounts.change_password(db, seen(db, here), current=DEMO_PASSWORD, new=NEW, now=LATER)
    db.commit()
    assert [r.used_at for r in db.exec(select(PasswordReset)).all()] == [LATER]


def test_the_session_list_shows_ones_own_live_sessions_this_one_first(db, demo):
    here = open_session(db, at=NOW - timedelta(hours=2))
    open_session(db, user_agent=FIREFOX, ip="2001:db8::7", at=NOW - timedelta(hours=1))
    open_session(db, "bob", "fabrikam")  # someone else's
    ended = open_session(db, at=NOW - timedelta(minutes=30))
    auth.sign_out(db, secret_key=SECRET, token=ended, now=NOW)
    open_session(db, at=NOW - timedelta(hours=13))  # expired by now
    db.commit()
    rows = accounts.list_sessions(db, seen(db, here, at=NOW), NOW)
    assert [(r["current"], r["client"], r["address"]) for r in rows] == [
        (True, "Chrome on Linux", "10.0.0.1"), (False, "Firefox on Windows", "2001:db8::7")]
    assert rows[1]["signed_in"] == (NOW - timedelta(hours=1)).strftime("%Y-%m-%d %H:%M UTC")


def test_sign_out_other_sessions_ends_every_other_one_and_keeps_this_one(db, demo):
    here, others = open_session(db), [open_session(db) for _ in range(2)]
    bobs = open_session(db, "bob", "fabrikam")
    assert accounts.sign_out_other_sessions(db, seen(db, here), now=LATER) == 2
    db.commit()
    assert seen(db, here).username == "alice" and seen(db, bobs).username == "bob"
    for token in others:
        with pytest.raises(NotSignedIn):
            seen(db, token)
    assert accounts.sign_out_other_sessions(db, seen(db, here), now=LATER) == 0
    events = db.exec(select(AuditEvent).where(AuditEvent.action == "session.sign_out_others")).all()
    assert [e.details for e in events] == [{"sessions_ended": 2}]


def test_a_session_notes_when_it_was_last_seen_at_most_every_few_minutes(db, demo):
    token = open_session(db)
    seen(db, token, at=NOW + timedelta(minutes=2))
    db.commit()
    row = db.exec(select(AuthSession)).one()
    assert row.last_seen_at == NOW
    seen(db, token, at=NOW + auth.SEEN_EVERY + timedelta(seconds=1))
    db.commit()
    db.refresh(row)
    assert row.last_seen_at == NOW + auth.SEEN_EVERY + timedelta(seconds=1)


def test_the_browser_name_is_short_and_never_empty():
    assert accounts._client(CHROME) == "Chrome on Linux"
    assert accounts._client(FIREFOX) == "Firefox on Windows"
    assert accounts._client("pytest harness") == "pytest harness"
    assert accounts._client(None) == "Unknown"

