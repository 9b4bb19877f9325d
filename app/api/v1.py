"""The HTTP API, /api/v1 (issue 16): the same invitation core the pages call, nothing else.

Authentication is a personal API token (`Authorization: Bearer cmn_…`, made on the API
tokens page), never a cookie, so another site's page cannot use it through a person's
browser. Each request is one unit of work: the token's owner is resolved as they are now,
the service runs, and the transaction commits; then the pages that show what changed hear
of it, as when someone acts in another tab. Errors are problem documents
(app/api/problems.py). Lists page by cursor (`next`, and a `Link` header), never by offset.
"""

import asyncio
from collections.abc import Callable
from typing import Annotated
from urllib.parse import urlencode

from fastapi import Depends, FastAPI, Path, Query, Request, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from app.api.problems import HANDLERS, RESPONSES, from_error
from app.api.reference import render
from app.db import session_scope
from app.domain.errors import DomainError, NotFound
from app.domain.limits import MAX_DECLINE_REASON
from app.live.announce import announce
from app.live.topics import community_topic, invitation_topics, organization_topic, publish_after
from app.models import Invitation, utcnow
from app.services import communities as cs
from app.services import invitation_actions as acts
from app.services import invitation_list as il
from app.services import tenant_invitations as ti
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
                "`Authorization: Bearer <token>`. Errors are problem documents (RFC 9457).",
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


def _bearer(request: Request) -> str | None:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    return value.strip() if scheme.lower() == "bearer" else None


def reader(request: Request) -> Caller:
    return Caller(_bearer(request), False, request_address(request))


def writer(request: Request) -> Caller:
    return Caller(_bearer(request), True, request_address(request))


# An id in a path: a positive 32-bit integer, as the database keeps it (a larger one is a
# 422, never a database error)
Id = Annotated[int, Path(ge=1, le=2_147_483_647)]
Reader = Annotated[Caller, Depends(reader)]  # may read
Writer = Annotated[Caller, Depends(writer)]  # may change (a token of both scopes)


def _tell(event_ids: list[int], topics: list[str], invitation_ids: list[int] = (),
          recipients: list[str] = ()) -> None:
    """After the commit: the open pages that show what changed hear of it."""
    if event_ids:
        publish_after(announce(topics, event_ids, list(invitation_ids), list(recipients)))


# --- communities ---------------------------------------------------------------------------
@api.get(f"{PREFIX}/communities", tags=["communities"],
         summary="The communities you may see")
async def list_communities(caller: Reader, q: str = Query("", max_length=100,
                                                         description="Name contains")) -> dict:
    rows, _, _ = await caller.run(lambda db, v: cs.list_communities(db, v, q))
    return {"items": rows}


class TenantInvitationIn(BaseModel):
    email: str = Field(max_length=320, description="The tenant administrator's address")


@api.post(f"{PREFIX}/communities/{{community_id}}/tenant-invitations", status_code=201,
          tags=["tenant invitations"], summary="Invite a tenant's administrator")
async def invite_tenant(caller: Writer, community_id: Id, body: TenantInvitationIn,
                        response: Response) -> dict:
    def invite(db, viewer):
        invitation_id = ti.invite_tenant(db, viewer, community_id, body.email, now=utcnow(),
                                         mailer=acts.MailSettings.of(get_settings()).tenant())
        return il.details(db, viewer, invitation_id, utcnow())

    made, viewer, events = await caller.run(invite)
    _tell(events, [community_topic(community_id), organization_topic(viewer.organization_id)],
          recipients=[body.email])
    response.headers["Location"] = f"{PREFIX}/invitations/{made['id']}"
    return made


# --- invitations (every kind) --------------------------------------------------------------
@api.get(f"{PREFIX}/invitations", tags=["invitations"],
         summary="The invitations you may see, as on the Invitations page")
