"""Figures 6 and 7 of `make bench`: many signed-in sessions, and a burst of sign-ins.

Each simulated session is a browser tab without the browser (`bench/reflex_client.py`):
it signs in over HTTP (POST /auth/signin, its own account), opens the Invitations page
over a websocket (the hydrate and on_load events a page load sends, with the session
cookie and a matching Origin), then once a second alternates a page turn (Next, back
with Previous at the last page) and opening the details pane of a row of its page. An
event's round trip runs from its emit to the update that ends that handler's answer.

6 many sessions: sessions are added in steps (`--levels`, 50, 100, 200, 300, 400);
  each step acts for `--window` seconds and is held when its p95 < 300 ms with no
  errors; the ramp stops at the first step not held. First (full mode, or --baseline)
  the same ramp from 100 sessions pressing the bare event's Ping on one worker: what
  Reflex alone holds here. Printed: the most sustained; one
  session alone (the baseline, measured before the ramp); the backend's memory per
  session (RSS of the app's process tree at the largest held step minus before any
  session, divided by the sessions); the generator's own CPU (its CPU seconds / wall
  seconds while sessions act); errors (failed sign-ins or connects, refusals, timeouts,
  ERROR lines in the app log). One worker on SQLite; with `--workers-redis` (on by
  default in full mode) also two workers on PostgreSQL (COMMONS_TEST_DATABASE_URL,
  wiped) and Redis (COMMONS_BENCH_REDIS_URL, flushed), with the state stored in Redis per
  session.
7 sign-in burst (one worker): 100 sessions act; their p95 over `--burst-window`
  seconds, then while 20 right sign-ins run at once, again and again (as
  tests/e2e/test_signin_burst.py does in a browser).

The accounts: the demo data plus organizations of `--per-org` tenant administrators
(10), each organization with 300 invitations (six pages of 50) its administrators see.
The tabs of one organization's administrators follow one live topic, so how many share
an organization matters (one worker: see `--per-org`). `--profile DIR` profiles the
workers' event loops during the measured windows and prints where their time went.

Starts the app itself: run it under the lock of the browser tests,

    flock /tmp/e2e.lock .venv/bin/python bench/bench_sessions.py [--short] [--json out.json]
"""

import argparse
import asyncio
import math
import os
import random
import re
import sys
import tempfile
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field, replace
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
SECRET = "bench-secret-key-0123456789abcdef"
os.environ.setdefault("COMMONS_DATA_DIR", tempfile.mkdtemp(prefix="commons-bench-"))

import aiohttp  # noqa: E402
import psutil  # noqa: E402
import socketio  # noqa: E402
from sqlalchemy import insert, text  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from app.db import make_engine  # noqa: E402
from app.domain.permissions import TENANT_ADMIN  # noqa: E402
from app.migrate import upgrade  # noqa: E402
from app.models import Invitation, User, utcnow  # noqa: E402
from app.services.auth import open_session, viewer_for_user  # noqa: E402
from app.services.communities import create_community  # noqa: E402
from app.services.demo import DEMO_PASSWORD, seed_demo  # noqa: E402
from app.services.orgs import create_organization, create_user  # noqa: E402
from app.services.passwords import hash_password  # noqa: E402
from app.settings import SESSION_COOKIE  # noqa: E402
from bench.reflex_client import ReflexError, ReflexTab, sign_in  # noqa: E402
from bench.report import Row, percentile, write_rows  # noqa: E402
from tests.app_process import app_port, start_app, stop_app  # noqa: E402
from tests.smtp_server import TestSMTPServer  # noqa: E402

REDIS = os.environ.get("COMMONS_BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
PAGE = "/invitations"
USERS_PER_ORG = 10
INVITATIONS_PER_ORG = 300
STATUSES = ["pending"] * 7 + ["declined", "revoked"]
P95_LIMIT = 300.0
JOIN_LIMIT = 90.0  # seconds a step may take to sign in and open its new sessions
MIB = 1024 * 1024
ERROR_LINE = re.compile(r"\bERROR\b|Traceback \(most recent call last\)")
STARTED = time.monotonic()


def say(line: str) -> None:
    print(f"[{time.monotonic() - STARTED:4.0f} s] {line}", flush=True)


# --- the data ----------------------------------------------------------------------------

def account(i: int, per_org: int) -> tuple[str, str]:
    """Session `i`'s (organization alias, username)."""
    return f"load{i // per_org}", f"load{i // per_org}u{i % per_org}"


def seed(url: str, users: int, per_org: int) -> dict[str, str]:
    """`seed_accounts` into an empty database (a PostgreSQL one is wiped first), with
    the demo data, and the statistics a running database would have. Returns each
    account's session cookie (`signed_in_already`)."""
    engine = make_engine(url)
    if url.startswith("postgresql"):
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(url)
    with Session(engine, expire_on_commit=False) as db:
        seed_demo(db, utcnow())
        seed_accounts(db, users, per_org)
        cookies = signed_in_already(db, users, per_org)
        db.commit()
    # what autovacuum (PostgreSQL) or a periodic ANALYZE would have done by now
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if url.startswith("postgresql") else "ANALYZE"))
    engine.dispose()
    return cookies


