"""Link pages (invitations, password reset) send no Referer and are not cached."""

import asyncio

from app.api.link_headers import link_headers


async def _page(scope, receive, send):
    await send({"type": "http.response.start", "status": 200,
                "headers": [(b"content-type", b"text/html"), (b"cache-control", b"max-age=60")]})
    await send({"type": "http.response.body", "body": b"<html></html>"})


def _headers(path: str, method: str = "GET") -> dict:
    sent = []

    async def send(message):
        sent.append(message)

    scope = {"type": "http", "path": path, "method": method, "headers": []}
    asyncio.run(link_headers(_page)(scope, None, send))
    return {k.decode(): v.decode() for k, v in sent[0]["headers"]}


def test_link_pages_send_no_referrer_and_no_store():
    for path in ("/invite/abc", "/join/abc", "/org-invite/abc", "/reset/abc"):
        for method in ("GET", "HEAD"):
            got = _headers(path, method)
            assert got["referrer-policy"] == "no-referrer", path
            assert got["cache-control"] == "no-store", path  # in place of the page's own
            assert got["content-type"] == "text/html"


def test_other_pages_keep_their_headers():
    got = _headers("/invitations")
    assert "referrer-policy" not in got and got["cache-control"] == "max-age=60"
