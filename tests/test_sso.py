"""Signing in through an organization's OpenID Connect provider, against a real provider on
loopback (tests/oidc_provider.py): Commons' routes in process, the provider over HTTP.

Northwind has a provider here; carol is its Tenant Administrator."""

import time
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from joserfc.jwk import RSAKey
from sqlmodel import Session, select
from starlette.applications import Starlette
from starlette.testclient import TestClient

from app import db as app_db
from app import routes
from app.api.auth_routes import ROUTES as AUTH_ROUTES
from app.api.sso_routes import BROWSER_COOKIE
from app.api.sso_routes import ROUTES as SSO_ROUTES
from app.domain.errors import PermissionDenied
from app.models import (
    AuditEvent,
    AuthSession,
    ExternalIdentity,
    IdentityProvider,
    IdentityProviderDomain,
    SsoLogin,
    User,
    utcnow,
)
from app.services import auth
from app.services.demo import DEMO_PASSWORD
from app.services.sealing import CLIENT_SECRETS
from app.settings import get_settings
from app.sso import discovery
from app.sso.provider import Person
from tests.helpers import org, user

CLIENT_ID, CLIENT_SECRET = "commons-tests", "client-secret-for-tests"
CAROL = Person("carol-0001", "carol@northwind.example", True, "Carol Navarro")


def callback_url(engine=None) -> str:
    """Northwind's redirect URI (each organization has its own)."""
    return routes.sso_callback(get_settings().base_url, NORTHWIND_TID[0])


NORTHWIND_TID = [""]


@pytest.fixture
def northwind(engine, demo, oidc_provider, monkeypatch):
    """Northwind's provider (the loopback one), its client registered there, carol known to
    it; returns a browser: Commons' sign-in routes in process, with a cookie jar."""
    monkeypatch.setitem(app_db._engines, get_settings().database_url, engine)
    discovery._kept.clear()
    with Session(engine) as db:
        NORTHWIND_TID[0] = org(db, "northwind").tenant_id
    oidc_provider.add_client(CLIENT_ID, CLIENT_SECRET, [callback_url()],
                             [get_settings().base_url + "/signin"])
    oidc_provider.people["carol"] = ("carol-password", CAROL)
    with Session(engine) as db:
        nw = org(db, "northwind")
        provider = IdentityProvider(
            organization_id=nw.id, name="Northwind ID", issuer=oidc_provider.issuer,
            client_id=CLIENT_ID, client_secret=CLIENT_SECRETS.seal(CLIENT_SECRET, nw.id),
            created_by_user_id=user(db, "carol").id)
        db.add(provider)
        db.flush()
        db.add(IdentityProviderDomain(provider_id=provider.id, domain="northwind.example",
                                      verified_at=utcnow()))
        db.commit()
    browser = TestClient(Starlette(routes=AUTH_ROUTES + SSO_ROUTES),
                         base_url=get_settings().base_url, follow_redirects=False)
    browser.idp = oidc_provider
    return browser


def provider_row(engine) -> IdentityProvider:
    with Session(engine) as db:
        return provider_row_of(db, org(db, "northwind").id)


def provider_row_of(db, organization_id: int) -> IdentityProvider:
    return db.exec(select(IdentityProvider)
                   .where(IdentityProvider.organization_id == organization_id)).one()


def change_provider(engine, **values) -> None:
    with Session(engine) as db:
        row = provider_row_of(db, org(db, "northwind").id)
        for name, value in values.items():
            setattr(row, name, value)
        db.commit()


def start(browser, tenant="northwind", next_path="/communities", **extra) -> str:
    answer = browser.post("/auth/sso/start", data={"tenant": tenant, "next": next_path,
                                                   **extra})
    assert answer.status_code == 303, answer.text
    return answer.headers["location"]


def sign_in(browser, username="carol", password="carol-password", **extra):
    """The whole round: start, the provider's sign-in form, the callback; the callback's
    answer."""
    to_provider = start(browser, **extra)
    assert to_provider.startswith(browser.idp.issuer)
    back = browser.idp.login(httpx, to_provider, username, password)
    assert back.startswith(get_settings().base_url + routes.API_SSO_CALLBACK + "/"), back
    return browser.get(back)