def signed_in_already(db: Session, users: int, per_org: int) -> dict[str, str]:
    """A session for each of the `users` accounts, as a sign-in opens it, and its Cookie
    header value by username. Figure 6 measures sessions acting, not signing in (figure 7
    does): a ramp to 400 sessions would otherwise spend minutes hashing 400 passwords, on
    CPU the acting sessions leave idle (app/services/passwords.py)."""
    now, cookies = utcnow(), {}
    names = [account(i, per_org)[1] for i in range(users)]
    for user in db.exec(select(User).where(User.username.in_(names))).all():
        token = open_session(db, secret_key=SECRET, user_id=user.id,
                             organization_id=user.home_organization_id, now=now, hours=12)
        cookies[user.username] = f"{SESSION_COOKIE}={token}"
    return cookies


def seed_accounts(db: Session, users: int, per_org: int,
                  invitations: int = INVITATIONS_PER_ORG) -> None:
    """Organizations of `per_org` tenant administrators (`users` accounts in all, named
    by `account`, password DEMO_PASSWORD), each organization with `invitations`
    invitations its administrators see, sent over the last six days."""
    now, rng = utcnow(), random.Random(13)
    password = hash_password(DEMO_PASSWORD)
    for o in range(math.ceil(users / per_org)):
        org = create_organization(db, f"Load Org {o}", f"load{o}", now=now)
        admins = [create_user(db, org, email=f"user{u}@load{o}.example",
                              username=f"load{o}u{u}", display_name=f"Load {o} User {u}",
                              password_hash=password, role=TENANT_ADMIN, now=now)
                  for u in range(per_org)]
        community = create_community(db, viewer_for_user(db, admins[0], org.id),
                                     f"Load Community {o}", now=now)
        rows = []
        for k in range(invitations):
            created = now - timedelta(minutes=rng.randint(0, 60 * 24 * 6))
            status = rng.choice(STATUSES)
            rows.append({
                "kind": "tenant", "batch_id": uuid.uuid4().hex,
                "organization_id": org.id,
                "invited_by_user_id": admins[k % per_org].id,
                "recipient": f"partner{k:04d}@tenant{o}.example",
                "scope_key": f"community:{community.id}", "community_id": community.id,
                "grants": {}, "status": status, "token_hash": uuid.uuid4().hex,
                "expires_at": created + timedelta(days=14), "created_at": created,
                "sent_at": created,
                "declined_at": created + timedelta(hours=1) if status == "declined" else None,
                "revoked_at": created + timedelta(hours=2) if status == "revoked" else None})
        db.exec(insert(Invitation), params=rows)


# --- the sessions ------------------------------------------------------------------------

@dataclass
class Record:
    """Every round trip (emit time, kind, ms) and every error (time, what)."""

    samples: list[tuple[float, str, float]] = field(default_factory=list)
    errors: list[tuple[float, str]] = field(default_factory=list)

    def error(self, what: str) -> None:
        self.errors.append((time.monotonic(), what))

    def window(self, start: float, end: float, kind: str | None = None) -> list[float]:
        return [ms for t, k, ms in self.samples
                if start <= t < end and (kind is None or k == kind)]

    def errors_in(self, start: float, end: float) -> list[str]:
        return [what for t, what in self.errors if start <= t < end]


INVITATIONS_STATE = "____invitations_state"  # how the page state's full name ends
DETAILS_STATE = "____invitation_details"      # and its details pane's


def rows_arrived(state_name: str):
    """The end of a page turn's answer: the update with the page's rows (a handler that
    changes rows sends them once, last)."""
    return lambda update: "rows_rx_state_" in (update.get("delta") or {}).get(state_name, {})


def details_shown(update: dict) -> bool:
    """The end of `open_details`'s answer: after the delta with the details, the update
    with the frontend event that scrolls to them."""
    return bool(update.get("events"))


