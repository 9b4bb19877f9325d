"""The load smoke (issue 15, row 15): 50 administrators and 20 invitees act for 60 s on
loopback, on SQLite with one worker and on PostgreSQL with two workers and Redis. Not a
timed test: it prints what happened, and `soak/test_load_smoke.py` holds it to zero errors
and to invitations whose every status its history explains.

Everyone is a browser tab without the browser (`bench/reflex_client.py`), signed in over
HTTP with their own account:

- 10 organizations of 5 administrators; each administrator runs a community of their own
  (the 5 of one organization follow one live topic) and, every 0.5-1.5 s, invites one of
  the 20 invitees' addresses, resends, revokes or confirms an invitation of their
  Invitations tab, or removes a tenant.
- 20 invitees, each the administrator of a tenant, read the invitations mailed to them
  (a real local SMTP server) and open each new link: Join (4 in 5) or Decline.

Refusals a person can meet when others act at the same moment ("already has an open
invitation", "Sent 3 s ago", a link that a resend replaced) are counted and printed; an
error is anything else: an ERROR line in the app's log, a timeout, a sign-in redirect, a
refusal that says the database could not be reached, an unhandled error.

After the window the database is read: as many actions were written as people were told
were done, and every invitation's audit history, replayed through
the table of what each status allows (`app/domain/transitions.py`), must end in the status
it has.

    .venv/bin/python bench/bench_load.py [--seconds 60] [--short] [--json out.json]
"""

import argparse
import asyncio
import os
import random
import re
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
SECRET = "bench-secret-key-0123456789abcdef"

import aiohttp  # noqa: E402
from sqlalchemy import func  # noqa: E402
from sqlmodel import Session, select  # noqa: E402

from app.db import make_engine  # noqa: E402
from app.domain import invitation_status as st  # noqa: E402
from app.domain import transitions as tr  # noqa: E402
from app.domain.permissions import TENANT_ADMIN  # noqa: E402
from app.models import AuditEvent, Invitation, OutboxMessage, utcnow  # noqa: E402
from app.services.auth import viewer_for_user  # noqa: E402
from app.services.communities import create_community  # noqa: E402
from app.services.demo import DEMO_PASSWORD  # noqa: E402
from app.services.orgs import create_organization, create_user  # noqa: E402
from app.services.passwords import hash_password  # noqa: E402
from bench.reflex_client import ReflexError, ReflexTab, sign_in  # noqa: E402
from bench.report import Row, p50_p95, write_rows  # noqa: E402
from bench.worlds import fresh_database  # noqa: E402

ORGS, ADMINS_PER_ORG, INVITEES = 10, 5, 20
# What a person may be told when someone else acted first: not an error of the app.
EXPECTED = re.compile("|".join([
    r"already has an open invitation", r"already (a member|part of)", r"nothing was sent again",
    r"changed meanwhile", r"can no longer", r"no longer (valid|works|pending|available)",
    r"Only an? .* can be", r"not valid", r"has been (revoked|used|replaced)",
    r"already (accepted|declined|confirmed|answered)", r"is not pending", r"was revoked",
    r"no longer", r"already",
    r"changed a moment ago",  # a Join or Accept as the inviter revoked or resent it
]), re.IGNORECASE)
MAILED = ("invitation.send", "invitation.reinvite", "invitation.resend")
# An action replays an event into the status it leads to: action -> (from, to).
REPLAY = {
    "invitation.send": (None, st.PENDING),
    "invitation.resend": (tr.RESEND, st.PENDING),
    "invitation.reinvite": (tr.RESEND, st.PENDING),  # an expired one, invited again
    "invitation.revoke": (tr.REVOKE, st.REVOKED),
    "invitation.accept": (tr.ACCEPT, st.ACCEPTED),
    "invitation.decline": (tr.DECLINE, st.DECLINED),
    "invitation.confirm": (tr.CONFIRM, st.CONFIRMED),
}