def sessions(engine) -> list[AuthSession]:
    with Session(engine) as db:
        return db.exec(select(AuthSession)).all()


def test_a_person_signs_in_through_the_provider_and_lands_where_they_were_going(
        northwind, engine):
    to_provider = start(northwind)
    asked = parse_qs(urlsplit(to_provider).query)
    assert asked["code_challenge_method"] == ["S256"] and asked["nonce"] and asked["state"]
    assert asked["redirect_uri"] == [callback_url()]
    back = northwind.idp.login(httpx, to_provider, "carol", "carol-password")
    answer = northwind.get(back)
    assert answer.status_code == 303 and answer.headers["location"] == "/communities"
    cookie = answer.cookies.get(get_settings().session_cookie)
    assert cookie
    with Session(engine) as db:
        viewer = auth.viewer_for_token(db, secret_key=get_settings().secret_key, token=cookie,
                                       now=utcnow())
        assert viewer.email == "carol@northwind.example" and viewer.org_alias == "northwind"
        link = db.exec(select(ExternalIdentity)).one()
        assert (link.subject, link.user_id) == ("carol-0001", viewer.user_id)
        session = db.exec(select(AuthSession)).one()
        assert session.provider_id == provider_row(engine).id
        kinds = db.exec(select(AuditEvent.action)).all()
        assert "user.identity_linked" in kinds and "session.sign_in" in kinds


def test_once_linked_the_subject_finds_the_account_whatever_address_comes(northwind, engine):
    assert sign_in(northwind).status_code == 303
    northwind.idp.people["carol"] = ("carol-password",
                                     Person("carol-0001", "c.navarro@elsewhere.example", False))
    again = sign_in(northwind)
    assert again.status_code == 303 and len(sessions(engine)) == 2


def test_a_callback_url_works_once_and_only_in_the_browser_that_started_it(northwind, engine):
    back = northwind.idp.login(httpx, start(northwind), "carol", "carol-password")
    other_browser = TestClient(northwind.app, base_url=get_settings().base_url,
                               follow_redirects=False)
    refused = other_browser.get(back)
    assert refused.status_code == 403 and "already used or took too long" in refused.text
    assert not sessions(engine)
    assert northwind.get(back).status_code == 303
    replayed = northwind.get(back)
    assert replayed.status_code == 403 and "already used" in replayed.text
    assert len(sessions(engine)) == 1


def test_a_state_never_issued_is_refused(northwind, engine):
    start(northwind)
    answer = northwind.get(callback_url(), params={"state": "forged", "code": "x"})
    assert answer.status_code == 403 and not sessions(engine)


def test_an_expired_sign_in_under_way_is_refused(northwind, engine):
    to_provider = start(northwind)
    with Session(engine) as db:
        for login in db.exec(select(SsoLogin)).all():
            login.expires_at = utcnow()
        db.commit()
    answer = northwind.get(northwind.idp.login(httpx, to_provider, "carol", "carol-password"))
    assert answer.status_code == 403 and not sessions(engine)


@pytest.mark.parametrize("tamper", [
    pytest.param(lambda c: {**c, "nonce": "another-nonce"}, id="wrong nonce"),
    pytest.param(lambda c: {**c, "exp": int(time.time()) - 600,
                            "iat": int(time.time()) - 900}, id="expired"),
    pytest.param(lambda c: {**c, "aud": "another-client"}, id="another audience"),
    pytest.param(lambda c: {**c, "iss": "https://evil.example"}, id="another issuer"),
])
def test_an_id_token_authlib_does_not_accept_signs_nobody_in(northwind, engine, tamper):
    northwind.idp.provider.claims_hook = tamper
    answer = sign_in(northwind)
    assert answer.status_code == 403 and "could not be verified" in answer.text
    assert not sessions(engine)


def test_a_token_signed_by_another_key_is_refused(northwind, engine):
    northwind.idp.provider.signing_key = RSAKey.generate_key(2048)
    answer = sign_in(northwind)
    assert answer.status_code == 403 and "could not be verified" in answer.text
    assert not sessions(engine)


def test_an_address_the_provider_did_not_verify_is_not_matched(northwind, engine):
    northwind.idp.people["carol"] = ("carol-password", Person("carol-0001",
                                                               CAROL.email, False))
    answer = sign_in(northwind)
    assert answer.status_code == 403 and "did not say that carol@northwind.example is " \
        "verified" in answer.text
    assert not sessions(engine)


