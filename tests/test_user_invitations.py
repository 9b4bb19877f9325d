"""Invitations into managed and MSSP communities with roles (product document 003)."""

import re
from datetime import timedelta

import pytest
from sqlmodel import select

from app.domain import invitation_status as st
from app.domain.community_order import ordered
from app.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.domain.permissions import (
    COMMUNITY_INVITE_TENANT,
    COMMUNITY_MANAGE_MEMBER,
    COMMUNITY_VIEW,
)
from app.mail.links import opened
from app.models import Community, Invitation, OrganizationMember, OutboxMessage, Role
from app.services import custom_roles as cr
from app.services import managed_communities as mc
from app.services import user_invitations as ui
from app.services.access import community_permissions
from app.services.auth import viewer_for_user
from app.services.tenant_invitations import Mailer
from tests.helpers import NOW, SECRET, org, user, viewer

MAILER = Mailer(SECRET, "http://localhost:3000", days=7)


def community(db, name):
    return db.exec(select(Community).where(Community.name == name)).one().id


def role_id(db, name):
    return db.exec(select(Role.id).where(Role.name == name)).one()


def link_token(db, to):
    row = db.exec(select(OutboxMessage).where(OutboxMessage.to_addr == to)
                  .order_by(OutboxMessage.id.desc())).first()
    return re.search(r"/join/(\S+)", opened(row)[0]).group(1)  # links are sealed at rest


def invite(db, addresses, names, roles=("Community Member",), now=NOW):
    out = ui.invite_users(db, viewer(db, "alice"), addresses, [community(db, n) for n in names],
                          [role_id(db, r) for r in roles], now=now, mailer=MAILER)
    db.commit()
    return {r["address"]: r["outcome"] for r in out}


def new_user_accepts(db, address, token, now=NOW):
    alias = ui.create_account_and_accept(db, token, "New Person", "a-long-password",
                                         now=now, secret_key=SECRET).alias
    db.commit()
    return viewer_for_user(db, user(db, address.split("@")[0]), org(db, alias).id)


def test_managed_list_puts_the_mssp_main_first_with_its_communities_under_it(db, demo):
    names = [(r["name"], r["depth"]) for r in mc.managed_communities(db, viewer(db, "alice"))]
    assert names == [("Contoso SOC", 0), ("Client A", 1), ("Client B", 1)]
    rows = [{"id": 1, "name": "Zeta", "kind": "standard", "parent_id": None},
            {"id": 2, "name": "Beta", "kind": "managed", "parent_id": 3},
            {"id": 3, "name": "Main", "kind": "mssp", "parent_id": None},
            {"id": 4, "name": "Alpha", "kind": "managed", "parent_id": None}]
    assert [r["name"] for r in ordered(rows)] == ["Main", "Beta", "Alpha", "Zeta"]


def test_one_batch_and_one_email_per_address_with_a_result_for_each(db, demo):
    results = invite(db, "new@client.example, bad@, new@client.example\nfrank@contoso.example",
                     ["Client A", "Client B"])
    assert results == {"new@client.example": "invited", "bad@": "invalid address",
                       "frank@contoso.example": "invited"}
    rows = db.exec(select(Invitation).where(Invitation.recipient == "new@client.example")).all()
    assert len(rows) == 2 and len({r.batch_id for r in rows}) == 1
    assert rows[0].expires_at == NOW + timedelta(days=7)
    assert len(db.exec(select(OutboxMessage).where(
        OutboxMessage.to_addr == "new@client.example")).all()) == 1
    again = invite(db, "new@client.example", ["Client B"])
    assert again == {"new@client.example": "already invited"}


def test_nothing_is_half_done_for_an_address(db, demo):
    invite(db, "new@client.example", ["Client B"])
    assert invite(db, "new@client.example", ["Client A", "Client B"]) == {
        "new@client.example": "already invited"}
    assert db.exec(select(Invitation.community_id).where(
        Invitation.recipient == "new@client.example")).all() == [community(db, "Client B")]


