"""Headers of the pages an emailed link opens (invitations, password reset): the token in
their address must not leave in a Referer header, nor stay in a shared cache."""

from app import routes

LINK_PAGES = tuple(route.split("[", 1)[0] for route in (
    routes.ACCEPT, routes.JOIN, routes.ORG_INVITE, routes.RESET_PASSWORD))
LINK_HEADERS = ((b"referrer-policy", b"no-referrer"), (b"cache-control", b"no-store"))


def link_headers(app):
    """ASGI middleware: responses to a link page's address carry `LINK_HEADERS` (in place
    of any the app set)."""

    async def wrapped(scope, receive, send):
        if scope["type"] != "http" or not scope["path"].startswith(LINK_PAGES):
            return await app(scope, receive, send)

        async def sending(message):
            if message["type"] == "http.response.start":
                names = {name for name, _ in LINK_HEADERS}
                kept = [(k, v) for k, v in message.get("headers", []) if k.lower() not in names]
                message = {**message, "headers": kept + list(LINK_HEADERS)}
            await send(message)

        await app(scope, receive, sending)

    return wrapped
