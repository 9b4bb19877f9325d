"""Rows 10 and 11 of the battery, with the whole app: two workers on PostgreSQL (behind a
loopback TCP proxy the test can cut) and a Redis of the test's own, two administrators of
one organization in Chromium, each page possibly on another worker.

- Row 10: the database goes away. An invitation sent meanwhile is refused with a clear
  message and nothing is written; a page that re-reads says the same; once the database
  is back the same click works, and the other administrator's page hears of it.
- Row 11: Redis restarts empty (Reflex's state, its socket records and who follows what
  are gone). The tabs reconnect and re-read by themselves; an invitation sent after the
  restart is sent once and the other page hears of it; one sent while Redis was away is
  never done twice. The app may log ERROR lines only about Redis being away, only then.
"""

import re

import pytest
from playwright.sync_api import expect
from sqlmodel import Session, func, select

from app.backend_errors import STATE_STORE_GONE
from app.db import make_engine
from app.models import Invitation
from bench.bench_load import seed
from bench.bench_sessions import App
from bench.browser import chromium, signed_in_page
from soak.conftest import PrivateRedis, database_url
from tests.test_battery_database import Proxy

GONE = "The database could not be reached, so nothing was changed"
expect.set_options(timeout=15_000)


class Deployment:
    def __init__(self):
        self.url = database_url()
        self.world = seed(self.url)
        self.engine = make_engine(self.url)
        plain = make_engine(self.url).url
        self.proxy = Proxy(plain.port or 5432)
        through = plain.set(host="127.0.0.1", port=self.proxy.port)
        self.redis = PrivateRedis().start()
        self.app = App(through.render_as_string(hide_password=False),
                       {"REDIS_URL": self.redis.url, "GRANIAN_WORKERS": "2"})

    def invitations_to(self, address: str) -> int:
        with Session(self.engine) as db:
            return db.exec(select(func.count()).select_from(Invitation).where(
                Invitation.recipient == address)).one()

    def log_offset(self) -> int:
        return self.app.log.stat().st_size

    def errors_since(self, offset: int) -> list[str]:
        """Each ERROR line and each traceback whole (so a failure shows what went wrong)."""
        with self.app.log.open(errors="replace") as f:
            f.seek(offset)
            lines = f.read().splitlines()
        found, i = [], 0
        while i < len(lines):
            if "Traceback (most recent call last)" in lines[i]:
                end = i + 1
                while end < len(lines) and (lines[end][:1] in (" ", "\t") or not lines[end]):
                    end += 1
                found.append("\n".join(lines[i:end + 1]))
                i = end + 1
            elif re.search(r"\bERROR\b", lines[i]):
                found.append(lines[i])
                i += 1
            else:
                i += 1
        return found

    def close(self):
        self.proxy.close()
        self.redis.stop()
        self.engine.dispose()


@pytest.fixture(scope="module")
def deployment():
    d = Deployment()
    try:
        with d.app:
            yield d
    finally:
        d.close()


@pytest.fixture(scope="module")
def browser():
    with chromium() as b:
        yield b


def admins(browser, d: Deployment):
    """Administrator 0 of the first organization on their community's page, and three
    other administrators of the same organization on the Invitations page (with four
    listening tabs, some sit on the other worker whichever way connections fall)."""
    first = d.world.admins[0]
    a = signed_in_page(browser, d.app.origin, first.tenant, first.username,
                       path=f"/communities/{first.community_id}")
    expect(a.get_by_role("button", name="Invite Tenant")).to_be_visible()
    others = []
    for other in d.world.admins[1:4]:
        page = signed_in_page(browser, d.app.origin, other.tenant, other.username,
                              path="/invitations")
        expect(page.get_by_role("heading", name="Invitations", exact=True)).to_be_visible()
        others.append(page)
    return a, others


def invite(page, address: str) -> None:
    page.get_by_role("button", name="Invite Tenant").click()
    page.get_by_label("Email address of the tenant administrator").fill(address)
    page.get_by_role("button", name="Invite", exact=True).click()


def sent(a, others, address: str) -> None:
    """`a` invites `address`, is told it is sent, and every other page hears of it."""
    invite(a, address)
    expect(a.get_by_text(f"Invitation sent to {address}")).to_be_visible()
    all_hear(others, address)


def all_hear(pages, address: str) -> None:
    for page in pages:
        expect(page.get_by_text(f"sent an invitation ({address})")).to_be_visible()
        expect(page.get_by_role("row", name=re.compile(re.escape(address)))).to_be_visible()


def close(*pages) -> None:
    for page in pages:
        page.context.close()


def test_a_database_outage_refuses_plainly_writes_nothing_and_passes(deployment, browser):
    d, start = deployment, deployment.log_offset()
    a, others = admins(browser, d)
    sent(a, others, "it@tenant0.example")

    d.proxy.down()
    invite(a, "it@tenant1.example")
    expect(a.get_by_role("alert")).to_contain_text(GONE)
    others[0].locator('button[aria-label="Show pending"]').click()
    expect(others[0].get_by_text(GONE)).to_be_visible()
    assert d.invitations_to("it@tenant1.example") == 0

    d.proxy.up()
    a.get_by_role("button", name="Invite", exact=True).click()  # the same click, again
    expect(a.get_by_text("Invitation sent to it@tenant1.example")).to_be_visible()
    all_hear(others, "it@tenant1.example")
    assert d.invitations_to("it@tenant1.example") == 1
    errors = d.errors_since(start)
    assert not errors, "\n\n".join(errors)
    close(a, *others)


def test_a_redis_restart_loses_no_action_and_does_none_twice(deployment, browser):
    d, start = deployment, deployment.log_offset()
    a, others = admins(browser, d)
    sent(a, others, "it@tenant2.example")

    a.get_by_role("button", name="Invite Tenant").click()
    a.get_by_label("Email address of the tenant administrator").fill("it@tenant3.example")
    d.redis.stop()
    a.get_by_role("button", name="Invite", exact=True).click()  # while Redis is away
    expect(a.get_by_text(STATE_STORE_GONE)).to_be_visible()
    d.redis.start()
    assert d.invitations_to("it@tenant3.example") == 0  # not done, and the person knows
    # The tabs reconnect and load their pages again (the dialog closes: what it held was
    # in the state Redis lost); inviting again works, once. Each other tab shows it, heard
    # or loaded (a tab that reconnects just after the invitation loads it instead of
    # hearing of it); from then on every tab hears each invitation.
    expect(a.get_by_role("dialog")).to_have_count(0)
    invite(a, "it@tenant3.example")
    expect(a.get_by_text("Invitation sent to it@tenant3.example")).to_be_visible()
    for page in others:
        expect(page.get_by_role("row", name=re.compile("it@tenant3"))).to_be_visible()
    sent(a, others, "it@tenant4.example")
    assert d.invitations_to("it@tenant3.example") == 1
    assert d.invitations_to("it@tenant4.example") == 1
    errors = d.errors_since(start)
    assert not errors, "\n\n".join(errors)
    close(a, *others)