def test_a_provider_cannot_sign_in_another_organizations_person(northwind, engine):
    northwind.idp.people["mallory"] = ("pw", Person("m-1", "alice@contoso.example", True))
    answer = sign_in(northwind, username="mallory", password="pw")
    assert answer.status_code == 403
    assert "alice@contoso.example belongs to an account of another organization" in answer.text
    with Session(engine) as db:
        assert not db.exec(select(ExternalIdentity)).all()
    assert not sessions(engine)


def test_just_in_time_creates_a_tenant_member_only_when_allowed_and_only_for_its_domains(
        northwind, engine):
    northwind.idp.people["nina"] = ("pw", Person("n-1", "nina@northwind.example", True, "Nina"))
    refused = sign_in(northwind, username="nina", password="pw")
    assert refused.status_code == 403 and "No account of Northwind Traders" in refused.text
    change_provider(engine, just_in_time=True)
    northwind.idp.people["oscar"] = ("pw", Person("o-1", "oscar@elsewhere.example", True))
    assert sign_in(northwind, username="oscar", password="pw").status_code == 403
    assert sign_in(northwind, username="nina", password="pw").status_code == 303
    with Session(engine) as db:
        nina = db.exec(select(User).where(User.email == "nina@northwind.example")).one()
        assert nina.home_organization_id == org(db, "northwind").id
        viewer = auth.viewer_for_user(db, nina, nina.home_organization_id)
        assert not viewer.has("org.manage_users")
        assert not db.exec(select(User).where(User.email == "oscar@elsewhere.example")).all()
        # an account made through the provider has no password to sign in with
        attempt = auth.sign_in(db, secret_key=get_settings().secret_key, tenant="northwind",
                               identifier="nina@northwind.example", password="!",
                               now=utcnow(), hours=1)
        assert attempt.refusal is not None


def test_password_sign_in_turned_off_refuses_passwords_for_that_organization_only(
        northwind, engine):
    change_provider(engine, password_sign_in=False)
    form = {"tenant": "northwind", "identifier": "carol", "password": DEMO_PASSWORD}
    refused = northwind.post("/auth/signin", data=form)
    assert refused.status_code == 303 and "error=password-off" in refused.headers["location"]
    assert not sessions(engine)
    elsewhere = northwind.post("/auth/signin", data={**form, "tenant": "contoso",
                                                      "identifier": "alice"})
    assert elsewhere.headers["location"] == "/"
    assert sign_in(northwind).status_code == 303  # the provider still signs carol in
    # an organization locked out: the operator turns password sign-in back on
    from app.cli import main

    assert main(["cli", "password-sign-in", "on", "northwind"]) == 0
    assert northwind.post("/auth/signin", data=form).headers["location"] == "/"


def test_a_session_from_the_provider_stays_in_its_organization(northwind, engine):
    answer = sign_in(northwind)
    cookie = answer.cookies.get(get_settings().session_cookie)
    with Session(engine) as db:
        carol = user(db, "carol")
        from app.models import OrganizationMember
        db.add(OrganizationMember(organization_id=org(db, "contoso").id, user_id=carol.id,
                                  kind="guest"))
        db.commit()
        viewer = auth.viewer_for_token(db, secret_key=get_settings().secret_key, token=cookie,
                                       now=utcnow())
        assert [o["alias"] for o in auth.switchable_organizations(db, viewer)] == ["northwind"]
        with pytest.raises(PermissionDenied, match="stays in it"):
            auth.switch_organization(db, viewer, "contoso", now=utcnow())


def test_an_invitation_for_another_address_changes_nothing_and_says_who_was_expected(
        northwind, engine):
    change_provider(engine, just_in_time=True)
    northwind.idp.people["nina"] = ("pw", Person("n-1", "nina@northwind.example", True))
    answer = sign_in(northwind, username="nina", password="pw", next_path="/join/abc",
                     expected="olga@northwind.example")
    assert answer.status_code == 403
    assert ("This invitation is for olga@northwind.example, but Northwind ID signed in "
            "nina@northwind.example") in answer.text
    assert 'href="/join/abc"' in answer.text
    with Session(engine) as db:
        assert not db.exec(select(User).where(User.email == "nina@northwind.example")).all()
    assert not sessions(engine)


