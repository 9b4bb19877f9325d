"""What every route of /api/v1 shares: the application, who a request acts as, ids in
paths, the cursor link of a list, and the signal after a change.

A request is one unit of work: the token's owner is resolved as they are now, the service
runs, and the transaction commits; then the pages that show what changed hear of it
(`tell`), as when someone acts in another tab.
"""

import asyncio
from collections.abc import Callable
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Path, Request, Response
from pydantic import Field

from app.api.problems import HANDLERS, RESPONSES
from app.db import session_scope
from app.domain.limits import MAX_ID
from app.live.announce import announce
from app.live.topics import publish_after
from app.models import utcnow
from app.services import invitation_actions as acts
from app.services.api_tokens import viewer_for_api_token
from app.services.audit import written_ids
from app.services.client_address import request_address
from app.settings import get_settings

PREFIX = "/api/v1"
MAX_PAGE = 200

api = FastAPI(
    title="Commons API", version="1",
    description="Communities and the invitations that bring tenants and people into them. "
                "Authenticate with a personal API token from the API tokens page: "
                "`Authorization: Bearer <token>`. Errors are problem documents (RFC 9457). "
                "Lists page by cursor: follow `next` (also in the `Link` header).",
    openapi_url=f"{PREFIX}/openapi.json", docs_url=None, redoc_url=None,
    exception_handlers=HANDLERS, responses=RESPONSES)


class Caller:
    """Who a request acts as, checked again inside the unit of work that uses it."""

    def __init__(self, token: str | None, write: bool, ip: str | None):
        self.token, self.write, self.ip = token, write, ip

    async def run(self, action: Callable):
        """`action(db, viewer)` in one transaction as the token's owner, in a thread (the
        event loop serves the app's tabs meanwhile); returns its result, the viewer and the
        audit events it wrote."""
        return await asyncio.to_thread(self._run, action)

    def _run(self, action: Callable):
        with session_scope() as db:
            viewer = viewer_for_api_token(db, secret_key=get_settings().secret_key,
                                          token=self.token, now=utcnow(), write=self.write,
                                          ip=self.ip)
            result = action(db, viewer)
            return result, viewer, written_ids(db)

    async def change(self, action: Callable, topics: Callable, *, invitation_ids=(),
                     recipients=()):
        """Run `action` as `run` does, then tell the pages following `topics(viewer,
        result)` (and the people `recipients` and `invitation_ids` concern); returns the
        result."""
        result, viewer, events = await self.run(action)
        tell(events, topics(viewer, result),
             invitation_ids(result) if callable(invitation_ids) else invitation_ids,
             recipients(result) if callable(recipients) else recipients)
        return result


def _bearer(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def reader(request: Request) -> Caller:
    return Caller(_bearer(request), False, request_address(request))


def writer(request: Request) -> Caller:
    return Caller(_bearer(request), True, request_address(request))


# An id in a path: a positive 32-bit integer, as the database keeps it (a larger one is a
# 422, never a database error)
Id = Annotated[int, Path(ge=1, le=MAX_ID)]
IdList = list[Annotated[int, Field(ge=1, le=MAX_ID)]]  # ids in a body, bounded the same
Reader = Annotated[Caller, Depends(reader)]  # may read
Writer = Annotated[Caller, Depends(writer)]  # may change (a token of both scopes)


def tell(event_ids: list[int], topics: list[str], invitation_ids=(), recipients=()) -> None:
    """After the commit: the open pages that show what changed hear of it."""
    if event_ids:
        publish_after(announce(list(topics), list(event_ids), list(invitation_ids),
                               list(recipients)))


def mail() -> acts.MailSettings:
    return acts.MailSettings.of(get_settings())


def next_link(response: Response, path: str, params: dict, cursor) -> str | None:
    """The address of the following page (also set as the `Link` header), or None."""
    if cursor is None:
        return None
    following = f"{PREFIX}{path}?" + urlencode(
        {**{k: v for k, v in params.items() if v not in ("", None)}, "after": cursor})
    response.headers["Link"] = f'<{following}>; rel="next"'
    return following
