"""Inviting users of the parent organization into groups (product document 004)."""

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from app.domain import invitation_status as st
from app.domain.errors import Conflict, NotFound, PermissionDenied
from app.domain.permissions import ORG_CREATE_COMMUNITY
from app.mail.links import opened
from app.models import GroupMember, Invitation, OrganizationMember, OutboxMessage
from app.services import groups as gr
from app.services import parent_invitations as pi
from app.services.directory import create_child_organization, list_descendants, list_users
from app.services.orgs import create_user
from tests.helpers import NOW, SECRET, org, user, viewer

BASE = "http://localhost:3000"



def invite(db, who, usernames, group_ids=(), now=NOW, alias=None):
    out = pi.invite_parent_users(db, viewer(db, who, alias), usernames, list(group_ids),
                                 now=now, secret_key=SECRET, base_url=BASE)
    db.commit()
    return {r["username"]: r["outcome"] for r in out}


def token_for(db, email):
    row = db.exec(select(OutboxMessage).where(OutboxMessage.to_addr == email)
                  .order_by(OutboxMessage.id.desc())).first()
    return re.search(r"/org-invite/(\S+)", opened(row)[0]).group(1)  # links are sealed at rest


@pytest.fixture
def east(db, demo):
    """A Tenant Administrator of contoso-retail-east, and a user of each level above."""
    east_org = org(db, "contoso-retail-east")
    create_user(db, east_org, email="erin@east.example", username="erin", display_name="Erin",
                password="long-enough-pw", role=__import__(
                    "app.domain.permissions", fromlist=["TENANT_ADMIN"]).TENANT_ADMIN, now=NOW)
    create_user(db, org(db, "contoso-retail"), email="rita@retail.example", username="rita",
                display_name="Rita", password="long-enough-pw", now=NOW)
    db.commit()
    return east_org


def test_only_users_of_the_direct_parent_can_be_invited(db, east):
    results = invite(db, "erin", ["rita", "dave", "alice", "bob", "ghost", "erin"])
    assert results == {"rita": "invited", "dave": "invited", "alice": pi.NOT_PARENT,
                       "bob": pi.NOT_PARENT, "ghost": pi.NOT_PARENT,
                       "erin": pi.ALREADY_MEMBER}
    assert invite(db, "erin", "rita") == {"rita": "already invited"}


def test_the_link_is_valid_for_exactly_72_hours(db, east):
    invite(db, "erin", ["rita"])
    token = token_for(db, "rita@retail.example")
    rita = viewer(db, "rita")
    at = NOW + timedelta(hours=72)
    assert pi.invitation_view(db, SECRET, token, None, at - timedelta(seconds=1))[
        "status"] == "pending"
    assert pi.invitation_view(db, SECRET, token, None, at)["status"] == "expired"
    with pytest.raises(Conflict, match="expired"):
        pi.accept(db, rita, token, now=at, secret_key=SECRET)
    pi.accept(db, rita, token, now=at - timedelta(seconds=1), secret_key=SECRET)


def test_accepting_adds_a_shared_user_in_the_chosen_groups_atomically(db, east):
    erin = viewer(db, "erin")
    ops = gr.create_group(db, erin, "Operators", now=NOW)
    gr.set_roles(db, erin, ops, ["tenant_admin"], now=NOW)
    db.commit()
    invite(db, "erin", ["rita"], [ops])
    token = token_for(db, "rita@retail.example")
    with pytest.raises(PermissionDenied):
        pi.accept(db, viewer(db, "dave"), token, now=NOW, secret_key=SECRET)
    pi.accept(db, viewer(db, "rita"), token, now=NOW, secret_key=SECRET)
    db.commit()
    rita = user(db, "rita")
    kind = db.exec(select(OrganizationMember.kind).where(
        OrganizationMember.user_id == rita.id,
        OrganizationMember.organization_id == east.id)).one()
    assert kind == "shared" and rita.home_organization_id == org(db, "contoso-retail").id
    assert db.get(GroupMember, (ops, rita.id)) is not None
    in_east = viewer(db, "rita", "contoso-retail-east")
    assert ORG_CREATE_COMMUNITY in in_east.permissions  # from the group's role
    rows = {u["username"]: u["kind"] for u in list_users(db, viewer(db, "erin"))}
    assert rows["rita"] == "From the parent organization"


