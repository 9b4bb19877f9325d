"""Configuration: defaults, and one clear line for each bad value."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.settings import ConfigError, load_settings

ROOT = Path(__file__).resolve().parent.parent


def test_defaults(tmp_path):
    s = load_settings({"COMMONS_DATA_DIR": str(tmp_path)})
    assert s.database_url == f"sqlite:///{tmp_path / 'commons.db'}"
    assert s.base_url == "http://localhost:3000" and s.port == 3000
    assert not s.dev_mailbox and not s.mail_configured and not s.demo and s.redis_url is None
    assert s.allowed_origins == ("http://localhost:3000", "http://127.0.0.1:3000",
                                 "http://[::1]:3000")


def test_the_dev_mailbox_is_a_setting_of_its_own(tmp_path):
    s = load_settings({"COMMONS_DATA_DIR": str(tmp_path), "COMMONS_DEV_MAILBOX": "1"})
    assert s.dev_mailbox and s.mail_configured
    s = load_settings({"COMMONS_DATA_DIR": str(tmp_path), "COMMONS_DEV_MAILBOX": "1",
                       "COMMONS_SMTP_URL": "smtp://mail.example:25"})
    assert not s.dev_mailbox and s.mail_configured


def test_allowed_origins_follow_the_base_url(tmp_path):
    s = load_settings({"COMMONS_DATA_DIR": str(tmp_path),
                       "COMMONS_BASE_URL": "https://commons.example.com/",
                       "COMMONS_ALLOWED_ORIGINS": "https://admin.example.com"})
    assert s.allowed_origins == ("https://commons.example.com", "https://admin.example.com")
    assert not s.loopback_base_url


def test_trusted_proxies_are_addresses_or_networks(tmp_path):
    import ipaddress
    s = load_settings({"COMMONS_DATA_DIR": str(tmp_path),
                       "COMMONS_TRUSTED_PROXIES": "10.0.0.5, 192.168.1.0/24"})
    assert ipaddress.ip_address("192.168.1.7") in s.trusted_proxies[1]


def test_the_data_folder_and_key_file_are_private(tmp_path):
    data = tmp_path / "data"
    load_settings({"COMMONS_DATA_DIR": str(data)})
    assert data.stat().st_mode & 0o777 == 0o700
    assert (data / "secret_key").stat().st_mode & 0o777 == 0o600


def test_each_purpose_has_its_own_key(tmp_path):
    s = load_settings({"COMMONS_DATA_DIR": str(tmp_path)})
    keys = {s.key(p) for p in ("broadcast-seal", "outbox-links", "sign-in-code")}
    assert len(keys) == 3 and s.secret_key.encode() not in keys


def test_a_bad_smtp_url_never_shows_its_password(tmp_path):
    with pytest.raises(ConfigError) as err:
        load_settings({"COMMONS_DATA_DIR": str(tmp_path),
                       "COMMONS_SMTP_URL": "smtp://mailer:hunter2secret@mail:notaport"})
    assert "hunter2secret" not in str(err.value) and "mailer:***@mail" in str(err.value)


def test_secret_key_is_generated_once_and_kept(tmp_path):
    first = load_settings({"COMMONS_DATA_DIR": str(tmp_path)}).secret_key
    assert len(first) >= 48
    assert load_settings({"COMMONS_DATA_DIR": str(tmp_path)}).secret_key == first
    assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def test_postgres_url_gets_the_psycopg_driver(tmp_path):
    s = load_settings({"COMMONS_DATA_DIR": str(tmp_path),
                       "COMMONS_DATABASE_URL": "postgresql://u@h/db"})
    assert s.database_url.startswith("postgresql+psycopg://")


@pytest.mark.parametrize("name,value,words", [
    ("COMMONS_DATABASE_URL", "not a url", "not a database URL"),
    ("COMMONS_DATABASE_URL", "mysql://x/y", "not supported"),
    ("COMMONS_SMTP_URL", "http://mail", "not an SMTP URL"),
    ("COMMONS_SMTP_URL", "smtp://mail:notaport", "bad port"),
    ("COMMONS_SMTP_URL", "smtp+starttls://u:p@mail?cafile=/no/such.pem", "does not exist"),
    ("COMMONS_BASE_URL", "localhost", "not an http(s) URL"),
    ("COMMONS_PORT", "eighty", "not a whole number"),
    ("COMMONS_PORT", "70000", "outside"),
    ("COMMONS_DEMO", "maybe", "yes/no"),
    ("COMMONS_SECRET_KEY", "short", "too short"),
    ("REDIS_URL", "http://r", "redis://"),
    ("COMMONS_TRUSTED_PROXIES", "proxy.local", "not an IP address"),
    ("COMMONS_ALLOWED_ORIGINS", "example.com", "not an origin"),
    ("COMMONS_DEV_MAILBOX", "perhaps", "yes/no"),
])
def test_bad_values_are_refused_with_a_reason(tmp_path, name, value, words):
    with pytest.raises(ConfigError, match=words.replace("(", r"\(").replace(")", r"\)")):
        load_settings({"COMMONS_DATA_DIR": str(tmp_path), name: value})


def _cli(tmp_path, **env):
    full = {**os.environ, "COMMONS_DATA_DIR": str(tmp_path), **env}
    full.pop("COMMONS_DATABASE_URL", None)
    full.update(env)
    return subprocess.run([sys.executable, "-m", "app.cli", "run"], cwd=ROOT, env=full,
                          capture_output=True, text=True, timeout=60)


def test_cli_prints_one_line_for_a_bad_url(tmp_path):
    done = _cli(tmp_path, COMMONS_DATABASE_URL="nonsense")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        "commons: COMMONS_DATABASE_URL='nonsense' is not a database URL"]


def test_cli_prints_one_line_for_a_port_in_use(tmp_path):
    import socket
    with socket.socket() as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        port = busy.getsockname()[1]
        done = _cli(tmp_path, COMMONS_PORT=str(port))
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == [
        f"commons: port {port} is already in use (set COMMONS_PORT)"]


def test_prepare_migrates_and_seeds_the_demo_once(tmp_path):
    env = {**os.environ, "COMMONS_DATA_DIR": str(tmp_path), "COMMONS_DEMO": "1",
           "COMMONS_DATABASE_URL": f"sqlite:///{tmp_path / 'demo.db'}"}
    first = subprocess.run([sys.executable, "-m", "app.cli", "prepare"], cwd=ROOT, env=env,
                           capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert "demo data seeded" in first.stdout
    second = subprocess.run([sys.executable, "-m", "app.cli", "prepare"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert second.returncode == 0 and "seeded" not in second.stdout


def test_the_start_log_names_the_origins_that_may_use_a_session(tmp_path):
    env = {**os.environ, "COMMONS_DATA_DIR": str(tmp_path), "COMMONS_PORT": "3456",
           "COMMONS_DATABASE_URL": f"sqlite:///{tmp_path / 'o.db'}"}
    env.pop("COMMONS_BASE_URL", None)
    done = subprocess.run([sys.executable, "-m", "app.cli", "prepare"], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert ("may use a session: http://localhost:3456, http://127.0.0.1:3456, "
            "http://[::1]:3456") in done.stderr
