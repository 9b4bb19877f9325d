"""`make soak`: the battery rows that run the whole app for a while (issue 15, rows 10, 11
and 15): two workers through a database cut and a Redis restart, and the load smoke.

They need the PostgreSQL server of the machine (COMMONS_SOAK_DATABASE_URL, else
COMMONS_TEST_DATABASE_URL: a database they wipe) and start their own `redis-server` on a
spare port, so the machine's Redis and what else uses it are left alone.
"""

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import pytest

from tests.app_process import free_port


def database_url() -> str:
    url = os.environ.get("COMMONS_SOAK_DATABASE_URL") or os.environ.get(
        "COMMONS_TEST_DATABASE_URL")
    if not url:
        pytest.fail("set COMMONS_TEST_DATABASE_URL (a PostgreSQL database to wipe): "
                    "the soak runs two workers on PostgreSQL")
    return url


class PrivateRedis:
    """A `redis-server` of the test's own, keeping nothing on disk: a restart empties it,
    as a Redis that lost its memory would come back."""

    def __init__(self):
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.dir = Path(tempfile.mkdtemp(prefix="commons-redis-"))
        self.proc = None

    def start(self) -> "PrivateRedis":
        server = shutil.which("redis-server")
        if server is None:
            pytest.fail("redis-server is not installed (make setup installs it)")
        self.proc = subprocess.Popen(
            [server, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", str(self.dir)],
            stdout=(self.dir / "redis.log").open("a"), stderr=subprocess.STDOUT)
        import redis

        client = redis.Redis.from_url(self.url)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                return self
            except redis.ConnectionError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.05)

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.kill()
            self.proc.wait()
            self.proc = None

    def restart(self, down_for: float = 1.0) -> None:
        """Kill it (no shutdown save), stay away `down_for` seconds, start it empty."""
        self.stop()
        time.sleep(down_for)
        self.start()


@pytest.fixture
def private_redis():
    redis = PrivateRedis().start()
    yield redis
    redis.stop()
