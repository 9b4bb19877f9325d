"""On https the session cookie is a `__Host-` cookie: Secure, path /, this host only."""

import asyncio

from starlette.requests import Request

from app.settings import load_settings


def test_the_cookie_name_follows_the_scheme(tmp_path):
    plain = load_settings({"COMMONS_DATA_DIR": str(tmp_path)})
    tls = load_settings({"COMMONS_DATA_DIR": str(tmp_path),
                         "COMMONS_BASE_URL": "https://commons.example.com"})
    assert plain.session_cookie == "commons_session" and not plain.secure
    assert tls.session_cookie == "__Host-commons_session" and tls.secure


def _post(path: str, origin: str) -> Request:
    scope = {"type": "http", "method": "POST", "path": path, "query_string": b"",
             "headers": [(b"origin", origin.encode()), (b"host", b"localhost:3000"),
                         (b"content-type", b"application/x-www-form-urlencoded")],
             "client": ("127.0.0.1", 5000)}

    async def receive():
        return {"type": "http.request", "body": b"tenant=contoso", "more_body": False}

    return Request(scope, receive)


def test_sign_in_and_out_refuse_another_sites_page():
    from app.api.auth_routes import signin_route, signout_route

    for route, path in ((signin_route, "/auth/signin"), (signout_route, "/auth/signout")):
        answer = asyncio.run(route(_post(path, "https://evil.example")))
        assert answer.status_code == 403
