"""Checks that make a start safe when several workers and hosts serve one deployment.

A deployment is shared when its database is PostgreSQL or its Reflex state lives in Redis:
then every host must be given the same COMMONS_SECRET_KEY, Redis must be reachable and
recent enough for Reflex, and only one host at a time migrates and prepares the database.
The database keeps the fingerprint of the key it was first started with (on SQLite too,
where it catches a lost or regenerated data/secret_key), and a start with another key
stops. Every refusal is a `ConfigError` with one line.
"""

import hmac
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError
from sqlalchemy.pool import NullPool
from sqlmodel import Session

from app.db import get_engine
from app.models import DeploymentSetting
from app.settings import ConfigError, Settings, derive_key, without_password

# Reflex's Redis state manager releases its locks with GETDEL, new in Redis 6.2.
REDIS_MIN_VERSION = (6, 2)
# pg_advisory_lock key held while a host migrates and prepares the database ("Commons").
START_LOCK = 0x436F6D6D6F6E73
KEY_FINGERPRINT = "secret_key_fingerprint"
ADOPT_COMMAND = "python -m app.cli adopt-secret-key"
CONNECT_TIMEOUT_S = 10


def is_shared(settings: Settings) -> bool:
    """True when more than one host may serve this deployment (PostgreSQL or Redis)."""
    return (make_url(settings.database_url).get_backend_name() == "postgresql"
            or settings.redis_url is not None)


def require_shared_key(settings: Settings) -> None:
    if is_shared(settings) and not settings.secret_key_from_env:
        raise ConfigError(
            "COMMONS_SECRET_KEY is not set: with PostgreSQL or REDIS_URL every host must "
            "share one key (a key generated into data/secret_key suits one host with SQLite "
            "only)")


def _one_line(err: BaseException) -> str:
    return "; ".join(line.strip() for line in str(err).splitlines() if line.strip())


def database_refusal(url: str, err: OperationalError) -> ConfigError:
    return ConfigError(f"cannot open the database at {without_password(url)}: "
                       f"{_one_line(err.orig or err)}")


def check_postgres(url: str) -> None:
    """Connect once, giving up after CONNECT_TIMEOUT_S (the pool would wait for as long as
    the network lets a connection hang)."""
    probe = create_engine(url, poolclass=NullPool,
                          connect_args={"connect_timeout": CONNECT_TIMEOUT_S})
    try:
        with probe.connect() as conn:
            conn.execute(text("SELECT 1"))
    except OperationalError as err:
        raise database_refusal(url, err) from None
    finally:
        probe.dispose()


def parse_redis_version(version: str) -> tuple[int, ...]:
    """(7, 0, 15) for "7.0.15"; parts that are not numbers end the tuple."""
    parts = []
    for part in version.strip().split("."):
        if not part.isdigit():
            break
        parts.append(int(part))
    return tuple(parts)


def check_redis_version(url: str, version: str) -> None:
    if parse_redis_version(version) < REDIS_MIN_VERSION:
        raise ConfigError(
            f"Redis at {without_password(url)} is version {version}; Commons needs 6.2 or "
            "newer (Reflex uses GETDEL)")


def check_redis(url: str) -> str:
    """The version of the Redis server at `url`, once it is known to be usable."""
    import redis

    client = redis.Redis.from_url(url, socket_connect_timeout=CONNECT_TIMEOUT_S,
                                  socket_timeout=CONNECT_TIMEOUT_S)
    try:
        version = str(client.info("server")["redis_version"])
    except redis.RedisError as err:
        raise ConfigError(
            f"cannot reach Redis at {without_password(url)} (REDIS_URL): {_one_line(err)}"
        ) from None
    finally:
        client.close()
    check_redis_version(url, version)
    return version


def check_services(settings: Settings) -> None:
    """Refuse a start that could not serve a shared deployment, before anything is written."""
    require_shared_key(settings)
    if settings.redis_url:
        check_redis(settings.redis_url)
    if make_url(settings.database_url).get_backend_name() == "postgresql":
        check_postgres(settings.database_url)


@contextmanager
def one_start_at_a_time(url: str, on_wait: Callable[[], None] | None = None) -> Iterator[None]:
    """On PostgreSQL, hold an advisory lock for the block so that hosts starting at once
    migrate and prepare the database one after another: the next one finds the schema at
    head. `on_wait()` is called when another host holds the lock. SQLite serves one host."""
    engine = get_engine(url)
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as conn:
        if not conn.execute(text("SELECT pg_try_advisory_lock(:key)"),
                            {"key": START_LOCK}).scalar():
            if on_wait is not None:
                on_wait()
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": START_LOCK})
        conn.commit()
        try:
            yield
        finally:
            # a session lock outlives transactions: release it before the pool keeps the
            # connection (a broken connection is discarded, and the server drops its lock)
            conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": START_LOCK})
            conn.commit()


def key_fingerprint(secret_key: str) -> str:
    """A value that tells keys apart without revealing them (a key derived for this)."""
    return derive_key(secret_key, "fingerprint").hex()


def check_secret_key(db: Session, secret_key: str) -> None:
    """Store the key's fingerprint on the first start; refuse any other key afterwards."""
    stored = db.get(DeploymentSetting, KEY_FINGERPRINT)
    mine = key_fingerprint(secret_key)
    if stored is None:
        db.add(DeploymentSetting(name=KEY_FINGERPRINT, value=mine))
        db.flush()
    elif not hmac.compare_digest(stored.value, mine):
        raise ConfigError(
            "COMMONS_SECRET_KEY is not the key this database was first started with: every "
            "host must use the same key, or links and sessions made on one host fail on "
            f"another (to change the key on purpose: {ADOPT_COMMAND})")


def adopt_secret_key(db: Session, secret_key: str) -> None:
    """Make `secret_key` the deployment's key. Sessions, invitation links and sealed links
    in waiting mail made with the old key stop working."""
    row = db.get(DeploymentSetting, KEY_FINGERPRINT)
    if row is None:
        db.add(DeploymentSetting(name=KEY_FINGERPRINT, value=key_fingerprint(secret_key)))
    else:
        row.value = key_fingerprint(secret_key)
    db.flush()
