"""The authorization matrix over every operation of the HTTP API: each aimed at objects the
caller must not reach (as the page matrix aims its handlers: a user of another organization,
a revoked token, a guest of one managed community, a removed tenant, a removed member, and a
read-only token for the writes) is refused or shows nothing of theirs, changes nothing, and
leaks no name. The same call by someone entitled goes through, so each refusal comes from
the guard and not from a bad request."""

import json
from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient
from sqlmodel import Session, select

from app.api import core, v1
from app.models import User, utcnow
from app.services import api_tokens as at
from app.services.auth import viewer_for_user
from app.settings import get_settings
from tests.matrix_fixtures import GONE, GUEST, targets, world  # noqa: F401
from tests.test_authz_matrix import diff, leaked

REFUSED, QUIET = "refused", "quiet"  # a 4xx answer; a list that shows nothing of theirs


@dataclass(frozen=True)
class Op:
    method: str
    path: str            # formatted with the actor's Targets
    body: dict | None = None
    expect: str = REFUSED
    entitled: str = "alice"  # who may make this very call (the control)


OPS = [
    Op("get", "/communities", expect=QUIET),
    Op("post", "/communities", {"name": "Probe", "kind": "managed", "parent_id": "{mssp}"}),
    Op("get", "/communities/{community}"),
    Op("delete", "/communities/{community}"),
    Op("get", "/communities/{community}/tenants"),
    Op("delete", "/communities/{community}/tenants/{organization}"),
    Op("post", "/communities/{community}/leave", entitled="ann"),
    Op("post", "/communities/{community}/tenant-invitations", {"email": "probe@probe.example"}),
    Op("get", "/invitations", expect=QUIET),
    Op("get", "/invitations?community_id={community}&limit=200", expect=QUIET),
    Op("get", "/invitations/{tenant_invitation}"),
    Op("post", "/invitations/{tenant_invitation}/resend"),
    Op("post", "/invitations/{tenant_invitation}/revoke"),
    Op("post", "/invitations/{accepted_invitation}/confirm"),
    Op("post", "/invitations/{tenant_invitation}/accept", entitled="ops"),
    Op("post", "/invitations/{tenant_invitation}/decline", {"reason": "no"}, entitled="ops"),
    Op("post", "/invitations/{user_invitation}/revoke"),
    Op("post", "/invitations/{parent_invitation}/revoke", entitled="dave"),
    Op("post", "/user-invitations", {"emails": ["probe@probe.example"],
                                     "community_ids": ["{managed_community}"],
                                     "role_ids": ["{role}"]}),
    Op("get", "/members?community_id={managed_community}", expect=QUIET),
    Op("put", "/members/{member}/roles", {"role_ids": ["{role}"]}),
    Op("delete", "/members/{member}"),
    Op("get", "/roles", expect=QUIET),
    Op("put", "/roles/{role}", {"name": "Probe role", "permissions": ["community.view"]}),
    Op("delete", "/roles/{role}"),
    Op("post", "/parent-invitations", {"usernames": ["frank"], "group_ids": ["{group}"]},
       entitled=""),  # only Contoso's child could offer Contoso's group: nobody can
    Op("get", "/groups", expect=QUIET),
    Op("get", "/groups/{group}"),
    Op("put", "/groups/{group}", {"name": "Probe group"}),
    Op("delete", "/groups/{group}"),
    Op("get", "/audit-events?limit=200", expect=QUIET),
    Op("get", "/webhooks", expect=QUIET),
    Op("get", "/webhooks/{webhook}"),
    Op("put", "/webhooks/{webhook}", {"url": "https://127.0.0.1:9/probe"}),
    Op("delete", "/webhooks/{webhook}"),
    Op("post", "/webhooks/{webhook}/enable", entitled=""),  # it is enabled: see disable
    Op("post", "/webhooks/{webhook}/disable"),
    Op("post", "/webhooks/{webhook}/rotate-secret"),
    Op("post", "/webhooks/{webhook}/test"),
    Op("get", "/webhooks/{webhook}/deliveries"),
    Op("post", "/webhook-deliveries/{webhook_delivery}/redeliver"),
]
# Operations that aim at nothing of anyone else's: they make the caller's own objects.
NOT_AIMED = {("post", "/roles"), ("post", "/groups"), ("post", "/webhooks")}
ACTORS = ["other-org", "signed-out", "guest", "removed", "removed-member", "read-only"]
TOKEN_OF = {"other-org": ("bob", "fabrikam"), "signed-out": ("alice", "contoso"),
            "guest": (GUEST, "contoso"), "removed": ("carol", "northwind"),
            "removed-member": (GONE, "contoso"), "read-only": ("alice", "contoso"),
            "alice": ("alice", "contoso"), "dave": ("dave", "contoso-retail"),
            "ops": ("ops", "tailspin"), "ann": ("ann", "adventure-works")}


