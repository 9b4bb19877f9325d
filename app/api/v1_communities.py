"""/api/v1/communities: communities, their member tenants and tenant invitations."""

from typing import Literal

from fastapi import Query, Response
from pydantic import BaseModel, Field

from app.api.core import PREFIX, Id, Reader, Writer, api, mail
from app.domain.limits import MAX_ID
from app.live.topics import community_topic, managed_topic, organization_topic
from app.models import Community, utcnow
from app.services import communities as cs
from app.services import community_admin as ca
from app.services import community_tenants as ct
from app.services import invitation_list as il
from app.services import managed_communities as mc
from app.services import tenant_invitations as ti

TAGS = ["communities"]


def _community(community_id: int):
    """The pages that show community `community_id`, and the acting organization's."""
    return lambda viewer, _: [community_topic(community_id),
                              organization_topic(viewer.organization_id)]


@api.get(f"{PREFIX}/communities", tags=TAGS, summary="The communities you may see")
async def list_communities(caller: Reader, q: str = Query("", max_length=100,
                                                         description="Name contains")) -> dict:
    rows, _, _ = await caller.run(lambda db, v: cs.list_communities(db, v, q))
    return {"items": rows}


class CommunityIn(BaseModel):
    name: str = Field(max_length=120)
    description: str = Field("", max_length=1000)
    kind: Literal["standard", "mssp", "managed"] = Field(
        "standard", description="An MSSP main community, or a managed community (inside one "
                                "when `parent_id` names it)")
    parent_id: int | None = Field(None, ge=1, le=MAX_ID)


@api.post(f"{PREFIX}/communities", status_code=201, tags=TAGS,
          summary="Create a community; you are its Community Administrator")
async def create_community(caller: Writer, body: CommunityIn, response: Response) -> dict:
    def create(db, viewer):
        if body.kind == "standard" and body.parent_id is None:
            community_id = cs.create_community(db, viewer, body.name, body.description,
                                               now=utcnow()).id
        else:
            community_id = mc.create_managed_community(
                db, viewer, body.name, body.description, body.kind, body.parent_id,
                now=utcnow())
        return ct.community_header(db, viewer, community_id)

    made = await caller.change(create, lambda viewer, made: [
        organization_topic(viewer.organization_id), managed_topic(viewer.organization_id),
        community_topic(made["id"])])
    response.headers["Location"] = f"{PREFIX}/communities/{made['id']}"
    return made


@api.get(f"{PREFIX}/communities/{{community_id}}", tags=TAGS,
         summary="One community: name, owner and what you may do there")
async def get_community(caller: Reader, community_id: Id) -> dict:
    found, _, _ = await caller.run(lambda db, v: ct.community_header(db, v, community_id))
    return found


@api.delete(f"{PREFIX}/communities/{{community_id}}", status_code=204, tags=TAGS,
            summary="Delete a community your organization owns (with the managed "
                    "communities inside it); its history stays")
async def delete_community(caller: Writer, community_id: Id) -> Response:
    def delete(db, viewer):
        # the page asks a person to type the name; a request names the community by id
        named = db.get(Community, community_id)
        ca.archive_community(db, viewer, community_id, named.name if named else "",
                             now=utcnow())

    await caller.change(delete, lambda viewer, _: [
        community_topic(community_id), organization_topic(viewer.organization_id),
        managed_topic(viewer.organization_id)])
    return Response(status_code=204)


# --- member tenants ------------------------------------------------------------------------
@api.get(f"{PREFIX}/communities/{{community_id}}/tenants", tags=TAGS,
         summary="The community's member tenants, the owner first")
async def list_tenants(caller: Reader, community_id: Id) -> dict:
    rows, _, _ = await caller.run(lambda db, v: ct.list_tenants(db, v, community_id))
    return {"items": rows}


@api.delete(f"{PREFIX}/communities/{{community_id}}/tenants/{{organization_id}}",
            status_code=204, tags=TAGS,
            summary="Remove a member tenant; its people lose access at once")
async def remove_tenant(caller: Writer, community_id: Id, organization_id: Id) -> Response:
    await caller.change(lambda db, v: ct.remove_tenant(db, v, community_id, organization_id,
                                                        now=utcnow()),
                        lambda viewer, _: [community_topic(community_id),
                                           organization_topic(viewer.organization_id),
                                           organization_topic(organization_id)])
    return Response(status_code=204)


@api.post(f"{PREFIX}/communities/{{community_id}}/leave", status_code=204, tags=TAGS,
          summary="Your tenant leaves the community (Leave Community)")
async def leave(caller: Writer, community_id: Id) -> Response:
    # the page asks a person to type their tenant's name; a request means it
    await caller.change(lambda db, v: ct.leave_community(db, v, community_id, v.org_name,
                                                          now=utcnow()),
                        _community(community_id))
    return Response(status_code=204)


# --- tenant invitations --------------------------------------------------------------------
class TenantInvitationIn(BaseModel):
    email: str = Field(max_length=320, description="The tenant administrator's address")


@api.post(f"{PREFIX}/communities/{{community_id}}/tenant-invitations", status_code=201,
          tags=["tenant invitations"], summary="Invite a tenant's administrator")
async def invite_tenant(caller: Writer, community_id: Id, body: TenantInvitationIn,
                        response: Response) -> dict:
    def invite(db, viewer):
        invitation_id = ti.invite_tenant(db, viewer, community_id, body.email, now=utcnow(),
                                         mailer=mail().tenant())
        return il.details(db, viewer, invitation_id, utcnow())

    made = await caller.change(invite, _community(community_id), recipients=[body.email])
    response.headers["Location"] = f"{PREFIX}/invitations/{made['id']}"
    return made
