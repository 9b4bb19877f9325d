"""Every knob Commons reads from the environment, in one place.

`load_settings()` validates and returns an immutable `Settings`; a bad value raises
`ConfigError` with a one-line message that the command line prints as is.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import os
import secrets
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

ROOT = Path(__file__).resolve().parent.parent

TRUE_WORDS = {"1", "true", "yes", "on"}
FALSE_WORDS = {"0", "false", "no", "off", ""}
SESSION_COOKIE = "commons_session"  # over https with the __Host- prefix (session_cookie)


class ConfigError(Exception):
    """A configuration value that Commons cannot start with."""


@dataclass(frozen=True)
class Settings:
    database_url: str
    smtp_url: str | None
    base_url: str
    port: int
    demo: bool
    secret_key: str
    redis_url: str | None
    data_dir: Path
    dev_smtp_port: int
    session_hours: int
    tenant_invite_days: int
    user_invite_days: int
    reminder_hours: int
    dev_mailbox_on: bool = False
    invites_per_hour: int = 2000   # addresses one inviter may invite in an hour
    invites_per_day: int = 10000   # addresses one organization may invite in a day
    trusted_proxies: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    allowed_origins: tuple[str, ...] = ()
    bench_ping: bool = False  # COMMONS_BENCH_PING: the benchmark's minimal page
    # COMMONS_OUTBOUND_ALLOW_PRIVATE: webhooks may call loopback and private addresses
    # (tests, the demo); never in production, where an admin could probe the network
    outbound_allow_private: bool = False
    # the demo's own identity provider under /demo-idp (app/sso/demo_idp.py); `make run`
    demo_idp: bool = False
    # False when the key was generated into data/secret_key: right for one host only
    secret_key_from_env: bool = False

    @property
    def dev_mailbox(self) -> bool:
        """True when mail goes to the built-in dev mailbox (COMMONS_DEV_MAILBOX=1 and no
        SMTP server configured)."""
        return self.dev_mailbox_on and not self.smtp_url

    @property
    def mail_configured(self) -> bool:
        """False when mail can only wait in the outbox: no SMTP server, no dev mailbox."""
        return bool(self.smtp_url) or self.dev_mailbox

    @property
    def secure(self) -> bool:
        """Served over https: cookies are Secure and the session cookie is `__Host-`."""
        return self.base_url.startswith("https://")

    @property
    def session_cookie(self) -> str:
        """The session cookie's name; on https the `__Host-` prefix binds it to this exact
        host, path / and a secure connection."""
        return ("__Host-" if self.secure else "") + SESSION_COOKIE

    @property
    def loopback_base_url(self) -> bool:
        return _is_loopback_host(urlsplit(self.base_url).hostname or "")

    def key(self, purpose: str) -> bytes:
        """A key for one purpose only, derived from the secret key (HMAC-SHA256 of the
        purpose). Token hashes of links and sessions keep the secret key itself, so
        those issued before keys were derived keep working."""
        return derive_key(self.secret_key, purpose)


def derive_key(secret_key: str, purpose: str) -> bytes:
    """The key for `purpose` (a short fixed name such as "broadcast-seal")."""
    return hmac.new(secret_key.encode(), f"commons/{purpose}".encode(),
                    hashlib.sha256).digest()


def _is_loopback_host(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _bool(env: dict, name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None:
        return default
    word = raw.strip().lower()
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise ConfigError(f"{name}={raw!r} is not a yes/no value (use 1 or 0)")


def _int(env: dict, name: str, default: int, low: int, high: int) -> int:
    raw = env.get(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ConfigError(f"{name}={raw!r} is not a whole number") from None
    if not low <= value <= high:
        raise ConfigError(f"{name}={value} is outside {low}..{high}")
    return value


def _database_url(env: dict, data_dir: Path) -> str:
    raw = env.get("COMMONS_DATABASE_URL", "").strip()
    if not raw:
        return f"sqlite:///{data_dir / 'commons.db'}"
    from sqlalchemy.engine import make_url
    from sqlalchemy.exc import ArgumentError

    try:
        url = make_url(raw)
    except ArgumentError:
        raise ConfigError(f"COMMONS_DATABASE_URL={raw!r} is not a database URL") from None
    if url.get_backend_name() not in {"sqlite", "postgresql"}:
        raise ConfigError(
            f"COMMONS_DATABASE_URL: {url.get_backend_name()!r} is not supported (sqlite or postgresql)"
        )
    if url.get_backend_name() == "postgresql" and url.drivername == "postgresql":
        raw = url.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return raw


def without_password(url: str) -> str:
    """`url` with any password in it replaced by ***, for messages and logs."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    user = parts.username or ""
    host = parts.netloc.rsplit("@", 1)[1]
    return parts._replace(netloc=f"{user}:***@{host}").geturl()


def _smtp_url(env: dict) -> str | None:
    raw = env.get("COMMONS_SMTP_URL", "").strip()
    if not raw:
        return None
    parts = urlsplit(raw)
    shown = without_password(raw) if "@" in raw else raw
    if parts.scheme not in {"smtp", "smtps", "smtp+starttls"} or not parts.hostname:
        raise ConfigError(
            f"COMMONS_SMTP_URL={shown!r} is not an SMTP URL (smtp://[user:pass@]host[:port])"
        )
    try:
        _ = parts.port
    except ValueError:
        raise ConfigError(f"COMMONS_SMTP_URL={shown!r} has a bad port") from None
    cafile = parse_qs(parts.query).get("cafile", [""])[0]
    if cafile and not Path(cafile).is_file():
        raise ConfigError(f"COMMONS_SMTP_URL names a cafile that does not exist: {cafile}")
    return raw