@pytest.fixture(scope="module")
def tokens(world):  # noqa: F811
    """A token per actor (the signed-out one revoked, the read-only one of read scope)."""
    made, secret = {}, get_settings().secret_key
    with Session(world.engine) as db:
        for actor, (who, _) in TOKEN_OF.items():
            user = db.exec(select(User).where((User.username == who) | (User.email == who))
                           ).one()
            viewer = viewer_for_user(db, user, user.home_organization_id)
            scope = at.READ if actor == "read-only" else at.WRITE
            new = at.create_token(db, viewer, actor, scope, "30", now=utcnow(),
                                  secret_key=secret)
            if actor == "signed-out":
                at.revoke_token(db, viewer, new.row.id, now=utcnow())
            made[actor] = {"Authorization": f"Bearer {new.token}"}
        db.commit()
    world.snapshot()
    return made


@pytest.fixture(scope="module")
def client():
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(core, "tell", lambda *a, **k: None)
        yield TestClient(v1.api)


def _filled(value, aim):
    if isinstance(value, str) and value.startswith("{") and value.endswith("}"):
        return getattr(aim, value[1:-1])
    if isinstance(value, list):
        return [_filled(v, aim) for v in value]
    if isinstance(value, dict):
        return {k: _filled(v, aim) for k, v in value.items()}
    return value


def call(client, world, op: Op, headers: dict, aim):  # noqa: F811
    """Make `op` aimed as `aim`; returns (reply, before, after) and puts the world back."""
    before = world.dump()
    reply = client.request(op.method.upper(), "/api/v1" + op.path.format(**vars(aim)),
                           headers=headers,
                           **({"json": _filled(op.body, aim)} if op.body is not None else {}))
    after = world.dump()
    if after != before:
        world.rebuild()
    return reply, before, after


CASES = [(op, actor) for op in OPS for actor in ACTORS
         if not (actor == "read-only" and op.method == "get")]


@pytest.mark.parametrize("op,actor", CASES,
                         ids=[f"{o.method} {o.path}-{a}" for o, a in CASES])
def test_a_foreign_target_is_refused_and_changes_and_reveals_nothing(world, tokens, client,  # noqa: F811
                                                                     op, actor):
    aim = targets(world, "other-org" if actor == "read-only" else actor)
    reply, before, after = call(client, world, op, tokens[actor], aim)
    assert reply.status_code < 500, reply.text
    assert after == before, f"{op} as {actor} changed the database: {diff(before, after)}"
    sent = [str(v) for v in json.dumps(_filled(op.body, aim)).split('"')] if op.body else []
    sent.append(op.path.format(**vars(aim)))
    if actor not in ("read-only",):
        assert not leaked(reply.text, aim.markers, sent), f"{op} as {actor}: {reply.text[:2000]}"
    if actor in ("signed-out",):
        assert reply.status_code == 401, reply.text
    elif actor == "read-only":
        assert reply.status_code == 403, reply.text
    elif op.expect == REFUSED:
        assert reply.status_code in (403, 404, 409, 422), reply.text
        assert reply.headers["content-type"] == "application/problem+json"
    else:  # a list: shown without their rows, or not at all to who may not read it
        assert reply.status_code in (200, 403), reply.text


@pytest.mark.parametrize("op", [o for o in OPS if o.entitled],
                         ids=[f"{o.method} {o.path}" for o in OPS if o.entitled])
def test_the_same_call_by_someone_entitled_goes_through(world, tokens, client, op):  # noqa: F811
    aim = targets(world, "other-org")
    reply, _, _ = call(client, world, op, tokens[op.entitled], aim)
    assert reply.status_code in (200, 201, 202, 204), f"{op}: {reply.text}"
    if op.expect == QUIET:
        assert leaked(reply.text, aim.markers, []), f"{op} showed nothing to catch"


def test_every_operation_is_in_the_matrix(client):
    doc = client.get("/api/v1/openapi.json").json()
    documented = {(method, path.removeprefix("/api/v1"))
                  for path, item in doc["paths"].items() for method in item}
    aimed = {(o.method, o.path.split("?")[0].replace("{", "{x_")) for o in OPS}
    normal = {(m, _shape(p)) for m, p in documented} - {(m, _shape(p)) for m, p in NOT_AIMED}
    assert normal == {(m, _shape(p)) for m, p in aimed}


def _shape(path: str) -> str:
    """A path with each parameter's name left out: /a/{…}/b."""
    import re
    return re.sub(r"\{[^}]*\}", "{}", path)
