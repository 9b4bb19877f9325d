"""Starting a deployment that several workers and hosts share (app/deployment.py): the
refusals of `python -m app.cli prepare`, each one line on stderr with exit code 2, the
secret key's fingerprint, and migrations that run once when hosts start at once."""

import os
import subprocess
import sys
import threading

import pytest
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text
from sqlmodel import Session

from app.db import make_engine
from app.deployment import (
    KEY_FINGERPRINT,
    START_LOCK,
    check_redis,
    check_redis_version,
    key_fingerprint,
    one_start_at_a_time,
    parse_redis_version,
)
from app.domain.permissions import BUILTIN_ROLES
from app.migrate import alembic_config, upgrade
from app.models import DeploymentSetting, Role
from app.settings import ConfigError
from tests.app_process import ROOT, free_port

REDIS = "redis://127.0.0.1:6379/7"
PG = os.environ.get("COMMONS_TEST_DATABASE_URL")
KEY = "deployment-key-0123456789abcdef"
OTHER_KEY = "another-key-0123456789abcdef"
NO_KEY = ("COMMONS_SECRET_KEY is not set: with PostgreSQL or REDIS_URL every host must share "
          "one key (a key generated into data/secret_key suits one host with SQLite only)")
WRONG_KEY = ("COMMONS_SECRET_KEY is not the key this database was first started with: every "
             "host must use the same key, or links and sessions made on one host fail on "
             "another (to change the key on purpose: python -m app.cli adopt-secret-key)")
needs_pg = pytest.mark.skipif(not PG, reason="COMMONS_TEST_DATABASE_URL is not set")


def _env(tmp_path, **env) -> dict:
    """The test process's environment without the knobs each test sets itself."""
    full = {k: v for k, v in os.environ.items()
            if k not in {"COMMONS_SECRET_KEY", "COMMONS_DATABASE_URL", "REDIS_URL",
                         "COMMONS_DEMO", "PYTEST_CURRENT_TEST"}}
    full.update(COMMONS_DATA_DIR=str(tmp_path),
                COMMONS_DATABASE_URL=f"sqlite:///{tmp_path / 'commons.db'}")
    full.update({k: v for k, v in env.items() if v is not None})
    return full


def _cli(tmp_path, command="prepare", **env) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "app.cli", command], cwd=ROOT,
                          env=_env(tmp_path, **env), capture_output=True, text=True,
                          timeout=120)


def _refused(done: subprocess.CompletedProcess) -> str:
    """The one line a refused start printed (after checking it was one line, exit 2)."""
    assert done.returncode == 2, done.stderr
    assert "Traceback" not in done.stderr
    [line] = done.stderr.strip().splitlines()
    assert line.startswith("commons: ")
    return line.removeprefix("commons: ")


# --- the shared key ---------------------------------------------------------------------------


@pytest.mark.parametrize("shared", ["postgresql", "redis"])
def test_a_shared_deployment_does_not_start_without_a_secret_key(tmp_path, shared):
    env = ({"COMMONS_DATABASE_URL": f"postgresql://postgres@127.0.0.1:{free_port()}/commons"}
           if shared == "postgresql" else {"REDIS_URL": REDIS})
    assert _refused(_cli(tmp_path, **env)) == NO_KEY


def test_one_host_on_sqlite_still_starts_with_a_generated_key(tmp_path):
    done = _cli(tmp_path)
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "secret_key").is_file()


def _url(engine) -> str:
    return engine.url.render_as_string(hide_password=False)


def _stored_fingerprint(engine) -> str | None:
    with Session(engine) as db:
        row = db.get(DeploymentSetting, KEY_FINGERPRINT)
        return row.value if row else None


def test_the_first_start_stores_the_fingerprint_and_another_key_stops(engine, tmp_path):
    url = _url(engine)
    first = _cli(tmp_path, COMMONS_DATABASE_URL=url, COMMONS_SECRET_KEY=KEY)
    assert first.returncode == 0, first.stderr
    stored = _stored_fingerprint(engine)
    assert stored == key_fingerprint(KEY) and KEY not in stored

    again = _cli(tmp_path, COMMONS_DATABASE_URL=url, COMMONS_SECRET_KEY=KEY)
    assert again.returncode == 0, again.stderr
    assert _refused(_cli(tmp_path, COMMONS_DATABASE_URL=url,
                         COMMONS_SECRET_KEY=OTHER_KEY)) == WRONG_KEY
    assert _stored_fingerprint(engine) == key_fingerprint(KEY)


def test_adopting_a_new_key_makes_it_the_only_one_that_starts(engine, tmp_path):
    url = _url(engine)
    assert _cli(tmp_path, COMMONS_DATABASE_URL=url, COMMONS_SECRET_KEY=KEY).returncode == 0
    adopted = _cli(tmp_path, "adopt-secret-key", COMMONS_DATABASE_URL=url,
                   COMMONS_SECRET_KEY=OTHER_KEY)
    assert adopted.returncode == 0, adopted.stderr
    assert _stored_fingerprint(engine) == key_fingerprint(OTHER_KEY)
    assert _cli(tmp_path, COMMONS_DATABASE_URL=url,
                COMMONS_SECRET_KEY=OTHER_KEY).returncode == 0
    assert _refused(_cli(tmp_path, COMMONS_DATABASE_URL=url,
                         COMMONS_SECRET_KEY=KEY)) == WRONG_KEY


