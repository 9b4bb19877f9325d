"""Figure 3 of `make bench`: an administrator who may see every one of 100,000 stored
invitations filters the Invitations page and opens a details pane, beside the bare event.

alice's organization sent all of them (tenant invitations into Wind Farm Analytics of every
status, over the last 13 days). In her open Invitations page she alternates the status
filters (Pending, Accepted, Confirmed): click to the button showing the new filter, which comes
in the same update as the rows and counts; then opens the first row's details: click to
the pane. Timed inside the page; one worker, SQLite (the default deployment).

Figure 14 in the same world: the Overview opens (a full load, to its needs and to its
charts) beside the Invitations page (a full load, to its rows), alternately.

    .venv/bin/python bench/bench_actions.py [--invitations 100000] [--rounds 40] [--short]
"""

import argparse
import json
import os
import random
import sys
import tempfile
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
SECRET = "bench-secret-key-0123456789abcdef"
os.environ["COMMONS_SECRET_KEY"] = SECRET
os.environ.setdefault("COMMONS_DATA_DIR", tempfile.mkdtemp(prefix="commons-bench-"))

from playwright.sync_api import expect  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from app.db import make_engine  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from app.models import Community, Invitation, User, utcnow  # noqa: E402
from app.services.demo import seed_demo  # noqa: E402
from bench.bench_live import bare_events  # noqa: E402
from bench.browser import chromium, signed_in_context, signed_in_page, time_click  # noqa: E402
from bench.report import Row, p50_p95, write_rows  # noqa: E402
from tests.app_process import app_port, start_app, stop_app  # noqa: E402

STATUSES = ["pending"] * 6 + ["accepted", "confirmed", "declined", "revoked"]


def seed(url: str, invitations: int) -> None:
    """The demo data and `invitations` tenant invitations from alice's organization."""
    rng, now = random.Random(13), utcnow()
    engine = make_engine(url)
    upgrade(url)
    with Session(engine) as db:
        seed_demo(db, now)
        alice = db.exec(select(User).where(User.username == "alice")).one()
        wind = db.exec(select(Community.id).where(Community.name == "Wind Farm Analytics")).one()
        rows = []
        for i in range(invitations):
            sent = now - timedelta(minutes=rng.randint(0, 60 * 24 * 13))
            rows.append({
                "kind": "tenant", "batch_id": uuid.uuid4().hex,
                "organization_id": alice.home_organization_id, "invited_by_user_id": alice.id,
                "recipient": f"admin{i:06d}@partner{i % 997}.example",
                "scope_key": f"community:{wind}", "community_id": wind, "grants": {},
                "status": rng.choice(STATUSES), "token_hash": uuid.uuid4().hex,
                "expires_at": sent + timedelta(days=14), "created_at": sent, "sent_at": sent})
            if len(rows) == 5000:
                db.exec(insert(Invitation), params=rows)
                rows = []
        if rows:
            db.exec(insert(Invitation), params=rows)
        db.commit()
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("ANALYZE"))
    engine.dispose()


def actions(page, rounds: int) -> tuple[list[float], list[float]]:
    """`rounds` filter changes and as many details panes opened, in milliseconds."""
    filters, opened = [], []
    cycle = ["Show pending", "Show accepted", "Show confirmed"]
    for i in range(rounds + 3):  # the first few warm up the page
        label = cycle[i % len(cycle)]
        selector = f'button[aria-label="{label}"]'
        filters.append(time_click(page, selector, f"document.querySelector('{selector}')"
                                                  ".getAttribute('aria-pressed') === 'true'"))
        details = page.locator('table button[aria-label^="Details of the invitation to"]').first
        recipient = details.get_attribute("aria-label").rsplit(" ", 1)[1]
        opened.append(time_click(
            page, f'table button[aria-label="Details of the invitation to {recipient}"]',
            "document.getElementById('invitation-details')?.textContent"
            f".includes('{recipient}') === true"))
        page.locator("#invitation-details [data-pane-close]").click()
        expect(page.locator("#invitation-details")).to_have_count(0)
    return filters[3:], opened[3:]