async def list_invitations(caller: Reader, response: Response,
                           kind: str = Query("", pattern="^(|tenant|community_user|parent_user)$"),
                           status: str = Query("", max_length=20),
                           direction: str = Query("", pattern="^(|sent|received)$"),
                           q: str = Query("", max_length=320,
                                          description="Recipient starts with"),
                           sort: str = Query("sent"),
                           order: str = Query("desc", pattern="^(asc|desc)$"),
                           limit: int = Query(50, ge=1, le=MAX_PAGE),
                           after: str | None = Query(None, max_length=400,
                                                     description="The cursor of `next`")
                           ) -> dict:
    params = {"kind": kind, "status": status, "direction": direction, "q": q, "sort": sort,
              "order": order}
    (rows, cursor), _, _ = await caller.run(lambda db, v: il.page(
        db, v, il.filters_from(params), utcnow(), after=after, size=limit,
        order=il.order_from(params)))
    following = None
    if cursor:
        following = (f"{PREFIX}/invitations?"
                     + urlencode({**{k: v for k, v in params.items() if v}, "limit": limit,
                                  "after": cursor}))
        response.headers["Link"] = f'<{following}>; rel="next"'
    return {"items": rows, "next": following}


@api.get(f"{PREFIX}/invitations/{{invitation_id}}", tags=["invitations"],
         summary="One invitation with its timeline")
async def get_invitation(caller: Reader, invitation_id: Id) -> dict:
    found, _, _ = await caller.run(lambda db, v: il.details(db, v, invitation_id, utcnow()))
    return found


class DeclineIn(BaseModel):
    reason: str = Field("", max_length=MAX_DECLINE_REASON)


async def _act(invitation_id: int, caller: Caller, step: Callable) -> dict:
    """Run `step(db, viewer)` on one invitation, then show it as it is now."""
    def act(db, viewer):
        inv: Invitation = step(db, viewer)
        return inv, il.details(db, viewer, inv.id, utcnow())

    (inv, shown), viewer, events = await caller.run(act)
    _tell(events, invitation_topics(viewer.organization_id, inv), invitation_ids=[inv.id])
    return shown


def _mail():
    return acts.MailSettings.of(get_settings())


# action -> (summary, step(db, viewer, invitation_id)): each the core's, as the pages call it
_ACTIONS = {
    "resend": ("Send again with a new link (the old one stops working)",
               lambda db, v, i: acts.resend(db, v, i, now=utcnow(), mail=_mail())),
    "revoke": ("Revoke (for a parent organization invitation: delete)",
               lambda db, v, i: acts.revoke(db, v, i, now=utcnow())),
    "confirm": ("Confirm a tenant that accepted (Confirm Tenant)",
                lambda db, v, i: acts.confirm(db, v, i, now=utcnow())),
    "accept": ("Accept an invitation addressed to you (Join, for a tenant invitation)",
               lambda db, v, i: acts.accept(db, v, i, now=utcnow(), mail=_mail())),
}


def _action_route(action: str, summary: str, step: Callable) -> None:
    async def route(caller: Writer, invitation_id: Id) -> dict:
        return await _act(invitation_id, caller, lambda db, v: step(db, v, invitation_id))

    route.__name__ = action
    api.post(f"{PREFIX}/invitations/{{invitation_id}}/{action}", tags=["invitations"],
             summary=summary)(route)


for _action, (_summary, _step) in _ACTIONS.items():
    _action_route(_action, _summary, _step)


@api.post(f"{PREFIX}/invitations/{{invitation_id}}/decline", tags=["invitations"],
          summary="Decline an invitation addressed to you, with a reason if you like")
async def decline(caller: Writer, invitation_id: Id, body: DeclineIn | None = None) -> dict:
    reason = body.reason if body else ""
    return await _act(invitation_id, caller, lambda db, v: acts.decline(
        db, v, invitation_id, now=utcnow(), mail=_mail(), reason=reason))


@api.get(f"{PREFIX}/docs", include_in_schema=False)
async def reference() -> HTMLResponse:
    """The readable reference, from the OpenAPI document."""
    return HTMLResponse(render(api.openapi()))


@api.api_route(PREFIX + "/{rest:path}", methods=["GET", "POST", "PUT", "PATCH", "DELETE"],
               include_in_schema=False)
def unknown(rest: str):
    """Anything else under /api/v1 is a problem document, never the app's HTML page."""
    return from_error(NotFound("There is no such API resource."))


__all__ = ["api", "DomainError"]
