"""API tokens (issue 16): from the avatar menu, Dave makes a token for a script, copies it
the one time it is shown, sees it listed with its scope and expiry, and revokes it; the
token shown is the one that works, and stops working once revoked."""

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect
from sqlmodel import Session

from app.db import make_engine
from app.domain.errors import NotSignedIn
from app.services.api_tokens import viewer_for_api_token
from tests.e2e.conftest import assert_accessible, one_worker_only
from tests.e2e.test_shell_journey import sign_in

pytestmark = [pytest.mark.e2e, one_worker_only]
SECRET = "e2e-secret-key-0123456789abcdef"  # the live app's (tests/e2e/conftest.py)


def acts_as(live_app, token: str) -> str:
    """Whom `token` acts as in the live app's database (raises when it does not work)."""
    engine = make_engine(f"sqlite:///{live_app.log.parent / 'e2e.db'}")
    try:
        with Session(engine) as db:
            viewer = viewer_for_api_token(db, secret_key=SECRET, token=token,
                                          now=datetime.now(UTC), write=True)
            db.commit()
            return f"{viewer.username}@{viewer.org_alias}"
    finally:
        engine.dispose()


def test_dave_makes_copies_and_revokes_a_token(browser, live_app):
    base = live_app.url
    dave = browser.new_context().new_page()
    sign_in(dave, base, "contoso-retail", "dave")
    expect(dave.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    dave.get_by_role("button", name="Account menu").click()
    dave.get_by_role("menuitem", name="API tokens").click()
    expect(dave.get_by_role("heading", name="API tokens", exact=True)).to_be_visible()
    expect(dave.get_by_text("You have no API tokens yet.")).to_be_visible()
    assert_accessible(dave, "API tokens, none yet")

    dave.get_by_label("Name").fill("   ")  # only spaces: said plainly, nothing made
    dave.get_by_role("button", name="Create token").click()
    expect(dave.get_by_role("alert")).to_contain_text("Give the token a name")

    dave.get_by_label("Name").fill("Nightly invitation sync")
    dave.get_by_label("What it may do").click()
    dave.get_by_role("option", name="Read and write").click()
    dave.get_by_role("button", name="Create token").click()
    shown = dave.locator("#new-api-token")
    expect(shown).to_have_text(re.compile(r"^cmn_\S{40,}$"))
    token = shown.inner_text()
    expect(dave.get_by_text("It is shown only this once")).to_be_visible()
    row = dave.get_by_role("row", name=re.compile("Nightly invitation sync"))
    expect(row).to_contain_text("…" + token[-4:])
    expect(row).to_contain_text("Read and write")
    expect(row).to_contain_text("Active")
    assert_accessible(dave, "API tokens, one just made")
    assert acts_as(live_app, token) == "dave@contoso-retail"

    dave.get_by_role("button", name="I have copied it").click()
    expect(shown).to_have_count(0)
    dave.reload()  # never shown again
    expect(row).to_contain_text("Active")
    expect(dave.get_by_text(token)).to_have_count(0)

    row.get_by_role("button", name="Revoke the token Nightly invitation sync").click()
    dave.get_by_role("alertdialog").get_by_role("button", name="Revoke token").click()
    expect(dave.get_by_text("Token Nightly invitation sync revoked")).to_be_visible()
    expect(row).to_contain_text("Revoked")
    expect(row.get_by_role("button", name=re.compile("Revoke"))).to_have_count(0)
    with pytest.raises(NotSignedIn):
        acts_as(live_app, token)