def say(line: str) -> None:
    print(line, flush=True)


@dataclass
class Person:
    tenant: str
    username: str
    email: str
    community_id: int = 0


@dataclass
class World:
    admins: list[Person]
    invitees: list[Person]


def seed(url: str) -> World:
    """An empty database (a PostgreSQL one is wiped) with the organizations, people and
    communities of the smoke. This process takes the secret key the smoke's app runs with
    (set here, not on import: importing this module changes nothing)."""
    os.environ["COMMONS_SECRET_KEY"] = SECRET
    os.environ.setdefault("COMMONS_DATA_DIR", tempfile.mkdtemp(prefix="commons-load-"))
    engine = fresh_database(url)
    now, password = utcnow(), hash_password(DEMO_PASSWORD)
    admins, invitees = [], []
    with Session(engine, expire_on_commit=False) as db:
        for o in range(ORGS):
            org = create_organization(db, f"Smoke Org {o}", f"smoke{o}", now=now)
            for a in range(ADMINS_PER_ORG):
                user = create_user(db, org, email=f"admin{a}@smoke{o}.example",
                                   username=f"smoke{o}a{a}", display_name=f"Admin {o}.{a}",
                                   password_hash=password, role=TENANT_ADMIN, now=now)
                community = create_community(db, viewer_for_user(db, user, org.id),
                                             f"Smoke {o}.{a}", now=now)
                admins.append(Person(org.alias, user.username, user.email, community.id))
        for j in range(INVITEES):
            org = create_organization(db, f"Tenant {j}", f"tenant{j}", now=now)
            user = create_user(db, org, email=f"it@tenant{j}.example", username=f"it{j}",
                               display_name=f"IT of Tenant {j}", password_hash=password,
                               role=TENANT_ADMIN, now=now)
            invitees.append(Person(org.alias, user.username, user.email))
        db.commit()
    engine.dispose()
    return World(admins, invitees)


TOAST = re.compile(r'\?\.\["(\w+)"\]\(("(?:[^"\\]|\\.)*")')


def toasts(update: dict) -> list[tuple[str, str]]:
    """The (level, message) of each toast in `update`."""
    import json

    found = []
    for ev in update.get("events") or []:
        code = str((ev.get("payload") or {}).get("function", ""))
        if "__toast" in code and (m := TOAST.search(code)):
            found.append((m.group(1), json.loads(m.group(2))))
    return found


@dataclass
class Tally:
    """What everyone did, what they were told, and what went wrong."""

    done: Counter = field(default_factory=Counter)      # action -> succeeded
    refused: Counter = field(default_factory=Counter)   # message -> times (expected)
    errors: list[str] = field(default_factory=list)
    ms: list[float] = field(default_factory=list)

    def refusal(self, who: str, action: str, message: str) -> None:
        if EXPECTED.search(message):
            said = re.sub(r"\S+@\S+", "<address>", message.split(". ")[0])
            self.refused[re.sub(r"\d+", "N", said)[:80]] += 1
        else:
            self.errors.append(f"{who} {action}: {message}")


class Actor:
    """One signed-in person's tab, whose answers are read for their toasts."""

    def __init__(self, base: str, origin: str, cookie: str, path: str, tally: Tally,
                 who: str):
        self.tab = ReflexTab(base, origin, cookie, path)
        self.tally, self.who = tally, who
        self.told: list[tuple[str, str]] = []
        on_update = self.tab._on_update

        def heard(update):
            said = toasts(update)
            self.told.extend(said)
            if self.tab._waiting is None and any(level in ("success", "error")
                                                 for level, _ in said):
                tally.errors.append(f"{who}: an answer nobody waited for: {said}")
            on_update(update)

        self.tab.sio.handlers["/_event"]["event"] = heard

    async def act(self, action: str, handler: str, payload: dict, done) -> bool:
        """Run `handler`; True when it succeeded, else the refusal is tallied."""
        self.told.clear()
        try:
            self.tally.ms.append(await self.tab.call(handler, payload, done=done, timeout=30))
        except ReflexError as err:
            errors = [m for level, m in self.told if level == "error"]
            if "error toast" in str(err) and errors:
                self.tally.refusal(self.who, action, errors[-1])
            else:
                self.tally.errors.append(f"{self.who} {action}: {err}")
            return False
        self.tally.done[action] += 1
        return True