class LoadSession:
    """One signed-in tab on the Invitations page acting once a second."""

    def __init__(self, tab: ReflexTab, name: str):
        self.tab, self.name = tab, name
        self.state_name = self.details_name = ""
        self.forward = True
        self.task: asyncio.Task | None = None
        self.emitted: float | None = None  # when the event now waiting was emitted

    def _vars(self) -> dict:
        return self.tab.state[self.state_name]

    async def open(self) -> float:
        ms = await self.tab.connect()
        self.state_name, invitations = self.tab.substate(INVITATIONS_STATE)
        self.details_name, _ = self.tab.substate(DETAILS_STATE)
        if not invitations.get("rows_rx_state_"):
            raise ReflexError(f"{self.name} sees no invitations")
        return ms

    async def turn_page(self) -> float:
        """Next page; at the last one, back with Previous to the first, and so on."""
        v = self._vars()
        if self.forward and not v.get("next_cursor_rx_state_"):
            self.forward = False
        elif not self.forward and not v.get("cursors_rx_state_"):
            self.forward = True
        handler = "next_page" if self.forward else "previous_page"
        return await self.tab.call(f"{self.state_name}.{handler}",
                                   done=rows_arrived(self.state_name))

    async def open_details(self, rng: random.Random) -> float:
        """The details pane of a row of this page: the delta, then the scroll to it."""
        row = rng.choice(self._vars()["rows_rx_state_"])
        return await self.tab.call(f"{self.details_name}.open_details",
                                   {"invitation_id": row["id"]}, done=details_shown)

    async def act(self, record: Record, period: float = 1.0) -> None:
        """Alternate a page turn and a details pane once every `period` seconds until
        cancelled or an error ends this session."""
        rng = random.Random(self.name)
        loop = asyncio.get_running_loop()
        await asyncio.sleep(rng.random() * period)
        due, turn = loop.time(), 0
        while True:
            kind = "page" if turn % 2 == 0 else "details"
            emitted = self.emitted = time.monotonic()
            try:
                ms = await (self.turn_page() if kind == "page" else self.open_details(rng))
            except (ReflexError, OSError, aiohttp.ClientError,
                    socketio.exceptions.SocketIOError) as err:
                record.error(f"{self.name} {kind}: {type(err).__name__}: {err}")
                return
            record.samples.append((emitted, kind, ms))
            self.emitted = None
            turn += 1
            due = max(due + period, loop.time())  # late: the next one goes now, no burst
            await asyncio.sleep(due - loop.time())

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
        await self.tab.close()


class PingSession(LoadSession):
    """The baseline: one tab on the bare-event page (`/bench-ping`: one counter, no
    database, no session) pressing Ping once a second, what Reflex itself sustains here."""

    PATH = "/bench-ping"

    async def open(self) -> float:
        ms = await self.tab.connect()
        self.state_name, _ = self.tab.substate("ping_state")
        return ms

    async def _ping(self) -> float:
        return await self.tab.call(f"{self.state_name}.ping",
                                   done=lambda u: self.state_name in (u.get("delta") or {}))

    async def turn_page(self) -> float:
        return await self._ping()

    async def open_details(self, rng: random.Random) -> float:
        return await self._ping()


class Crowd:
    """The sessions acting on one app, added and removed in steps."""

    def __init__(self, base: str, origin: str, record: Record, per_org: int, accounts: int,
                 cookies: dict[str, str] | None = None):
        self.base, self.origin, self.record = base, origin, record
        self.cookies = cookies or {}  # signed in already, by username (else they sign in)
        self.per_org, self.accounts = per_org, accounts
        self.sessions: list[LoadSession] = []
        self.next_account = 0
        self.joins: list[tuple[float, float]] = []  # (sign-in ms, page load ms) each
        self.closed_unsolicited: Counter = Counter()
        self.period = 1.0  # seconds between a session's events
        self.http: aiohttp.ClientSession | None = None
        self.kind = LoadSession  # PingSession: the bare-event baseline

    async def __aenter__(self):
        self.http = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
        return self

    async def __aexit__(self, *exc):
        await self.shrink(0)
        await self.http.close()

    @property
    def alive(self) -> list[LoadSession]:
        return [s for s in self.sessions if s.task is not None and not s.task.done()]

    async def _join(self) -> None:
        i = self.next_account
        self.next_account += 1
        alias, username = account(i % self.accounts, self.per_org)
        try:
            started = time.perf_counter()
            cookie = self.cookies.get(username) or await sign_in(
                self.http, self.base, self.origin, alias, username, DEMO_PASSWORD, PAGE)
            signed_in = (time.perf_counter() - started) * 1000
            path = getattr(self.kind, "PATH", PAGE)
            session = self.kind(ReflexTab(self.base, self.origin, cookie, path), username)
            self.sessions.append(session)
            self.joins.append((signed_in, await session.open()))
        except Exception as err:  # noqa: BLE001 - any failure to join is an error to count
            self.record.error(f"{username} join: {type(err).__name__}: {err}")
            return
        session.task = asyncio.create_task(session.act(self.record, self.period))

    async def grow(self, count: int, at_once: int = 6) -> None:
        """Sign in and open sessions until `count` act (`at_once` joining at a time)."""
        gate = asyncio.Semaphore(at_once)

        async def one():
            async with gate:
                await self._join()

        await asyncio.gather(*(one() for _ in range(count - len(self.alive))))

    async def shrink(self, count: int) -> None:
        """Close sessions until `count` are left."""
        extra, self.sessions = self.sessions[count:], self.sessions[:count]
        for s in extra:
            self.closed_unsolicited.update(s.tab.unsolicited)
        await asyncio.gather(*(s.close() for s in extra), return_exceptions=True)

    def unsolicited(self) -> Counter:
        """Updates that came while no event of their tab waited, by what they carried."""
        total = Counter(self.closed_unsolicited)
        for s in self.sessions:
            total.update(s.tab.unsolicited)
        return total


