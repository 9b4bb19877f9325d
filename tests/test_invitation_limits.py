"""Battery row 8: limits on invitations, per inviter per hour and per organization per
day, counted per address; past one, nothing is written or queued and the answer says when
to try again. The defaults let a 1,000-address batch through."""

from datetime import timedelta

import pytest
from sqlmodel import func, select

from app.domain.errors import InvalidInput, LimitReached
from app.models import Invitation, OutboxMessage
from app.services import invitation_limits
from app.services import parent_invitations as pi
from app.services import tenant_invitations as ti
from app.services import user_invitations as ui
from app.services.invitation_limits import Limits
from app.settings import get_settings
from tests.helpers import NOW, SECRET, viewer
from tests.test_battery_races import BASE, MAILER
from tests.test_user_invitations import community, role_id


@pytest.fixture
def limits(monkeypatch):
    """Small limits: 3 addresses per inviter per hour, 5 per organization per day."""
    monkeypatch.setattr(Limits, "configured", classmethod(lambda cls: cls(3, 5)))


def _users(db, who: str, addresses: list[str], now=NOW):
    return ui.invite_users(db, viewer(db, who), ", ".join(addresses),
                           [community(db, "Client A"), community(db, "Client B")],
                           [role_id(db, "Community Member")], now=now, mailer=MAILER)


def _count(db, model) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


def test_an_inviter_gets_so_many_addresses_an_hour_counted_per_address(db, demo, limits):
    _users(db, "alice", ["a1@x.example", "a2@x.example"])  # 2 addresses, 4 rows
    db.commit()
    before = (_count(db, Invitation), _count(db, OutboxMessage))
    with pytest.raises(LimitReached) as refused:
        _users(db, "alice", ["a3@x.example", "a4@x.example"], now=NOW + timedelta(minutes=20))
    db.rollback()
    assert refused.value.message == (
        "You have invited 2 addresses in the last hour, and 3 is the most in an hour: 2 more "
        "would pass it. Nothing was sent; try again in 40 minutes.")
    assert (_count(db, Invitation), _count(db, OutboxMessage)) == before  # nothing queued
    _users(db, "alice", ["a3@x.example"], now=NOW + timedelta(minutes=20))  # one fits
    db.commit()
    with pytest.raises(LimitReached, match="try again in 1 minute\\."):
        ti.invite_tenant(db, viewer(db, "alice"), community(db, "Wind Farm Analytics"),
                         "ops@tailspin.example", now=NOW + timedelta(minutes=59, seconds=30),
                         mailer=MAILER)
    db.rollback()
    # an hour after the first two, there is room again
    ti.invite_tenant(db, viewer(db, "alice"), community(db, "Wind Farm Analytics"),
                     "ops@tailspin.example", now=NOW + timedelta(hours=1, seconds=1),
                     mailer=MAILER)


def test_an_organization_gets_so_many_addresses_a_day(db, demo, limits):
    _users(db, "alice", ["a1@x.example", "a2@x.example", "a3@x.example"])
    _users(db, "alice", ["b1@x.example", "b2@x.example"], now=NOW + timedelta(hours=2))
    db.commit()
    with pytest.raises(LimitReached) as refused:  # within her hour, past the day's
        _users(db, "alice", ["b3@x.example"], now=NOW + timedelta(hours=2))
    db.rollback()
    assert refused.value.message.startswith("Your organization has invited 5 addresses in "
                                            "the last day, and 5 is the most in a day")
    assert refused.value.message.endswith("try again in 22 hours.")
    # another organization is not counted with this one
    pi.invite_parent_users(db, viewer(db, "dave"), ["frank"], [], now=NOW,
                           secret_key=SECRET, base_url=BASE)


def test_a_list_longer_than_a_limit_is_refused_whole(db, demo, limits):
    with pytest.raises(InvalidInput, match="At most 3 addresses can be invited in an hour"):
        _users(db, "alice", [f"c{i}@x.example" for i in range(4)])
    db.rollback()
    assert _count(db, Invitation) == 0


def test_the_defaults_let_a_thousand_addresses_through(db, demo):
    defaults = Limits(get_settings().invites_per_hour, get_settings().invites_per_day)
    assert defaults.per_hour >= 1000 and defaults.per_day >= 1000
    out = _users(db, "alice", [f"n{i}@bulk.example" for i in range(1000)])
    assert [r["outcome"] for r in out] == ["invited"] * 1000
    invitation_limits.check_room(db, viewer(db, "alice"), 1, NOW, defaults)  # room left