def answered(update: dict) -> bool:
    """The update that ends an action of `ViewerPage._act` / `LinkPage._answer`: its
    success or error toast (what someone else did comes as info, and `busy` may turn
    false an update before the toast)."""
    return any(level in ("success", "error") for level, _ in toasts(update))


async def administrator(person: Person, base: str, origin: str, cookie: str, tally: Tally,
                        invitees: list[Person], until: float, rng: random.Random) -> None:
    actor = Actor(base, origin, cookie, f"/communities/{person.community_id}", tally,
                  f"{person.tenant}/{person.username}")
    await actor.tab.connect(timeout=60)
    name, _ = actor.tab.substate("community_state")
    try:
        while time.monotonic() < until:
            await asyncio.sleep(rng.uniform(0.5, 1.5))
            vars_ = actor.tab.state[name]
            rows = vars_.get("invitations_rx_state_", [])
            by = {s: [r["id"] for r in rows if r["status"] == s] for s in (st.PENDING,
                                                                          st.ACCEPTED)}
            others = [t["organization_id"] for t in vars_.get("tenants_rx_state_", [])
                      if not t.get("is_mine")]
            roll = rng.random()
            if roll < 0.35 or not rows:
                address = rng.choice(invitees).email
                # the dialog says a refusal; a success closes it with a toast that comes
                # in an update after the dialog's
                sent = await actor.act("invite", f"{name}.send_invite", {"address": address},
                                       lambda u: answered(u) or bool((u.get("delta") or {})
                                                                     .get(name, {}).get(
                                           "invite_error_rx_state_")))
                told = actor.tab.state[name].get("invite_error_rx_state_", "")
                if sent and told:
                    tally.done["invite"] -= 1
                    tally.refusal(actor.who, "invite", told)
            elif roll < 0.7 and by[st.ACCEPTED]:
                await actor.act("confirm", f"{name}.confirm",
                                {"invitation_id": rng.choice(by[st.ACCEPTED])}, answered)
            elif roll < 0.78 and by[st.PENDING]:
                await actor.act("resend", f"{name}.resend",
                                {"invitation_id": rng.choice(by[st.PENDING])}, answered)
            elif roll < 0.92 and (by[st.PENDING] or by[st.ACCEPTED]):
                await actor.act("revoke", f"{name}.revoke",
                                {"invitation_id": rng.choice(by[st.PENDING] + by[st.ACCEPTED])},
                                answered)
            elif others:
                await actor.act("remove tenant", f"{name}.remove_tenant",
                                {"organization_id": rng.choice(others)}, answered)
    finally:
        await actor.tab.close()


async def invitee(person: Person, base: str, origin: str, cookie: str, tally: Tally, smtp,
                  until: float, rng: random.Random) -> None:
    """Open each new link mailed to `person` and answer it."""
    opened: set[str] = set()
    while time.monotonic() < until:
        await asyncio.sleep(rng.uniform(0.5, 1.5))
        links = [u for msg in smtp.to(person.email) for u in smtp.links(msg) if "/invite/" in u]
        fresh = [u for u in links if u not in opened]
        if not fresh:
            continue
        link = fresh[-1]
        opened.update(fresh)  # an older link was replaced by a resend: a person opens the last
        path = "/" + link.split("/", 3)[3]
        actor = Actor(base, origin, cookie, path, tally, f"{person.tenant}/{person.username}")
        try:
            await actor.tab.connect(timeout=60)
            name, vars_ = actor.tab.substate("accept_state")
            shown = vars_.get("invitation_rx_state_") or {}
            if shown.get("status") != st.PENDING or shown.get("problem"):
                tally.done["open a link no longer open"] += 1
                continue
            if rng.random() < 0.8:
                await actor.act("join", f"{name}.join", {}, answered)
            else:
                await actor.act("decline", f"{name}.decline", {"reason": "not now"},
                                answered)
        except ReflexError as err:
            tally.errors.append(f"{actor.who} open {path}: {err}")
        finally:
            await actor.tab.close()