def test_new_user_invited_to_client_a_sees_only_client_a(db, demo):
    invite(db, "new@client.example", ["Client A"])
    token = link_token(db, "new@client.example")
    shown = ui.join_view(db, SECRET, token, None, NOW)
    assert shown["has_account"] is False and shown["communities"] == "Client A"
    assert db.exec(select(Invitation.status)).all() == ["pending"]  # opening changed nothing
    person = new_user_accepts(db, "new@client.example", token)
    assert person.org_alias == "contoso" and person.permissions == frozenset()
    assert COMMUNITY_VIEW in community_permissions(db, person, community(db, "Client A"))
    for other in ("Client B", "Contoso SOC", "Wind Farm Analytics"):
        assert community_permissions(db, person, community(db, other)) == frozenset(), other
    kind = db.exec(select(OrganizationMember.kind).where(
        OrganizationMember.user_id == person.user_id)).one()
    assert kind == "guest"


def test_invited_to_the_mssp_main_reaches_every_managed_one_even_later_ones(db, demo):
    invite(db, "lead@client.example", ["Contoso SOC"], roles=("Community Moderator",))
    person = new_user_accepts(db, "lead@client.example", link_token(db, "lead@client.example"))
    for name in ("Contoso SOC", "Client A", "Client B"):
        assert COMMUNITY_VIEW in community_permissions(db, person, community(db, name)), name
    later = mc.create_managed_community(db, viewer(db, "alice"), "Client C", "", "managed",
                                        parent_id=community(db, "Contoso SOC"), now=NOW)
    db.commit()
    assert COMMUNITY_VIEW in community_permissions(db, person, later)


def test_an_existing_user_must_accept_as_the_invited_address(db, demo):
    invite(db, "bob@fabrikam.example", ["Client A"])
    token = link_token(db, "bob@fabrikam.example")
    assert ui.join_view(db, SECRET, token, None, NOW)["has_account"] is True
    with pytest.raises(PermissionDenied):
        ui.accept(db, viewer(db, "carol"), token, now=NOW, secret_key=SECRET)
    ui.accept(db, viewer(db, "bob"), token, now=NOW, secret_key=SECRET)
    db.commit()
    bob_at_contoso = viewer(db, "bob", "contoso")
    assert community_permissions(db, bob_at_contoso, community(db, "Client A")) == {
        COMMUNITY_VIEW}
    assert community_permissions(db, viewer(db, "bob"), community(db, "Client A")) == frozenset()


def test_replayed_and_expired_links_are_refused(db, demo):
    invite(db, "new@client.example", ["Client A"])
    token = link_token(db, "new@client.example")
    new_user_accepts(db, "new@client.example", token)
    with pytest.raises(Conflict):
        ui.accept(db, viewer(db, "new"), token, now=NOW, secret_key=SECRET)
    invite(db, "late@client.example", ["Client A"])
    late = link_token(db, "late@client.example")
    with pytest.raises(Conflict):
        ui.create_account_and_accept(db, late, "Late", "a-long-password",
                                     now=NOW + timedelta(days=7), secret_key=SECRET)
    assert ui.join_view(db, SECRET, "made-up-token", None, NOW) == st.closed_view()


def test_accept_grants_exactly_the_stored_roles(db, demo):
    invite(db, "mod@client.example", ["Client A"], roles=("Community Moderator",))
    person = new_user_accepts(db, "mod@client.example", link_token(db, "mod@client.example"))
    perms = community_permissions(db, person, community(db, "Client A"))
    assert perms == {"community.view", "community.leave"}


def test_inviting_needs_manage_member_in_every_selected_community(db, demo):
    with pytest.raises((PermissionDenied, NotFound)):
        ui.invite_users(db, viewer(db, "bob"), "x@y.example", [community(db, "Client A")],
                        [role_id(db, "Community Member")], now=NOW, mailer=MAILER)
    with pytest.raises(InvalidInput, match="takes tenants"):
        invite(db, "x@y.example", ["Wind Farm Analytics"])


