"""The HTTP API beyond invitations (issue 16): communities, member tenants, people in managed
communities and their roles, parent organization invitations and groups, the audit log.
Each family's success path, its refusals as problem documents, and what it announced."""

from sqlmodel import Session, select

from app.domain.permissions import COMMUNITY_MEMBER, COMMUNITY_VIEW
from app.models import Community, CommunityMember, CommunityTenant, Invitation, Role
from app.services.communities import add_member
from tests.api_client import community, problem, token, wind
from tests.helpers import NOW, org, user

V1 = "/api/v1"


def test_communities_create_get_list_and_delete(api, engine):
    alice, bob = token(engine), token(engine, "bob")
    made = api.post(f"{V1}/communities", json={"name": "  Solar Partners ",
                                               "description": "Panels."}, headers=alice)
    assert made.status_code == 201, made.text
    solar = made.json()
    assert (solar["name"], solar["owner"], solar["kind"], solar["can_delete"]) == (
        "Solar Partners", "Contoso Energy", "standard", True)
    assert made.headers["location"] == f"{V1}/communities/{solar['id']}"
    assert f"community-{solar['id']}" in api.told[-1][0]
    names = [c["name"] for c in api.get(f"{V1}/communities", headers=alice).json()["items"]]
    assert "Solar Partners" in names
    assert api.get(f"{V1}/communities/{solar['id']}", headers=alice).json() == solar

    inside = api.post(f"{V1}/communities", json={
        "name": "Client C", "kind": "managed",
        "parent_id": community(engine, "Contoso SOC")}, headers=alice)
    assert inside.status_code == 201 and inside.json()["kind"] == "managed"
    problem(api.post(f"{V1}/communities", json={"name": "Nested", "kind": "mssp",
                                                "parent_id": solar["id"]}, headers=alice),
            422, "invalid-input")
    problem(api.post(f"{V1}/communities", json={"name": "x"}, headers=alice), 422,
            "invalid-input")
    problem(api.post(f"{V1}/communities", json={"name": "Odd", "kind": "secret"},
                     headers=alice), 422, "invalid-input")

    problem(api.get(f"{V1}/communities/{solar['id']}", headers=bob), 404, "not-found")
    problem(api.delete(f"{V1}/communities/{solar['id']}", headers=bob), 404, "not-found")
    gone = api.delete(f"{V1}/communities/{solar['id']}", headers=alice)
    assert gone.status_code == 204 and gone.content == b""
    problem(api.get(f"{V1}/communities/{solar['id']}", headers=alice), 404, "not-found")
    problem(api.delete(f"{V1}/communities/{solar['id']}", headers=alice), 404, "not-found")
    with Session(engine) as db:
        assert db.get(Community, solar["id"]).archived_at is not None  # history stays


def test_a_member_tenant_cannot_delete_what_it_does_not_own(api, engine):
    carol = token(engine, "carol")
    problem(api.delete(f"{V1}/communities/{wind(engine)}", headers=carol), 403, "forbidden")
    assert api.get(f"{V1}/communities/{wind(engine)}", headers=carol).json()["can_delete"] \
        is False


def test_member_tenants_listed_removed_and_left(api, engine):
    alice, carol = token(engine), token(engine, "carol")
    listed = api.get(f"{V1}/communities/{wind(engine)}/tenants", headers=carol).json()
    assert [(t["name"], t["role"]) for t in listed["items"]] == [
        ("Contoso Energy", "Owner"), ("Northwind Traders", "Member")]
    problem(api.get(f"{V1}/communities/{wind(engine)}/tenants", headers=token(engine, "bob")),
            404, "not-found")
    with Session(engine) as db:
        contoso, northwind = org(db, "contoso").id, org(db, "northwind").id
    # a moderator of a member tenant may not remove the owner; the owner cannot leave
    problem(api.delete(f"{V1}/communities/{wind(engine)}/tenants/{contoso}", headers=carol),
            403, "forbidden")
    problem(api.post(f"{V1}/communities/{wind(engine)}/leave", headers=alice), 403,
            "forbidden")

    left = api.post(f"{V1}/communities/{wind(engine)}/leave", headers=carol)
    assert left.status_code == 204
    problem(api.get(f"{V1}/communities/{wind(engine)}", headers=carol), 404, "not-found")
    problem(api.delete(f"{V1}/communities/{wind(engine)}/tenants/{northwind}",
                       headers=alice), 409, "conflict")  # it left a moment ago
    with Session(engine) as db:
        assert db.exec(select(CommunityTenant.status).where(
            CommunityTenant.organization_id == northwind)).one() == "removed"


def test_the_owner_removes_a_member_tenant(api, engine):
    with Session(engine) as db:
        northwind = org(db, "northwind").id
    removed = api.delete(f"{V1}/communities/{wind(engine)}/tenants/{northwind}",
                         headers=token(engine))
    assert removed.status_code == 204
    assert f"org-{northwind}" in api.told[-1][0]
    problem(api.get(f"{V1}/communities/{wind(engine)}", headers=token(engine, "carol")), 404,
            "not-found")


