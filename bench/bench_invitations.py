"""Invitations page queries at 100 and at 100,000 invitations, on SQLite and PostgreSQL.

Generates 2,000 organizations (one administrator each), 1,000 communities and N
invitations of every status spread across them, sent over the last 13 days; the viewer
is the administrator of an organization that sent 5% of them (all of them at N=100, so
that the viewer has a list at all). Prints p50 and p95 (ms) of the first page, a
status-filtered page (pending), a recipient-prefix search ("ops": half the recipients)
and the status counts, each in the default order and the pages also sorted by recipient.

Each page is full (50 rows) at both sizes, so the ratio measures what the volume of data
costs a page, not the work of describing more rows.

    .venv/bin/python bench/bench_invitations.py [--rounds 50]
    COMMONS_TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test ...  (wiped)
"""

import argparse
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("COMMONS_DATA_DIR", tempfile.mkdtemp(prefix="commons-bench-"))

from sqlalchemy import insert, text  # noqa: E402
from sqlmodel import Session  # noqa: E402

from app.db import make_engine  # noqa: E402
from app.migrate import upgrade  # noqa: E402
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

STATUSES = ["pending"] * 6 + ["accepted", "confirmed", "declined", "revoked"]


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


def timed(fn, rounds: int) -> tuple[float, float]:
    fn()
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[max(int(len(samples) * 0.95) - 1, 0)]


def last_full_page(db, viewer, now) -> str:
    """The cursor of the deepest page with 50 rows (page 2 of 100, page ~100 of 5,000)."""
    cursors, after = [], None
    while True:
        rows, after = page(db, viewer, Filters(), now, after=after, size=50)
        if after is None:
            break
        cursors.append(after)
    return cursors[-2] if len(rows) < 50 and len(cursors) > 1 else cursors[-1]


def run(url: str, size: int, rounds: int) -> dict[str, tuple[float, float]]:
    engine = make_engine(url)
    if url.startswith("postgresql"):
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA public CASCADE; CREATE SCHEMA public"))
    upgrade(url)
    user_id = generate(engine, size)
    # what autovacuum (PostgreSQL) or a periodic ANALYZE would have done by now; VACUUM
    # also sets the visibility map, so index-only scans skip the table
    with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
        conn.execute(text("VACUUM ANALYZE" if url.startswith("postgresql") else "ANALYZE"))
    now = utcnow()
    with Session(engine) as db:
        viewer = viewer_for_user(db, db.get(User, user_id), 1)
        by_recipient = Order("recipient", descending=False)
        _, second = page(db, viewer, Filters(), now)
        deep = last_full_page(db, viewer, now)
        cases = {
            "first page": lambda: page(db, viewer, Filters(), now),
            "status-filtered page": lambda: page(db, viewer, Filters(status="pending"), now),
            "recipient prefix": lambda: page(db, viewer, Filters(recipient="ops"), now),
            "status counts": lambda: status_counts(db, viewer, Filters(), now),
            "first page, by recipient": lambda: page(db, viewer, Filters(), now,
                                                     order=by_recipient),
            "pending, by expiry": lambda: page(db, viewer, Filters(status="pending"), now,
                                               order=Order("expires")),
            "second page": lambda: page(db, viewer, Filters(), now, after=second),
            "last full page": lambda: page(db, viewer, Filters(), now, after=deep),
        }
        for name in ("first page", "status-filtered page", "recipient prefix", "second page",
                     "last full page"):
            rows, _ = cases[name]()
            assert len(rows) == 50, (name, len(rows))
        results = {name: timed(fn, rounds) for name, fn in cases.items()}
    engine.dispose()
    return results


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=50)
    parser.add_argument("--sizes", default="100,100000")
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    targets = [("sqlite", lambda n: f"sqlite:///{os.environ['COMMONS_DATA_DIR']}/inv{n}.db")]
    if os.environ.get("COMMONS_TEST_DATABASE_URL"):
        targets.append(("postgresql", lambda n: os.environ["COMMONS_TEST_DATABASE_URL"]))
    for engine_name, url_for in targets:
        by_size = {n: run(url_for(n), n, args.rounds) for n in sizes}
        for name in by_size[sizes[0]]:
            cells = "  ".join(f"{n:>7,}: p50 {by_size[n][name][0]:7.2f} p95 "
                              f"{by_size[n][name][1]:7.2f}" for n in sizes)
            ratio = by_size[sizes[-1]][name][0] / max(by_size[sizes[0]][name][0], 1e-9)
            print(f"{engine_name:10s} {name:26s} {cells}  ratio {ratio:5.2f}")


if __name__ == "__main__":
    main()
