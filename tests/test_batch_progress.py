"""A batch of up to 1,000 invitations reports its progress while it runs and returns a
result for every address; the dialog says how many were entered and sums the results up."""

import json

from sqlmodel import func, select

from app.domain.limits import MAX_BATCH
from app.models import Invitation
from app.services import parent_invitations as pi
from app.services import user_invitations as ui
from app.states.batch_invite import Ticks, count_note, summary
from app.states.managed import ManagedState
from tests.helpers import NOW, SECRET, viewer
from tests.matrix_fixtures import targets, world  # noqa: F401  (fixture)
from tests.reflex_harness import Browser, full_name
from tests.test_parent_invitations import BASE, east  # noqa: F401  (fixture)
from tests.test_user_invitations import MAILER, community, role_id


def test_inviting_1000_addresses_reports_progress_and_returns_every_result(db, demo):
    # every tenth address is a real one: the rest are refused cheaply, one by one
    addresses = [f"guest{i}@client.example" if i % 10 == 0 else f"not-an-address-{i}"
                 for i in range(MAX_BATCH)]
    ticks = []
    out = ui.invite_users(db, viewer(db, "alice"), "\n".join(addresses),
                          [community(db, "Client A")], [role_id(db, "Community Member")],
                          now=NOW, mailer=MAILER, progress=lambda d, t: ticks.append((d, t)))
    db.commit()
    assert [r["address"] for r in out] == addresses
    assert [r["outcome"] for r in out] == [
        "invited" if i % 10 == 0 else "invalid address" for i in range(MAX_BATCH)]
    assert ticks[0] == (0, MAX_BATCH) and ticks[-1] == (MAX_BATCH, MAX_BATCH)
    assert [d for d, _ in ticks] == sorted(d for d, _ in ticks)
    assert len(ticks) == MAX_BATCH // 25 + 1
    assert db.exec(select(func.count()).select_from(Invitation)
                   .where(Invitation.recipient.like("guest%@client.example"))).one() == MAX_BATCH // 10


def test_a_batch_of_usernames_reports_progress_to_the_end(db, east):  # noqa: F811
    names = ["rita"] + [f"nobody{i}" for i in range(MAX_BATCH - 1)]
    ticks = []
    out = pi.invite_parent_users(db, viewer(db, "erin"), names, [], now=NOW,
                                 secret_key=SECRET, base_url=BASE,
                                 progress=lambda d, t: ticks.append((d, t)))
    assert len(out) == MAX_BATCH and out[0] == {"username": "rita", "outcome": "invited"}
    assert ticks[0] == (0, MAX_BATCH) and ticks[-1] == (MAX_BATCH, MAX_BATCH)


def test_without_a_progress_callback_nothing_changes(db, demo):
    out = ui.invite_users(db, viewer(db, "alice"), "one@client.example, not-an-address",
                          [community(db, "Client A")], [role_id(db, "Community Member")],
                          now=NOW, mailer=MAILER)
    assert out == [{"address": "one@client.example", "outcome": "invited"},
                   {"address": "not-an-address", "outcome": "invalid address"}]


def test_the_summary_counts_each_outcome_in_order():
    results = [{"outcome": o} for o in ("invited", "invited", "already invited",
                                        "invalid address", "invited")]
    assert summary(results) == "3 invited · 1 already invited · 1 invalid address"


def test_the_count_says_how_many_and_warns_past_the_limit():
    assert count_note(1, "address", "addresses") == "1 address"
    assert count_note(3, "address", "addresses") == "3 addresses"
    assert count_note(MAX_BATCH, "address", "addresses") == "1,000 addresses"
    warning = count_note(1_204, "address", "addresses")
    assert "at most 1,000" in warning and "Remove 204" in warning


def test_the_progress_line_reads_what_the_worker_left():
    ticks = Ticks()
    assert ticks.say() == "Checking…"
    ticks.set(299, 1_000)
    assert ticks.say() == "Checking 300 of 1,000…"
    ticks.set(1_000, 1_000)
    assert ticks.say() == "Checked 1,000; saving the invitations…"


def test_the_dialog_shows_progress_then_a_summary_of_every_result(world):  # noqa: F811
    """Driven through Reflex's own event processing: the background event says where it
    is while it runs, then leaves one result per address and a summary line."""
    aim = targets(world, "other-org")
    with Browser() as browser:
        tab = browser.tab(world.cookies["alice"], "/managed")
        send = lambda h, payload=None: tab.send(full_name(ManagedState, h), payload)  # noqa: E731
        send("load")
        send("open_invite", {"value": True})
        send("set_addresses", {"value": "new.person@client.example\nnot-an-address"})
        send("pick_community", {"community_id": aim.managed_community, "on": True})
        send("pick_role", {"role_id": aim.role, "on": True})
        got = send("validate")
        state = tab.state(ManagedState)
    world.rebuild()
    said = [u for u in got.updates if "progress" in json.dumps(u)]
    assert said, "the tab was told the batch is being checked"
    assert state.results == [
        {"who": "new.person@client.example", "outcome": "invited"},
        {"who": "not-an-address", "outcome": "invalid address"}]
    assert state.summary == "1 invited · 1 invalid address"
    assert not state.inviting and state.progress == "" and state.invite_error == ""
    assert state.address_count == "2 addresses"
