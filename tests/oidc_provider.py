"""A real OpenID provider on loopback, for tests: `app.sso.provider.OpenIDProvider` served by
uvicorn in a background thread, with issuer `http://127.0.0.1:<port>/idp`.

`oidc_server` (session) starts it once; `oidc_provider` (per test) turns its test hooks off, puts
back the default people, and gives the test an `OIDCTestProvider`. Clients stay registered
across tests (`add_client` replaces one with the same client_id).
"""

import hmac
import socket
import threading
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

import pytest
import uvicorn
from starlette.applications import Starlette

from app.sso.provider import OpenIDProvider, Person, ProviderClient

TITLE = "Test identity provider"
DEFAULT_PEOPLE = {
    "ada": ("ada-password", Person("ada-0001", "ada@example.org", True, "Ada Lovelace")),
    "grace": ("grace-password", Person("grace-0002", "grace@example.org", True, "Grace Hopper")),
}


class ProviderLoginFailed(AssertionError):
    """`login` did not end in a redirect to the relying party."""


@dataclass
class OIDCTestProvider:
    issuer: str
    provider: OpenIDProvider
    people: dict[str, tuple[str, Person]] = field(default_factory=dict)  # username -> (pw, who)

    def add_client(self, client_id: str, client_secret: str, redirect_uris,
                   post_logout_redirect_uris=()) -> ProviderClient:
        client = ProviderClient(client_id, client_secret, tuple(redirect_uris),
                                tuple(post_logout_redirect_uris))
        self.provider.add_client(client)
        return client

    def authenticate(self, username: str, password: str) -> Person | None:
        known = self.people.get(username)
        if known and hmac.compare_digest(known[0].encode(), password.encode()):
            return known[1]
        return None

    def login(self, http, authorize_url: str, username: str, password: str) -> str:
        """Sign in as a browser would, with `http` (an httpx.Client, or the httpx module):
        GET the sign-in page, POST the credentials to its form, and return the Location the
        provider redirects to (the relying party's callback), without following it. A request
        the provider refuses with a redirect (`?error=...`) gives that Location at once."""
        page = http.get(authorize_url, follow_redirects=False)
        if page.status_code in (302, 303):
            return page.headers["location"]
        if page.status_code != 200:
            raise ProviderLoginFailed(f"sign-in page: {page.status_code} {page.text[:300]}")
        form = _FormAction()
        form.feed(page.text)
        answer = http.post(urljoin(str(page.url), form.action or ""), follow_redirects=False,
                           data={"username": username, "password": password})
        if answer.status_code not in (302, 303):
            raise ProviderLoginFailed(f"sign-in: {answer.status_code} {answer.text[:300]}")
        return answer.headers["location"]


class _FormAction(HTMLParser):
    action: str | None = None

    def handle_starttag(self, tag, attrs):
        if tag == "form" and self.action is None:
            self.action = dict(attrs).get("action") or ""


def _serve(provider_for_port) -> tuple[uvicorn.Server, threading.Thread, "OIDCTestProvider"]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    made = provider_for_port(sock.getsockname()[1])
    app = Starlette(routes=made.provider.routes())
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off",
                                           access_log=False))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the test OpenID provider did not start")
        time.sleep(0.01)
    return server, thread, made


@pytest.fixture(scope="session")
def oidc_server():
    """The provider, served on loopback for the whole session."""
    def make(port: int) -> OIDCTestProvider:
        issuer = f"http://127.0.0.1:{port}/idp"
        made = OIDCTestProvider(issuer, None, dict(DEFAULT_PEOPLE))
        made.provider = OpenIDProvider(issuer, clients=[], authenticate=made.authenticate,
                                       title=TITLE)
        return made

    server, thread, made = _serve(make)
    yield made
    server.should_exit = True
    thread.join(timeout=10)


@pytest.fixture
def oidc_provider(oidc_server: OIDCTestProvider) -> OIDCTestProvider:
    """The session's provider, with its test hooks off and the default people only."""
    oidc_server.provider.reset_hooks()
    oidc_server.people.clear()
    oidc_server.people.update(DEFAULT_PEOPLE)
    return oidc_server