def _member_role(engine) -> int:
    with Session(engine) as db:
        return db.exec(select(Role.id).where(Role.key == COMMUNITY_MEMBER.key)).one()


def test_user_invitations_a_result_per_address(api, engine):
    alice = token(engine)
    client_a = community(engine, "Client A")
    sent = api.post(f"{V1}/user-invitations", json={
        "emails": ["New.Person@Client-A.example", "not an address", "new.person@client-a.example"],
        "community_ids": [client_a], "role_ids": [_member_role(engine)]}, headers=alice)
    assert sent.status_code == 200, sent.text
    assert [(r["address"], r["outcome"]) for r in sent.json()["results"]] == [
        ("new.person@client-a.example", "invited"), ("not an address", "invalid address"),
        ("new.person@client-a.example", "already invited")]
    assert api.told[-1][1] == ["new.person@client-a.example"]
    listed = api.get(f"{V1}/invitations", params={"kind": "community_user",
                                                   "community_id": client_a}, headers=alice)
    assert "new.person@client-a.example" in [r["recipient"] for r in listed.json()["items"]]
    # Wind Farm Analytics is not a managed community: the core refuses, as on the page
    refused = problem(api.post(f"{V1}/user-invitations", json={
        "emails": ["x@y.example"], "community_ids": [wind(engine)],
        "role_ids": [_member_role(engine)]}, headers=alice), 422, "invalid-input")
    assert refused["detail"] == ("Wind Farm Analytics takes tenants, not people: use Invite "
                                 "Tenant.")
    problem(api.post(f"{V1}/user-invitations", json={
        "emails": ["x@y.example"], "community_ids": [client_a],
        "role_ids": [_member_role(engine)]}, headers=token(engine, "bob")), 404, "not-found")
    problem(api.post(f"{V1}/user-invitations", json={
        "emails": [], "community_ids": [client_a], "role_ids": [1]}, headers=alice), 422,
        "invalid-input")


def test_members_listed_their_roles_changed_and_removed(api, engine):
    alice = token(engine)
    client_a = community(engine, "Client A")
    with Session(engine) as db:
        frank = user(db, "frank")
        member = add_member(db, client_a, frank.id, frank.home_organization_id,
                            [COMMUNITY_MEMBER], now=NOW).id
        db.commit()
    made = api.post(f"{V1}/roles", json={"name": "Client Reader", "description": "Reads.",
                                         "permissions": [COMMUNITY_VIEW]}, headers=alice)
    assert made.status_code == 201, made.text
    role = made.json()
    assert (role["custom"], role["permission_list"]) == (True, [COMMUNITY_VIEW])

    people = api.get(f"{V1}/members", params={"community_id": client_a}, headers=alice).json()
    row = next(m for m in people["items"] if m["member_id"] == member)
    assert (row["name"], row["roles"]) == ("Frank Fielding", "Community Member")
    changed = api.put(f"{V1}/members/{member}/roles", json={"role_ids": [role["id"]]},
                      headers=alice)
    assert changed.status_code == 204
    assert f"community-{client_a}" in api.told[-1][0]
    people = api.get(f"{V1}/members", headers=alice).json()
    assert next(m for m in people["items"] if m["member_id"] == member)["roles"] == \
        "Client Reader"
    problem(api.put(f"{V1}/members/{member}/roles", json={"role_ids": []}, headers=alice),
            422, "invalid-input")
    problem(api.delete(f"{V1}/roles/{role['id']}", headers=alice), 409, "conflict")  # held
    bob = token(engine, "bob")
    problem(api.delete(f"{V1}/members/{member}", headers=bob), 404, "not-found")
    assert api.get(f"{V1}/members", headers=bob).json()["items"] == []
    assert api.delete(f"{V1}/members/{member}", headers=alice).status_code == 204
    problem(api.delete(f"{V1}/members/{member}", headers=alice), 404, "not-found")
    with Session(engine) as db:
        assert db.get(CommunityMember, member).status == "removed"


def test_roles_built_in_and_custom(api, engine):
    alice = token(engine)
    listed = api.get(f"{V1}/roles", headers=alice).json()
    assert {"Community Administrator", "Community Moderator", "Community Member"} <= {
        r["name"] for r in listed["items"] if not r["custom"]}
    assert COMMUNITY_VIEW in listed["grantable_permissions"]
    builtin = next(r["id"] for r in listed["items"] if not r["custom"])
    made = api.post(f"{V1}/roles", json={"name": "Auditor", "permissions": [COMMUNITY_VIEW]},
                    headers=alice).json()
    problem(api.post(f"{V1}/roles", json={"name": "auditor", "permissions": [COMMUNITY_VIEW]},
                     headers=alice), 422, "invalid-input")
    problem(api.post(f"{V1}/roles", json={"name": "Odd", "permissions": ["root.everything"]},
                     headers=alice), 422, "invalid-input")
    edited = api.put(f"{V1}/roles/{made['id']}", json={
        "name": "Auditor (read)", "description": "Looks.", "permissions": [COMMUNITY_VIEW]},
        headers=alice)
    assert edited.status_code == 200 and edited.json()["name"] == "Auditor (read)"
    problem(api.put(f"{V1}/roles/{builtin}", json={"name": "Mine", "permissions": [
        COMMUNITY_VIEW]}, headers=alice), 404, "not-found")
    bob = token(engine, "bob")
    problem(api.delete(f"{V1}/roles/{made['id']}", headers=bob), 403, "forbidden")
    assert made["id"] not in [r["id"] for r in api.get(f"{V1}/roles", headers=bob).json()["items"]]
    assert api.delete(f"{V1}/roles/{made['id']}", headers=alice).status_code == 204
    problem(api.delete(f"{V1}/roles/{made['id']}", headers=alice), 404, "not-found")


