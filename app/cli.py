"""Command line: `python -m app.cli prepare|run|adopt-secret-key|downgrade REVISION|
backup FILE|restore FILE|password-sign-in on|off TENANT`.

`prepare` checks the configuration and the services (app/deployment.py), applies migrations
and seeds the demo data into an empty database; `run` does that, then hands the process over
to `reflex run` in production mode on one port (through app/reflex_runner.py, which builds the
frontend only when what it is built from changed). `adopt-secret-key` makes the database
accept a new COMMONS_SECRET_KEY after a deliberate change; `downgrade 0010` takes the database
back to that migration (the next `prepare` or `run` upgrades it again); `backup` and `restore`
move every row through a file (app/backup.py), between engines too.
`password-sign-in on|off TENANT` lets (or stops) the people of an organization with an
identity provider sign in with passwords: the operator's way back in when the provider
fails. Configuration mistakes end with one line, not a traceback.
"""

import os
import shutil
import socket
import subprocess
import sys

from app.mail.setup import start_log
from app.settings import ROOT, ConfigError, Settings, load_settings


def reflex_env() -> dict[str, str]:
    """The environment for `reflex`: project-local bun and state, nothing fetched from
    anywhere but the package registries, no telemetry, no version checks."""
    env = dict(os.environ)
    tools = ROOT / "tools" / "node_modules" / ".bin"
    env["PATH"] = os.pathsep.join([str(tools), str(ROOT / ".venv" / "bin"), env.get("PATH", "")])
    env.setdefault("REFLEX_USE_SYSTEM_BUN", "1")
    env.setdefault("REFLEX_DIR", str(ROOT / ".reflex-dir"))
    env.setdefault("REFLEX_CHECK_LATEST_VERSION", "false")
    env.setdefault("REFLEX_TELEMETRY_ENABLED", "false")
    if "NPM_CONFIG_REGISTRY" not in env and shutil.which("npm"):
        found = subprocess.run(["npm", "config", "get", "registry"], capture_output=True,
                               text=True, timeout=30).stdout.strip()
        if found:
            env["NPM_CONFIG_REGISTRY"] = found
    return env


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("0.0.0.0", port))
        except OSError:
            return False
    return True


def check_ports(settings: Settings) -> None:
    if not _port_free(settings.port):
        raise ConfigError(f"port {settings.port} is already in use (set COMMONS_PORT)")
    if settings.dev_mailbox and not _port_free(settings.dev_smtp_port):
        raise ConfigError(
            f"the dev mailbox port {settings.dev_smtp_port} is already in use "
            "(set COMMONS_DEV_SMTP_PORT, or COMMONS_SMTP_URL for a real server)")


def prepare(settings: Settings, *, adopt_key: bool = False) -> None:
    """Check the services, then (one host at a time) migrate, check or store the secret
    key's fingerprint (`adopt_key`: replace it), and seed. Refusals raise ConfigError."""
    from sqlalchemy.exc import OperationalError

    from app import deployment
    from app.db import session_scope
    from app.migrate import upgrade

    deployment.check_services(settings)
    url = settings.database_url
    try:
        with deployment.one_start_at_a_time(url, on_wait=lambda: print(
                "commons: another host is preparing the database; waiting for it",
                file=sys.stderr, flush=True)):
            upgrade(url)
            with session_scope() as db:
                if adopt_key:
                    deployment.adopt_secret_key(db, settings.secret_key)
                else:
                    deployment.check_secret_key(db, settings.secret_key)
                _seed(db, settings)
    except OperationalError as err:
        raise deployment.database_refusal(url, err) from None


def _seed(db, settings: Settings) -> None:
    from app.models import utcnow
    from app.services.demo import is_empty, seed_demo, seed_demo_invitations
    from app.services.invitation_actions import MailSettings
    from app.services.roles import ensure_builtin_roles

    ensure_builtin_roles(db)
    if settings.demo and is_empty(db):
        now = utcnow()
        seed_demo(db, now)
        seed_demo_invitations(db, MailSettings(
            settings.secret_key, settings.base_url, settings.tenant_invite_days,
            settings.user_invite_days), now)
        print("commons: demo data seeded (password for every demo user: commons-demo)")
    if settings.demo_idp:
        from app.sso.demo_idp import ensure_demo_provider

        ensure_demo_provider(db, settings)


