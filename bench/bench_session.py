"""Per-event cost of resolving the session and listing communities.

Every Reflex event re-checks the session row (`viewer_for_token`), so its latency is paid
on every click. Prints p50/p95 in milliseconds for SQLite and, when
COMMONS_TEST_DATABASE_URL is set, PostgreSQL (that database is wiped).

    .venv/bin/python bench/bench_session.py [--communities 2000] [--rounds 300]
"""

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("COMMONS_DATA_DIR", tempfile.mkdtemp(prefix="commons-bench-"))

from sqlmodel import Session  # noqa: E402

from app.models import Community, CommunityTenant, utcnow  # noqa: E402
from app.services.auth import sign_in, viewer_for_token  # noqa: E402
from app.services.communities import list_communities  # noqa: E402
from app.services.demo import DEMO_PASSWORD, seed_demo  # noqa: E402
from bench.worlds import fresh_database  # noqa: E402

SECRET = "bench-secret-key-0123456789abcdef"


def _timed(fn, rounds):
    samples = []
    for _ in range(rounds):
        start = time.perf_counter()
        fn()
        samples.append((time.perf_counter() - start) * 1000)
    samples.sort()
    return statistics.median(samples), samples[int(len(samples) * 0.95) - 1]


def run(url: str, communities: int, rounds: int) -> None:
    engine = fresh_database(url)
    with Session(engine, expire_on_commit=False) as db:
        orgs = seed_demo(db, utcnow())
        for i in range(communities):  # other tenants' communities the viewer must not see
            owner = orgs["fabrikam"] if i % 2 else orgs["northwind"]
            c = Community(organization_id=owner.id, name=f"Community {i:05d}")
            db.add(c)
            db.flush()
            db.add(CommunityTenant(community_id=c.id, organization_id=owner.id, is_owner=True))
        db.commit()
        token = sign_in(db, secret_key=SECRET, tenant="contoso", identifier="alice",
                        password=DEMO_PASSWORD, now=utcnow(), hours=12).token_or_raise()
        db.commit()
        viewer = viewer_for_token(db, secret_key=SECRET, token=token, now=utcnow())

        def resolve():
            with Session(engine) as s:
                viewer_for_token(s, secret_key=SECRET, token=token, now=utcnow())

        def listing():
            with Session(engine) as s:
                list_communities(s, viewer)

        for name, fn in [("resolve session (per event)", resolve),
                         (f"list communities ({communities} others')", listing)]:
            p50, p95 = _timed(fn, rounds)
            print(f"{engine.dialect.name:10s} {name:38s} p50 {p50:6.2f} ms  p95 {p95:6.2f} ms")
    engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--communities", type=int, default=2000)
    parser.add_argument("--rounds", type=int, default=300)
    args = parser.parse_args()
    run(f"sqlite:///{os.environ['COMMONS_DATA_DIR']}/bench.db", args.communities, args.rounds)
    if os.environ.get("COMMONS_TEST_DATABASE_URL"):
        run(os.environ["COMMONS_TEST_DATABASE_URL"], args.communities, args.rounds)


if __name__ == "__main__":
    main()
