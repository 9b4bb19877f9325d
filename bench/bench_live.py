"""Figures 1 and 2 of `make bench`: a bare Reflex event, and a live update between tabs.

1 bare event: a click on the bench page's Ping button until its counter shows the new
  count (a minimal Reflex round trip: no database, no session, a one-line page).
2 live update: an invited tenant administrator clicks **Join** on the link page; alice's
  open Invitations page (filtered to that recipient) shows "Invitation Accepted". Timed
  from the click in the invitee's tab to the change in alice's, on one browser clock.

Both run on one worker with SQLite, and on two workers over Redis with PostgreSQL (when
COMMONS_TEST_DATABASE_URL names a database, which is wiped).

    .venv/bin/python bench/bench_live.py [--handshakes 50] [--short] [--json out.json]
"""

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
SECRET = "bench-secret-key-0123456789abcdef"
# The links sealed into the outbox here must open in the app: one secret for both.
os.environ["COMMONS_SECRET_KEY"] = SECRET
os.environ.setdefault("COMMONS_DATA_DIR", tempfile.mkdtemp(prefix="commons-bench-"))

from playwright.sync_api import expect  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from app.models import Community, User, utcnow  # noqa: E402
from app.services.auth import open_session, viewer_for_user  # noqa: E402
from app.services.demo import DEMO_PASSWORD, seed_demo  # noqa: E402
from app.services.invitation_lifecycle import Mailer  # noqa: E402
from app.services.orgs import create_organization, create_user, make_tenant_admin  # noqa: E402
from app.services.passwords import hash_password  # noqa: E402
from app.services.tenant_invitations import invite_tenant  # noqa: E402
from app.settings import SESSION_COOKIE  # noqa: E402
from bench.browser import (  # noqa: E402
    chromium,
    clicked_at,
    seen,
    signed_in_page,
    stamp_click,
    time_click,
    watch,
)
from bench.report import Row, p50_p95, write_rows  # noqa: E402
from bench.worlds import fresh_database  # noqa: E402
from tests.app_process import app_port, start_app, stop_app  # noqa: E402
from tests.smtp_server import TestSMTPServer  # noqa: E402

REDIS = os.environ.get("COMMONS_BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")


WARM_UP = 2  # handshakes that warm up the pages and are not counted
READING_MS = 250  # an invitee's page is open this long before the Join


def address(i: int) -> str:
    return f"admin{i}@bench{i}.example"


def seed(url: str, base: str, handshakes: int) -> list[str]:
    """The demo data, `handshakes` more tenants (one administrator each) and a tenant
    invitation from alice to each, into an empty database. Returns each administrator's
    session token: they are signed in already (figure 2 times the Join, not a sign-in;
    each sign-in would hash a password, and each new browser context would load the app's
    scripts again)."""
    engine = fresh_database(url)
    now, tokens = utcnow(), []
    with Session(engine, expire_on_commit=False) as db:
        seed_demo(db, now)
        password = hash_password(DEMO_PASSWORD)
        for i in range(handshakes):
            org = create_organization(db, f"Bench Tenant {i}", f"bench{i}", now=now)
            admin = create_user(db, org, email=address(i), username=f"admin{i}",
                                display_name=f"Admin {i}", password_hash=password,
                                now=now)
            make_tenant_admin(db, org, admin)
            tokens.append(open_session(db, secret_key=SECRET, user_id=admin.id,
                                       organization_id=org.id, now=now, hours=12))
        alice = db.exec(select(User).where(User.username == "alice")).one()
        viewer = viewer_for_user(db, alice, alice.home_organization_id)
        wind = db.exec(select(Community.id).where(Community.name == "Wind Farm Analytics")).one()
        for i in range(handshakes):
            invite_tenant(db, viewer, wind, address(i), now=now,
                          mailer=Mailer(SECRET, base, 14))
        db.commit()
    engine.dispose()
    return tokens


def link_for(smtp: TestSMTPServer, recipient: str, timeout: float = 60) -> str:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for msg in smtp.to(recipient):
            links = [u for u in smtp.links(msg) if "/invite/" in u]
            if links:
                return links[-1]
        time.sleep(0.3)
    raise RuntimeError(f"no invitation mail for {recipient}")


def bare_events(browser, base: str, rounds: int) -> list[float]:
    """A minimal Reflex round trip (the app's bench page: a button and a counter, no
    database, no session): click to the new count in the page."""
    page = browser.new_context().new_page()
    page.goto(f"{base}/bench-ping")
    expect(page.locator("#pings")).to_have_text("0")
    samples = []
    for i in range(rounds + 3):  # the first few warm up the page
        samples.append(time_click(page, "#ping", "document.getElementById('pings')"
                                                 f".textContent === '{i + 1}'"))
    page.context.close()
    return samples[3:]