def test_custom_roles_are_validated_and_capped_by_what_the_builder_holds(db, demo):
    alice = viewer(db, "alice")
    rid = cr.save_role(db, alice, "Analyst", "Reads and invites",
                       [COMMUNITY_VIEW, COMMUNITY_MANAGE_MEMBER], now=NOW)
    db.commit()
    with pytest.raises(InvalidInput, match="already exists"):
        cr.save_role(db, alice, "analyst", "", [COMMUNITY_VIEW], now=NOW)
    with pytest.raises(InvalidInput, match="Unknown permissions"):
        cr.save_role(db, alice, "Bad", "", ["org.manage_users"], now=NOW)
    with pytest.raises(InvalidInput, match="at least one"):
        cr.save_role(db, alice, "Empty", "", [], now=NOW)
    with pytest.raises(PermissionDenied):
        cr.save_role(db, viewer(db, "carol"), "Carol's", "", [COMMUNITY_INVITE_TENANT], now=NOW)
    roles = {r["name"]: r for r in cr.list_roles(db, alice)}
    assert roles["Analyst"]["custom"] and not roles["Community Administrator"]["custom"]
    assert roles["Analyst"]["permission_list"] == sorted([COMMUNITY_VIEW,
                                                          COMMUNITY_MANAGE_MEMBER])
    assert rid in [r["id"] for r in cr.list_roles(db, alice)]


def test_nobody_grants_a_role_above_what_they_hold(db, demo):
    alice = viewer(db, "alice")
    admin_role = role_id(db, "Community Administrator")
    wind = community(db, "Client A")
    moderator = user(db, "frank")  # make frank a Community Member manager of Client A only
    from app.domain.permissions import COMMUNITY_MEMBER
    from app.services.communities import add_member
    add_member(db, wind, moderator.id, org(db, "contoso").id, [COMMUNITY_MEMBER], now=NOW)
    mm = cr.save_role(db, alice, "Inviter", "", [COMMUNITY_VIEW, COMMUNITY_MANAGE_MEMBER], now=NOW)
    from app.models import CommunityMember, CommunityMemberRole
    member_id = db.exec(select(CommunityMember.id).where(
        CommunityMember.user_id == moderator.id)).one()
    db.add(CommunityMemberRole(member_id=member_id, role_id=mm))
    db.commit()
    frank = viewer(db, "frank")
    with pytest.raises(PermissionDenied, match="do not hold"):
        ui.invite_users(db, frank, "x@y.example", [wind], [admin_role], now=NOW, mailer=MAILER)
    out = ui.invite_users(db, frank, "x@y.example", [wind], [role_id(db, "Community Member")],
                          now=NOW, mailer=MAILER)
    assert out == [{"address": "x@y.example", "outcome": "invited"}]


def test_a_role_in_use_cannot_be_deleted_and_says_who_holds_it(db, demo):
    alice = viewer(db, "alice")
    rid = cr.save_role(db, alice, "Analyst", "", [COMMUNITY_VIEW], now=NOW)
    db.commit()
    invite(db, "new@client.example", ["Client A"], roles=("Analyst",))
    with pytest.raises(Conflict, match="new@client.example"):
        cr.delete_role(db, alice, rid, now=NOW)
    new_user_accepts(db, "new@client.example", link_token(db, "new@client.example"))
    with pytest.raises(Conflict, match="New Person in Client A"):
        cr.delete_role(db, alice, rid, now=NOW)
    unused = cr.save_role(db, alice, "Unused", "", [COMMUNITY_VIEW], now=NOW)
    cr.delete_role(db, alice, unused, now=NOW)
    db.commit()
    assert db.get(Role, unused) is None


