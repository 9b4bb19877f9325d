"""Invariants the database itself keeps, on every engine."""

from datetime import timedelta

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

from app.models import (
    Community,
    CommunityTenant,
    Invitation,
    Organization,
    OrgRoleAssignment,
    Role,
    utcnow,
)
from app.services.orgs import create_organization
from tests.helpers import NOW, org, user


def _invite(db, status="pending", recipient="x@example.com", token="a"):
    alice = user(db, "alice")
    inv = Invitation(kind="tenant", batch_id="b1", organization_id=alice.home_organization_id,
                     invited_by_user_id=alice.id, recipient=recipient, scope_key="community:1",
                     token_hash=token * 64, expires_at=utcnow() + timedelta(days=14),
                     status=status)
    db.add(inv)
    db.flush()
    return inv


def test_one_open_invitation_per_recipient_and_scope(db, demo):
    _invite(db, token="a")
    with pytest.raises(IntegrityError):
        _invite(db, token="b", status="accepted")


def test_closed_invitations_do_not_block_a_new_one(db, demo):
    _invite(db, token="a", status="revoked")
    _invite(db, token="b", status="declined")
    _invite(db, token="c")
    db.commit()
    assert len(db.exec(select(Invitation)).all()) == 3


def test_expired_is_never_a_stored_status(db, demo):
    with pytest.raises(IntegrityError):
        _invite(db, status="expired")


def test_aliases_are_unique(db, demo):
    db.add(Organization(tenant_id="t-other", name="Other", alias="contoso"))
    with pytest.raises(IntegrityError):
        db.flush()


def test_tenant_ids_are_random_and_not_the_primary_key(db, demo):
    orgs = db.exec(select(Organization)).all()
    assert len({o.tenant_id for o in orgs}) == len(orgs)
    assert all(o.tenant_id.startswith("t-") and o.tenant_id != str(o.id) for o in orgs)


def test_foreign_keys_are_enforced(db, demo):
    db.add(Community(organization_id=999_999, name="Ghost"))
    with pytest.raises(IntegrityError):
        db.flush()


def test_a_tenant_is_active_in_a_community_once(db, demo):
    wind = db.exec(select(Community)).first()
    db.add(CommunityTenant(community_id=wind.id, organization_id=org(db, "contoso").id))
    with pytest.raises(IntegrityError):
        db.flush()


def test_removed_membership_history_allows_rejoining(db, demo):
    wind = db.exec(select(Community)).first()
    fabrikam = org(db, "fabrikam").id
    db.add(CommunityTenant(community_id=wind.id, organization_id=fabrikam, status="removed"))
    db.add(CommunityTenant(community_id=wind.id, organization_id=fabrikam))
    db.commit()


def test_a_role_assignment_names_one_principal(db, demo):
    role = db.exec(select(Role).where(Role.key == "tenant_member")).one()
    db.add(OrgRoleAssignment(organization_id=org(db, "contoso").id, role_id=role.id))
    with pytest.raises(IntegrityError):
        db.flush()


def test_alias_rules_are_checked(db, demo):
    from app.domain.errors import InvalidInput
    for bad in ["Has Space", "-edge", "UPPER_", "a" * 64, ""]:
        with pytest.raises(InvalidInput):
            create_organization(db, "X", bad, now=NOW)