async def crowd(world: World, base: str, origin: str, smtp, seconds: float,
                seed_: int = 15) -> Tally:
    tally, rng = Tally(), random.Random(seed_)
    async with aiohttp.ClientSession() as http:
        cookies = {}
        for p in world.admins + world.invitees:
            cookies[(p.tenant, p.username)] = await sign_in(http, base, origin, p.tenant,
                                                            p.username, DEMO_PASSWORD)
    until = time.monotonic() + seconds
    jobs = [administrator(p, base, origin, cookies[(p.tenant, p.username)], tally,
                          world.invitees, until, random.Random(rng.random()))
            for p in world.admins]
    jobs += [invitee(p, base, origin, cookies[(p.tenant, p.username)], tally, smtp, until,
                     random.Random(rng.random())) for p in world.invitees]
    for outcome in await asyncio.gather(*jobs, return_exceptions=True):
        if isinstance(outcome, BaseException):
            tally.errors.append(f"a session failed: {type(outcome).__name__}: {outcome}")
    return tally


# What a person was told was done, and the audit event that records it.
TOLD = {"invite": ("invitation.send", "invitation.reinvite"), "resend": ("invitation.resend",),
        "revoke": ("invitation.revoke",), "join": ("invitation.accept",),
        "decline": ("invitation.decline",), "confirm": ("invitation.confirm",),
        "remove tenant": ("community.remove_tenant",)}


def told_versus_done(url: str, done: Counter) -> list[str]:
    """Where the number of actions people were told were done differs from the audit
    events written: an action lost (told done, not written) or done unseen."""
    engine = make_engine(url)
    with Session(engine) as db:
        written = Counter(dict(db.exec(select(AuditEvent.action, func.count())
                                       .group_by(AuditEvent.action)).all()))
    engine.dispose()
    return [f"{what}: {done[what]} told done, {sum(written[a] for a in actions)} written"
            for what, actions in TOLD.items()
            if done[what] != sum(written[a] for a in actions)]


def unexplained(url: str) -> tuple[list[str], Counter]:
    """Invitations whose stored status their audit history does not lead to, or with
    fewer messages in the outbox than the sends in their history (with why), and how many
    invitations end in each status."""
    engine = make_engine(url)
    problems, statuses = [], Counter()
    with Session(engine) as db:
        history: dict[int, list[str]] = {}
        for target, action in db.exec(
                select(AuditEvent.target_id, AuditEvent.action)
                .where(AuditEvent.target_type == "invitation").order_by(AuditEvent.id)):
            history.setdefault(int(target), []).append(action)
        letters = Counter(db.exec(select(OutboxMessage.invitation_id).where(
            OutboxMessage.invitation_id.is_not(None))).all())
        for inv in db.exec(select(Invitation)):
            statuses[inv.status] += 1
            sent = sum(1 for a in history.get(inv.id, []) if a in MAILED)
            if letters[inv.id] < sent:
                problems.append(f"invitation {inv.id}: {sent} sends in its history, "
                                f"{letters[inv.id]} messages in the outbox")
            status = None
            for action in history.get(inv.id, []):
                if action not in REPLAY:
                    continue
                needs, after = REPLAY[action]
                if (needs is None and status is not None) or (
                        needs is not None and not tr.allowed(inv.kind, status or "", needs)):
                    problems.append(f"invitation {inv.id}: {action} after {status} "
                                    f"({history[inv.id]})")
                    break
                status = after
            else:
                if status != inv.status:
                    problems.append(f"invitation {inv.id} is {inv.status}, its history "
                                    f"{history.get(inv.id, [])} leads to {status}")
    engine.dispose()
    return problems, statuses