def test_signing_out_ends_the_session_then_the_providers(northwind, engine):
    answer = sign_in(northwind)
    out = northwind.post("/auth/signout")
    assert out.status_code == 303
    assert out.headers["location"].startswith(northwind.idp.issuer)
    assert parse_qs(urlsplit(out.headers["location"]).query)["post_logout_redirect_uri"] == [
        get_settings().base_url + "/signin"]
    assert sessions(engine)[0].ended_at is not None
    assert answer.status_code == 303


def test_a_tenant_without_a_provider_or_a_provider_away_goes_back_to_sign_in(
        northwind, engine):
    answer = northwind.post("/auth/sso/start", data={"tenant": "contoso"})
    assert "error=sso-none" in answer.headers["location"]
    change_provider(engine, issuer="http://127.0.0.1:9/idp")
    answer = northwind.post("/auth/sso/start", data={"tenant": "northwind"})
    assert "error=sso-down" in answer.headers["location"]
    assert not any(name.startswith(BROWSER_COOKIE) for name in answer.cookies)


def test_a_user_invitation_to_a_providers_domain_is_accepted_through_it_not_a_password(
        northwind, engine):
    from app.domain.errors import InvalidInput
    from app.services import user_invitations as ui
    from tests.helpers import SECRET, viewer
    from tests.test_user_invitations import invite, link_token

    change_provider(engine, just_in_time=True)
    northwind.idp.people["nina"] = ("pw", Person("n-1", "nina@northwind.example", True))
    with Session(engine) as db:
        invite(db, "nina@northwind.example", ["Client A"])
        token = link_token(db, "nina@northwind.example")
        shown = ui.join_view(db, SECRET, token, None, utcnow())
        assert (shown["sso_name"], shown["sso_tenant"]) == ("Northwind ID", "northwind")
        with pytest.raises(InvalidInput, match="signs in through Northwind ID"):
            ui.create_account_and_accept(db, token, "Nina", "a-long-password", now=utcnow(),
                                         secret_key=SECRET)
        db.rollback()
    # from the page: through the provider, back to the link, signed in as the invited address
    answer = sign_in(northwind, username="nina", password="pw", next_path=f"/join/{token}",
                     expected="nina@northwind.example")
    assert answer.status_code == 303 and answer.headers["location"] == f"/join/{token}"
    with Session(engine) as db:
        nina = viewer(db, "nina")
        ui.accept(db, nina, token, now=utcnow(), secret_key=SECRET)
        db.commit()
        assert ui.join_view(db, SECRET, token, nina, utcnow())["status"] == "accepted"


def test_a_tenant_invitations_link_sends_its_invitee_to_sign_in_where_their_provider_is(
        northwind, engine):
    from app.services import tenant_invitations as ti
    from tests.helpers import SECRET
    from tests.test_tenant_invitations import invite

    with Session(engine) as db:
        _, token = invite(db, "nobody-yet@northwind.example")
        shown = ti.invitation_view(db, SECRET, token, None, utcnow())
        assert shown["sign_in_alias"] == "northwind"


def test_the_sign_in_page_offers_the_provider_after_continue(northwind, engine):
    from app.states.signin import SignInState
    from tests.reflex_harness import Browser, full_name

    change_provider(engine, password_sign_in=False)
    with Browser() as browser:
        tab = browser.tab(None, "/signin?next=/communities")
        tab.send(full_name(SignInState, "load"))
        tab.send(full_name(SignInState, "continue_"), {"form": {"tenant": "Northwind"}})
        state = tab.state(SignInState)
        assert (state.sso_name, state.password_allowed) == ("Northwind ID", False)
        assert (state.tenant, state.next_path) == ("Northwind", "/communities")  # posted
        tab.send(full_name(SignInState, "back"))
        tab.send(full_name(SignInState, "continue_"), {"form": {"tenant": "contoso"}})
        state = tab.state(SignInState)
        assert (state.sso_name, state.password_allowed) == ("", True)


