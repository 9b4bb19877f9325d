"""Everything a client sends has a stated bound: past it, a clear message and no change."""

import pytest
from sqlmodel import func, select

from app.api.guards import foreign_origin
from app.domain.errors import InvalidInput
from app.domain.limits import MAX_BATCH, check_count, check_length
from app.models import Invitation, OutboxMessage
from app.services import parent_invitations as pi
from tests.helpers import NOW, SECRET, viewer


def _count(db, model) -> int:
    return db.exec(select(func.count()).select_from(model)).one()


def test_limits_say_how_many_and_what():
    check_count(range(3), 3, "addresses")
    with pytest.raises(InvalidInput, match="At most 3 addresses at once; this has 4"):
        check_count(range(4), 3, "addresses")
    with pytest.raises(InvalidInput, match="too long"):
        check_length("x" * 11, 10, "name")


def test_more_usernames_than_a_batch_takes_writes_nothing(db, demo):
    names = [f"user{i}" for i in range(MAX_BATCH + 1)]
    before = (_count(db, Invitation), _count(db, OutboxMessage))
    with pytest.raises(InvalidInput, match=f"At most {MAX_BATCH:,} usernames"):
        pi.invite_parent_users(db, viewer(db, "dave"), names, [], now=NOW, secret_key=SECRET,
                               base_url="http://localhost:3000")
    db.rollback()
    assert (_count(db, Invitation), _count(db, OutboxMessage)) == before


def test_a_full_batch_of_usernames_gets_a_result_for_every_one(db, demo):
    names = ["alice"] + [f"nobody{i}" for i in range(MAX_BATCH - 1)]
    out = pi.invite_parent_users(db, viewer(db, "dave"), names, [], now=NOW, secret_key=SECRET,
                                 base_url="http://localhost:3000")
    assert len(out) == MAX_BATCH       # none dropped silently (it used to stop at 100)
    assert out[0] == {"username": "alice", "outcome": "invited"}


class _Request:
    def __init__(self, **headers):
        self.headers = {k.replace("_", "-").lower(): v for k, v in headers.items()}


@pytest.mark.parametrize("headers,foreign", [
    ({}, False),                                             # curl, scripts
    ({"origin": "http://localhost:3000"}, False),
    ({"origin": "http://127.0.0.1:3000"}, False),
    ({"origin": "https://evil.example"}, True),
    ({"origin": "null"}, True),
    ({"origin": "null", "sec_fetch_site": "cross-site"}, True),
    ({"origin": "null", "sec_fetch_site": "same-site"}, True),
    # a link page (Referrer-Policy: no-referrer) posting to its own origin
    ({"origin": "null", "sec_fetch_site": "same-origin"}, False),
    ({"origin": "http://localhost:3001"}, True),
    ({"sec_fetch_site": "cross-site"}, True),
    ({"sec_fetch_site": "same-origin", "origin": "http://localhost:3000"}, False),
])
def test_a_foreign_origin_is_recognised(headers, foreign):
    assert foreign_origin(_Request(**headers)) is foreign


def _invite_users(db, addresses):
    from app.models import Community, Role
    from app.services import user_invitations as ui
    from app.services.tenant_invitations import Mailer

    client_a = db.exec(select(Community.id).where(Community.name == "Client A")).one()
    member = db.exec(select(Role.id).where(Role.name == "Community Member")).one()
    return ui.invite_users(db, viewer(db, "alice"), addresses, [client_a], [member], now=NOW,
                           mailer=Mailer(SECRET, "http://localhost:3000", days=7))


def test_more_addresses_than_a_batch_takes_writes_nothing(db, demo):
    before = (_count(db, Invitation), _count(db, OutboxMessage))
    addresses = "\n".join(f"p{i}@client.example" for i in range(MAX_BATCH + 1))
    with pytest.raises(InvalidInput, match=f"At most {MAX_BATCH:,} addresses"):
        _invite_users(db, addresses)
    db.rollback()
    assert (_count(db, Invitation), _count(db, OutboxMessage)) == before


def test_a_batch_past_a_hundred_addresses_is_not_cut_short(db, demo):
    out = _invite_users(db, ", ".join(f"p{i}@client.example" for i in range(150)))
    assert len(out) == 150 and {r["outcome"] for r in out} == {"invited"}


def test_show_more_asks_for_one_page_more_but_never_past_what_exists_or_the_cap():
    from app.domain.limits import MAX_LIST_ROWS, more_rows

    assert more_rows(500, 600, 500) == 600           # all there is
    assert more_rows(1000, 600, 500) == 1000          # a client calling it in a loop
    assert more_rows(500, 100_000, 500) == 1000
    assert more_rows(MAX_LIST_ROWS, 100_000, 500) == MAX_LIST_ROWS
