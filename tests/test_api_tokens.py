"""Personal API tokens (issue 16, first step): made, shown once and stored as a hash;
listed with their state; revoked by their owner only; a token acts as its owner in the
organization it was made in, as the owner is at each request, never past its scope."""

from datetime import timedelta

import pytest
from sqlalchemy import delete
from sqlmodel import select

from app.domain.errors import InvalidInput, NotFound, NotSignedIn, PermissionDenied
from app.domain.permissions import ORG_MANAGE_USERS
from app.models import ApiToken, AuditEvent, OrganizationMember, OrgRoleAssignment
from app.services import api_tokens as at
from tests.helpers import NOW, SECRET, org, user, viewer


def make(db, who="alice", scope=at.WRITE, lifetime="30", name="CI script"):
    made = at.create_token(db, viewer(db, who), name, scope, lifetime, now=NOW,
                           secret_key=SECRET)
    db.flush()
    return made


def use(db, token, *, write=False, now=NOW):
    return at.viewer_for_api_token(db, secret_key=SECRET, token=token, now=now, write=write)


def test_a_token_is_shown_once_stored_as_a_hash_and_acts_as_its_owner(db, demo):
    made = make(db)
    assert made.token.startswith("cmn_") and len(made.token) > 40
    stored = db.exec(select(ApiToken)).one()
    assert made.token not in (stored.token_hash, stored.hint) and stored.hint == made.token[-4:]
    acting = use(db, made.token, write=True)
    assert (acting.username, acting.organization_id) == ("alice", org(db, "contoso").id)
    assert acting.has(ORG_MANAGE_USERS)
    assert stored.last_used_at == NOW
    [event] = db.exec(select(AuditEvent).where(AuditEvent.action == "api_token.create")).all()
    assert event.details == {"name": "CI script", "scope": "write"}


def test_a_read_token_may_not_write(db, demo):
    made = make(db, scope=at.READ)
    assert use(db, made.token).username == "alice"
    with pytest.raises(PermissionDenied, match="may only read"):
        use(db, made.token, write=True)


@pytest.mark.parametrize("token", ["", "cmn_", "cmn_not-a-token", "Bearer x", "cmn_" + "a" * 300])
def test_an_unknown_token_is_refused_alike(db, demo, token):
    make(db)
    with pytest.raises(NotSignedIn, match="unknown, revoked or expired"):
        use(db, token)


def test_expired_and_revoked_tokens_stop_working(db, demo):
    month, forever = make(db, lifetime="30"), make(db, lifetime="never", name="Forever")
    assert use(db, month.token, now=NOW + timedelta(days=29)).username == "alice"
    with pytest.raises(NotSignedIn):
        use(db, month.token, now=NOW + timedelta(days=30))
    assert use(db, forever.token, now=NOW + timedelta(days=3650)).username == "alice"
    at.revoke_token(db, viewer(db, "alice"), forever.row.id, now=NOW)
    with pytest.raises(NotSignedIn):
        use(db, forever.token)
    states = {t["name"]: t["state"] for t in at.list_tokens(db, viewer(db, "alice"),
                                                             NOW + timedelta(days=31))}
    assert states == {"CI script": "expired", "Forever": "revoked"}


def test_a_demoted_owner_s_token_loses_rights_at_once_and_a_departed_one_works_no_more(
        db, demo):
    made = make(db)
    alice, contoso = user(db, "alice"), org(db, "contoso")
    db.exec(delete(OrgRoleAssignment).where(OrgRoleAssignment.user_id == alice.id,
                                            OrgRoleAssignment.organization_id == contoso.id))
    assert not use(db, made.token).has(ORG_MANAGE_USERS)
    db.exec(delete(OrganizationMember).where(OrganizationMember.user_id == alice.id,
                                             OrganizationMember.organization_id == contoso.id))
    with pytest.raises(NotSignedIn):
        use(db, made.token)


def test_only_the_owner_lists_and_revokes_their_tokens(db, demo):
    made = make(db)
    assert at.list_tokens(db, viewer(db, "bob"), NOW) == []
    with pytest.raises(NotFound):
        at.revoke_token(db, viewer(db, "bob"), made.row.id, now=NOW)
    assert use(db, made.token).username == "alice"
    [row] = at.list_tokens(db, viewer(db, "alice"), NOW)
    assert (row["name"], row["scope_label"], row["organization"], row["state"],
            row["last_used"]) == ("CI script", "Read and write", "Contoso Energy", "active",
                                  NOW.strftime("%Y-%m-%d"))


@pytest.mark.parametrize("name, scope, lifetime, said", [
    ("  ", "write", "30", "Give the token a name"),
    ("x" * 101, "write", "30", "too long"),
    ("Script", "admin", "30", "read, or read and write"),
    ("Script", "read", "7", "when the token expires"),
])
def test_bad_input_is_refused_plainly_and_writes_nothing(db, demo, name, scope, lifetime, said):
    with pytest.raises(InvalidInput, match=said):
        make(db, name=name, scope=scope, lifetime=lifetime)
    assert db.exec(select(ApiToken)).all() == []