def test_a_parent_organization_invitation_is_accepted_after_signing_in_through_its_provider(
        northwind, engine):
    from app.services import parent_invitations as pi
    from tests.helpers import SECRET
    from tests.test_parent_invitations import invite, token_for

    with Session(engine) as db:  # Contoso (the parent) signs in through a provider too
        contoso = org(db, "contoso")
        db.add(IdentityProvider(
            organization_id=contoso.id, name="Contoso ID", issuer=northwind.idp.issuer,
            client_id=CLIENT_ID, client_secret=CLIENT_SECRETS.seal(CLIENT_SECRET, contoso.id),
            created_by_user_id=user(db, "alice").id))
        db.flush()
        db.add(IdentityProviderDomain(provider_id=provider_row_of(db, contoso.id).id,
                                      domain="contoso.example", verified_at=utcnow()))
        db.commit()
        northwind.idp.add_client(CLIENT_ID, CLIENT_SECRET, [
            callback_url(), routes.sso_callback(get_settings().base_url, contoso.tenant_id)])
        assert invite(db, "dave", ["frank"]) == {"frank": "invited"}
        token = token_for(db, "frank@contoso.example")
    northwind.idp.people["frank"] = ("pw", Person("frank-1", "frank@contoso.example", True))
    answer = sign_in(northwind, username="frank", password="pw", tenant="contoso",
                     next_path=f"/org-invite/{token}")
    assert answer.status_code == 303 and answer.headers["location"] == f"/org-invite/{token}"
    with Session(engine) as db:
        frank = auth.viewer_for_token(db, secret_key=get_settings().secret_key,
                                      token=answer.cookies.get(get_settings().session_cookie),
                                      now=utcnow())
        assert frank.org_alias == "contoso"
        assert pi.accept(db, frank, token, now=utcnow(), secret_key=SECRET) == org(
            db, "contoso-retail").id


def test_a_domain_not_verified_by_dns_routes_no_invitation_and_makes_no_account(
        northwind, engine):
    from app.services import user_invitations as ui
    from tests.helpers import SECRET
    from tests.test_user_invitations import invite, link_token

    change_provider(engine, just_in_time=True)
    with Session(engine) as db:
        for row in db.exec(select(IdentityProviderDomain)).all():
            row.verified_at = None
        db.commit()
        invite(db, "nina@northwind.example", ["Client A"])
        shown = ui.join_view(db, SECRET, link_token(db, "nina@northwind.example"), None,
                             utcnow())
        assert shown["sso_name"] == ""  # a new password, as for any address
    northwind.idp.people["nina"] = ("pw", Person("n-1", "nina@northwind.example", True))
    refused = sign_in(northwind, username="nina", password="pw")
    assert refused.status_code == 403 and "not in an email domain Northwind Traders has " \
        "verified" in refused.text


def test_a_code_brought_back_to_another_organizations_address_is_refused(northwind, engine):
    """The mix-up: a sign-in started for one organization ends at another's redirect URI
    (its provider sent the code there); Commons sends that code nowhere."""
    back = northwind.idp.login(httpx, start(northwind), "carol", "carol-password")
    with Session(engine) as db:
        contoso = org(db, "contoso").tenant_id
    moved = back.replace(callback_url(), routes.sso_callback(get_settings().base_url, contoso))
    refused = northwind.get(moved)
    assert refused.status_code == 403 and not sessions(engine)
    assert northwind.get(back).status_code == 303  # the sign-in was not used up by it
    iss = start(northwind)
    back = northwind.idp.login(httpx, iss, "carol", "carol-password")
    assert northwind.get(back + "&iss=https%3A%2F%2Fevil.example").status_code == 403


def test_only_this_apps_own_pages_start_a_sign_in(northwind, engine):
    assert northwind.get("/auth/sso/start", params={"tenant": "northwind"}).status_code == 405
    refused = northwind.post("/auth/sso/start", data={"tenant": "northwind"},
                             headers={"origin": "https://evil.example"})
    assert refused.status_code == 403
    with Session(engine) as db:
        assert not db.exec(select(SsoLogin)).all()
    # an expected address that is not one changes nothing but who may arrive
    odd = northwind.post("/auth/sso/start", data={"tenant": "northwind", "expected": "a@"})
    assert odd.status_code == 303
    back = northwind.idp.login(httpx, odd.headers["location"], "carol", "carol-password")
    assert northwind.get(back).status_code == 403 and not sessions(engine)


