"""A burst of sign-ins does not stall other tabs: passwords are hashed off the event loop."""

import http.client
import re
import statistics
import threading
import time
from urllib.parse import urlencode, urlsplit

import pytest
from playwright.sync_api import expect

from tests.e2e.test_shell_journey import sign_in

pytestmark = pytest.mark.e2e

BURST_THREADS = 20

# Click a button and wait, inside the page, until the server's answer changes it: one
# event's round trip through the backend, timed by the browser's own clock.
ROUND_TRIP = """async (label) => {
  const button = () => document.querySelector(`button[aria-label="${label}"]`);
  const before = button().getAttribute("aria-pressed");
  const started = performance.now();
  button().click();
  await new Promise((resolve, reject) => {
    const check = () => { if (button()?.getAttribute("aria-pressed") !== before) {
      observer.disconnect(); resolve(); } };
    const observer = new MutationObserver(check);
    observer.observe(document.body, {subtree: true, childList: true, attributes: true});
    setTimeout(() => reject(new Error("no answer within 20 s")), 20000);
    check();
  });
  return performance.now() - started;
}"""


def round_trips(page, count: int) -> list[float]:
    """`count` round trips of the Show pending toggle, in milliseconds."""
    return [page.evaluate(ROUND_TRIP, "Show pending") for _ in range(count)]


class SignInBurst:
    """Threads that post right sign-ins to /auth/signin as fast as they are answered.

    Right passwords only: failures from this address would throttle the browser tests
    that follow (they all sign in from 127.0.0.1)."""

    def __init__(self, base: str, threads: int):
        self.base, self.stop, self.answered, self.wrong = base, threading.Event(), 0, []
        self.threads = [threading.Thread(target=self._post, daemon=True)
                        for _ in range(threads)]

    def _post(self) -> None:
        parts = urlsplit(self.base)
        body = urlencode({"tenant": "contoso", "identifier": "frank",
                          "password": "commons-demo", "next": "/"})
        while not self.stop.is_set():
            conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=60)
            conn.request("POST", "/auth/signin", body, {
                "Origin": self.base, "Content-Type": "application/x-www-form-urlencoded"})
            reply = conn.getresponse()
            reply.read()
            conn.close()
            if reply.status != 303 or "error=" in reply.getheader("location", ""):
                self.wrong.append(f"{reply.status} {reply.getheader('location')}")
            self.answered += 1

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(timeout=60)


def test_a_tab_stays_quick_while_twenty_sign_ins_run(browser, live_app, request):
    """Timed on one worker, as the finding was: three workers on this two-core machine
    share the CPU between three hash pools, so what it would measure there is the machine."""
    if request.node.callspec.params.get("live_app") != "one-worker":
        pytest.skip("timed on one worker only (a two-core machine running three workers)")
    base = live_app.url
    alice = browser.new_context().new_page()
    sign_in(alice, base, "contoso", "alice")
    expect(alice.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    alice.get_by_role("navigation", name="Main").get_by_role("link", name="Invitations").click()
    expect(alice.get_by_role("button", name="Show pending")).to_be_visible()
    round_trips(alice, 2)  # warm up
    at_rest = statistics.median(round_trips(alice, 6))

    with SignInBurst(base, BURST_THREADS) as burst:
        time.sleep(1)  # twenty sign-ins wait or run at every moment from here on
        during = round_trips(alice, 6)
        answered_meanwhile = burst.answered
    print(f"at rest {at_rest:.0f} ms, during {[round(t) for t in during]} ms, "
          f"{answered_meanwhile} sign-ins answered")
    assert burst.wrong == []
    assert answered_meanwhile > 0, "the burst did not get going"
    limit = max(5 * at_rest, at_rest + 1000)
    assert statistics.median(during) < limit, (
        f"round trips during the burst {[round(t) for t in during]} ms; "
        f"at rest {at_rest:.0f} ms")
