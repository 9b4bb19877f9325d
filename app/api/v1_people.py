"""/api/v1: people in managed and MSSP communities — user invitations with roles, members
and the roles they hold (default and custom)."""

from typing import Annotated

from fastapi import Query, Response
from pydantic import BaseModel, Field

from app.api.core import PREFIX, Id, IdList, Reader, Writer, api, mail
from app.domain.limits import MAX_BATCH, MAX_ID, MAX_PICKS
from app.live.topics import community_topic, managed_topic, organization_topic
from app.models import utcnow
from app.services import community_members as cm
from app.services import custom_roles as cr
from app.services import user_invitations as ui


def _managed(viewer, result) -> list[str]:
    """The pages of the organization's managed communities (and the one touched)."""
    touched = [community_topic(result)] if isinstance(result, int) else []
    return [managed_topic(viewer.organization_id),
            organization_topic(viewer.organization_id)] + touched


class UserInvitationsIn(BaseModel):
    emails: list[Annotated[str, Field(max_length=320)]] = Field(
        min_length=1, max_length=MAX_BATCH,
                              description="The people's addresses")
    community_ids: IdList = Field(min_length=1, max_length=MAX_PICKS,
                                     description="Managed communities to invite them into")
    role_ids: IdList = Field(min_length=1, max_length=MAX_PICKS,
                                description="Roles (default or custom) they will hold")


@api.post(f"{PREFIX}/user-invitations", tags=["user invitations"],
          summary="Invite people into managed communities with roles: a result per address "
                  "(invited, already invited, already a member, invalid address)")
async def invite_users(caller: Writer, body: UserInvitationsIn) -> dict:
    results = await caller.change(
        lambda db, v: ui.invite_users(db, v, body.emails, body.community_ids,
                                      body.role_ids, now=utcnow(),
                                      mailer=mail().user()),
        lambda viewer, _: _managed(viewer, None),
        recipients=lambda results: [r["address"] for r in results
                                    if r["outcome"] == "invited"])
    return {"results": results}


# --- members -------------------------------------------------------------------------------
@api.get(f"{PREFIX}/members", tags=["members"],
         summary="Members of the managed communities you administer, with their roles")
async def list_members(caller: Reader, community_id: int | None = Query(
        None, ge=1, le=MAX_ID, description="Only this community")) -> dict:
    people, _, _ = await caller.run(lambda db, v: cm.list_people(db, v, community_id,
                                                                 utcnow()))
    return {"items": people["members"]}


class RolesIn(BaseModel):
    role_ids: IdList = Field(min_length=1, max_length=MAX_PICKS,
                                description="Exactly the roles the member will hold")


@api.put(f"{PREFIX}/members/{{member_id}}/roles", status_code=204, tags=["members"],
         summary="Change a member's roles")
async def change_roles(caller: Writer, member_id: Id, body: RolesIn) -> Response:
    await caller.change(lambda db, v: cm.change_roles(db, v, member_id,
                                                      body.role_ids, now=utcnow()),
                        _managed)
    return Response(status_code=204)


@api.delete(f"{PREFIX}/members/{{member_id}}", status_code=204, tags=["members"],
            summary="Remove a member from their community; access ends at once")
async def remove_member(caller: Writer, member_id: Id) -> Response:
    await caller.change(lambda db, v: cm.remove_member(db, v, member_id, now=utcnow()),
                        _managed)
    return Response(status_code=204)


# --- roles ---------------------------------------------------------------------------------
@api.get(f"{PREFIX}/roles", tags=["roles"],
         summary="Default community roles and your organization's custom roles, with the "
                 "permissions you may build roles from")
async def list_roles(caller: Reader) -> dict:
    (roles, ceiling), _, _ = await caller.run(lambda db, v: (
        cr.list_roles(db, v), sorted(cr.permission_ceiling(db, v))))
    return {"items": [{k: r[k] for k in ("id", "name", "description", "custom",
                                         "permission_list", "holders")} for r in roles],
            "grantable_permissions": ceiling}


class RoleIn(BaseModel):
    name: str = Field(max_length=80)
    description: str = Field("", max_length=500)
    permissions: list[str] = Field(max_length=100)


def _role(db, viewer, role_id: int) -> dict:
    return next(r for r in cr.list_roles(db, viewer) if r["id"] == role_id)


@api.post(f"{PREFIX}/roles", status_code=201, tags=["roles"],
          summary="Create a custom role from permissions you hold")
async def create_role(caller: Writer, body: RoleIn, response: Response) -> dict:
    def create(db, viewer):
        return _role(db, viewer, cr.save_role(db, viewer, body.name, body.description,
                                              body.permissions, now=utcnow()))

    made = await caller.change(create, _managed)
    response.headers["Location"] = f"{PREFIX}/roles/{made['id']}"
    return made


@api.put(f"{PREFIX}/roles/{{role_id}}", tags=["roles"],
         summary="Edit one of your organization's custom roles")
async def edit_role(caller: Writer, role_id: Id, body: RoleIn) -> dict:
    def edit(db, viewer):
        return _role(db, viewer, cr.save_role(db, viewer, body.name, body.description,
                                              body.permissions, role_id, now=utcnow()))

    return await caller.change(edit, _managed)


@api.delete(f"{PREFIX}/roles/{{role_id}}", status_code=204, tags=["roles"],
            summary="Delete a custom role nobody holds and no open invitation grants")
async def delete_role(caller: Writer, role_id: Id) -> Response:
    await caller.change(lambda db, v: cr.delete_role(db, v, role_id, now=utcnow()), _managed)
    return Response(status_code=204)