# --- measuring ---------------------------------------------------------------------------

def tree_rss(pid: int) -> int:
    """Resident memory of the process `pid` and all its descendants, in bytes."""
    root = psutil.Process(pid)
    total = 0
    for p in [root, *root.children(recursive=True)]:
        try:
            total += p.memory_info().rss
        except psutil.NoSuchProcess:
            pass
    return total


def redis_state(url: str) -> tuple[int, dict[str, tuple[int, int]]]:
    """Bytes of every key in the Redis db, and (count, bytes) per state class."""
    import redis

    client = redis.Redis.from_url(url)
    total, per_state = 0, {}
    for key in client.scan_iter(count=1000):
        size = client.memory_usage(key) or 0
        total += size
        name = key.decode(errors="replace")
        kind = name.split("_", 1)[1] if re.match(r"^[0-9a-f-]{36}_", name) else "other"
        count, size_sum = per_state.get(kind, (0, 0))
        per_state[kind] = (count + 1, size_sum + size)
    return total, per_state


@dataclass
class Step:
    sessions: int
    p50: float
    p95: float
    samples: int
    errors: list[str]
    rss: int
    page_p95: float
    details_p95: float

    @property
    def held(self) -> bool:
        return self.p95 < P95_LIMIT and not self.errors and self.samples > 0


class App:
    """The app on a free port with `env_extra`, its log, and its ERROR lines."""

    def __init__(self, database_url: str, env_extra: dict, profile: Path | None = None):
        self.port = app_port()
        self.base = f"http://127.0.0.1:{self.port}"
        self.origin = f"http://localhost:{self.port}"
        self.data = Path(tempfile.mkdtemp(prefix="commons-bench-sessions-"))
        self.log = self.data / "app.log"
        self.smtp = TestSMTPServer().start()
        self.env = {**os.environ, "COMMONS_PORT": str(self.port),
                    "COMMONS_DATA_DIR": str(self.data), "COMMONS_DATABASE_URL": database_url,
                    "COMMONS_SMTP_URL": self.smtp.url, "COMMONS_BASE_URL": self.origin,
                    "COMMONS_SECRET_KEY": SECRET, "COMMONS_DEMO": "0",
                    "GRANIAN_WORKERS": "1", "COMMONS_BENCH_PING": "1", **env_extra}
        if "REDIS_URL" not in env_extra:
            self.env.pop("REDIS_URL", None)
        self.profile = profile
        if profile is not None:
            self.env.update(profile_env(profile))
        self.proc = None

    def __enter__(self):
        started = time.monotonic()
        self.proc = start_app(self.env, self.log, self.base)
        say(f"  app up in {time.monotonic() - started:.0f} s (log {self.log})")
        return self

    def __exit__(self, *exc):
        try:
            stop_app(self.proc)
        finally:
            self.smtp.stop()

    def sampling(self, label: str | None) -> None:
        """Profile the workers' event loops as window `label` from now (None: stop), with
        --profile."""
        if self.profile is not None:
            flag = self.profile / "on"
            flag.write_text(label) if label else flag.unlink(missing_ok=True)

    def log_errors(self) -> list[str]:
        with self.log.open(errors="replace") as f:
            return [line.rstrip() for line in f if ERROR_LINE.search(line)]


