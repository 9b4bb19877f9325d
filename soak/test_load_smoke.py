"""Row 15 of the battery: the load smoke (bench/bench_load.py), held to zero errors and to
invitations whose every status their history explains; what happened is printed (also by
`make bench`)."""

import os
import tempfile
from pathlib import Path

from bench.bench_load import smoke
from soak.conftest import database_url

SECONDS = float(os.environ.get("COMMONS_SOAK_SECONDS", "60"))


def held(outcome) -> None:
    assert outcome.errors == [], "\n".join(outcome.errors[:30])
    done = outcome.tally.done
    # the smoke went through the whole handshake, more than once
    for action in ("invite", "join", "confirm", "resend", "revoke"):
        assert done[action] > 0, f"nobody managed to {action}: {dict(done)}"
    assert outcome.mails > 0


def test_sqlite_one_worker():
    data = Path(tempfile.mkdtemp(prefix="commons-soak-"))
    held(smoke("1 worker, SQLite", f"sqlite:///{data / 'load.db'}", {}, SECONDS))


def test_postgresql_two_workers(private_redis):
    held(smoke("2 workers, PostgreSQL + Redis", database_url(),
               {"REDIS_URL": private_redis.url, "GRANIAN_WORKERS": "2"}, SECONDS,
               private_redis.url))