# In a page, from its first byte: the moment (ms since navigation start) each named test
# first holds after a DOM change. Read `window.__opened`.
OPENED = """(tests) => {
  window.__opened = {};
  const check = () => {
    for (const [name, test] of Object.entries(tests)) {
      if (!(name in window.__opened) && new Function('return (' + test + ')')()) {
        window.__opened[name] = performance.now();
      }
    }
  };
  new MutationObserver(check).observe(document, {subtree: true, childList: true,
                                                 characterData: true, attributes: true});
}"""
INVITATIONS_SHOWN = {"rows": "document.querySelector("
                             "'table button[aria-label^=\"Details of the invitation to\"]')"}
OVERVIEW_SHOWN = {"needs": "document.querySelector('[data-need]') !== null",
                  "charts": "document.querySelector('[data-chart=\"status\"] table') !== null"}


def page_opens(browser, base: str, rounds: int) -> dict[str, list[float]]:
    """The Invitations page and the Overview opened alternately, `rounds` each, each time in
    a new tab of a new signed-in context (so nothing of an earlier visit is shown first):
    milliseconds from navigation start to the first rows, and to the needs and the charts
    (a page's own data, read after it connects, as a person opening it waits for it)."""
    times: dict[str, list[float]] = {}
    for i in range(rounds + 1):  # the first warms up each page
        for path, shown in (("/invitations", INVITATIONS_SHOWN), ("/", OVERVIEW_SHOWN)):
            context = signed_in_context(browser, base, "contoso", "alice", path=path)
            page = context.new_page()
            page.add_init_script(f"({OPENED})({json.dumps(shown)})")
            page.goto(base + path)
            page.wait_for_function(f"Object.keys(window.__opened || {{}}).length === {len(shown)}",
                                   timeout=30_000)
            if i:
                for name, at in page.evaluate("window.__opened").items():
                    times.setdefault(name, []).append(at)
            context.close()
    return times


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invitations", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=40)
    parser.add_argument("--short", action="store_true")
    parser.add_argument("--json")
    args = parser.parse_args()
    if args.short:
        args.invitations, args.rounds = 1000, 5
    data = Path(tempfile.mkdtemp(prefix="commons-bench-actions-"))
    url = f"sqlite:///{data / 'actions.db'}"
    seed(url, args.invitations)
    port = app_port()
    base = f"http://localhost:{port}"
    env = {**os.environ, "COMMONS_PORT": str(port), "COMMONS_DATA_DIR": str(data),
           "COMMONS_DATABASE_URL": url, "COMMONS_BASE_URL": base, "COMMONS_SECRET_KEY": SECRET,
           "COMMONS_DEMO": "0", "GRANIAN_WORKERS": "1", "COMMONS_BENCH_PING": "1"}
    env.pop("REDIS_URL", None)
    proc = start_app(env, data / "app.log", base)
    try:
        with chromium() as browser:
            bare = bare_events(browser, base, args.rounds)
            page = signed_in_page(browser, base, "contoso", "alice", path="/invitations")
            expect(page.locator('table button[aria-label^="Details of the invitation to"]').first
                   ).to_be_visible()
            filters, opened = actions(page, args.rounds)
            opens = page_opens(browser, base, max(3, args.rounds // 4))
    finally:
        stop_app(proc)
    size = f"{args.invitations:,}"
    b50, b95 = p50_p95(bare)
    rows = [Row(f"3 bare event beside the actions ({len(bare)} rounds)",
                f"{b50:.1f} / {b95:.1f} ms", "baseline")]
    for what, samples in (("filter the Invitations page", filters),
                          ("open a details pane", opened)):
        p50, p95 = p50_p95(samples)
        rows.append(Row(f"3 action at {size} visible: {what}, p50 / p95",
                        f"{p50:.1f} / {p95:.1f} ms", "p50 < 25 ms, p95 < 50 ms",
                        p50 < 25 and p95 < 50))
    r50, r95 = p50_p95(opens["rows"])
    rows.append(Row(f"14 Invitations page opens at {size} (full load to its rows), p50 / p95",
                    f"{r50:.0f} / {r95:.0f} ms", "baseline"))
    for what, name in (("its needs", "needs"), ("its charts", "charts")):
        p50, p95 = p50_p95(opens[name])
        rows.append(Row(f"14 Overview opens at {size} (full load to {what}), p50 / p95",
                        f"{p50:.0f} / {p95:.0f} ms", "p50 < 2x the Invitations page",
                        p50 < 2 * r50))
    write_rows(args.json, rows)


if __name__ == "__main__":
    main()
