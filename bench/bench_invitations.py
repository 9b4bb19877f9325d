"""Figure 4 (list): Invitations page queries at 100 and at 100,000 invitations, on SQLite
and PostgreSQL.

Generates 2,000 organizations (one administrator each), 1,000 communities and N
invitations of every status spread across them, sent over the last 13 days; the viewer
is the administrator of an organization that sent 5% of them (all of them at N=100, so
that the viewer has a list at all). Times the first page, a status-filtered page
(pending), a recipient-prefix search ("ops": half the recipients) and the status counts,
and more pages (sorted by recipient, by expiry, the second and the last full page).

Each page is full (50 rows) at both sizes, so the ratio measures what the volume of data
costs a page, not the work of describing more rows. Both sizes stay loaded and their rounds
alternate, so a busy neighbour on a shared machine slows both alike.

Rows (bench/report.py), per engine: the p50 ratio (large / small) of the first,
status-filtered and prefix page (target < 1.5), and the status counts' p50 / p95 at the
large size (target p95 < 20 ms). `--short` compares 100 with 1,000 in a few rounds.

    .venv/bin/python bench/bench_invitations.py [--json PATH] [--short] [--rounds 50]
    COMMONS_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/<db> ...
      (PostgreSQL too; the benchmark builds and drops schemas bench_<N> in that database)
"""

import argparse
import os
import random
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("COMMONS_DATA_DIR", tempfile.mkdtemp(prefix="commons-bench-"))

from sqlalchemy import event, insert, text  # noqa: E402
from sqlmodel import Session  # noqa: E402

from alembic import command  # noqa: E402
from app.db import make_engine  # noqa: E402
from app.migrate import alembic_config  # noqa: E402
from app.models import (  # noqa: E402
    Community,
    Invitation,
    Organization,
    OrganizationMember,
    User,
    utcnow,
)
from app.services.auth import viewer_for_user  # noqa: E402
from app.services.invitation_list import Filters, Order, page, status_counts  # noqa: E402
from app.services.orgs import make_tenant_admin  # noqa: E402
from app.services.roles import ensure_builtin_roles  # noqa: E402
from bench.report import Row, p50_p95, write_rows  # noqa: E402

STATUSES = ["pending"] * 6 + ["accepted", "confirmed", "declined", "revoked"]
# the figure's page kinds; the other cases are printed only
PAGES = ("first page", "status-filtered page", "recipient prefix")
COUNTS = "status counts"
TARGET_RATIO, TARGET_COUNTS_P95 = 1.5, 20.0


def generate(engine, invitations: int, seed: int = 7) -> int:
    """Fill an empty database; returns the id of the viewer's user."""
    rng, now = random.Random(seed), utcnow()
    with Session(engine) as db:
        ensure_builtin_roles(db)
        db.exec(insert(Organization), params=[
            {"tenant_id": f"t-bench{i:06d}", "name": f"Org {i}", "alias": f"org-{i}",
             "created_at": now} for i in range(2000)])
        db.exec(insert(User), params=[
            {"home_organization_id": i + 1, "email": f"admin{i}@org{i}.example",
             "username": f"admin{i}", "display_name": f"Admin {i}", "password_hash": "x",
             "is_active": True, "created_at": now, "updated_at": now} for i in range(2000)])
        db.exec(insert(OrganizationMember), params=[
            {"organization_id": i + 1, "user_id": i + 1, "kind": "home", "created_at": now}
            for i in range(2000)])
        db.exec(insert(Community), params=[
            {"organization_id": rng.randint(1, 2000), "name": f"Community {i}",
             "description": "", "kind": "standard", "created_at": now} for i in range(1000)])
        rows = []
        for i in range(invitations):
            sender = 1 if rng.random() < max(0.05, 100 / invitations) else rng.randint(2, 2000)
            created = now - timedelta(minutes=rng.randint(0, 60 * 24 * 13))
            who = "ops" if i % 2 else "user"
            rows.append({
                "kind": "tenant", "batch_id": uuid.uuid4().hex, "organization_id": sender,
                "invited_by_user_id": sender, "recipient": f"{who}{i:06d}@partner{i % 997}.example",
                "scope_key": f"community:{rng.randint(1, 1000)}",
                "community_id": rng.randint(1, 1000), "grants": {},
                "status": rng.choice(STATUSES), "token_hash": uuid.uuid4().hex,
                "expires_at": created + timedelta(days=14), "created_at": created,
                "sent_at": created})
            if len(rows) == 5000:
                db.exec(insert(Invitation), params=rows)
                rows = []
        if rows:
            db.exec(insert(Invitation), params=rows)
        make_tenant_admin(db, db.get(Organization, 1), db.get(User, 1))
        db.commit()
    return 1


def open_world(url: str, size: int):
    """A migrated, filled and analyzed database of `size` invitations: SQLite, one file
    per size; PostgreSQL, one schema per size (so both sizes stay loaded side by side)."""
    postgres = url.startswith("postgresql")
    if not postgres:
        Path(url.removeprefix("sqlite:///")).unlink(missing_ok=True)
    engine = make_engine(url)
    if postgres:
        schema = f"bench_{size}"

        @event.listens_for(engine, "connect")
        def _search_path(dbapi_conn, _record):
            dbapi_conn.autocommit = True
            dbapi_conn.execute(f"SET search_path TO {schema}")
            dbapi_conn.autocommit = False

        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE; CREATE SCHEMA {schema}"))
    cfg = alembic_config(url)
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    user_id = generate(engine, size)
    # what autovacuum (PostgreSQL) or a periodic ANALYZE would have done by now; VACUUM
    # also sets the visibility map, so index-only scans skip the table
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if postgres else "ANALYZE"))
    return engine, user_id


