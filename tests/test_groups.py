"""Groups (product document 004): renamed, deleted, and the roles they grant chosen from a
labelled list."""

import re

import pytest
from sqlmodel import select

from app.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.domain.permissions import ORG_CREATE_COMMUNITY, TENANT_ADMIN
from app.mail.links import opened
from app.models import AuditEvent, Group, GroupMember, Invitation, OrgRoleAssignment, OutboxMessage
from app.services import groups as gr
from app.services import parent_invitations as pi
from app.services.invitation_list import timeline
from app.services.orgs import create_user
from tests.helpers import NOW, SECRET, org, user, viewer

BASE = "http://localhost:3000"


@pytest.fixture
def east(db, demo):
    """Erin administers Contoso Retail East; Max is a plain user there; Rita and Dave are
    users of its parent, Contoso Retail."""
    east_org = org(db, "contoso-retail-east")
    create_user(db, east_org, email="erin@east.example", username="erin", display_name="Erin",
                password="long-enough-pw", role=TENANT_ADMIN, now=NOW)
    create_user(db, east_org, email="max@east.example", username="max", display_name="Max",
                password="long-enough-pw", now=NOW)
    create_user(db, org(db, "contoso-retail"), email="rita@retail.example", username="rita",
                display_name="Rita", password="long-enough-pw", now=NOW)
    db.commit()
    return east_org


def invite(db, usernames, group_ids):
    pi.invite_parent_users(db, viewer(db, "erin"), usernames, list(group_ids), now=NOW,
                           secret_key=SECRET, base_url=BASE)
    db.commit()


def link_of(db, email):
    row = db.exec(select(OutboxMessage).where(OutboxMessage.to_addr == email)
                  .order_by(OutboxMessage.id.desc())).first()
    return re.search(r"/org-invite/(\S+)", opened(row)[0]).group(1)


def rows_by_name(db, who="erin"):
    return {g["name"]: g for g in gr.list_groups(db, viewer(db, who))}


def invitation_groups(db):
    shown = pi.list_invitations(db, viewer(db, "erin"), NOW)["rows"]
    return {r["username"]: (r["groups"], r["status"]) for r in shown}


def test_the_roles_a_group_grants_come_from_a_labelled_list_and_show_in_its_row(db, east):
    erin = viewer(db, "erin")
    choices = gr.role_choices(erin)
    assert [(c["key"], c["name"]) for c in choices] == [
        ("tenant_admin", "Tenant Administrator"), ("tenant_member", "Tenant Member")]
    assert all(c["description"] and c["can_give"] for c in choices)
    assert not any(c["can_give"] for c in gr.role_choices(viewer(db, "max"))
                   if c["key"] == "tenant_admin")
    ops = gr.create_group(db, erin, "Ops", "Runs the stores", ["tenant_member"], now=NOW)
    db.commit()
    assert rows_by_name(db)["Ops"]["roles"] == "Tenant Member"
    gr.update_group(db, erin, ops, "Ops", "Runs the stores",
                    ["tenant_admin", "tenant_member"], now=NOW)
    db.commit()
    assert rows_by_name(db)["Ops"]["roles"] == "Tenant Administrator, Tenant Member"
    assert gr.group_form(db, erin, ops)["role_keys"] == ["tenant_admin", "tenant_member"]
    with pytest.raises(InvalidInput, match="Unknown roles: community_admin"):
        gr.update_group(db, erin, ops, "Ops", "", ["community_admin"], now=NOW)
    db.rollback()
    gr.update_group(db, erin, ops, "Ops", "Runs the stores", [], now=NOW)
    db.commit()
    assert rows_by_name(db)["Ops"]["roles"] == "—"


