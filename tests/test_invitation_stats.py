"""The Overview's charts: statuses per kind, time to accept and weeks, over what the viewer's
side sent in the window, and nothing of another organization's."""

from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import insert

from app.domain.errors import InvalidInput
from app.models import Invitation
from app.services.invitation_stats import duration_text, fare, week_start
from tests.helpers import user, viewer

# a Wednesday noon: the 30-day window starts on Monday Oct 26 at noon
NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
_seq = iter(range(10**6))


def sent(db, by: str, *, ago: timedelta, status: str = "pending", kind: str = "tenant",
         accepted_after: timedelta | None = None, declined: bool = False,
         expires_in: timedelta = timedelta(days=14)) -> None:
    """An invitation `by` sent `ago` before NOW, in `status`."""
    sender = user(db, by)
    created = NOW - ago
    n = next(_seq)
    db.exec(insert(Invitation).values(
        kind=kind, batch_id=f"b{n}", organization_id=sender.home_organization_id,
        invited_by_user_id=sender.id, recipient=f"r{n}@x.example", scope_key=f"s{n}",
        grants={}, status=status, token_hash=f"t{n}", expires_at=created + expires_in,
        created_at=created, sent_at=created,
        accepted_at=created + accepted_after if accepted_after else None,
        declined_at=created + timedelta(hours=1) if declined else None))


def test_statuses_per_kind_in_the_window(db, demo):
    day = timedelta(days=1)
    sent(db, "alice", ago=2 * day)
    sent(db, "alice", ago=2 * day, expires_in=day)                       # expired
    sent(db, "alice", ago=3 * day, status="accepted", accepted_after=timedelta(hours=2))
    sent(db, "alice", ago=4 * day, status="confirmed", accepted_after=timedelta(hours=4))
    sent(db, "alice", ago=5 * day, status="declined", declined=True)
    sent(db, "alice", ago=6 * day, status="revoked", kind="community_user")
    sent(db, "alice", ago=40 * day, status="confirmed")                  # before 30 days
    sent(db, "dave", ago=day, kind="parent_user")                        # another org
    db.commit()

    got = fare(db, viewer(db, "alice"), NOW, 30)
    assert got["total"] == 6
    tenant, user_kind = got["kinds"]
    assert tenant == {"kind": "Tenant", "pending": 1, "expired": 1, "accepted": 1,
                      "confirmed": 1, "declined": 1, "revoked": 0, "total": 5}
    assert user_kind["kind"] == "Community user" and user_kind["revoked"] == 1
    assert fare(db, viewer(db, "alice"), NOW, 90)["total"] == 7

    # dave (Contoso Retail) sees only his own; bob sent nothing; frank (a member of
    # alice's organization) sees only what he sent himself
    assert [k["kind"] for k in fare(db, viewer(db, "dave"), NOW, 30)["kinds"]] == [
        "Parent organization user"]
    nothing = fare(db, viewer(db, "bob"), NOW, 30)
    assert (nothing["total"], nothing["kinds"], nothing["timing"]) == (0, [], [])
    assert [w["sent"] for w in nothing["weeks"]] == [0] * 5
    assert fare(db, viewer(db, "frank"), NOW, 30)["total"] == 0


def test_time_to_accept_is_the_median_and_90th_percentile(db, demo):
    for hours in (1, 2, 3, 4, 5, 6, 7, 8, 9, 30):
        sent(db, "alice", ago=timedelta(days=3), status="confirmed",
             accepted_after=timedelta(hours=hours))
    sent(db, "alice", ago=timedelta(days=3), status="accepted", kind="community_user",
         accepted_after=timedelta(minutes=20))
    db.commit()
    tenant, user_kind = fare(db, viewer(db, "alice"), NOW, 30)["timing"]
    # nearest rank: the 5th and the 9th of ten
    assert tenant == {"kind": "Tenant", "accepted": 10, "median": 5.0, "p90": 9.0,
                      "median_text": "5 h", "p90_text": "9 h"}
    assert user_kind["median"] == user_kind["p90"] == pytest.approx(0.3)
    assert user_kind["median_text"] == "20 min"


def test_weeks_count_what_was_sent_and_what_of_it_was_answered(db, demo):
    sent(db, "alice", ago=timedelta(days=1), status="accepted",
         accepted_after=timedelta(hours=1))          # this week (from Mon Nov 23)
    sent(db, "alice", ago=timedelta(days=1))
    sent(db, "alice", ago=timedelta(days=8), status="declined", declined=True)  # Nov 17
    sent(db, "alice", ago=timedelta(days=29, hours=12))   # Tuesday Oct 27
    db.commit()
    weeks = fare(db, viewer(db, "alice"), NOW, 30)["weeks"]
    assert [w["week"] for w in weeks] == ["Oct 26", "Nov 2", "Nov 9", "Nov 16", "Nov 23"]
    assert [(w["sent"], w["answered"]) for w in weeks] == [(1, 0), (0, 0), (0, 0), (1, 1),
                                                           (2, 1)]


def test_only_30_or_90_days(db, demo):
    for days in (7, "abc", None, -30):
        with pytest.raises(InvalidInput):
            fare(db, viewer(db, "alice"), NOW, days)


def test_durations_and_weeks_read_well():
    assert [duration_text(h) for h in (0.01, 0.5, 1, 5.5, 47.9, 48, 80)] == [
        "1 min", "30 min", "1 h", "5.5 h", "47.9 h", "2 days", "3.3 days"]
    assert week_start(datetime(2026, 11, 29, 23, 59, tzinfo=UTC)) == datetime(2026, 11, 23, tzinfo=UTC)
    assert week_start(datetime(2026, 11, 23, tzinfo=UTC)) == datetime(2026, 11, 23, tzinfo=UTC)