def _base_url(env: dict, port: int) -> str:
    raw = env.get("COMMONS_BASE_URL", "").strip() or f"http://localhost:{port}"
    parts = urlsplit(raw)
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigError(f"COMMONS_BASE_URL={raw!r} is not an http(s) URL")
    return raw.rstrip("/")


def _secret_key(env: dict, data_dir: Path) -> str:
    raw = env.get("COMMONS_SECRET_KEY", "").strip()
    if raw:
        if len(raw) < 16:
            raise ConfigError("COMMONS_SECRET_KEY is too short (at least 16 characters)")
        return raw
    path = data_dir / "secret_key"
    if path.exists():
        return path.read_text().strip()
    make_private_dir(data_dir)
    key = secrets.token_urlsafe(48)
    # Created 0600 in one step (never readable by others, not even briefly); O_EXCL: two
    # workers starting at once cannot both write a different key.
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as f:
        f.write(key)
    return key


def make_private_dir(path: Path) -> None:
    """Create `path` (and parents) readable by this user only; an existing data folder
    that others may read is closed to them."""
    path.mkdir(parents=True, exist_ok=True, mode=0o700)
    if path.stat().st_mode & 0o077:
        path.chmod(0o700)


def _trusted_proxies(env: dict) -> tuple:
    raw = env.get("COMMONS_TRUSTED_PROXIES", "").strip()
    nets = []
    for item in filter(None, (p.strip() for p in raw.split(","))):
        try:
            nets.append(ipaddress.ip_network(item, strict=False))
        except ValueError:
            raise ConfigError(f"COMMONS_TRUSTED_PROXIES: {item!r} is not an IP address or "
                              "network (e.g. 10.0.0.5 or 10.0.0.0/24)") from None
    return tuple(nets)


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def _allowed_origins(env: dict, base_url: str) -> tuple[str, ...]:
    """The origins whose pages may use a session: the base URL's, the loopback names of it
    when it is a loopback URL, and COMMONS_ALLOWED_ORIGINS."""
    origins = [_origin(base_url)]
    parts = urlsplit(base_url)
    if _is_loopback_host(parts.hostname or ""):
        port = f":{parts.port}" if parts.port else ""
        origins += [f"{parts.scheme}://{h}{port}" for h in ("localhost", "127.0.0.1", "[::1]")]
    for item in filter(None, (p.strip() for p in env.get("COMMONS_ALLOWED_ORIGINS", "")
                              .split(","))):
        parts = urlsplit(item)
        if parts.scheme not in {"http", "https"} or not parts.netloc or parts.path.strip("/"):
            raise ConfigError(f"COMMONS_ALLOWED_ORIGINS: {item!r} is not an origin "
                              "(scheme://host[:port])")
        origins.append(_origin(item))
    return tuple(dict.fromkeys(origins))


def load_settings(env: dict | None = None) -> Settings:
    """Read and check the configuration from `env` (default: the process environment)."""
    env = dict(os.environ if env is None else env)
    data_dir = Path(env.get("COMMONS_DATA_DIR", "") or ROOT / "data")
    make_private_dir(data_dir)
    port = _int(env, "COMMONS_PORT", 3000, 1, 65535)
    redis_url = env.get("REDIS_URL", "").strip() or None
    if redis_url and urlsplit(redis_url).scheme not in {"redis", "rediss", "unix"}:
        raise ConfigError(f"REDIS_URL={redis_url!r} is not a redis:// URL")
    base_url = _base_url(env, port)
    return Settings(
        database_url=_database_url(env, data_dir),
        smtp_url=_smtp_url(env),
        base_url=base_url,
        port=port,
        demo=_bool(env, "COMMONS_DEMO", False),
        secret_key=_secret_key(env, data_dir),
        redis_url=redis_url,
        data_dir=data_dir,
        dev_smtp_port=_int(env, "COMMONS_DEV_SMTP_PORT", 8025, 1, 65535),
        session_hours=_int(env, "COMMONS_SESSION_HOURS", 12, 1, 24 * 30),
        tenant_invite_days=_int(env, "COMMONS_TENANT_INVITE_DAYS", 14, 1, 90),
        user_invite_days=_int(env, "COMMONS_USER_INVITE_DAYS", 7, 1, 90),
        reminder_hours=_int(env, "COMMONS_REMINDER_HOURS", 24, 0, 24 * 30),
        invites_per_hour=_int(env, "COMMONS_INVITES_PER_HOUR", 2000, 1, 10**7),
        invites_per_day=_int(env, "COMMONS_INVITES_PER_DAY", 10000, 1, 10**8),
        dev_mailbox_on=_bool(env, "COMMONS_DEV_MAILBOX", False),
        trusted_proxies=_trusted_proxies(env),
        allowed_origins=_allowed_origins(env, base_url),
        secret_key_from_env=bool(env.get("COMMONS_SECRET_KEY", "").strip()),
        bench_ping=_bool(env, "COMMONS_BENCH_PING", False),
        outbound_allow_private=_bool(env, "COMMONS_OUTBOUND_ALLOW_PRIVATE", False),
        demo_idp=_bool(env, "COMMONS_DEMO_IDP", False),
    )


_current: Settings | None = None


def get_settings() -> Settings:
    """The process-wide settings, loaded once."""
    global _current
    if _current is None:
        _current = load_settings()
    return _current
