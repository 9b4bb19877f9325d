"""The dev Mailbox (COMMONS_DEV_MAILBOX=1): the links in a message are real links, and
nothing in a message is read as HTML.

This journey needs its own app (the shared one mails to the tests' SMTP server), so it
replaces the session app's error check with its own.
"""

import os
import re
import smtplib
import tempfile
from email.message import EmailMessage
from pathlib import Path

import pytest
from playwright.sync_api import expect

from tests.app_process import free_port
from tests.e2e.conftest import LiveApp, assert_accessible, start_app, stop_app
from tests.e2e.test_shell_journey import sign_in

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def mailbox_app():
    port, smtp_port = free_port(), free_port()
    data = Path(tempfile.mkdtemp(prefix="commons-e2e-mailbox-"))
    url = f"http://localhost:{port}"
    env = {**os.environ, "COMMONS_PORT": str(port), "COMMONS_DATA_DIR": str(data),
           "COMMONS_DATABASE_URL": f"sqlite:///{data / 'e2e.db'}", "COMMONS_DEMO": "1",
           "COMMONS_DEV_MAILBOX": "1", "COMMONS_DEV_SMTP_PORT": str(smtp_port),
           "COMMONS_BASE_URL": url, "COMMONS_SECRET_KEY": "e2e-secret-key-0123456789abcdef",
           "GRANIAN_WORKERS": "1"}
    for name in ("PYTEST_CURRENT_TEST", "REDIS_URL", "COMMONS_SMTP_URL"):
        env.pop(name, None)
    proc = start_app(env, data / "app.log", url)
    app = LiveApp(url, data / "app.log", None)
    app.smtp_port = smtp_port
    yield app
    stop_app(proc)


@pytest.fixture(autouse=True)
def _fail_on_app_errors(mailbox_app):
    start = mailbox_app.log_size()
    yield
    errors = mailbox_app.errors_since(start)
    assert not errors, "the app logged errors:\n" + "\n".join(errors[:20])


def _send_raw(port: int, html: str) -> None:
    """A message from elsewhere, as any SMTP client could drop into the sink."""
    msg = EmailMessage()
    msg["From"], msg["To"], msg["Subject"] = "x@evil.example", "y@evil.example", "Tricks"
    msg.set_content(html)
    with smtplib.SMTP("127.0.0.1", port, timeout=10) as smtp:
        smtp.send_message(msg)


def test_a_link_in_an_invitation_email_opens_the_accept_page(browser, mailbox_app):
    _send_raw(mailbox_app.smtp_port,
              '<img src=x onerror="document.title=\'owned\'"> <a href="javascript:alert(1)">'
              "click</a> see https://example.org/page.")
    context = browser.new_context()
    alice = context.new_page()
    sign_in(alice, mailbox_app.url, "contoso", "alice")
    expect(alice.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    alice.get_by_role("navigation", name="Main").get_by_role("link", name="Mailbox").click()

    # The demo's tenant invitation (mailed at start) carries its link as an <a href>.
    letter = alice.locator("div.rt-Card").filter(has_text="ops@tailspin.example").filter(
        has_text="invites your tenant")
    link = letter.get_by_role("link", name=re.compile("invite"))
    expect(link).to_have_count(1)
    assert re.fullmatch(r"(http://localhost:\d+)?/invite/[\w-]+", link.get_attribute("href"))
    assert link.get_attribute("rel") == "noopener noreferrer"

    # Mail content is text: its markup shows as characters, only http(s) becomes a link.
    tricks = alice.locator("div.rt-Card").filter(has_text="Tricks")
    expect(tricks.get_by_text('<a href="javascript:alert(1)">', exact=False)).to_be_visible()
    expect(tricks.locator("img")).to_have_count(0)
    expect(tricks.get_by_role("link")).to_have_count(1)
    assert tricks.get_by_role("link").get_attribute("href") == "https://example.org/page"
    assert alice.title() != "owned"
    assert_accessible(alice, "mailbox")

    with context.expect_page() as opened:
        link.click()
    accept = opened.value
    expect(accept.get_by_role("heading", name="Join Wind Farm Analytics")).to_be_visible()
    assert "/invite/" in accept.url
