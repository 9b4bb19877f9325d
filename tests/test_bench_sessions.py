"""The session bench (bench/bench_sessions.py) times each event up to the update that ends
that handler's answer: checked here against what the app really sends a tab, in-process."""

import pytest
from sqlmodel import Session

from app import db as app_db
from app.models import utcnow
from app.services.auth import sign_in
from app.settings import get_settings
from bench.bench_sessions import (
    DETAILS_STATE,
    INVITATIONS_STATE,
    account,
    details_shown,
    rows_arrived,
    seed_accounts,
)
from bench.reflex_client import ROOT_STATE, hydrated, refusal
from tests.reflex_harness import Browser

PAGE = "/invitations"


@pytest.fixture
def signed_in(engine):
    """An administrator of an organization with two pages of invitations, signed in; the
    app's sessions point at the test database."""
    with Session(engine, expire_on_commit=False) as db:
        seed_accounts(db, users=2, per_org=2, invitations=70)
        alias, username = account(1, per_org=2)
        token = sign_in(db, secret_key=get_settings().secret_key, tenant=alias,
                        identifier=username, password="commons-demo", now=utcnow(),
                        hours=1).token_or_raise()
        db.commit()
    with pytest.MonkeyPatch.context() as patch:
        patch.setitem(app_db._engines, get_settings().database_url, engine)
        yield token


def ends_on_its_last_update(updates: list[dict], done) -> bool:
    """`done` names the last update of an answer, and no earlier one."""
    return bool(updates) and done(updates[-1]) and not any(done(u) for u in updates[:-1])


def test_each_wait_ends_on_the_last_update_of_its_event(signed_in):
    with Browser() as browser:
        tab = browser.tab(signed_in, PAGE)
        load = tab.send(f"{ROOT_STATE}.hydrate_and_load")
        assert ends_on_its_last_update(load.updates, hydrated)
        names = {n for u in load.updates for n in u.get("delta", {})
                 if n.endswith(INVITATIONS_STATE)}
        assert len(names) == 1
        state = names.pop()
        rows = [r for u in load.updates
                for r in u.get("delta", {}).get(state, {}).get("rows_rx_state_", [])]
        assert len(rows) == 50

        turn = tab.send(f"{state}.next_page")
        assert ends_on_its_last_update(turn.updates, rows_arrived(state))
        back = tab.send(f"{state}.previous_page")
        assert ends_on_its_last_update(back.updates, rows_arrived(state))
        pane = f"{state}.app___states___invitations{DETAILS_STATE}"
        shown = tab.send(f"{pane}.open_details", {"invitation_id": rows[3]["id"]})
        assert ends_on_its_last_update(shown.updates, details_shown)
        details = [u["delta"][pane]["details_rx_state_"] for u in shown.updates
                   if "details_rx_state_" in u.get("delta", {}).get(pane, {})]
        assert [d["id"] for d in details] == [rows[3]["id"]]
        # the pane's answer sends the pane only, not the page of rows beside it
        assert not any(state in u.get("delta", {}) for u in shown.updates)
        every = load.updates + turn.updates + back.updates + shown.updates
        assert not any(refusal(u) for u in every)

def test_a_refused_event_ends_the_wait_as_an_error(signed_in):
    with Browser() as browser:
        tab = browser.tab(signed_in, PAGE)
        load = tab.send(f"{ROOT_STATE}.hydrate_and_load")
        state = next(n for u in load.updates for n in u.get("delta", {})
                     if n.endswith(INVITATIONS_STATE))
        pane = f"{state}.app___states___invitations{DETAILS_STATE}"
        gone = tab.send(f"{pane}.open_details", {"invitation_id": 987654})
        assert refusal(gone.updates[-1]) == "error toast"

        signed_out = browser.tab(None, PAGE).send(f"{ROOT_STATE}.hydrate_and_load")
        assert any((refusal(u) or "").startswith("redirected to /signin")
                   for u in signed_out.updates)