# --- Redis ------------------------------------------------------------------------------------


def test_redis_versions_parse_into_numbers():
    assert parse_redis_version("7.0.15") == (7, 0, 15)
    assert parse_redis_version("6.2.0-rc2") == (6, 2)  # the numbers before the first non-number
    assert parse_redis_version("255.255.255") == (255, 255, 255)


@pytest.mark.parametrize("version", ["6.0.20", "6.1.9", "5.0.14", "4.0.0"])
def test_redis_below_6_2_is_refused(version):
    with pytest.raises(ConfigError) as err:
        check_redis_version("redis://:pw@cache:6379/0", version)
    assert str(err.value) == (f"Redis at redis://:***@cache:6379/0 is version {version}; "
                              "Commons needs 6.2 or newer (Reflex uses GETDEL)")


@pytest.mark.parametrize("version", ["6.2.0", "6.2.14", "7.0.15", "7.4.2"])
def test_redis_6_2_and_newer_is_accepted(version):
    check_redis_version(REDIS, version)


def test_the_redis_here_is_accepted():
    assert parse_redis_version(check_redis(REDIS)) >= (6, 2)


def test_a_start_with_redis_and_the_key_goes_ahead(tmp_path):
    done = _cli(tmp_path, REDIS_URL=REDIS, COMMONS_SECRET_KEY=KEY)
    assert done.returncode == 0, done.stderr


def test_an_unreachable_redis_stops_the_start_with_one_line(tmp_path):
    port = free_port()
    done = _cli(tmp_path, REDIS_URL=f"redis://:hunter2secret@127.0.0.1:{port}/7",
                COMMONS_SECRET_KEY=KEY)
    line = _refused(done)
    assert line.startswith(f"cannot reach Redis at redis://:***@127.0.0.1:{port}/7 (REDIS_URL): ")
    assert "Connection refused" in line and "hunter2secret" not in done.stderr


# --- PostgreSQL -------------------------------------------------------------------------------


def test_an_unreachable_postgres_stops_the_start_with_one_line(tmp_path):
    port = free_port()
    done = _cli(tmp_path, COMMONS_SECRET_KEY=KEY,
                COMMONS_DATABASE_URL=f"postgresql://postgres:hunter2secret@127.0.0.1:{port}/commons")
    line = _refused(done)
    assert line.startswith("cannot open the database at "
                           f"postgresql+psycopg://postgres:***@127.0.0.1:{port}/commons: ")
    assert "Connection refused" in line and "hunter2secret" not in done.stderr


@needs_pg
def test_a_second_start_waits_while_another_holds_the_start_lock():
    holder = make_engine(PG)
    waited, entered = threading.Event(), threading.Event()

    def start() -> None:
        with one_start_at_a_time(PG, on_wait=waited.set):
            entered.set()

    try:
        with holder.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": START_LOCK})
            starter = threading.Thread(target=start)
            starter.start()
            assert waited.wait(10)
            assert not entered.wait(0.5)
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": START_LOCK})
            assert entered.wait(10)
            starter.join(10)
    finally:
        holder.dispose()


# Each host imports everything first, then all start preparing at the same moment.
HOST = """
import sys
from app.cli import prepare
from app.settings import load_settings
settings = load_settings()
print("ready", flush=True)
sys.stdin.readline()
prepare(settings)
"""


@needs_pg
def test_hosts_starting_at_once_on_a_fresh_database_migrate_it_once(tmp_path):
    fresh = make_engine(PG)
    with fresh.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    try:
        hosts = [subprocess.Popen(
            [sys.executable, "-c", HOST], cwd=ROOT, stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
            env=_env(tmp_path / str(n), COMMONS_DATABASE_URL=PG, COMMONS_SECRET_KEY=KEY))
            for n in range(2)]
        for host in hosts:
            assert host.stdout.readline().strip() == "ready"
        for host in hosts:
            host.stdin.write("\n")
            host.stdin.flush()
        results = [host.communicate(timeout=120) for host in hosts]
        assert [host.returncode for host in hosts] == [0, 0], results
        waiting = [err for _, err in results
                   if "another host is preparing the database; waiting for it" in err]
        assert len(waiting) == 1, results

        head = ScriptDirectory.from_config(alembic_config(PG)).get_current_head()
        with fresh.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")).all() == [
                (head,)]
        with Session(fresh) as db:
            assert db.scalar(select(func.count()).select_from(Role)) == len(BUILTIN_ROLES)
            assert db.get(DeploymentSetting, KEY_FINGERPRINT).value == key_fingerprint(KEY)
    finally:
        upgrade(PG)  # the other tests' engines expect the schema at head
        fresh.dispose()
