"""/api/v1: the caller's organization — invitations of its parent organization's users into
its groups, the groups, and the audit log."""

from datetime import UTC, datetime
from typing import Annotated

from fastapi import Query, Response
from pydantic import BaseModel, Field

from app.api.core import MAX_PAGE, PREFIX, Id, IdList, Reader, Writer, api, next_link
from app.domain.limits import MAX_BATCH, MAX_ID, MAX_PICKS
from app.live.topics import invitation_topic, organization_topic
from app.models import utcnow
from app.services import groups as gr
from app.services import parent_invitations as pi
from app.services.audit_log import list_events
from app.settings import get_settings


def _organization(viewer, result) -> list[str]:
    """The organization's pages (and those of invitations a change ended)."""
    ended = result if isinstance(result, list) and all(isinstance(i, int) for i in result) \
        else []
    return [organization_topic(viewer.organization_id)] + [invitation_topic(i) for i in ended]


class ParentInvitationsIn(BaseModel):
    usernames: list[Annotated[str, Field(max_length=64)]] = Field(
        min_length=1, max_length=MAX_BATCH,
                                 description="Usernames in your direct parent organization")
    group_ids: IdList = Field([], max_length=MAX_PICKS,
                                 description="Your groups they will join on accepting")


@api.post(f"{PREFIX}/parent-invitations", tags=["parent organization invitations"],
          summary="Invite users of your direct parent organization by username into groups "
                  "(72-hour links): a result per username")
async def invite_parent_users(caller: Writer, body: ParentInvitationsIn) -> dict:
    s = get_settings()
    results = await caller.change(
        lambda db, v: pi.invite_parent_users(db, v, body.usernames, body.group_ids, now=utcnow(),
                                             secret_key=s.secret_key, base_url=s.base_url),
        lambda viewer, _: [organization_topic(viewer.organization_id)],
        recipients=lambda results: [r["username"] for r in results
                                    if r["outcome"] == "invited"])
    return {"results": results}


# --- groups --------------------------------------------------------------------------------
class GroupIn(BaseModel):
    name: str = Field(max_length=80)
    description: str = Field("", max_length=500)
    role_keys: list[str] = Field([], max_length=20,
                                 description="Organization roles its members hold")


@api.get(f"{PREFIX}/groups", tags=["groups"], summary="Your organization's groups")
async def list_groups(caller: Reader) -> dict:
    rows, _, _ = await caller.run(lambda db, v: gr.list_groups(db, v))
    return {"items": rows}


def _group(db, viewer, group_id: int) -> dict:
    return gr.group_form(db, viewer, group_id)


@api.post(f"{PREFIX}/groups", status_code=201, tags=["groups"], summary="Create a group")
async def create_group(caller: Writer, body: GroupIn, response: Response) -> dict:
    made = await caller.change(lambda db, v: _group(db, v, gr.create_group(
        db, v, body.name, body.description, body.role_keys, now=utcnow())), _organization)
    response.headers["Location"] = f"{PREFIX}/groups/{made['id']}"
    return made


@api.get(f"{PREFIX}/groups/{{group_id}}", tags=["groups"],
         summary="One group: name, description and the roles it grants")
async def get_group(caller: Reader, group_id: Id) -> dict:
    found, _, _ = await caller.run(lambda db, v: _group(db, v, group_id))
    return found


@api.put(f"{PREFIX}/groups/{{group_id}}", tags=["groups"],
         summary="Rename a group, describe it and set the roles it grants")
async def edit_group(caller: Writer, group_id: Id, body: GroupIn) -> dict:
    def edit(db, viewer):
        gr.update_group(db, viewer, group_id, body.name, body.description, body.role_keys,
                        now=utcnow())
        return _group(db, viewer, group_id)

    return await caller.change(edit, _organization)


@api.delete(f"{PREFIX}/groups/{{group_id}}", status_code=204, tags=["groups"],
            summary="Delete a group: its members lose what it granted and open invitations "
                    "into it end")
async def delete_group(caller: Writer, group_id: Id) -> Response:
    await caller.change(lambda db, v: gr.delete_group(db, v, group_id, now=utcnow()),
                        _organization, invitation_ids=lambda ended: ended)
    return Response(status_code=204)


# --- audit log -----------------------------------------------------------------------------
@api.get(f"{PREFIX}/audit-events", tags=["audit log"],
         summary="Your organization's audit log, newest first")
async def audit_events(caller: Reader, response: Response,
                       actor: str = Query("", max_length=64, description="Username"),
                       action: str = Query("", max_length=64,
                                           description="Action starts with, e.g. invitation."),
                       target: str = Query("", max_length=32,
                                           description="Target type, e.g. community"),
                       since: Annotated[datetime | None,
                                        Query(description="At or after")] = None,
                       until: Annotated[datetime | None, Query(description="Before")] = None,
                       limit: int = Query(50, ge=1, le=MAX_PAGE),
                       after: int | None = Query(None, ge=1, le=MAX_ID,
                                                 description="The cursor of `next`")) -> dict:
    (rows, cursor), _, _ = await caller.run(lambda db, v: list_events(
        db, v, actor=actor, action=action, target=target, since=_utc(since),
        until=_utc(until), before_id=after, size=limit))
    shown = {"actor": actor, "action": action, "target": target,
             "since": since.isoformat() if since else "",
             "until": until.isoformat() if until else "", "limit": limit}
    return {"items": rows, "next": next_link(response, "/audit-events", shown, cursor)}


def _utc(at: datetime | None) -> datetime | None:
    """A time in UTC (one given without a zone is taken as UTC)."""
    if at is None:
        return None
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