async def hold(crowd: Crowd, app: App, sessions: int, window: float, settle: float) -> Step:
    """Grow to `sessions`, let them settle, then measure `window` seconds of acting."""
    errors_before = len(app.log_errors())
    joined, joins = time.monotonic(), len(crowd.joins)
    try:
        await asyncio.wait_for(crowd.grow(sessions), JOIN_LIMIT)
    except TimeoutError:
        crowd.record.error(f"only {len(crowd.alive)} of {sessions} sessions had joined "
                           f"after {JOIN_LIMIT:.0f} s")
    new = crowd.joins[joins:]
    say(f"  {len(crowd.alive)} sessions acting ({time.monotonic() - joined:.0f} s to join; "
        f"sign-in p50 {percentile([a for a, _ in new], 0.5):.0f} ms, page load p50 "
        f"{percentile([b for _, b in new], 0.5):.0f} ms)")
    # sessions signed in already join within seconds, their pages' loads still draining
    # as they act: measure once the p95 is steady (or after `settle` s at most)
    await settled(crowd.record, step=2, longest=settle, slack=20)
    start = time.monotonic()
    app.sampling("ramp")
    await asyncio.sleep(window)
    app.sampling(None)
    end = time.monotonic()
    # what was emitted in the window and is still waiting counts when it lands (or fails)
    deadline = end + 11  # a call gives up after 10 s
    while time.monotonic() < deadline and any(
            s.emitted is not None and s.emitted < end for s in crowd.alive):
        await asyncio.sleep(0.05)
    samples = crowd.record.window(start, end)
    errors = crowd.record.errors_in(joined, time.monotonic())
    errors += [f"app log: {line}" for line in app.log_errors()[errors_before:]]
    rss = tree_rss(app.proc.pid)
    return Step(sessions, percentile(samples, 0.5), percentile(samples, 0.95), len(samples),
                errors, rss, percentile(crowd.record.window(start, end, "page"), 0.95),
                percentile(crowd.record.window(start, end, "details"), 0.95))


@dataclass
class Plan:
    levels: list[int]
    window: float               # seconds each step is measured
    per_org: int                # sessions' accounts per organization (they follow its topic)
    burst: tuple[int, float] | None  # figure 7: (sessions, seconds before and during)
    short: bool
    profile: Path | None = None  # profile the workers' event loops into this folder
    baseline: bool = False  # sessions press the bare event's Ping instead

    @property
    def accounts(self) -> int:
        """One account per session (one more session, as a step starts, reuses one)."""
        return max(self.levels + [self.burst[0] if self.burst else 0])


async def ramp(app: App, plan: Plan, redis_url: str | None,
               cookies: dict[str, str] | None = None) -> tuple[list[Step], dict]:
    """Steps up the plan's levels until one is not held; then figure 7 on the same app
    (when planned). Returns the steps and the other measurements."""
    record = Record()
    out: dict = {}
    async with Crowd(app.base, app.origin, record, plan.per_org, plan.accounts,
                     cookies) as crowd:
        crowd.kind = PingSession if plan.baseline else LoadSession
        # one session alone, four events a second: the baseline, and the worker(s) warm
        crowd.period = 0.25
        await crowd.grow(1)
        await asyncio.sleep(2)
        start = time.monotonic()
        await asyncio.sleep(8)
        out["alone"] = record.window(start, time.monotonic())
        await crowd.shrink(0)
        crowd.period = 1.0
        await asyncio.sleep(1)
        out["rss_before"] = tree_rss(app.proc.pid)
        out["redis_before"] = redis_state(redis_url)[0] if redis_url else 0
        cpu0, wall0 = time.process_time(), time.monotonic()
        steps: list[Step] = []
        for level in plan.levels:
            step = await hold(crowd, app, level, plan.window, settle=15)
            steps.append(step)
            if redis_url:
                out.setdefault("redis", {})[level] = redis_state(redis_url)
            say(f"  {level} sessions: p50 {step.p50:.0f} ms, p95 {step.p95:.0f} ms "
                f"(page {step.page_p95:.0f}, details {step.details_p95:.0f}) over "
                f"{step.samples} events, {len(step.errors)} errors, app RSS "
                f"{step.rss / MIB:.0f} MiB")
            for e in step.errors[:5]:
                say(f"    error: {e}")
            if not step.held:
                break
        out["cpu"] = (time.process_time() - cpu0) / (time.monotonic() - wall0)
        out["unsolicited"] = crowd.unsolicited()
        out["events"] = len(record.samples)
        if plan.burst is not None:
            # as many sessions as planned, unless that is more than the worker sustains:
            # a burst on top of an overloaded worker measures the overload
            wanted, seconds = plan.burst
            held = [s.sessions for s in steps if s.held]
            sessions = min(wanted, held[-1]) if held else wanted
            out["burst"] = await sign_in_burst(crowd, app, sessions, seconds)
            out["burst"]["wanted"] = wanted
    return steps, out


