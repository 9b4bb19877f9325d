"""/api/v1/invitations: every kind of invitation the caller may see, as on the Invitations
page (the same filters, sorting and keyset cursor), and what may be done with one."""

from collections.abc import Callable

from fastapi import Query, Response
from pydantic import BaseModel, Field

from app.api.core import MAX_PAGE, PREFIX, Caller, Id, Reader, Writer, api, mail, next_link
from app.domain.limits import MAX_DECLINE_REASON, MAX_ID
from app.live.topics import invitation_topics
from app.models import Invitation, utcnow
from app.services import invitation_actions as acts
from app.services import invitation_list as il

TAGS = ["invitations"]


@api.get(f"{PREFIX}/invitations", tags=TAGS,
         summary="The invitations you may see, as on the Invitations page")
async def list_invitations(caller: Reader, response: Response,
                           kind: str = Query("", pattern="^(|tenant|community_user|parent_user)$"),
                           status: str = Query("", max_length=20),
                           direction: str = Query("", pattern="^(|sent|received)$"),
                           q: str = Query("", max_length=320,
                                          description="Recipient starts with"),
                           community_id: int | None = Query(
                               None, ge=1, le=MAX_ID, description="In this community"),
                           expiring: bool = Query(False, description="Expiring soon only"),
                           delivery_failed: bool = Query(
                               False, description="Only those whose mail could not be "
                                                  "delivered"),
                           renewal_asked: bool = Query(
                               False, description="Expired ones whose recipient asked for "
                                                  "a new invitation"),
                           sort: str = Query("sent", pattern="^(sent|expires|recipient|kind)$"),
                           order: str = Query("desc", pattern="^(asc|desc)$"),
                           limit: int = Query(50, ge=1, le=MAX_PAGE),
                           after: str | None = Query(None, max_length=400,
                                                     description="The cursor of `next`")
                           ) -> dict:
    params = {"kind": kind, "status": status, "direction": direction, "q": q, "sort": sort,
              "order": order, "place": f"c:{community_id}" if community_id else "",
              "expiring": "1" if expiring else "",
              "delivery": "failed" if delivery_failed else "",
              "renewal": "1" if renewal_asked else ""}
    (rows, cursor), _, _ = await caller.run(lambda db, v: il.page(
        db, v, il.filters_from(params), utcnow(), after=after, size=limit,
        order=il.order_from(params)))
    shown = {"kind": kind, "status": status, "direction": direction, "q": q,
             "community_id": community_id, "expiring": "true" if expiring else "",
             "delivery_failed": "true" if delivery_failed else "",
             "renewal_asked": "true" if renewal_asked else "", "sort": sort,
             "order": order, "limit": limit}
    return {"items": rows, "next": next_link(response, "/invitations", shown, cursor)}


@api.get(f"{PREFIX}/invitations/{{invitation_id}}", tags=TAGS,
         summary="One invitation with its timeline")
async def get_invitation(caller: Reader, invitation_id: Id) -> dict:
    found, _, _ = await caller.run(lambda db, v: il.details(db, v, invitation_id, utcnow()))
    return found


class DeclineIn(BaseModel):
    reason: str = Field("", max_length=MAX_DECLINE_REASON)


async def act(invitation_id: int, caller: Caller, step: Callable) -> dict:
    """Run `step(db, viewer)` on one invitation, then show it as it is now."""
    def run(db, viewer):
        inv: Invitation = step(db, viewer)
        return inv, il.details(db, viewer, inv.id, utcnow())

    _, shown = await caller.change(
        run, lambda viewer, done: invitation_topics(viewer.organization_id, done[0]),
        invitation_ids=lambda done: [done[0].id])
    return shown


# action -> (summary, step(db, viewer, invitation_id)): each the core's, as the pages call it
ACTIONS = {
    "resend": ("Send again with a new link (the old one stops working)",
               lambda db, v, i: acts.resend(db, v, i, now=utcnow(), mail=mail())),
    "revoke": ("Revoke (for a parent organization invitation: Delete)",
               lambda db, v, i: acts.revoke(db, v, i, now=utcnow())),
    "confirm": ("Confirm a tenant that accepted (Confirm Tenant)",
                lambda db, v, i: acts.confirm(db, v, i, now=utcnow())),
    "accept": ("Accept an invitation addressed to you (Join, for a tenant invitation)",
               lambda db, v, i: acts.accept(db, v, i, now=utcnow(), mail=mail())),
}


def _action_route(action: str, summary: str, step: Callable) -> None:
    async def route(caller: Writer, invitation_id: Id) -> dict:
        return await act(invitation_id, caller, lambda db, v: step(db, v, invitation_id))

    route.__name__ = action
    api.post(f"{PREFIX}/invitations/{{invitation_id}}/{action}", tags=TAGS,
             summary=summary)(route)


for _action, (_summary, _step) in ACTIONS.items():
    _action_route(_action, _summary, _step)


@api.post(f"{PREFIX}/invitations/{{invitation_id}}/decline", tags=TAGS,
          summary="Decline an invitation addressed to you, with a reason if you like")
async def decline(caller: Writer, invitation_id: Id, body: DeclineIn | None = None) -> dict:
    reason = body.reason if body else ""
    return await act(invitation_id, caller, lambda db, v: acts.decline(
        db, v, invitation_id, now=utcnow(), mail=mail(), reason=reason))