def test_a_group_is_renamed_with_a_clear_message_for_empty_and_taken_names(db, east):
    erin = viewer(db, "erin")
    ops = gr.create_group(db, erin, "Ops", now=NOW)
    gr.create_group(db, erin, "Support", now=NOW)
    db.commit()
    for name, message in (("  ", "Enter a name for the group."),
                          ("support", "A group named Support already exists."),
                          ("x" * 81, "2 to 80 characters")):
        with pytest.raises(InvalidInput, match=re.escape(message)):
            gr.update_group(db, erin, ops, name, "", [], now=NOW)
        db.rollback()
    assert set(rows_by_name(db)) == {"Ops", "Support"}
    gr.update_group(db, erin, ops, "  Operations  ", "", [], now=NOW)
    gr.update_group(db, erin, ops, "OPERATIONS", "", [], now=NOW)  # its own name, recased
    db.commit()
    assert set(rows_by_name(db)) == {"OPERATIONS", "Support"}
    renames = db.exec(select(AuditEvent.details).where(AuditEvent.action == "group.rename")
                      .order_by(AuditEvent.id)).all()
    assert [(d["from"], d["name"]) for d in renames] == [("Ops", "Operations"),
                                                        ("Operations", "OPERATIONS")]


def test_a_new_name_shows_in_the_open_invitations_into_the_group(db, east):
    erin = viewer(db, "erin")
    ops = gr.create_group(db, erin, "Ops", now=NOW)
    night = gr.create_group(db, erin, "Night", now=NOW)
    db.commit()
    invite(db, ["rita"], [night, ops])
    invite(db, ["dave"], [night])
    gr.update_group(db, erin, ops, "Operations", "", [], now=NOW)
    db.commit()
    assert invitation_groups(db) == {"rita": ("Night, Operations", "pending"),
                                     "dave": ("Night", "pending")}
    view = pi.invitation_view(db, SECRET, link_of(db, "rita@retail.example"), None, NOW)
    assert view["groups"] == "Night, Operations"


def test_the_confirmation_names_members_roles_and_open_invitations(db, east):
    erin = viewer(db, "erin")
    ops = gr.create_group(db, erin, "Ops", "", ["tenant_admin"], now=NOW)
    db.commit()
    gr.set_member(db, erin, ops, "max", True, now=NOW)
    gr.set_member(db, erin, ops, "erin", True, now=NOW)
    db.commit()
    invite(db, ["rita", "dave"], [ops])
    assert gr.deletion_preview(db, erin, ops) == {
        "id": ops, "name": "Ops", "members": ["Erin", "Max"],
        "roles": ["Tenant Administrator"], "invitations": ["dave", "rita"]}


def test_deleting_a_group_takes_what_it_granted_and_ends_the_open_invitations_into_it(db, east):
    erin = viewer(db, "erin")
    ops = gr.create_group(db, erin, "Ops", "", ["tenant_admin"], now=NOW)
    night = gr.create_group(db, erin, "Night", now=NOW)
    db.commit()
    gr.set_member(db, erin, ops, "max", True, now=NOW)
    db.commit()
    assert ORG_CREATE_COMMUNITY in viewer(db, "max").permissions
    invite(db, ["rita"], [ops, night])
    invite(db, ["dave"], [night])
    rita_link, dave_link = link_of(db, "rita@retail.example"), link_of(db, "dave@contoso-retail.example")

    ended = gr.delete_group(db, erin, ops, now=NOW)
    db.commit()

    assert db.get(Group, ops) is None and "Ops" not in rows_by_name(db)
    assert not db.exec(select(GroupMember).where(GroupMember.group_id == ops)).all()
    assert not db.exec(select(OrgRoleAssignment).where(OrgRoleAssignment.group_id == ops)).all()
    assert ORG_CREATE_COMMUNITY not in viewer(db, "max").permissions
    rita_row = db.exec(select(Invitation).where(Invitation.recipient == "rita")).one()
    assert ended == [rita_row.id] and rita_row.revoked_by_user_id == user(db, "erin").id
    assert invitation_groups(db) == {"rita": ("Ops, Night", "revoked"),
                                     "dave": ("Night", "pending")}
    with pytest.raises(Conflict, match="deleted"):
        pi.accept(db, viewer(db, "rita"), rita_link, now=NOW, secret_key=SECRET)
    db.rollback()
    assert [t["what"] for t in timeline(db, rita_row)][-1] == "Deleted (Group deleted)"
    actions = db.exec(select(AuditEvent.action).where(
        AuditEvent.action.in_(["group.delete", "invitation.delete"]))).all()
    assert sorted(actions) == ["group.delete", "invitation.delete"]
    pi.accept(db, viewer(db, "dave"), dave_link, now=NOW, secret_key=SECRET)
    db.commit()
    assert rows_by_name(db)["Night"]["members"] == "Dave Retail"