async def settled(record: Record, step: float = 3, longest: float = 60,
                  slack: float = 1.0) -> None:
    """Wait until the sessions' p95 is steady: after an overloaded level the worker still
    drains what queued, and a "before" measured meanwhile would flatter the burst. Steady:
    two windows of `step` s whose p95 agree within a quarter or `slack` ms (at most
    `longest` s)."""
    await asyncio.sleep(step)
    last, waited = None, step
    while waited < longest:
        start = time.monotonic()
        await asyncio.sleep(step)
        waited += step
        now = percentile(record.window(start, time.monotonic()), 0.95)
        if last is not None and abs(now - last) <= max(0.25 * last, slack):
            return
        last = now


async def sign_in_burst(crowd: Crowd, app: App, sessions: int, window: float) -> dict:
    """`sessions` act; p95 for `window` s, then for `window` s while 20 right sign-ins run
    at once, again and again (frank of the demo data, as the browser test does)."""
    errors_before = len(crowd.record.errors)
    await crowd.shrink(sessions)
    await crowd.grow(sessions)
    await settled(crowd.record)
    start = time.monotonic()
    app.sampling("before-burst")
    await asyncio.sleep(window)
    app.sampling(None)
    before = crowd.record.window(start, time.monotonic())
    stop, answered, wrong = asyncio.Event(), [0], []

    async def signer():
        while not stop.is_set():
            try:
                await sign_in(crowd.http, app.base, app.origin, "contoso", "frank",
                              DEMO_PASSWORD)
                answered[0] += 1
            except (ReflexError, OSError, aiohttp.ClientError) as err:
                wrong.append(str(err))

    signers = [asyncio.create_task(signer()) for _ in range(20)]
    await asyncio.sleep(1)  # twenty sign-ins wait or run at every moment from here on
    start = time.monotonic()
    app.sampling("during-burst")
    await asyncio.sleep(window)
    app.sampling(None)
    during = crowd.record.window(start, time.monotonic())
    stop.set()
    await asyncio.gather(*signers)
    return {"before": before, "during": during, "answered": answered[0], "wrong": wrong,
            "sessions": len(crowd.alive),
            "errors": [what for _, what in crowd.record.errors[errors_before:]]}


# --- where a worker's time goes (--profile) --------------------------------------------

# py-spy is not installed, and a sampling thread would see the event loop mostly where it
# lets go of the GIL (each database call): a `sitecustomize` on the app's PYTHONPATH runs
# cProfile on the event loop's own thread instead. It checks every 0.2 s, on that thread,
# whether the file `on` exists in COMMONS_BENCH_PROFILE_DIR (the bench's measuring
# windows; it holds the window's label), profiles while it does, and writes that
# window's stats there when it goes (`loop-<pid>-<label>-<n>.pstats`).
PROFILER = """
import asyncio.base_events as base_events, cProfile, os

_run_forever = base_events.BaseEventLoop.run_forever

def run_forever(self):
    out = os.environ["COMMONS_BENCH_PROFILE_DIR"]
    flag, window = os.path.join(out, "on"), {"profile": None, "label": "", "n": 0}

    def check():
        on = os.path.exists(flag)
        if on and window["profile"] is None:
            with open(flag) as f:
                window["label"] = f.read().strip() or "window"
            window["profile"] = cProfile.Profile()
            window["profile"].enable()
        elif not on and window["profile"] is not None:
            window["profile"].disable()
            window["n"] += 1
            name = f"loop-{os.getpid()}-{window['label']}-{window['n']}.pstats"
            window["profile"].dump_stats(os.path.join(out, name))
            window["profile"] = None
        self.call_later(0.2, check)

    self.call_soon(check)
    return _run_forever(self)

if os.environ.get("COMMONS_BENCH_PROFILE_DIR"):
    base_events.BaseEventLoop.run_forever = run_forever
"""
WAITING = ("method 'poll' of 'select.epoll'", "method 'select' of")  # the loop idles


def profile_env(directory: Path) -> dict:
    """The environment that makes the app's event loops profile themselves."""
    hook = directory / "hook"
    hook.mkdir(parents=True, exist_ok=True)
    (hook / "sitecustomize.py").write_text(PROFILER)
    path = os.pathsep.join(p for p in [str(hook), os.environ.get("PYTHONPATH", "")] if p)
    return {"PYTHONPATH": path, "COMMONS_BENCH_PROFILE_DIR": str(directory)}