def test_two_sign_ins_in_two_tabs_do_not_undo_each_other(northwind, engine):
    first, second = start(northwind), start(northwind)
    back_first = northwind.idp.login(httpx, first, "carol", "carol-password")
    back_second = northwind.idp.login(httpx, second, "carol", "carol-password")
    assert northwind.get(back_second).status_code == 303
    assert northwind.get(back_first).status_code == 303


def test_a_sign_in_under_way_is_used_once_even_when_claimed_twice(northwind, engine):
    from app.services import sso_sign_in as sso

    with Session(engine) as db:
        provider = provider_row_of(db, org(db, "northwind").id)
        started = sso.begin(db, provider, secret_key=get_settings().secret_key,
                            next_path="/", expected="", now=utcnow())
        db.commit()
    claims = []
    for _ in range(2):
        with Session(engine) as db:
            try:
                sso.claim(db, secret_key=get_settings().secret_key, state=started.state,
                          browser_secret=started.browser_secret,
                          tenant_id=NORTHWIND_TID[0], now=utcnow())
                claims.append("claimed")
            except sso.LoginGone:
                claims.append("gone")
            db.commit()
    assert claims == ["claimed", "gone"]


def test_the_provider_links_by_email_only_in_its_verified_domains(northwind, engine):
    with Session(engine) as db:
        for row in db.exec(select(IdentityProviderDomain)).all():
            row.verified_at = None
        db.commit()
    refused = sign_in(northwind)  # carol's account is Northwind's, but the domain is not
    assert refused.status_code == 403 and "not in an email domain" in refused.text
    with Session(engine) as db:
        assert not db.exec(select(ExternalIdentity)).all()


def test_an_organization_without_password_sign_in_is_not_reached_by_switching(
        northwind, engine):
    with Session(engine) as db:
        carol = user(db, "carol")
        from app.models import OrganizationMember
        db.add(OrganizationMember(organization_id=org(db, "contoso").id, user_id=carol.id,
                                  kind="guest"))
        db.commit()
    change_provider(engine, password_sign_in=False)
    with Session(engine) as db:  # carol signs in with her password at Contoso
        attempt = auth.sign_in(db, secret_key=get_settings().secret_key, tenant="contoso",
                               identifier="carol", password=DEMO_PASSWORD, now=utcnow(),
                               hours=1)
        db.commit()
        viewer = auth.viewer_for_token(db, secret_key=get_settings().secret_key,
                                       token=attempt.token_or_raise(), now=utcnow())
        assert "northwind" not in [o["alias"] for o in auth.switchable_organizations(db,
                                                                                      viewer)]
        with pytest.raises(PermissionDenied, match="signs in through Northwind ID only"):
            auth.switch_organization(db, viewer, "northwind", now=utcnow())


def test_a_provider_that_names_its_issuer_in_answers_must_name_it(northwind, engine):
    northwind.idp.provider.discovery_overrides = {
        "authorization_response_iss_parameter_supported": True}
    answer = sign_in(northwind)  # the tests' provider does not send iss
    assert answer.status_code == 403 and not sessions(engine)


def test_a_client_secret_that_does_not_open_is_a_refusal_not_an_error(northwind, engine):
    with Session(engine) as db:
        row = provider_row_of(db, org(db, "northwind").id)
        row.client_secret = CLIENT_SECRETS.seal(CLIENT_SECRET, org(db, "contoso").id)
        db.commit()
    answer = sign_in(northwind)
    assert answer.status_code == 403 and "could not be verified" in answer.text


