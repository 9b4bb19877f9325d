"""Another site's page cannot use a person's session: the websocket and the
cookie-authenticated routes refuse a foreign Origin, and accept the app's own."""

import socket
from urllib.parse import urlsplit

import httpx

EVIL = "https://evil.example"


def _websocket_status(url: str, origin: str) -> int:
    """The HTTP status of a websocket handshake on Reflex's event endpoint."""
    parts = urlsplit(url)
    request = (f"GET /_event/?EIO=4&transport=websocket HTTP/1.1\r\n"
               f"Host: {parts.netloc}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
               "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n"
               f"Origin: {origin}\r\n\r\n")
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(request.encode())
        head = sock.recv(200).decode(errors="replace")
    return int(head.split()[1])


def _signed_in_cookie(live_app) -> dict:
    with httpx.Client(base_url=live_app.url, follow_redirects=False) as client:
        client.post("/auth/signin", headers={"Origin": live_app.url}, data={
            "tenant": "contoso", "identifier": "alice", "password": "commons-demo"})
        return dict(client.cookies)


def test_the_websocket_accepts_only_the_apps_own_origin(live_app):
    assert _websocket_status(live_app.url, live_app.url) == 101
    port = urlsplit(live_app.url).port
    assert _websocket_status(live_app.url, f"http://127.0.0.1:{port}") == 101
    assert _websocket_status(live_app.url, EVIL) in (400, 403)
    assert _websocket_status(live_app.url, "null") in (400, 403)


def test_a_foreign_page_cannot_export_with_the_persons_cookie(live_app):
    cookies = _signed_in_cookie(live_app)
    assert cookies, "alice could not sign in"
    with httpx.Client(base_url=live_app.url, cookies=cookies) as client:
        own = client.get("/invitations.csv", headers={"Origin": live_app.url})
        assert own.status_code == 200 and own.text.startswith("Kind,")
        foreign = client.get("/invitations.csv", headers={"Origin": EVIL})
        assert foreign.status_code == 403 and "Kind," not in foreign.text
        assert "access-control-allow-origin" not in foreign.headers
        sneaky = client.get("/invitations.csv", headers={"Sec-Fetch-Site": "cross-site"})
        assert sneaky.status_code == 403
        preflight = client.options("/invitations.csv", headers={
            "Origin": EVIL, "Access-Control-Request-Method": "GET"})
        assert preflight.headers.get("access-control-allow-origin") != EVIL


def test_a_foreign_page_cannot_sign_in_or_out(live_app):
    with httpx.Client(base_url=live_app.url, follow_redirects=False) as client:
        answer = client.post("/auth/signin", headers={"Origin": EVIL}, data={
            "tenant": "contoso", "identifier": "alice", "password": "commons-demo"})
        assert answer.status_code == 403 and not client.cookies