def profile_report(directory: Path, top: int = 24) -> None:
    """Per worker and kind of window (ramp, before-burst, during-burst): how busy its
    event loop was while profiled, and the functions it spent that time in (cumulative,
    and own time), as shares of the busy time."""
    import pstats

    groups: dict[str, list[str]] = {}
    for file in sorted(directory.glob("loop-*.pstats")):
        _, pid, rest = file.stem.split("-", 2)  # loop-<pid>-<label>-<n>
        label = rest.rsplit("-", 1)[0]
        groups.setdefault(f"worker {pid}, {label}", []).append(str(file))
    for group, files in groups.items():
        rows = pstats.Stats(*files).stats  # key -> (calls, prim, own, cumulative, callers)
        waiting = sum(v[2] for k, v in rows.items() if any(w in k[2] for w in WAITING))
        total = sum(v[2] for v in rows.values())
        busy = total - waiting
        say(f"  {group}: event loop busy {busy:.1f} s of {total:.1f} s profiled "
            f"({100 * busy / max(total, 1e-9):.0f}%)")

        def where(key) -> str:
            name, line, func = key
            name = name.split("site-packages/")[-1].replace(str(Path.cwd()) + "/", "")
            return f"{name.split('/lib/python3.11/')[-1]}:{line}({func})"

        def interesting(key) -> bool:
            return key[0].startswith(str(Path.cwd()) + "/app/") or any(
                part in key[0] for part in ("reflex", "sqlalchemy", "psycopg", "socketio",
                                            "engineio", "pickle", "json"))

        cumulative = sorted((v[3], k) for k, v in rows.items() if interesting(k))
        say("  cumulative (share of busy time in the function and what it calls):")
        for seconds, key in cumulative[::-1][:top]:
            say(f"    {100 * seconds / busy:5.1f}%  {rows[key][0]:7d} calls  {where(key)}")
        own = sorted((v[2], k) for k, v in rows.items() if not any(
            w in k[2] for w in WAITING))
        say("  own time (share of busy time in the function itself):")
        for seconds, key in own[::-1][:top // 2]:
            say(f"    {100 * seconds / busy:5.1f}%  {rows[key][0]:7d} calls  {where(key)}")


# --- the figures -------------------------------------------------------------------------

def rows_for(name: str, steps: list[Step], out: dict, plan: Plan) -> list[Row]:
    held = [s for s in steps if s.held]
    best = held[-1] if held else None
    last = steps[-1]
    errors = sum(len(s.errors) for s in steps)
    short, label = plan.short, f"6 many sessions, {name}, {plan.per_org} per organization"
    if plan.baseline:
        top = best or last
        over = "" if best is last else f"; {last.sessions}: p95 {last.p95:.0f} ms"
        return [Row(f"6 many sessions, bare event, {name}: most sustained (what Reflex "
                    "alone holds here)",
                    f"{top.sessions} sessions (p95 {top.p95:.0f} ms{over})", "baseline")]
    if short:
        most = Row(f"{label}: {last.sessions} sessions for the short run",
                   f"p50 {last.p50:.0f} / p95 {last.p95:.0f} ms", "printed (CI)")
    elif best is None:
        first = steps[0]
        most = Row(f"{label}: most sustained",
                   f"< {first.sessions} sessions (p95 {first.p95:.0f} ms at {first.sessions})",
                   "≥ 200 with p95 < 300 ms", False)
    else:
        after = "" if best is last else f"; {last.sessions}: p95 {last.p95:.0f} ms"
        most = Row(f"{label}: most sustained",
                   f"{best.sessions} sessions (p95 {best.p95:.0f} ms{after})",
                   "≥ 200 with p95 < 300 ms", best.sessions >= 200)
    measured = best or last
    per = (measured.rss - out["rss_before"]) / measured.sessions / MIB
    memory = Row(f"6 memory per session, {name} (app RSS at {measured.sessions})",
                 f"{per:.2f} MiB", "< 2 MiB", None if short else per < 2)
    alone = Row(f"6 one session alone, {name}: p50 / p95 ({len(out['alone'])} events)",
                f"{percentile(out['alone'], 0.5):.0f} / {percentile(out['alone'], 0.95):.0f} ms",
                "baseline")
    rows = [alone, most, memory]
    if measured.sessions in out.get("redis", {}):
        stored = out["redis"][measured.sessions][0] - out["redis_before"]
        rows.append(Row(f"6 state in Redis per session, {name} (at {measured.sessions})",
                        f"{stored / measured.sessions / MIB:.3f} MiB"))
    rows += [
        Row(f"6 generator CPU, {name}", f"{out['cpu'] * 100:.0f}% of a core"),
        Row(f"6 errors, {name}", f"{errors}", "0", None if short else errors == 0),
    ]
    if (b := out.get("burst")) is not None:
        before, during = percentile(b["before"], 0.95), percentile(b["during"], 0.95)
        ok = during < 2 * before and not b["wrong"] and not b["errors"]
        note = f" ({len(b['wrong'])} sign-ins refused)" if b["wrong"] else ""
        note += f" ({len(b['errors'])} session errors)" if b["errors"] else ""
        if before >= P95_LIMIT:
            note += "; the sessions were over 300 ms before the burst"
        fewer = (f" ({b['wanted']} are more than it sustains)"
                 if b["sessions"] < b["wanted"] else "")
        rows.append(Row(f"7 sign-in burst, {name}: {b['sessions']} sessions{fewer}, 20 "
                        f"sign-ins at once ({b['answered']} answered): p95 before / during",
                        f"{before:.0f} / {during:.0f} ms{note}", "during < 2x before",
                        None if short else ok))
    return rows


def run_mode(name: str, database_url: str, env_extra: dict, plan: Plan,
             redis_url: str | None = None) -> list[Row]:
    say(f"{name}: seeding {plan.accounts} accounts, {plan.per_org} per organization")
    cookies = seed(database_url, plan.accounts, plan.per_org)
    if redis_url:
        import redis

        redis.Redis.from_url(redis_url).flushdb()
    profile = None
    if plan.profile is not None:
        profile = plan.profile / name.split(",")[0].replace(" ", "-")
        profile.mkdir(parents=True, exist_ok=True)
    with App(database_url, env_extra, profile) as app:
        steps, out = asyncio.run(ramp(app, plan, redis_url, cookies))
    for what, count in out["unsolicited"].most_common(4):
        say(f"  {count} updates ({count / max(1, out['events']):.1f} per event acted) came "
            f"unasked, carrying {', '.join(what)}")
    if out.get("redis"):
        top = sorted(out["redis"][max(out["redis"])][1].items(), key=lambda kv: -kv[1][1])[:6]
        for kind, (count, size) in top:
            say(f"  redis {kind[-60:]}: {count} keys, {size / count / 1024:.1f} KiB each")
    if profile is not None:
        profile_report(profile)
    return rows_for(name, steps, out, plan)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--short", action="store_true",
                        help="CI: 20 sessions for 10 s on one worker, no ramp, no targets")
    parser.add_argument("--json")
    parser.add_argument("--levels", default="50,100,200,300,400")
    # 10 s: at 100 sessions or more a window holds 1,000 events or more
    parser.add_argument("--window", type=float, default=10)
    parser.add_argument("--burst-window", type=float, default=10)
    parser.add_argument("--per-org", type=int, default=USERS_PER_ORG,
                        help="accounts per organization: the tabs of one follow one topic")
    parser.add_argument("--profile", type=Path,
                        help="profile the workers' event loops while sessions are measured "
                             "(stats into this folder) and print where their time went")
    parser.add_argument("--workers-redis", action=argparse.BooleanOptionalAction, default=None,
                        help="also two workers on PostgreSQL + Redis (default: on, not --short)")
    parser.add_argument("--baseline", action=argparse.BooleanOptionalAction, default=None,
                        help="first the same ramp pressing the bare event's Ping on one "
                             "worker (default: on, not --short)")
    parser.add_argument("--invitations", action=argparse.BooleanOptionalAction, default=True,
                        help="the ramp on the Invitations page, one worker (default: on)")
    args = parser.parse_args()
    # the secret the app runs with, here too (the seeding and the app share one database)
    os.environ["COMMONS_SECRET_KEY"] = SECRET
    plan = Plan([int(n) for n in args.levels.split(",")], args.window, args.per_org,
                (100, args.burst_window), args.short, args.profile)
    if args.short:
        plan.levels, plan.window, plan.burst = [20], 10, (20, 5)
    data = Path(tempfile.mkdtemp(prefix="commons-bench-sessions-db-"))
    sqlite = f"sqlite:///{data / 'sessions.db'}"
    if args.baseline if args.baseline is not None else not args.short:
        # the bare event holds far more: its ramp starts at 200 sessions
        levels = [n for n in plan.levels if n >= 200] or plan.levels
        rows = run_mode("1 worker", f"sqlite:///{data / 'ping.db'}", {},
                        replace(plan, baseline=True, burst=None, levels=levels))
        write_rows(args.json, rows)
    if args.invitations:
        rows = run_mode("1 worker, SQLite", sqlite, {}, plan)
        write_rows(args.json, rows)
    with_redis = args.workers_redis if args.workers_redis is not None else not args.short
    pg = os.environ.get("COMMONS_TEST_DATABASE_URL")
    if with_redis and not pg:
        print("two workers skipped: set COMMONS_TEST_DATABASE_URL (a database to wipe)")
    elif with_redis:
        plan.burst = None
        rows = run_mode("2 workers, PostgreSQL + Redis", pg,
                        {"REDIS_URL": REDIS, "GRANIAN_WORKERS": "2"}, plan, REDIS)
        write_rows(args.json, rows)


if __name__ == "__main__":
    main()
