"""The HTTP API, /api/v1 (issue 16): a personal token, never a cookie; the same core as the
pages (the same refusals, said as problem documents with the right codes); lists by cursor;
after a change, the pages that show it are told (here the announcement is recorded)."""

import re

import pytest
from sqlmodel import Session, select

from app.models import Invitation
from app.services import api_tokens as at
from tests.api_client import problem, token, wind
from tests.helpers import NOW, viewer

EMAIL = "it@partner.example"


def test_a_script_invites_a_tenant_lists_and_revokes(api, engine):
    alice = token(engine)
    community = wind(engine)
    made = api.post(f"/api/v1/communities/{community}/tenant-invitations",
                    json={"email": EMAIL}, headers=alice)
    assert made.status_code == 201, made.text
    body = made.json()
    assert body["recipient"] == EMAIL and body["status"] == "pending"
    assert made.headers["location"] == f"/api/v1/invitations/{body['id']}"
    assert api.told[-1] == ([f"community-{community}", f"org-{viewer_org(engine)}"], [EMAIL])

    listed = api.get("/api/v1/invitations", params={"status": "pending", "q": "it@"},
                     headers=alice).json()
    assert [r["id"] for r in listed["items"]] == [body["id"]] and listed["next"] is None
    got = api.get(f"/api/v1/invitations/{body['id']}", headers=alice).json()
    assert got["timeline"] and got["recipient"] == EMAIL

    again = api.post(f"/api/v1/communities/{community}/tenant-invitations",
                     json={"email": EMAIL}, headers=alice)
    problem(again, 409, "conflict")  # already invited: the page's sentence, nothing new
    revoked = api.post(f"/api/v1/invitations/{body['id']}/revoke", headers=alice)
    assert revoked.status_code == 200 and revoked.json()["status"] == "revoked"
    assert f"invitation-{body['id']}" in api.told[-1][0]
    problem(api.post(f"/api/v1/invitations/{body['id']}/confirm", headers=alice), 409,
            "conflict")


def viewer_org(engine) -> int:
    with Session(engine) as db:
        return viewer(db, "alice").organization_id


def invite(api, engine, headers, *addresses) -> list[int]:
    return [api.post(f"/api/v1/communities/{wind(engine)}/tenant-invitations",
                     json={"email": a}, headers=headers).json()["id"] for a in addresses]


def test_lists_page_by_cursor_with_a_link_header(api, engine):
    alice = token(engine)
    invite(api, engine, alice, "a@one.example", "b@two.example", "c@three.example",
           "d@four.example", "e@five.example")
    first = api.get("/api/v1/invitations", params={"limit": 2}, headers=alice)
    assert len(first.json()["items"]) == 2
    following = first.json()["next"]
    assert following and first.headers["link"] == f'<{following}>; rel="next"'
    seen = [r["id"] for r in first.json()["items"]]
    while following:
        page = api.get(following, headers=alice).json()
        seen += [r["id"] for r in page["items"]]
        following = page["next"]
    with Session(engine) as db:
        from app.services import invitation_list as il
        everything, _ = il.page(db, viewer(db, "alice"), il.Filters(), NOW, size=1000)
    assert seen == [r["id"] for r in everything] and len(seen) == len(set(seen)) > 2
    problem(api.get("/api/v1/invitations", params={"after": "nonsense"}, headers=alice),
            422, "invalid-input")


def test_no_token_a_cookie_or_a_bad_token_is_401(api, engine):
    token(engine)
    for headers in ({}, {"Authorization": "Bearer cmn_forged"}, {"Authorization": "Basic x"},
                    {"Cookie": "commons_session=anything"}):
        reply = api.get("/api/v1/communities", headers=headers)
        problem(reply, 401, "unauthorized")
        assert reply.headers["www-authenticate"].startswith("Bearer")


def test_a_read_token_reads_and_may_not_write(api, engine):
    reading = token(engine, scope=at.READ)
    assert api.get("/api/v1/communities", headers=reading).status_code == 200
    problem(api.post(f"/api/v1/communities/{wind(engine)}/tenant-invitations",
                     json={"email": EMAIL}, headers=reading), 403, "forbidden")
    with Session(engine) as db:
        assert db.exec(select(Invitation).where(Invitation.recipient == EMAIL)).first() is None


