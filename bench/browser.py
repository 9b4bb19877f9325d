"""What the browser benchmarks share: Debian's Chromium, signing a context in, and timings
taken inside the pages.

A time is `performance.timeOrigin + performance.now()`: milliseconds on one clock that
every tab of one browser shares, so a click in one tab and a change it causes in another
tab are compared directly, without Playwright's polling in between.
"""

import os
from contextlib import contextmanager

from playwright.sync_api import sync_playwright

CHROMIUM = os.environ.get("COMMONS_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run",
        # a tab in the background must not be throttled: several tabs are timed at once
        "--disable-background-timer-throttling", "--disable-renderer-backgrounding",
        "--disable-backgrounding-occluded-windows"]


@contextmanager
def chromium():
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            yield browser
        finally:
            browser.close()


def signed_in_page(browser, base: str, tenant: str, identifier: str,
                   password: str = "commons-demo", path: str = "/"):
    """A new context signed in through POST /auth/signin (as the sign-in form posts), on
    `path`."""
    page = signed_in_context(browser, base, tenant, identifier, password, path).new_page()
    page.goto(base + path)
    return page


def signed_in_context(browser, base: str, tenant: str, identifier: str,
                      password: str = "commons-demo", path: str = "/"):
    """A new context holding a session cookie (signed in as the sign-in form posts), with
    no page open yet."""
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    answer = context.request.post(f"{base}/auth/signin", headers={"Origin": base},
                                  form={"tenant": tenant, "identifier": identifier,
                                        "password": password, "next": path},
                                  max_redirects=0)
    if answer.status not in (302, 303) or "signin" in answer.headers.get("location", ""):
        raise RuntimeError(f"sign-in as {identifier}@{tenant} failed: {answer.status} "
                           f"{answer.headers.get('location')}")
    return context


# In a page: stamp the moment a matching element is clicked (capture phase, before any
# handler of the page runs). Returns nothing; read `window.__clickedAt`.
STAMP_CLICK = """(selector) => {
  window.__clickedAt = null;
  const listener = (e) => {
    if (e.target.closest(selector)) {
      window.__clickedAt = performance.timeOrigin + performance.now();
      document.removeEventListener('click', listener, true);
    }
  };
  document.addEventListener('click', listener, true);
}"""

# In a page: from now on, stamp the first moment `test()` (a JS expression over `document`)
# holds after a DOM change. Read the promise `window.__seen`.
WATCH = """(test) => {
  const holds = new Function('return (' + test + ')');
  window.__seen = new Promise((resolve, reject) => {
    const check = () => {
      if (holds()) {
        observer.disconnect();
        resolve(performance.timeOrigin + performance.now());
      }
    };
    const observer = new MutationObserver(check);
    observer.observe(document.body, {subtree: true, childList: true, characterData: true,
                                     attributes: true});
    setTimeout(() => { observer.disconnect(); reject(new Error('not seen within 20 s')); },
               20000);
  });
}"""


def watch(page, test: str) -> None:
    page.evaluate(WATCH, test)


def seen(page) -> float:
    return page.evaluate("() => window.__seen")


def stamp_click(page, selector: str) -> None:
    page.evaluate(STAMP_CLICK, selector)


def clicked_at(page) -> float:
    return page.evaluate("() => window.__clickedAt")


def time_click(page, selector: str, test: str) -> float:
    """Milliseconds from a click on `selector` to the first DOM change after which `test`
    holds, both seen inside `page`."""
    watch(page, test)
    stamp_click(page, selector)
    page.click(selector)
    return seen(page) - clicked_at(page)