def test_an_accepted_invitation_into_a_deleted_group_stays_accepted(db, east):
    erin = viewer(db, "erin")
    ops = gr.create_group(db, erin, "Ops", now=NOW)
    db.commit()
    invite(db, ["rita"], [ops])
    pi.accept(db, viewer(db, "rita"), link_of(db, "rita@retail.example"), now=NOW,
              secret_key=SECRET)
    db.commit()
    assert gr.deletion_preview(db, erin, ops)["members"] == ["Rita"]
    assert gr.delete_group(db, erin, ops, now=NOW) == []
    db.commit()
    assert invitation_groups(db) == {"rita": ("Ops", "accepted")}
    assert db.get(GroupMember, (ops, user(db, "rita").id)) is None


@pytest.mark.parametrize("who,error", [("max", PermissionDenied), ("bob", NotFound),
                                       ("dave", NotFound)])
def test_only_who_manages_the_organizations_groups_may_rename_or_delete(db, east, who, error):
    erin = viewer(db, "erin")
    ops = gr.create_group(db, erin, "Ops", now=NOW)
    db.commit()
    someone = viewer(db, who)
    for attempt in (lambda: gr.update_group(db, someone, ops, "Mine", "", [], now=NOW),
                    lambda: gr.group_form(db, someone, ops),
                    lambda: gr.deletion_preview(db, someone, ops),
                    lambda: gr.delete_group(db, someone, ops, now=NOW)):
        with pytest.raises(error):
            attempt()
        db.rollback()
    assert set(rows_by_name(db)) == {"Ops"}


def test_the_confirmation_says_what_goes_in_words():
    from app.states.org_groups import deletion_words

    three = {"members": ["Alice Admin", "Frank Fielding", "Max"], "roles": ["Tenant Member"],
             "invitations": ["dave", "rita"]}
    assert deletion_words(three) == (
        "Its 3 members (Alice Admin, Frank Fielding, Max) lose the role Tenant Member, "
        "which it grants. 2 open invitations into it (dave, rita) will be deleted; their "
        "links stop working.")
    two_roles = {**three, "roles": ["Tenant Member", "Community Creator"]}
    assert "lose the roles Tenant Member and Community Creator, which it grants." in \
        deletion_words(two_roles)
    assert deletion_words({"members": ["Max"], "roles": [], "invitations": ["dave"]}) == (
        "Its 1 member (Max) leaves it; it grants no roles. 1 open invitation into it (dave) "
        "will be deleted; its link stops working.")
    assert deletion_words({"members": [], "roles": ["Tenant Member"], "invitations": []}) == (
        "It has no members. No open invitations lead into it.")
    many = deletion_words({"members": [f"U{i:02}" for i in range(12)], "roles": ["R"],
                           "invitations": []})
    assert "(U00, U01, U02, U03, U04, U05, U06, U07, U08, U09 and 2 more)" in many


def test_a_dialog_on_a_group_someone_else_deleted_closes_when_the_page_rereads(db, east):
    import reflex as rx

    import app.app  # noqa: F401
    from app.states.org_users import OrgUsersState

    erin = viewer(db, "erin")
    ops = gr.create_group(db, erin, "Ops", now=NOW)
    db.commit()
    page = rx.State().get_substate(OrgUsersState.get_full_name().split(".")[1:])
    page.deleting_id, page.editing_id, page.group_open = ops, ops, True
    page._refresh(db, erin)
    assert (page.deleting_id, page.editing_id, page.group_open) == (ops, ops, True)
    gr.delete_group(db, erin, ops, now=NOW)
    db.commit()
    page._refresh(db, erin)
    assert (page.deleting_id, page.editing_id, page.group_open) == (0, 0, False)