def test_parent_invitations_into_groups(api, engine):
    dave = token(engine, "dave")
    group = api.post(f"{V1}/groups", json={"name": "Store Ops", "description": "Stores.",
                                           "role_keys": []}, headers=dave)
    assert group.status_code == 201, group.text
    gid = group.json()["id"]
    assert api.get(f"{V1}/groups/{gid}", headers=dave).json()["name"] == "Store Ops"
    sent = api.post(f"{V1}/parent-invitations", json={
        "usernames": ["Frank", "nobody", "frank"], "group_ids": [gid]}, headers=dave)
    assert sent.status_code == 200, sent.text
    outcomes = [(r["username"], r["outcome"]) for r in sent.json()["results"]]
    assert outcomes[0] == ("frank", "invited") and outcomes[1][0] == "nobody"
    assert outcomes[1][1] != "invited" and len(outcomes) == 2  # the same name once
    listed = api.get(f"{V1}/invitations", params={"kind": "parent_user"}, headers=dave).json()
    [row] = [r for r in listed["items"] if r["recipient"] == "frank"]
    problem(api.post(f"{V1}/parent-invitations", json={"usernames": ["frank"]},
                     headers=token(engine, "bob")), 422, "invalid-input")  # no parent
    problem(api.post(f"{V1}/parent-invitations", json={"usernames": ["alice"]},
                     headers=token(engine, "frank")), 403, "forbidden")

    problem(api.get(f"{V1}/groups/{gid}", headers=token(engine)), 404, "not-found")
    # deleting the group ends the open invitation into it, as on the page
    assert api.delete(f"{V1}/groups/{gid}", headers=dave).status_code == 204
    assert f"invitation-{row['id']}" in api.told[-1][0]
    with Session(engine) as db:
        assert db.get(Invitation, row["id"]).status != "pending"
    problem(api.get(f"{V1}/groups/{gid}", headers=dave), 404, "not-found")


def test_groups_edited_and_listed(api, engine):
    alice = token(engine)
    gid = api.post(f"{V1}/groups", json={"name": "Ops"}, headers=alice).json()["id"]
    problem(api.post(f"{V1}/groups", json={"name": "ops"}, headers=alice), 422,
            "invalid-input")
    edited = api.put(f"{V1}/groups/{gid}", json={"name": "Operations",
                                                 "role_keys": ["bogus"]}, headers=alice)
    problem(edited, 422, "invalid-input")
    edited = api.put(f"{V1}/groups/{gid}", json={"name": "Operations", "description": "24/7"},
                     headers=alice)
    assert edited.status_code == 200 and edited.json()["name"] == "Operations"
    assert [g["name"] for g in api.get(f"{V1}/groups", headers=alice).json()["items"]] == [
        "Operations"]
    problem(api.get(f"{V1}/groups", headers=token(engine, "frank")), 403, "forbidden")


def test_the_audit_log_pages_by_cursor_and_stays_in_its_organization(api, engine):
    alice = token(engine)
    for name in ("Audit One", "Audit Two", "Audit Three"):
        api.post(f"{V1}/communities", json={"name": name}, headers=alice)
    first = api.get(f"{V1}/audit-events", params={"limit": 2, "action": "community.create"},
                    headers=alice)
    assert first.status_code == 200, first.text
    page = first.json()
    assert len(page["items"]) == 2 and page["next"]
    assert first.headers["link"] == f'<{page["next"]}>; rel="next"'
    seen = [e["id"] for e in page["items"]]
    while page["next"]:
        page = api.get(page["next"], headers=alice).json()
        seen += [e["id"] for e in page["items"]]
    assert seen == sorted(seen, reverse=True) and len(seen) == len(set(seen)) >= 3
    assert api.get(f"{V1}/audit-events", params={"since": "2999-01-01T00:00:00Z"},
                   headers=alice).json()["items"] == []
    bob_sees = api.get(f"{V1}/audit-events", params={"limit": 200},
                       headers=token(engine, "bob")).json()["items"]
    assert not any("Audit" in e["sentence"] or "Contoso" in e["sentence"] for e in bob_sees)
    problem(api.get(f"{V1}/audit-events", headers=token(engine, "frank")), 403, "forbidden")
    problem(api.get(f"{V1}/audit-events", params={"after": 2**31}, headers=alice), 422,
            "invalid-input")