def test_users_tab_lists_members_and_pending_invitations_and_manages_them(db, demo):
    from app.services import community_members as cm
    invite(db, "new@client.example", ["Client A"])
    invite(db, "other@client.example", ["Client B"])
    person = new_user_accepts(db, "new@client.example", link_token(db, "new@client.example"))
    alice = viewer(db, "alice")
    people = cm.list_people(db, alice, community(db, "Client A"), NOW)
    assert [m["email"] for m in people["members"]] == ["alice@contoso.example",
                                                        "new@client.example"]
    assert people["invitations"] == []
    assert [m["is_me"] for m in people["members"]] == [1, 0]  # no actions on one's own row
    everyone = cm.list_people(db, alice, None, NOW)
    assert [i["recipient"] for i in everyone["invitations"]] == ["other@client.example"]
    member_id = people["members"][1]["member_id"]
    cm.change_roles(db, alice, member_id, [role_id(db, "Community Moderator")], now=NOW)
    db.commit()
    assert "community.leave" in community_permissions(db, person, community(db, "Client A"))
    roles_of = lambda: cm.list_people(db, alice, community(db, "Client A"), NOW)[  # noqa: E731
        "members"][1]["role_ids"]
    assert roles_of() == str(role_id(db, "Community Moderator"))  # set exactly, not added
    with pytest.raises(InvalidInput, match="use Remove"):
        cm.change_roles(db, alice, member_id, [], now=NOW)
    db.rollback()
    assert roles_of() == str(role_id(db, "Community Moderator"))  # nothing changed
    with pytest.raises((PermissionDenied, NotFound)):
        cm.change_roles(db, viewer(db, "bob"), member_id, [role_id(db, "Community Member")],
                        now=NOW)
    cm.remove_member(db, alice, member_id, now=NOW)
    db.commit()
    assert community_permissions(db, person, community(db, "Client A")) == frozenset()


def test_resend_kills_the_old_link_of_the_whole_batch(db, demo):
    from app.services import community_members as cm
    invite(db, "new@client.example", ["Client A", "Client B"])
    old = link_token(db, "new@client.example")
    inv_id = db.exec(select(Invitation.id).where(Invitation.recipient == "new@client.example")
                     ).first()
    cm.resend(db, viewer(db, "alice"), inv_id, now=NOW + timedelta(minutes=1), mailer=MAILER)
    db.commit()
    new = link_token(db, "new@client.example")
    assert new != old
    assert ui.join_view(db, SECRET, old, None, NOW) == st.closed_view()
    assert ui.join_view(db, SECRET, new, None, NOW)["communities"] == "Client A, Client B"
    cm.revoke(db, viewer(db, "alice"), inv_id, now=NOW)
    db.commit()
    assert ui.join_view(db, SECRET, new, None, NOW)["communities"] == "Client B"


def test_a_new_account_and_every_answer_to_a_batch_are_in_the_audit_trail(db, demo):
    from app.models import AuditEvent
    invite(db, "pat@client.example, quinn@client.example", ["Client A", "Client B"])
    alias = ui.create_account_and_accept(db, link_token(db, "pat@client.example"), "Pat",
                                         "a-long-password", now=NOW, secret_key=SECRET,
                                         ip="203.0.113.9").alias
    db.commit()
    created = db.exec(select(AuditEvent).where(AuditEvent.action == "user.create")).one()
    assert created.ip == "203.0.113.9" and created.organization_id == org(db, alias).id
    accepted = db.exec(select(AuditEvent).where(AuditEvent.action == "invitation.accept")).all()
    assert len(accepted) == 2 and {e.ip for e in accepted} == {"203.0.113.9"}

    rows = db.exec(select(Invitation).where(Invitation.recipient == "quinn@client.example")
                   ).all()
    from app.services.orgs import create_user
    person = create_user(db, org(db, "northwind"), email="quinn@client.example",
                         username="quinn", display_name="Quinn", password="a-long-password",
                         role=None, now=NOW)
    db.commit()
    ui.decline_received(db, viewer_for_user(db, person, org(db, "northwind").id), rows[0].id,
                        now=NOW, mailer=MAILER)
    db.commit()
    declined = db.exec(select(AuditEvent.target_id).where(
        AuditEvent.action == "invitation.decline")).all()
    assert sorted(declined) == sorted(r.id for r in rows)  # one event per community