def test_another_organization_s_objects_are_404_and_nothing_changes(api, engine):
    bob = token(engine, "bob")
    [contoso] = invite(api, engine, token(engine), "ops@tailspin.example")
    api.told.clear()
    for path in (f"/api/v1/invitations/{contoso}", f"/api/v1/invitations/{contoso}/revoke",
                 f"/api/v1/invitations/{contoso}/resend"):
        reply = api.post(path, headers=bob) if path.count("/") > 4 else api.get(path,
                                                                                 headers=bob)
        problem(reply, 404, "not-found")
    problem(api.post(f"/api/v1/communities/{wind(engine)}/tenant-invitations",
                     json={"email": EMAIL}, headers=bob), 404, "not-found")
    names = [c["name"] for c in api.get("/api/v1/communities", headers=bob).json()["items"]]
    assert "Wind Farm Analytics" not in names
    with Session(engine) as db:
        assert db.get(Invitation, contoso).status == "pending"
    assert api.told == []


@pytest.mark.parametrize("method, path, body", [
    ("post", "/api/v1/communities/{c}/tenant-invitations", {"email": "not-an-address"}),
    ("post", "/api/v1/communities/{c}/tenant-invitations", {"email": "x" * 400}),
    ("post", "/api/v1/communities/{c}/tenant-invitations", {}),
    ("post", "/api/v1/communities/abc/tenant-invitations", {"email": EMAIL}),
    ("get", "/api/v1/invitations?limit=0", None),
    ("get", "/api/v1/invitations?kind=bogus", None),
    ("get", "/api/v1/invitations?sort=bogus", None),
    ("post", "/api/v1/invitations/1/decline", {"reason": "x" * 600}),
    ("get", "/api/v1/invitations/2147483648", None),  # past PostgreSQL's integer
    ("post", "/api/v1/communities/99999999999/tenant-invitations", {"email": EMAIL}),
])
def test_bad_input_is_422_and_never_500(api, engine, method, path, body):
    alice = token(engine)
    call = getattr(api, method)
    path = path.format(c=wind(engine))
    reply = call(path, headers=alice, **({"json": body} if body is not None else {}))
    problem(reply, 422, "invalid-input")


def test_an_unknown_path_is_a_problem_not_the_app_page(api, engine):
    problem(api.get("/api/v1/nothing-here", headers=token(engine)), 404, "not-found")


def test_the_openapi_document_names_every_operation(api):
    doc = api.get("/api/v1/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    assert {"/api/v1/communities", "/api/v1/invitations", "/api/v1/invitations/{invitation_id}",
            "/api/v1/invitations/{invitation_id}/revoke"} <= set(doc["paths"])


def test_the_reference_page_reads_without_anything_from_elsewhere(api):
    page = api.get("/api/v1/docs")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    text = page.text
    assert "/api/v1/invitations/{invitation_id}/revoke" in text and "Bearer" in text
    assert "<script" not in text  # and nothing loaded from elsewhere:
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", text)


def test_the_page_s_filters_narrow_the_list(api, engine):
    alice = token(engine)
    [made] = invite(api, engine, alice, "filters@partner.example")

    def ids(**params) -> list[int]:
        reply = api.get("/api/v1/invitations", params=params, headers=alice)
        assert reply.status_code == 200, reply.text
        return [r["id"] for r in reply.json()["items"]]

    assert made in ids(kind="tenant", community_id=wind(engine), status="pending")
    assert made not in ids(kind="community_user")
    assert made not in ids(community_id=wind(engine) + 1)
    assert made not in ids(renewal_asked="true")  # nobody asked for a new one
    assert made not in ids(expiring="true")  # 14 days left
    assert made not in ids(delivery_failed="true")


@pytest.mark.parametrize("cursor", ["x|²", "2026-01-01T00:00:00|5", "2026-01-01|1", "|", "a|-1"])
def test_a_forged_cursor_is_an_answer_never_a_500(api, engine, cursor):
    reply = api.get("/api/v1/invitations", params={"after": cursor}, headers=token(engine))
    assert reply.status_code in (200, 422), reply.text