def test_password_sign_in_off_ends_password_sessions_and_makes_no_password_accounts(
        northwind, engine):
    from app.domain.errors import InvalidInput
    from app.services import identity_providers as idp
    from app.services import sign_in_codes
    from tests.helpers import SECRET

    with Session(engine) as db:  # carol and frank (made Northwind's) sign in with passwords
        nw = org(db, "northwind")
        tokens = [auth.sign_in(db, secret_key=SECRET, tenant="northwind", identifier="carol",
                               password=DEMO_PASSWORD, now=utcnow(), hours=1).token_or_raise()
                  for _ in range(2)]
        code = sign_in_codes.issue_sign_in_code(db, secret_key=SECRET,
                                                user_id=user(db, "carol").id,
                                                organization_id=nw.id, now=utcnow())
        db.commit()
    assert sign_in(northwind).status_code == 303  # carol links her account
    with Session(engine) as db:
        carol = auth.viewer_for_token(db, secret_key=SECRET, token=tokens[0], now=utcnow())
        shown = idp.view(db, carol)
        idp.save(db, carol, name=shown["name"], issuer=shown["issuer"],
                 client_id=shown["client_id"], client_secret="", scopes=shown["scopes"],
                 email_claim=shown["email_claim"], domains=shown["domains"],
                 password_sign_in=False, just_in_time=False, now=utcnow())
        db.commit()
        ended = {s.token_hash: s.ended_at for s in db.exec(select(AuthSession)).all()}
        from app.domain.tokens import hash_token
        assert ended[hash_token(SECRET, tokens[0])] is None  # hers, who turned it off
        assert ended[hash_token(SECRET, tokens[1])] is not None
        assert [s for s in db.exec(select(AuthSession)).all()
                if s.provider_id is not None][0].ended_at is None  # the provider's stays
        with pytest.raises(InvalidInput):
            sign_in_codes.sign_in_with_code(db, secret_key=SECRET, code=code, now=utcnow(),
                                            hours=1)
        db.rollback()


def test_an_organization_signing_in_only_through_its_provider_makes_no_password_accounts(
        northwind, engine):
    from app.domain.errors import InvalidInput
    from app.services import user_invitations as ui
    from tests.helpers import SECRET
    from tests.test_user_invitations import invite, link_token

    with Session(engine) as db:
        contoso = org(db, "contoso")
        db.add(IdentityProvider(
            organization_id=contoso.id, name="Contoso ID", issuer=northwind.idp.issuer,
            client_id=CLIENT_ID, client_secret=CLIENT_SECRETS.seal(CLIENT_SECRET, contoso.id),
            created_by_user_id=user(db, "alice").id, password_sign_in=False))
        db.commit()
        invite(db, "pat@elsewhere.example", ["Client A"])
        token = link_token(db, "pat@elsewhere.example")
        with pytest.raises(InvalidInput, match="Contoso Energy signs in through Contoso ID "
                                               "only"):
            ui.create_account_and_accept(db, token, "Pat", "a-long-password", now=utcnow(),
                                         secret_key=SECRET)


def test_one_address_starts_only_so_many_sign_ins(northwind, engine):
    from app.services import sso_sign_in as sso

    with Session(engine) as db:
        provider = provider_row_of(db, org(db, "northwind").id)
        for _ in range(sso.MAX_STARTS_PER_IP):
            sso.begin(db, provider, secret_key=get_settings().secret_key, next_path="/",
                      expected="", now=utcnow(), ip="203.0.113.7")
        db.commit()
        with pytest.raises(sso.TooManyStarts):
            sso.begin(db, provider, secret_key=get_settings().secret_key, next_path="/",
                      expected="", now=utcnow(), ip="203.0.113.7")
        sso.begin(db, provider, secret_key=get_settings().secret_key, next_path="/",
                  expected="", now=utcnow(), ip="203.0.113.8")  # another address
        from datetime import timedelta
        later = utcnow() + timedelta(minutes=16)  # the window passed: it starts again
        sso.begin(db, provider, secret_key=get_settings().secret_key, next_path="/",
                  expected="", now=later, ip="203.0.113.7")
        db.commit()
        # the window's rows are kept while it counts them, and go after
        assert db.exec(select(SsoLogin)).all()
        sso.begin(db, provider, secret_key=get_settings().secret_key, next_path="/",
                  expected="", now=utcnow() + timedelta(minutes=60), ip="203.0.113.9")
        db.commit()
        assert len(db.exec(select(SsoLogin)).all()) == 1
    with Session(engine) as db:
        for login in db.exec(select(SsoLogin)).all():
            login.ip, login.created_at = "testclient", utcnow()
        db.commit()
    for _ in range(sso.MAX_STARTS_PER_IP):
        start(northwind)
    throttled = northwind.post("/auth/sso/start", data={"tenant": "northwind"})
    assert "error=sso-throttled" in throttled.headers["location"]