def test_the_mssp_main_says_it_includes_every_managed_community_by_name(db, demo):
    soc = next(c for c in mc.managed_communities(db, viewer(db, "alice"))
               if c["name"] == "Contoso SOC")
    assert soc["includes"] == "Client A, Client B"
    assert invite(db, "lead@client.example", ["Contoso SOC"]) == {
        "lead@client.example": "invited"}
    row = db.exec(select(OutboxMessage).where(OutboxMessage.to_addr == "lead@client.example")
                  ).one()
    assert "Contoso SOC (with every managed community in it: Client A, Client B)" in row.body_text
    view = ui.join_view(db, SECRET, link_token(db, "lead@client.example"), None, NOW)
    assert view["communities"] == ("Contoso SOC (with every managed community in it: "
                                   "Client A, Client B)")


def test_a_batch_is_checked_as_a_whole_with_the_outcome_of_each_address(db, demo):
    from app.models import AuditEvent
    invite(db, "member@client.example", ["Client A"])
    new_user_accepts(db, "member@client.example", link_token(db, "member@client.example"))
    invite(db, "open@client.example", ["Client A"])
    invite(db, "lapsed@client.example", ["Client A"], now=NOW - timedelta(days=8))
    old = db.exec(select(Invitation.id).where(
        Invitation.recipient == "lapsed@client.example")).one()
    out = ui.invite_users(
        db, viewer(db, "alice"), "new@client.example, New@Client.example, open@client.example,"
        " lapsed@client.example, member@client.example, nobody",
        [community(db, "Client A")], [role_id(db, "Community Member")], now=NOW, mailer=MAILER)
    db.commit()
    assert [r["outcome"] for r in out] == ["invited", "already invited", "already invited",
                                           "invited", "already a member", "invalid address"]
    lapsed = db.exec(select(Invitation).where(Invitation.recipient == "lapsed@client.example")
                     .order_by(Invitation.id)).all()
    assert [(r.id, r.status) for r in lapsed] == [(old, "revoked"), (lapsed[1].id, "pending")]
    replaced = db.exec(select(AuditEvent).where(AuditEvent.action == "invitation.revoke",
                                                AuditEvent.target_id == old)).one()
    assert replaced.details == {"reason": "replaced"}
    sent = db.exec(select(AuditEvent).where(AuditEvent.action == "invitation.send",
                                            AuditEvent.target_id == lapsed[1].id)).one()
    assert sent.details == {"recipient": "lapsed@client.example",
                            "community_id": community(db, "Client A")}
    for address, mails in (("new@client.example", 1), ("lapsed@client.example", 2),
                           ("open@client.example", 1)):
        assert len(db.exec(select(OutboxMessage).where(
            OutboxMessage.to_addr == address)).all()) == mails, address
    assert link_token(db, "new@client.example") != link_token(db, "lapsed@client.example")


def test_a_larger_batch_costs_no_more_queries_only_its_inserts(db, demo):
    """The checks, the ending of expired invitations and the savepoints are statements per
    batch, not per address (1,000 addresses in one + User submission, issue 13)."""
    from sqlalchemy import event

    def statements(tag, n):
        seen = []

        def keep(conn, cursor, statement, parameters, context, executemany):
            seen.append(statement.lstrip().split()[0].upper())

        event.listen(db.get_bind(), "before_cursor_execute", keep)
        try:
            out = ui.invite_users(db, viewer(db, "alice"), "\n".join(
                f"{tag}{i}@client.example" for i in range(n)), [community(db, "Client A"),
                community(db, "Client B")], [role_id(db, "Community Member")], now=NOW,
                mailer=MAILER)
        finally:
            event.remove(db.get_bind(), "before_cursor_execute", keep)
        db.commit()
        assert [r["outcome"] for r in out] == ["invited"] * n
        return [s for s in seen if s != "INSERT"]

    assert statements("few", 3) == statements("more", 40)