@dataclass
class Outcome:
    name: str
    tally: Tally
    log_errors: list[str]
    unexplained: list[str]
    statuses: Counter
    mails: int

    @property
    def errors(self) -> list[str]:
        return self.tally.errors + self.log_errors + self.unexplained

    def rows(self, seconds: float) -> list[Row]:
        t = self.tally
        p50, p95 = p50_p95(t.ms) if t.ms else (float("nan"),) * 2
        acted = sum(t.done.values())
        return [
            Row(f"15 load smoke, {self.name}: {len(t.ms)} actions in {seconds:.0f} s "
                f"(p50 / p95)", f"{p50:.0f} / {p95:.0f} ms", "printed"),
            Row(f"15 load smoke, {self.name}: errors (log, timeouts, unexplained histories)",
                str(len(self.errors)), "0", not self.errors),
            Row(f"15 load smoke, {self.name}: done / refused as expected",
                f"{acted} / {sum(t.refused.values())}", "printed"),
        ]

    def report(self) -> None:
        say(f"{self.name}: done {dict(self.tally.done)}")
        say(f"  refused as a person would be: {dict(self.tally.refused.most_common(8))}")
        say(f"  invitations now: {dict(self.statuses)}; messages mailed: {self.mails}")
        for line in self.errors[:20]:
            say(f"  ERROR {line}")


def smoke(name: str, database_url: str, env_extra: dict, seconds: float,
          redis_url: str | None = None) -> Outcome:
    """Seed, start the app (bench_sessions.App), let everyone act, stop, read."""
    from bench.bench_sessions import App

    world = seed(database_url)
    if redis_url:
        import redis

        redis.Redis.from_url(redis_url).flushdb()
    limits = {"COMMONS_INVITES_PER_HOUR": "100000", "COMMONS_INVITES_PER_DAY": "1000000"}
    say(f"{name}: {len(world.admins)} administrators, {len(world.invitees)} invitees, "
        f"{seconds:.0f} s; limits raised: {limits}")
    with App(database_url, {**limits, **env_extra}) as app:
        tally = asyncio.run(crowd(world, app.base, app.origin, app.smtp, seconds))
        time.sleep(2)  # the last live signals and mail
        log_errors = app.log_errors()
        mails = len(app.smtp.messages)
    problems, statuses = unexplained(database_url)
    problems += told_versus_done(database_url, tally.done)
    outcome = Outcome(name, tally, log_errors, problems, statuses, mails)
    outcome.report()
    return outcome


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--short", action="store_true", help="CI: 15 s, SQLite only")
    parser.add_argument("--json")
    args = parser.parse_args()
    seconds = 15 if args.short else args.seconds
    data = Path(tempfile.mkdtemp(prefix="commons-load-db-"))
    rows = smoke("1 worker, SQLite", f"sqlite:///{data / 'load.db'}", {}, seconds).rows(seconds)
    pg = os.environ.get("COMMONS_BENCH_DATABASE_URL") or os.environ.get(
        "COMMONS_TEST_DATABASE_URL")
    if pg and not args.short:
        redis_url = os.environ.get("COMMONS_BENCH_REDIS_URL", "redis://127.0.0.1:6379/6")
        rows += smoke("2 workers, PostgreSQL + Redis", pg,
                      {"REDIS_URL": redis_url, "GRANIAN_WORKERS": "2"}, seconds,
                      redis_url).rows(seconds)
    write_rows(args.json, rows)


if __name__ == "__main__":
    main()
