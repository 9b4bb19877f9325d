"""Sign-in, sessions, throttling and switching organization."""

from datetime import timedelta

import pytest
from sqlmodel import select

from app.domain.errors import NotSignedIn, PermissionDenied, SignInFailed, TooManyAttempts
from app.models import AuditEvent, AuthSession
from app.services import auth
from app.services.demo import DEMO_PASSWORD
from tests.helpers import LATER, NOW, SECRET, org, user, viewer


def sign_in(db, tenant="contoso", identifier="alice", password=DEMO_PASSWORD, ip="10.0.0.1"):
    token = auth.sign_in(db, secret_key=SECRET, tenant=tenant, identifier=identifier,
                         password=password, now=NOW, hours=12, ip=ip)
    db.commit()
    return token


def test_alice_signs_in_with_alias_and_username(db, demo):
    token = sign_in(db)
    seen = auth.viewer_for_token(db, secret_key=SECRET, token=token, now=LATER)
    assert seen.email == "alice@contoso.example"
    assert seen.org_alias == "contoso" and seen.is_tenant_admin


def test_tenant_id_and_email_work_too(db, demo):
    tenant_id = org(db, "contoso").tenant_id
    token = sign_in(db, tenant=tenant_id.upper(), identifier="Alice@Contoso.example")
    assert auth.viewer_for_token(db, secret_key=SECRET, token=token, now=LATER).username == "alice"


def test_session_token_is_stored_only_as_a_hash(db, demo):
    token = sign_in(db)
    stored = db.exec(select(AuthSession.token_hash)).all()
    assert token not in stored and len(stored) == 1 and len(token) >= 43


@pytest.mark.parametrize("tenant,identifier,password", [
    ("contoso", "alice", "wrong-password"),      # wrong password
    ("fabrikam", "alice", DEMO_PASSWORD),         # not a member of that tenant
    ("nowhere", "alice", DEMO_PASSWORD),          # unknown tenant
    ("contoso", "nobody", DEMO_PASSWORD),         # unknown user
])
def test_every_failure_gives_the_same_message(db, demo, tenant, identifier, password):
    with pytest.raises(SignInFailed) as err:
        sign_in(db, tenant, identifier, password)
    assert str(err.value) == str(SignInFailed())


def test_inactive_user_cannot_sign_in(db, demo):
    frank = user(db, "frank")
    frank.is_active = False
    db.commit()
    with pytest.raises(SignInFailed):
        sign_in(db, identifier="frank")


def test_repeated_failures_are_throttled_even_with_the_right_password(db, demo):
    for _ in range(auth.MAX_FAILURES_PER_ACCOUNT):
        with pytest.raises(SignInFailed):
            sign_in(db, password="nope-nope")
    with pytest.raises(TooManyAttempts):
        sign_in(db)


def test_throttling_ends_after_the_window(db, demo):
    for _ in range(auth.MAX_FAILURES_PER_ACCOUNT):
        with pytest.raises(SignInFailed):
            sign_in(db, password="nope-nope")
    later = NOW + auth.THROTTLE_WINDOW + timedelta(seconds=1)
    token = auth.sign_in(db, secret_key=SECRET, tenant="contoso", identifier="alice",
                         password=DEMO_PASSWORD, now=later, hours=12)
    assert token


def test_expired_session_is_refused(db, demo):
    token = sign_in(db)
    with pytest.raises(NotSignedIn):
        auth.viewer_for_token(db, secret_key=SECRET, token=token, now=NOW + timedelta(hours=12))
    assert auth.viewer_for_token(db, secret_key=SECRET, token=token,
                                 now=NOW + timedelta(hours=11, minutes=59))


def test_signed_out_session_is_refused(db, demo):
    token = sign_in(db)
    auth.sign_out(db, secret_key=SECRET, token=token, now=LATER)
    db.commit()
    with pytest.raises(NotSignedIn):
        auth.viewer_for_token(db, secret_key=SECRET, token=token, now=LATER)


def test_a_forged_token_is_refused(db, demo):
    sign_in(db)
    with pytest.raises(NotSignedIn):
        auth.viewer_for_token(db, secret_key=SECRET, token="forged", now=LATER)
    with pytest.raises(NotSignedIn):
        auth.viewer_for_token(db, secret_key=SECRET, token=None, now=LATER)


def test_deactivating_a_user_ends_their_sessions(db, demo):
    token = sign_in(db, identifier="frank")
    user(db, "frank").is_active = False
    db.commit()
    with pytest.raises(NotSignedIn):
        auth.viewer_for_token(db, secret_key=SECRET, token=token, now=LATER)


def test_tenant_admin_switches_into_child_and_acts_as_admin_there(db, demo):
    token = sign_in(db)
    alice = auth.viewer_for_token(db, secret_key=SECRET, token=token, now=LATER)
    child = org(db, "contoso-retail-east")
    switched = auth.switch_organization(db, alice, child.tenant_id)
    db.commit()
    assert switched.org_alias == "contoso-retail-east" and switched.is_tenant_admin
    again = auth.viewer_for_token(db, secret_key=SECRET, token=token, now=LATER)
    assert again.organization_id == child.id
    assert db.exec(select(AuditEvent).where(
        AuditEvent.action == "session.switch_organization")).one().target_id == child.id


def test_switchable_organizations_lists_descendants_for_admins_only(db, demo):
    names = {o["alias"] for o in auth.switchable_organizations(db, viewer(db, "alice"))}
    assert names == {"contoso", "contoso-retail", "contoso-retail-east"}
    assert {o["alias"] for o in auth.switchable_organizations(db, viewer(db, "frank"))} == {
        "contoso"}


@pytest.mark.parametrize("username,target", [
    ("frank", "contoso-retail"),   # member, not an administrator
    ("alice", "fabrikam"),         # unrelated organization
    ("dave", "contoso"),           # a child's admin cannot climb to the parent
])
def test_switching_is_refused_without_the_right(db, demo, username, target):
    with pytest.raises(PermissionDenied):
        auth.switch_organization(db, viewer(db, username), org(db, target).tenant_id)