def live_updates(browser, base: str, smtp: TestSMTPServer, tokens: list[str]) -> list[float]:
    """Each invitee, signed in already (`tokens`), opens their link in a new tab of one
    browser context and clicks Join."""
    alice = signed_in_page(browser, base, "contoso", "alice", path="/invitations")
    search = alice.get_by_label("Recipient starts with")
    expect(search).to_be_visible()
    invitees = browser.new_context(viewport={"width": 1280, "height": 900})
    samples = []
    for i, token in enumerate(tokens):
        recipient = address(i)
        link = link_for(smtp, recipient)
        invitees.clear_cookies()
        invitees.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": base}])
        search.fill(recipient)  # Alice's tab filters while the invitee's page loads
        invitee = invitees.new_page()
        invitee.goto(link)
        join = invitee.get_by_role("button", name="Join")
        expect(join).to_be_enabled()
        row = alice.get_by_role("row", name=recipient)
        expect(row).to_have_count(1)
        expect(row).to_contain_text("Invitation Pending")
        watch(alice, "[...document.querySelectorAll('tr')].some(r => r.textContent.includes("
                     f"'{recipient}') && r.textContent.includes('Invitation Accepted'))")
        # a person reads the page before clicking: its own loading is over (the Join
        # does not queue behind the page's last load events, which is not what 2 times)
        invitee.wait_for_timeout(READING_MS)
        stamp_click(invitee, "button")
        join.click()
        samples.append(seen(alice) - clicked_at(invitee))
        expect(invitee.get_by_text("Awaiting confirmation")).to_be_visible()
        invitee.close()
    invitees.close()
    alice.context.close()
    return samples[WARM_UP:]


def run_mode(name: str, env_extra: dict, database_url: str, handshakes: int, rounds: int,
             target: tuple[str, float]) -> list[Row]:
    port = app_port()
    base = f"http://localhost:{port}"
    data = Path(tempfile.mkdtemp(prefix="commons-bench-live-"))
    tokens = seed(database_url, base, handshakes + WARM_UP)
    smtp = TestSMTPServer().start()
    env = {**os.environ, "COMMONS_PORT": str(port), "COMMONS_DATA_DIR": str(data),
           "COMMONS_DATABASE_URL": database_url, "COMMONS_SMTP_URL": smtp.url,
           "COMMONS_BASE_URL": base, "COMMONS_SECRET_KEY": SECRET, "COMMONS_DEMO": "0",
           "GRANIAN_WORKERS": "1", "COMMONS_BENCH_PING": "1", **env_extra}
    env.pop("REDIS_URL", None) if "REDIS_URL" not in env_extra else None
    proc = start_app(env, data / "app.log", base)
    try:
        with chromium() as browser:
            bare = bare_events(browser, base, rounds)
            live = live_updates(browser, base, smtp, tokens)
    finally:
        stop_app(proc)
        smtp.stop()
    b50, b95 = p50_p95(bare)
    l50, l95 = p50_p95(live)
    label, limit = target
    return [Row(f"1 bare event, {name}: p50 / p95 ({len(bare)} rounds)",
                f"{b50:.1f} / {b95:.1f} ms", "baseline"),
            Row(f"2 live update, {name}: p50 / p95 ({len(live)} handshakes)",
                f"{l50:.1f} / {l95:.1f} ms", label, l95 < limit)]


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--handshakes", type=int, default=50)
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--short", action="store_true")
    parser.add_argument("--json")
    parser.add_argument("--one-worker-only", action="store_true")
    args = parser.parse_args()
    if args.short:
        args.handshakes, args.rounds = 5, 10
    data = Path(tempfile.mkdtemp(prefix="commons-bench-live-db-"))
    rows = run_mode("1 worker, SQLite", {}, f"sqlite:///{data / 'live.db'}", args.handshakes,
                    args.rounds, ("p95 < 100 ms", 100))
    write_rows(args.json, rows)
    pg = os.environ.get("COMMONS_TEST_DATABASE_URL")
    if pg and not args.short and not args.one_worker_only:
        import redis

        redis.Redis.from_url(REDIS).flushdb()
        rows = run_mode("2 workers, PostgreSQL + Redis",
                        {"REDIS_URL": REDIS, "GRANIAN_WORKERS": "2"}, pg, args.handshakes,
                        args.rounds, ("p95 < 200 ms", 200))
        write_rows(args.json, rows)


if __name__ == "__main__":
    main()
