"""The HTTP API in the running app (issue 16): a script holding a token invites a tenant, and
the tab open on the community shows it without a reload, on one worker and across three;
a cookie does not authenticate the API."""

import json
import re
import urllib.error
import urllib.request
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, select

from app.db import make_engine
from app.models import Community, User
from app.services.api_tokens import WRITE, create_token
from app.services.auth import viewer_for_user
from tests.e2e.test_api_tokens import SECRET
from tests.e2e.test_shell_journey import sign_in

pytestmark = pytest.mark.e2e


def test_a_script_invites_through_the_api_and_the_open_tab_shows_it(browser, live_app):
    """The API calls the same core and tells the same pages: Alice's open Invitations tab
    gets the row, with a toast, without a reload."""
    base = live_app.url
    engine = make_engine(f"sqlite:///{live_app.log.parent / 'e2e.db'}")
    with Session(engine) as db:  # a token Alice made on her API tokens page earlier
        alice_user = db.exec(select(User).where(User.username == "alice")).one()
        who = viewer_for_user(db, alice_user, alice_user.home_organization_id)
        token = create_token(db, who, "Sync", WRITE, "30", now=datetime.now(UTC),
                             secret_key=SECRET).token
        wind = db.exec(select(Community.id).where(
            Community.name == "Wind Farm Analytics")).one()
        db.commit()
    engine.dispose()

    alice = browser.new_context().new_page()
    sign_in(alice, base, "contoso", "alice", next_path=f"/communities/{wind}")
    alice.get_by_role("tab", name="Invitations").click()
    expect(alice.get_by_role("table")).to_be_visible()

    request = urllib.request.Request(
        f"{base}/api/v1/communities/{wind}/tenant-invitations", method="POST",
        data=json.dumps({"email": "script@api.example"}).encode(),
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=30) as reply:
        assert reply.status == 201
        made = json.loads(reply.read())
    assert made["recipient"] == "script@api.example"
    expect(alice.get_by_role("row", name=re.compile("script@api.example"))).to_be_visible()
    expect(alice.get_by_text("sent an invitation (script@api.example)")).to_be_visible()

    # the same API refuses a cookie: only a token authenticates it
    cookies = "; ".join(f"{c['name']}={c['value']}" for c in alice.context.cookies())
    refused = urllib.request.Request(f"{base}/api/v1/communities",
                                     headers={"Cookie": cookies})
    try:
        urllib.request.urlopen(refused, timeout=30)
        raise AssertionError("the API answered a cookie")
    except urllib.error.HTTPError as err:
        assert err.code == 401
        assert err.headers["Content-Type"] == "application/problem+json"