def demo_idp_log(settings: Settings) -> list[str]:
    if not settings.demo_idp:
        return []
    line = (f"the demo identity provider serves {settings.base_url}/demo-idp for Northwind "
            "(COMMONS_DEMO_IDP=1): it signs in the demo people with the demo password")
    if settings.loopback_base_url:
        return [line]
    return [f"WARNING: {line}, and COMMONS_BASE_URL is not a loopback address: anyone who "
            "reaches it and knows the demo password can sign in. Turn COMMONS_DEMO_IDP off."]


def downgrade(settings: Settings, revision: str) -> int:
    """Take the database back to `revision` (each migration has its way back)."""
    from app.migrate import migrate

    migrate(settings.database_url, revision, down=True)
    print(f"commons: the database is at migration {revision}")
    return 0


def backup_to(settings: Settings, path: str) -> int:
    """Write every row of the configured database to `path` (JSON lines)."""
    from app.backup import backup
    from app.db import get_engine

    with open(path, "w", encoding="utf-8") as out:
        counts = backup(get_engine(settings.database_url), out, settings.secret_key)
    print(f"commons: {sum(counts.values())} rows of {len(counts)} tables written to {path}")
    return 0


def restore_from(settings: Settings, path: str) -> int:
    """Load the backup at `path` into the configured, empty database (migrated first)."""
    from app.backup import BackupRefused, restore
    from app.db import get_engine
    from app.migrate import upgrade

    upgrade(settings.database_url)
    try:
        with open(path, encoding="utf-8") as source:
            counts = restore(get_engine(settings.database_url), source, settings.secret_key)
    except (BackupRefused, OSError) as err:
        raise ConfigError(f"not restored: {err}") from None
    print(f"commons: {sum(counts.values())} rows restored from {path}")
    return 0


def password_sign_in(settings: Settings, switch: str, tenant: str) -> int:
    """Turn password sign-in on or off for the organization with alias or Tenant ID
    `tenant` (its identity provider's setting); one line, exit code 2 when refused."""
    from app.db import get_engine, session_scope
    from app.domain.errors import DomainError
    from app.models import utcnow
    from app.services.identity_providers import set_password_sign_in

    if switch not in ("on", "off"):
        raise ConfigError("password-sign-in takes on or off, then the organization's alias "
                          "or Tenant ID")
    try:
        with session_scope(get_engine(settings.database_url)) as db:
            said = set_password_sign_in(db, tenant, switch == "on", utcnow())
    except DomainError as err:
        raise ConfigError(err.message) from None
    print(f"commons: {said}")
    return 0


TOOLS = {"downgrade": downgrade, "backup": backup_to, "restore": restore_from}


def main(argv: list[str]) -> int:
    command = argv[1] if len(argv) > 1 else "run"
    if command == "password-sign-in" and len(argv) == 4:
        try:
            return password_sign_in(load_settings(), argv[2], argv[3])
        except ConfigError as err:
            print(f"commons: {err}", file=sys.stderr)
            return 2
    if command in TOOLS and len(argv) == 3:
        try:
            return TOOLS[command](load_settings(), argv[2])
        except ConfigError as err:
            print(f"commons: {err}", file=sys.stderr)
            return 2
    if command not in {"prepare", "run", "adopt-secret-key"}:
        print("usage: python -m app.cli prepare|run|adopt-secret-key"
              "|downgrade REVISION|backup FILE|restore FILE"
              "|password-sign-in on|off TENANT", file=sys.stderr)
        return 2
    try:
        settings = load_settings()
        if command == "run":
            check_ports(settings)
        prepare(settings, adopt_key=command == "adopt-secret-key")
    except ConfigError as err:
        print(f"commons: {err}", file=sys.stderr)
        return 2
    if command == "adopt-secret-key":
        print("commons: the database now expects this COMMONS_SECRET_KEY; sessions and links "
              "made with the old key no longer work", file=sys.stderr)
        return 0
    for line in start_log(settings) + demo_idp_log(settings):
        print(f"commons: {line}", file=sys.stderr)
    print("commons: pages of these origins may use a session: "
          + ", ".join(settings.allowed_origins), file=sys.stderr)
    if command == "run":
        print(f"commons: serving on {settings.base_url}")
        sys.stdout.flush()
        sys.stderr.flush()
        os.execve(sys.executable, [sys.executable, "-m", "app.reflex_runner", "run", "--env",
                                   "prod", "--single-port", "--loglevel",
                                   os.environ.get("COMMONS_LOGLEVEL", "info")], reflex_env())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