def drop_world(engine, size: int) -> None:
    """Drop the schema, or delete the SQLite file (100,000 invitations take 100 MB)."""
    if engine.dialect.name == "postgresql":
        with engine.begin() as conn:
            conn.execute(text(f"DROP SCHEMA IF EXISTS bench_{size} CASCADE"))
    engine.dispose()
    if engine.dialect.name == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{engine.url.database}{suffix}").unlink(missing_ok=True)


def last_full_page(db, viewer, now) -> str:
    """The cursor of the deepest page with 50 rows (page 2 of 100, page ~100 of 5,000)."""
    cursors, after = [], None
    while True:
        rows, after = page(db, viewer, Filters(), now, after=after, size=50)
        if after is None:
            break
        cursors.append(after)
    return cursors[-2] if len(rows) < 50 and len(cursors) > 1 else cursors[-1]


def cases(db, viewer, now) -> dict:
    """Each measured call, by name, checked to return a full page where it should."""
    by_recipient = Order("recipient", descending=False)
    _, second = page(db, viewer, Filters(), now)
    deep = last_full_page(db, viewer, now)
    found = {
        "first page": lambda: page(db, viewer, Filters(), now),
        "status-filtered page": lambda: page(db, viewer, Filters(status="pending"), now),
        "recipient prefix": lambda: page(db, viewer, Filters(recipient="ops"), now),
        COUNTS: lambda: status_counts(db, viewer, Filters(), now),
        "first page, by recipient": lambda: page(db, viewer, Filters(), now,
                                                 order=by_recipient),
        "pending, by expiry": lambda: page(db, viewer, Filters(status="pending"), now,
                                           order=Order("expires")),
        "second page": lambda: page(db, viewer, Filters(), now, after=second),
        "last full page": lambda: page(db, viewer, Filters(), now, after=deep),
    }
    for name in (*PAGES, "second page", "last full page"):
        rows, _ = found[name]()
        assert len(rows) == 50, (name, len(rows))
    return found


def measure(url_for, sizes: list[int], rounds: int) -> dict[str, dict[int, list[float]]]:
    """Samples (ms) of each case at each size, the sizes' rounds alternating."""
    worlds = {n: open_world(url_for(n), n) for n in sizes}
    now = utcnow()
    samples: dict[str, dict[int, list[float]]] = {}
    sessions = {n: Session(engine) for n, (engine, _) in worlds.items()}
    try:
        calls = {n: cases(sessions[n], viewer_for_user(sessions[n], sessions[n].get(
            User, user_id), 1), now) for n, (_, user_id) in worlds.items()}
        for name in calls[sizes[0]]:
            per_size = samples.setdefault(name, {n: [] for n in sizes})
            for n in sizes:
                calls[n][name]()            # warm: plans, caches
            for _ in range(rounds):
                for n in sizes:
                    start = time.perf_counter()
                    calls[n][name]()
                    per_size[n].append((time.perf_counter() - start) * 1000)
    finally:
        for n, (engine, _) in worlds.items():
            sessions[n].close()
            drop_world(engine, n)
    return samples


def rows_for(engine_name: str, samples, small: int, large: int) -> list[Row]:
    label = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}[engine_name]
    rows = []
    for name in PAGES:
        a, b = p50_p95(samples[name][small])[0], p50_p95(samples[name][large])[0]
        ratio = b / max(a, 1e-9)
        rows.append(Row(f"4 list, {label}: {name}, {large:,} vs {small:,} (p50 ratio)",
                        f"{ratio:.2f} ({b:.1f} / {a:.1f} ms)", f"ratio < {TARGET_RATIO}",
                        ratio < TARGET_RATIO))
    p50, p95 = p50_p95(samples[COUNTS][large])
    rows.append(Row(f"4 list, {label}: status counts at {large:,} (5% visible), p50 / p95",
                    f"{p50:.1f} / {p95:.1f} ms", f"p95 < {TARGET_COUNTS_P95:.0f} ms",
                    p95 < TARGET_COUNTS_P95))
    return rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--json", help="append the figure's rows to this file")
    parser.add_argument("--short", action="store_true",
                        help="100 vs 1,000 invitations, a few rounds (CI)")
    parser.add_argument("--rounds", type=int)
    parser.add_argument("--sizes", help="small,large (default 100,100000)")
    args = parser.parse_args()
    sizes = [int(s) for s in (args.sizes or ("100,1000" if args.short else "100,100000"))
             .split(",")]
    rounds = args.rounds or (5 if args.short else 50)
    targets = [("sqlite", lambda n: f"sqlite:///{os.environ['COMMONS_DATA_DIR']}/inv{n}.db")]
    if os.environ.get("COMMONS_TEST_DATABASE_URL"):
        targets.append(("postgresql", lambda n: os.environ["COMMONS_TEST_DATABASE_URL"]))
    rows = []
    for engine_name, url_for in targets:
        samples = measure(url_for, sizes, rounds)
        for name, per_size in samples.items():
            cells = "  ".join(f"{n:>7,}: p50 {p50_p95(per_size[n])[0]:7.2f} p95 "
                              f"{p50_p95(per_size[n])[1]:7.2f}" for n in sizes)
            ratio = p50_p95(per_size[sizes[-1]])[0] / max(p50_p95(per_size[sizes[0]])[0], 1e-9)
            print(f"{engine_name:10s} {name:26s} {cells}  ratio {ratio:5.2f}", flush=True)
        rows += rows_for(engine_name, samples, sizes[0], sizes[-1])
    write_rows(args.json, rows)


if __name__ == "__main__":
    main()
