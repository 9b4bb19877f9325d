"""One session-wide Commons in production mode, driven by Debian's Chromium.

The app runs as `make run` runs it (`python -m app.cli run`), on a free port, with a fresh
SQLite database, the demo data, and mail going to a real local SMTP server of the tests.
"""

import os
import re
import tempfile
import time
from pathlib import Path

import pytest
from axe_playwright_python.sync_playwright import Axe
from playwright.sync_api import expect

from tests import app_process
from tests.smtp_server import TestSMTPServer

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("COMMONS_CHROMIUM", "/usr/bin/chromium")
ERROR_LINE = re.compile(r"\bERROR\b|Traceback \(most recent call last\)")
# A live update crosses three workers and Redis on a shared two-core machine: give the
# assertions that wait for one more than Playwright's default 5 s.
expect.set_options(timeout=10_000)


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {**browser_type_launch_args, "executable_path": CHROMIUM,
            "args": ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                     "--disable-component-update", "--disable-sync", "--no-first-run"]}


@pytest.fixture(scope="session")
def smtp_server():
    server = TestSMTPServer().start()
    yield server
    server.stop()


class LiveApp:
    def __init__(self, url: str, log: Path, smtp: TestSMTPServer):
        self.url = url
        self.log = log
        self.smtp = smtp

    def log_size(self) -> int:
        return self.log.stat().st_size

    def errors_since(self, offset: int) -> list[str]:
        with self.log.open(errors="replace") as f:
            f.seek(offset)
            return [line.rstrip() for line in f if ERROR_LINE.search(line)]


SCALE_OUT_REDIS = os.environ.get("COMMONS_E2E_REDIS_URL", "redis://127.0.0.1:6379/5")


def _mode_env(mode: str) -> dict:
    """One backend worker, or three workers sharing state through Redis."""
    if mode == "one-worker":
        return {}
    import redis

    redis.Redis.from_url(SCALE_OUT_REDIS).flushdb()
    return {"REDIS_URL": SCALE_OUT_REDIS, "GRANIAN_WORKERS": "3"}


# A journey of one person (their own tabs on one page at a time): the deployment's workers
# change nothing in it, so it runs on one worker only. Journeys where someone hears of
# another's action, or sessions end elsewhere, run on both deployments.
one_worker_only = pytest.mark.parametrize("live_app", ["one-worker"], indirect=True)


@pytest.fixture(scope="session", params=["one-worker", "redis-3-workers"])
def live_app(request, smtp_server):
    """Every browser journey runs against both deployments (but `one_worker_only`)."""
    port = app_process.free_port()
    data = Path(tempfile.mkdtemp(prefix="commons-e2e-"))
    log = data / "app.log"
    env = {**os.environ, "COMMONS_PORT": str(port), "COMMONS_DATA_DIR": str(data),
           "COMMONS_DATABASE_URL": f"sqlite:///{data / 'e2e.db'}", "COMMONS_DEMO": "1",
           "COMMONS_SMTP_URL": smtp_server.url, "COMMONS_BASE_URL": f"http://localhost:{port}",
           "COMMONS_SECRET_KEY": "e2e-secret-key-0123456789abcdef",
           # webhooks may call the tests' receivers on loopback (tests/webhook_receiver.py)
           "COMMONS_OUTBOUND_ALLOW_PRIVATE": "1",
           **_mode_env(request.param)}
    env.pop("PYTEST_CURRENT_TEST", None)
    if request.param == "one-worker":
        env.pop("REDIS_URL", None)
        env["GRANIAN_WORKERS"] = "1"
    url = f"http://localhost:{port}"
    proc = start_app(env, log, url)
    yield LiveApp(url, log, smtp_server)
    stop_app(proc)


def start_app(env: dict, log: Path, url: str):
    try:
        return app_process.start_app(env, log, url)
    except app_process.AppProcessError as err:
        pytest.fail(str(err))


def stop_app(proc) -> None:
    try:
        app_process.stop_app(proc)
    except app_process.AppProcessError as err:
        pytest.fail(str(err))


@pytest.fixture(autouse=True)
def _fail_on_app_errors(request, live_app):
    """A browser test fails when the app logged an ERROR while it ran."""
    start = live_app.log_size()
    yield
    errors = live_app.errors_since(start)
    assert not errors, "the app logged errors:\n" + "\n".join(errors[:20])


_axe = Axe()


def assert_accessible(page, context: str = "") -> None:
    """Scan the page with axe-core; a serious or critical finding fails the test.

    Toasts and dialogs are scanned once their entry animation is over (axe reads the
    opacity and the colours as they are at that moment).
    """
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-sonner-toast]')]"
        ".every(t => getComputedStyle(t).opacity === '1')", timeout=5000)
    # Dialogs fade in: colours read mid-animation are not the ones a person reads.
    page.wait_for_function(
        "() => document.getAnimations().every(a => a.playState !== 'running'"
        " || a.effect?.getTiming().iterations === Infinity)", timeout=5000)
    results = _axe.run(page)
    bad = [v for v in results.response["violations"] if v["impact"] in ("serious", "critical")]
    details = [f"{v['id']} ({v['impact']}): {v['help']} -> "
               f"{[(n['target'], n.get('failureSummary', '')[-160:]) for n in v['nodes']][:3]}"
               for v in bad]
    assert not bad, f"axe findings on {context or page.url}:\n" + "\n".join(details)


def emailed_link(live_app, address: str, path: str) -> str:
    """The newest link to `path` that this app mailed to `address` (the SMTP server is
    shared by both deployments), waiting for the background sender."""
    deadline = time.monotonic() + 20
    prefix = f"{live_app.url}{path}"
    while time.monotonic() < deadline:
        for msg in reversed(live_app.smtp.to(address)):
            links = [u for u in live_app.smtp.links(msg) if u.startswith(prefix)]
            if links:
                return links[-1]
        time.sleep(0.3)
    raise AssertionError(f"no {path} link for {address}")