def test_a_replayed_or_deleted_link_is_dead(db, east):
    invite(db, "erin", ["rita", "dave"])
    token = token_for(db, "rita@retail.example")
    pi.accept(db, viewer(db, "rita"), token, now=NOW, secret_key=SECRET)
    db.commit()
    with pytest.raises(Conflict):
        pi.accept(db, viewer(db, "rita"), token, now=NOW, secret_key=SECRET)
    dave_token = token_for(db, "dave@contoso-retail.example")
    dave_inv = db.exec(select(Invitation).where(Invitation.recipient == "dave")).one()
    pi.delete_invitation(db, viewer(db, "erin"), dave_inv.id, now=NOW)
    db.commit()
    with pytest.raises(Conflict, match="deleted"):
        pi.accept(db, viewer(db, "dave"), dave_token, now=NOW, secret_key=SECRET)
    listed = pi.list_invitations(db, viewer(db, "erin"), NOW)
    assert {r["username"]: r["status"] for r in listed["rows"]} == {
        "rita": "accepted", "dave": "revoked"}


def test_resend_issues_a_new_72_hour_link_and_kills_the_old(db, east):
    invite(db, "erin", ["rita"])
    old = token_for(db, "rita@retail.example")
    inv = db.exec(select(Invitation)).one()
    later = NOW + timedelta(hours=80)
    pi.resend_invitation(db, viewer(db, "erin"), inv.id, now=later, secret_key=SECRET,
                         base_url=BASE)
    db.commit()
    new = token_for(db, "rita@retail.example")
    assert pi.invitation_view(db, SECRET, old, None, later) == st.closed_view()
    assert db.get(Invitation, inv.id).expires_at == later + timedelta(hours=72)
    pi.accept(db, viewer(db, "rita"), new, now=later, secret_key=SECRET)


def test_inviting_needs_the_permission_in_the_child(db, east):
    create_user(db, east, email="max@east.example", username="max", display_name="Max",
                password="long-enough-pw", now=NOW)
    db.commit()
    with pytest.raises(PermissionDenied):
        invite(db, "max", ["rita"])


def test_alice_switched_into_contoso_retail_invites_frank(db, demo):
    results = invite(db, "alice", ["frank", "bob"], alias="contoso-retail")
    assert results == {"frank": "invited", "bob": pi.NOT_PARENT}
    assert invite(db, "dave", ["frank", "alice"]) == {"frank": "already invited",
                                                     "alice": "invited"}


def test_organizations_below_and_creating_a_child(db, demo):
    alice = viewer(db, "alice")
    assert [(o["name"], o["parent"]) for o in list_descendants(db, alice)] == [
        ("Contoso Retail", "Contoso Energy"), ("Contoso Retail East", "Contoso Retail")]
    create_child_organization(db, alice, "Contoso Wind", "contoso-wind", now=NOW)
    db.commit()
    assert "Contoso Wind" in [o["name"] for o in list_descendants(db, alice)]
    with pytest.raises(PermissionDenied):
        create_child_organization(db, viewer(db, "frank"), "Frank's", "franks", now=NOW)


def test_groups_take_members_in_and_out_and_give_them_roles(db, east):
    erin = viewer(db, "erin")
    ops = gr.create_group(db, erin, "Operators", now=NOW)
    create_user(db, east, email="max@east.example", username="max", display_name="Max",
                password="long-enough-pw", now=NOW)
    db.commit()
    gr.set_member(db, erin, ops, "max", True, now=NOW)
    gr.set_roles(db, erin, ops, ["tenant_admin"], now=NOW)
    db.commit()
    assert viewer(db, "max").is_tenant_admin
    gr.set_member(db, erin, ops, "max", False, now=NOW)
    db.commit()
    assert not viewer(db, "max").is_tenant_admin
    with pytest.raises(NotFound):
        gr.set_member(db, erin, ops, "alice", True, now=NOW)  # not a user of this organization


def test_only_administrators_see_the_organizations_below(db, demo):
    """Found by the authorization matrix: a member or guest was sent the Tenant IDs of
    every organization below theirs."""
    with pytest.raises(PermissionDenied):
        list_descendants(db, viewer(db, "frank"))
    assert list_descendants(db, viewer(db, "dave"))[0]["name"] == "Contoso Retail East"


def test_a_member_of_the_organization_is_told_so_not_that_they_are_not_a_parent_user(db, demo):
    assert invite(db, "dave", ["dave"]) == {"dave": "already a member of this organization"}
    assert invite(db, "dave", ["frank"]) == {"frank": "invited"}
    pi.accept(db, viewer(db, "frank"), token_for(db, "frank@contoso.example"), now=NOW,
              secret_key=SECRET)
    db.commit()
    assert invite(db, "dave", ["frank", "bob"]) == {
        "frank": "already a member of this organization",
        "bob": "not a user of the parent organization"}
