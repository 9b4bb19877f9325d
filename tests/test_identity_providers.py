"""An organization's identity provider, as its Tenant Administrators set it up: checked
before anything is written (each refusal writes nothing), the client secret sealed and
never shown, domains no other organization holds or lives in, password sign-in off only
for an administrator who has signed in through it, removed only while passwords work;
Test connection against a real provider on loopback; the operator's command line; and the
page's handlers, driven as a browser tab drives them."""

import asyncio
import dataclasses
import json
import socket
from datetime import timedelta

import pytest
from cryptography.exceptions import InvalidTag
from sqlalchemy import func
from sqlmodel import select

from app import db as app_db
from app.domain.audit_sentences import Event, Refs, sentence
from app.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.models import (
    AuditEvent,
    AuthSession,
    ExternalIdentity,
    IdentityProvider,
    IdentityProviderDomain,
    SsoLogin,
)
from app.services import identity_providers as idp
from app.services.auth import sign_in
from app.services.demo import DEMO_PASSWORD
from app.services.sealing import CLIENT_SECRETS
from app.settings import get_settings
from app.states.identity_provider import IdentityProviderState
from tests.helpers import NOW, org, user, viewer
from tests.reflex_harness import Browser, full_name

ISSUER = "https://login.contoso.example/tenant"
SECRET = "s3cret-from-the-provider"
P = IdentityProviderState


def form(**changes) -> dict:
    base = {"name": "Contoso Entra ID", "issuer": ISSUER, "client_id": "commons-app",
            "client_secret": SECRET, "scopes": "openid email profile", "email_claim": "email",
            "domains": ["contoso.example"], "password_sign_in": True, "just_in_time": False}
    return {**base, **changes}


def save(db, who="alice", at=NOW, **changes) -> IdentityProvider:
    return idp.save(db, viewer(db, who), now=at, **form(**changes))


def provider(db, alias="contoso") -> IdentityProvider | None:
    db.expire_all()
    return idp.provider_of(db, org(db, alias).id)


def link(db, who: str, made: IdentityProvider, issuer: str | None = None,
         subject: str = "sub-1") -> None:
    """`who` has signed in through `made` (at `issuer`, default its current one)."""
    db.add(ExternalIdentity(provider_id=made.id, issuer=issuer or made.issuer,
                            subject=subject, user_id=user(db, who).id, created_at=NOW))
    db.flush()


def rows(db) -> dict:
    """Every row the service may write, to show a refusal wrote nothing (but when a
    session was last seen: reading a page may note that)."""
    db.expire_all()
    tables = (IdentityProvider, IdentityProviderDomain, ExternalIdentity, SsoLogin,
              AuditEvent, AuthSession)
    return {t.__name__: [tuple(sorted((k, str(v)) for k, v in r.model_dump().items()
                                      if k != "last_seen_at"))
                         for r in db.exec(select(t).order_by(t.id)).all()] for t in tables}


def actions(db, prefix="identity_provider.") -> list[AuditEvent]:
    return list(db.exec(select(AuditEvent).where(AuditEvent.action.startswith(prefix))
                        .order_by(AuditEvent.id)).all())


# --- creating and showing -------------------------------------------------------------------
def test_an_organization_without_a_provider_shows_an_empty_form(db, demo):
    shown = idp.view(db, viewer(db, "alice"))
    assert shown["exists"] is False and shown["has_secret"] is False
    assert (shown["scopes"], shown["email_claim"]) == ("openid email profile", "email")
    assert shown["password_sign_in"] is True and shown["domains"] == []
    assert shown["redirect_uri"] == (get_settings().base_url + "/auth/sso/callback/"
                                     + org(db, "contoso").tenant_id)  # its own


def test_an_administrator_sets_up_the_provider_with_the_secret_sealed(db, demo):
    made = save(db, domains=["Contoso.Example", "@bücher.example", "contoso.example"])
    db.commit()
    stored = provider(db)
    assert stored.id == made.id and stored.created_by_user_id == user(db, "alice").id
    assert SECRET not in stored.client_secret
    assert CLIENT_SECRETS.unseal(stored.client_secret, stored.organization_id) == SECRET
    with pytest.raises(InvalidTag):  # sealed for Contoso: it opens for nobody else
        CLIENT_SECRETS.unseal(stored.client_secret, org(db, "fabrikam").id)
    shown = idp.view(db, viewer(db, "alice"))
    assert shown["exists"] and shown["has_secret"] and SECRET not in json.dumps(shown)
    assert stored.client_secret not in json.dumps(shown)
    assert shown["domains"] == ["contoso.example", "xn--bcher-kva.example"]
    assert shown["signed_in_through"] is False
    assert shown["sign_in_tenant"] == "contoso"
    [created] = actions(db)
    assert created.action == "identity_provider.created" and SECRET not in json.dumps(
        created.details) and created.organization_id == org(db, "contoso").id


def test_a_blank_secret_keeps_the_stored_one_and_the_record_says_what_changed(db, demo):
    save(db)
    db.commit()
    sealed = provider(db).client_secret
    # a stored secret goes only to the issuer and client it was given for
    before = rows(db)
    for moved in ({"issuer": ISSUER + "/v2"}, {"client_id": "another-client"}):
        with pytest.raises(InvalidInput, match="Enter the client secret again"):
            save(db, client_secret="", **moved)
        db.rollback()
    assert rows(db) == before
    save(db, at=NOW + timedelta(minutes=1), client_secret="", just_in_time=True,
         domains=["contoso.example", "energy.example"])
    save(db, at=NOW + timedelta(minutes=1), client_secret=SECRET, issuer=ISSUER + "/v2",
         domains=["contoso.example", "energy.example"], just_in_time=True)
    db.commit()
    stored = provider(db)
    assert stored.client_secret != sealed and stored.issuer == ISSUER + "/v2"
    assert stored.just_in_time and stored.updated_at == NOW + timedelta(minutes=1)
    assert [a.details["changed"] for a in actions(db)[-2:]] == [
        ["just_in_time", "domains"], ["issuer"]]
    save(db, client_secret="a-new-secret", issuer=ISSUER + "/v2",
         domains=["contoso.example", "energy.example"], just_in_time=True)
    db.commit()
    assert actions(db)[-1].details["changed"] == ["client_secret"]
    assert "a-new-secret" not in json.dumps(actions(db)[-1].details)
    count = len(actions(db))
    save(db, client_secret="", issuer=ISSUER + "/v2", just_in_time=True,
         domains=["energy.example", "contoso.example"])
    assert len(actions(db)) == count  # nothing changed, nothing recorded


# --- refusals: one clear message each, nothing written ------------------------------------------
REFUSALS = [
    ({"name": ""}, "Enter the provider's name"),
    ({"name": "x" * 101}, "at most 100 characters"),
    ({"issuer": ""}, "Enter the provider's issuer URL"),
    ({"issuer": "ftp://login.contoso.example"}, "must start with https://"),
    ({"issuer": "https://login.contoso.example/?tenant=1"}, "may not have a query"),
    ({"issuer": "https://login.contoso.example/#top"}, "or a fragment"),
    ({"issuer": "https://user:pw@login.contoso.example"}, "no user name"),
    ({"issuer": "https://login.contoso.example/" + "a" * 500}, "at most 500 characters"),
    ({"issuer": "https://"}, "needs a host name"),
    ({"client_id": "  "}, "Enter the client ID"),
    ({"client_secret": ""}, "Enter the client secret"),
    ({"client_secret": "x" * 501}, "at most 500 characters"),
    ({"scopes": "email profile"}, "must include openid"),
    ({"scopes": "openid " + "s" * 300}, "at most 300 characters"),
    ({"email_claim": "e mail"}, "claim name"),
    ({"email_claim": "x" * 65}, "claim name"),
    ({"domains": ["not a domain"]}, "not a domain is not a valid email domain"),
    ({"domains": ["-bad.example"]}, "-bad.example is not a valid email domain"),
    ({"domains": ["localhost"]}, "localhost is not a valid email domain"),
    ({"domains": ["10.0.0.1"]}, "10.0.0.1 is not a valid email domain"),
    ({"domains": [f"d{n}.example" for n in range(21)]}, "at most 20 email domains"),
    ({"domains": ["fabrikam.example"]}, "fabrikam.example is the email domain of people of "
                                        "another organization"),
    ({"password_sign_in": False}, "Sign in through Contoso Entra ID once before turning "
                                  "password sign-in off"),
]


@pytest.mark.parametrize("changes,said", REFUSALS, ids=[str(i) for i in range(len(REFUSALS))])
def test_creating_is_refused_with_one_message_and_nothing_written(db, demo, changes, said):
    before = rows(db)
    with pytest.raises(InvalidInput, match=None) as refused:
        save(db, **changes)
    assert said in refused.value.message
    db.rollback()
    assert rows(db) == before


@pytest.mark.parametrize("changes,said", [r for r in REFUSALS if "client_secret" not in r[0]],
                         ids=[str(i) for i in range(len(REFUSALS) - 2)])
def test_changing_is_refused_with_one_message_and_nothing_written(db, demo, changes, said):
    save(db)
    db.commit()
    before = rows(db)
    with pytest.raises(InvalidInput) as refused:
        save(db, at=NOW + timedelta(minutes=1), **changes)
    assert said in refused.value.message
    db.rollback()
    assert rows(db) == before


def test_http_issuers_only_while_private_addresses_are_allowed(db, demo, monkeypatch):
    assert save(db, issuer="http://127.0.0.1:8080/idp").issuer == "http://127.0.0.1:8080/idp"
    db.rollback()
    strict = dataclasses.replace(get_settings(), outbound_allow_private=False)
    monkeypatch.setattr(idp, "get_settings", lambda: strict)
    with pytest.raises(InvalidInput, match="must start with https://"):
        save(db, issuer="http://127.0.0.1:8080/idp")


def test_a_domain_counts_once_its_dns_record_is_found_and_then_belongs_to_one_organization(
        db, demo):
    save(db, "bob", name="Fabrikam Okta", domains=["shared.example"])
    save(db, domains=["contoso.example", "shared.example"])  # a claim that is not verified
    db.commit()
    bob, fabrikam = viewer(db, "bob"), org(db, "fabrikam").id
    name, value = idp.domain_record(fabrikam, "shared.example")
    assert name == "_commons-verification.shared.example" and value.startswith(
        "commons-verification=")
    assert value != idp.domain_record(org(db, "contoso").id, "shared.example")[1]
    [shown] = idp.view(db, bob)["domain_records"]
    assert (shown["domain"], shown["verified"], shown["record_value"]) == (
        "shared.example", False, value)
    before = rows(db)
    with pytest.raises(InvalidInput, match="No TXT record _commons-verification.shared.example"):
        idp.mark_verified(db, bob, "shared.example", ["something else", value + "x"], now=NOW)
    with pytest.raises(NotFound):  # only one's own domains
        idp.mark_verified(db, bob, "contoso.example", [value], now=NOW)
    db.rollback()
    assert rows(db) == before
    idp.mark_verified(db, bob, "shared.example", [f" {value} "], now=NOW)
    db.commit()
    assert idp.view(db, bob)["domain_records"][0]["verified"] is True
    # whoever verifies it holds it: Contoso's unverified claim is gone, and cannot come back
    assert [r["domain"] for r in idp.view(db, viewer(db, "alice"))["domain_records"]] == [
        "contoso.example"]
    with pytest.raises(InvalidInput, match="shared.example is already claimed by another "
                                           "organization"):
        save(db, domains=["contoso.example", "Shared.Example"])
    db.rollback()
    with pytest.raises(Conflict, match="verified already"):
        idp.mark_verified(db, bob, "shared.example", [value], now=NOW)
    assert [a.action for a in actions(db)][-1] == "identity_provider.domain_verified"


def test_the_dns_lookup_answers_nothing_rather_than_waiting_or_failing():
    assert idp.txt_records("_commons-verification.does-not-exist.invalid") == []


def test_a_member_and_another_organizations_administrator_cannot_reach_it(db, demo):
    save(db)
    db.commit()
    before = rows(db)
    frank = viewer(db, "frank")
    for call in (lambda: idp.view(db, frank), lambda: idp.remove(db, frank, now=NOW),
                 lambda: idp.save(db, frank, now=NOW, **form(name="Frank's")),
                 lambda: idp.connection_issuer(db, frank, ISSUER)):
        with pytest.raises(PermissionDenied):
            call()
    bob = viewer(db, "bob")
    assert idp.view(db, bob)["exists"] is False  # Fabrikam has none; Contoso's is not his
    with pytest.raises(NotFound):
        idp.remove(db, bob, now=NOW)
    with pytest.raises(InvalidInput, match="contoso.example is the email domain of people of "
                                           "another organization"):
        idp.save(db, bob, now=NOW, **form(name="Fabrikam's"))
    db.rollback()
    assert rows(db) == before


# --- password sign-in, and the issuer the links were made at --------------------------------
def test_password_sign_in_goes_off_once_the_administrator_signed_in_through_it(db, demo):
    made = save(db)
    db.commit()
    with pytest.raises(InvalidInput, match="Sign in through Contoso Entra ID once"):
        save(db, password_sign_in=False)
    db.rollback()
    link(db, "frank", made)  # someone else's link does not count
    with pytest.raises(InvalidInput):
        save(db, password_sign_in=False)
    db.rollback()
    link(db, "alice", made)
    assert idp.view(db, viewer(db, "alice"))["signed_in_through"] is True
    save(db, password_sign_in=False)
    db.commit()
    assert provider(db).password_sign_in is False
    event = actions(db)[-1]
    assert event.details["changed"] == ["password_sign_in"]
    assert event.details["password_sign_in"] is False
    save(db, password_sign_in=False, just_in_time=True)  # staying off needs nothing


def test_a_new_issuer_keeps_the_links_but_they_no_longer_match(db, demo):
    made = save(db)
    link(db, "alice", made)
    db.commit()
    with pytest.raises(InvalidInput, match="at its new issuer"):
        save(db, issuer=ISSUER + "/v2", password_sign_in=False)
    db.rollback()
    save(db, issuer=ISSUER + "/v2")
    db.commit()
    assert db.exec(select(ExternalIdentity.issuer)).all() == [ISSUER]
    assert idp.view(db, viewer(db, "alice"))["signed_in_through"] is False
    with pytest.raises(InvalidInput, match="Sign in through"):
        save(db, issuer=ISSUER + "/v2", password_sign_in=False)


# --- removing ------------------------------------------------------------------------------
def test_removing_deletes_its_domains_links_and_sign_ins_and_ends_its_sessions(db, demo):
    made = save(db)
    link(db, "alice", made)
    db.add(SsoLogin(state_hash="a" * 64, browser_hash="b" * 64, provider_id=made.id,
                    issuer=made.issuer, nonce="n", code_verifier="v" * 43,
                    expires_at=NOW + timedelta(minutes=10)))
    session = AuthSession(token_hash="c" * 64, user_id=user(db, "alice").id,
                          organization_id=org(db, "contoso").id, created_at=NOW,
                          expires_at=NOW + timedelta(hours=8), provider_id=made.id)
    db.add(session)
    db.commit()
    idp.remove(db, viewer(db, "alice"), now=NOW)
    db.commit()
    db.expire_all()
    assert provider(db) is None
    for table in (IdentityProviderDomain, ExternalIdentity, SsoLogin):
        assert db.exec(select(func.count()).select_from(table)).one() == 0
    ended = db.get(AuthSession, session.id)  # nothing would keep it in the organization now
    assert ended.provider_id is None and ended.ended_at == NOW
    assert actions(db)[-1].action == "identity_provider.removed"
    with pytest.raises(NotFound):
        idp.remove(db, viewer(db, "alice"), now=NOW)


def test_removing_is_refused_while_password_sign_in_is_off(db, demo):
    made = save(db)
    link(db, "alice", made)
    save(db, password_sign_in=False)
    db.commit()
    before = rows(db)
    with pytest.raises(Conflict, match="Turn password sign-in on"):
        idp.remove(db, viewer(db, "alice"), now=NOW)
    db.rollback()
    assert rows(db) == before


# --- Test connection, against the test provider on loopback ----------------------------------
def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def connect(issuer: str, allow_private: bool = True) -> idp.Connection:
    return asyncio.run(idp.test_connection(issuer, allow_private=allow_private))


def test_connection_says_what_it_found(oidc_provider):
    got = connect(oidc_provider.issuer)
    assert got.ok and got.line == (f"Connected: {oidc_provider.issuer}, authorization code "
                                   "flow, 1 signing key.")


@pytest.mark.parametrize("overrides,said", [
    ({"issuer": "https://elsewhere.example"}, "Issuer mismatch"),
    ({"response_types_supported": ["id_token"]},
     "The provider does not offer the authorization code flow"),
])
def test_connection_says_what_is_wrong_in_one_line(oidc_provider, overrides, said):
    oidc_provider.provider.discovery_overrides = overrides
    got = connect(oidc_provider.issuer)
    assert not got.ok and got.line.startswith(said) and "\n" not in got.line


def test_connection_to_nothing_says_it_could_not_be_reached():
    got = connect(f"http://127.0.0.1:{_closed_port()}/idp")
    assert not got.ok and "could not be reached" in got.line


def test_connection_to_a_private_address_is_refused_unless_allowed(oidc_provider):
    got = connect(oidc_provider.issuer, allow_private=False)
    assert not got.ok and "https://" in got.line


# --- the command line -----------------------------------------------------------------------
@pytest.fixture
def app_engine(engine, monkeypatch):
    """The app's own sessions (the command line, the page) use the test engine."""
    monkeypatch.setitem(app_db._engines, get_settings().database_url, engine)
    return engine


def test_the_operator_turns_password_sign_in_off_and_on(db, demo, app_engine, capsys):
    from app.cli import main

    save(db)
    db.commit()
    assert main(["app.cli", "password-sign-in", "off", "contoso"]) == 0
    assert capsys.readouterr().out.strip() == (
        "commons: Password sign-in is now off for Contoso Energy (contoso): its people sign "
        "in through Contoso Entra ID only.")
    assert provider(db).password_sign_in is False
    event = actions(db)[-1]
    assert event.action == "identity_provider.password_sign_in"
    assert event.actor_user_id is None and event.organization_id == org(db, "contoso").id
    tenant_id = org(db, "contoso").tenant_id
    assert main(["app.cli", "password-sign-in", "on", tenant_id.upper()]) == 0
    assert "now on for Contoso Energy" in capsys.readouterr().out
    assert provider(db).password_sign_in is True
    assert main(["app.cli", "password-sign-in", "on", "contoso"]) == 0
    assert "already on" in capsys.readouterr().out
    assert len(actions(db, "identity_provider.password_sign_in")) == 2


@pytest.mark.parametrize("args,said", [
    (["off", "nowhere"], "No organization has the alias or Tenant ID 'nowhere'"),
    (["off", "fabrikam"], "Fabrikam Utilities (fabrikam) has no identity provider"),
    (["maybe", "contoso"], "takes on or off"),
])
def test_the_command_line_refuses_in_one_line(db, demo, app_engine, capsys, args, said):
    from app.cli import main

    save(db)
    db.commit()
    assert main(["app.cli", "password-sign-in", *args]) == 2
    err = capsys.readouterr().err
    assert said in err and err.count("\n") == 1
    assert provider(db).password_sign_in is True


# --- the Audit log --------------------------------------------------------------------------
def test_the_audit_log_says_what_happened_in_words():
    def said(action, details, actor="Alice Admin"):
        return sentence(Event(action, actor, "identity_provider", 3, details), Refs())

    assert said("identity_provider.created", {"name": "Okta"}) == (
        "Alice Admin set up the identity provider Okta for single sign-on.")
    assert said("identity_provider.updated", {
        "name": "Okta", "changed": ["issuer", "client_secret", "password_sign_in"],
        "password_sign_in": False}) == (
        "Alice Admin changed the identity provider Okta (issuer URL, client secret, password "
        "sign-in), turning password sign-in off.")
    assert said("identity_provider.removed", {"name": "Okta"}) == (
        "Alice Admin removed the identity provider Okta.")
    assert said("identity_provider.password_sign_in", {"name": "Okta",
                                                       "password_sign_in": True}, "") == (
        "Password sign-in was turned on from the command line for the identity provider "
        "Okta.")


# --- the page -------------------------------------------------------------------------------
@pytest.fixture
def cookies(db, demo, app_engine) -> dict:
    made = {name: sign_in(db, secret_key=get_settings().secret_key, tenant="contoso",
                          identifier=name, password=DEMO_PASSWORD, now=NOW,
                          hours=8).token_or_raise() for name in ("alice", "frank")}
    db.commit()
    return made


def _secret_places(received, secret: str) -> list[str]:
    return [f"{state}.{var}" for u in received.updates
            for state, delta in u.get("delta", {}).items()
            for var, value in delta.items() if secret in json.dumps(value)]


def page_form(**changes) -> dict:
    typed = form(**changes)
    if isinstance(typed["domains"], list):
        typed["domains"] = "\n".join(typed["domains"])
    return {k: v for k, v in typed.items() if k not in ("password_sign_in", "just_in_time")}


def test_the_page_saves_and_never_sends_the_secret_back(db, cookies):
    with Browser() as browser:
        tab = browser.tab(cookies["alice"], "/identity-provider")
        loaded = tab.send(full_name(P, "load"))
        saved = tab.send(full_name(P, "save"), {"form": page_form(
            domains="contoso.example, Energy.Example")})
        again = tab.send(full_name(P, "load"))
        state = tab.state(P)
    assert loaded.delta(P)["exists"] is False and loaded.delta(P)["allow_password"] is True
    assert saved.toasts("success") and not saved.delta(P).get("form_error")
    assert saved.delta(P).get("test_line")  # what was saved is read and checked at once
    assert state.exists and state.has_secret and state.provider_name == "Contoso Entra ID"
    assert state.domains == "contoso.example\nenergy.example"
    assert not _secret_places(saved, SECRET) and not _secret_places(again, SECRET)
    assert not any(SECRET in json.dumps(u) for u in saved.updates + again.updates)
    assert provider(db).name == "Contoso Entra ID"


def test_a_refusal_stays_in_the_form_and_saves_nothing(db, cookies):
    before = rows(db)
    with Browser() as browser:
        tab = browser.tab(cookies["alice"], "/identity-provider")
        tab.send(full_name(P, "load"))
        tab.send(full_name(P, "set_allow_password"), {"value": False})
        got = tab.send(full_name(P, "save"), {"form": page_form()})
        long = tab.send(full_name(P, "save"), {"form": page_form(name="x" * 5000)})
    assert "Sign in through Contoso Entra ID once" in got.delta(P)["form_error"]
    assert long.delta(P)["form_error"] == "The provider's name is too long; nothing was saved."
    assert not got.toasts("success") and rows(db) == before


def test_a_member_who_is_not_a_tenant_administrator_is_refused_the_page(db, cookies):
    save(db)
    db.commit()
    before = rows(db)
    with Browser() as browser:
        tab = browser.tab(cookies["frank"], "/identity-provider")
        got = tab.send(full_name(P, "load"))
        saved = tab.send(full_name(P, "save"), {"form": page_form(name="Frank's")})
        removed = tab.send(full_name(P, "remove"))
        tested = tab.send(full_name(P, "test_connection"))
        state = tab.state(P)
    assert got.delta(P)["error"] and not state.exists and state.provider_name == ""
    assert "Contoso Entra ID" not in json.dumps(got.updates)
    assert saved.delta(P)["form_error"] and removed.delta(P)["remove_error"]
    assert state.test_line and not state.test_ok and "permission" in tested.delta(P)[
        "test_line"]
    assert rows(db) == before


def test_test_connection_checks_the_issuer_typed(db, cookies, oidc_provider):
    with Browser() as browser:
        tab = browser.tab(cookies["alice"], "/identity-provider")
        tab.send(full_name(P, "load"))
        tab.send(full_name(P, "set_typed_issuer"), {"value": oidc_provider.issuer})
        tab.send(full_name(P, "test_connection"))
        good = tab.state(P)
        good = (good.test_ok, good.test_line, good.testing)
        tab.send(full_name(P, "set_typed_issuer"), {"value": "https://x.example/?q=1"})
        tab.send(full_name(P, "test_connection"))
        bad = tab.state(P)
    assert good == (True, f"Connected: {oidc_provider.issuer}, authorization code flow, "
                          "1 signing key.", False)
    assert not bad.test_ok and "may not have a query" in bad.test_line and not bad.testing


def test_removing_from_the_page_asks_the_service(db, cookies):
    save(db)
    db.commit()
    with Browser() as browser:
        tab = browser.tab(cookies["alice"], "/identity-provider")
        tab.send(full_name(P, "load"))
        got = tab.send(full_name(P, "remove"))
        state = tab.state(P)
    assert got.toasts("success") and not state.exists and provider(db) is None



def test_verify_on_the_page_looks_the_record_up_and_marks_the_domain(db, cookies, monkeypatch):
    """DNS cannot be reached here: the lookup is replaced by what the domain publishes."""
    save(db, domains=["contoso.example", "energy.example"])
    db.commit()
    published = {}
    monkeypatch.setattr(idp, "txt_records", lambda name: published.get(name, []))
    name, value = idp.domain_record(org(db, "contoso").id, "energy.example")
    with Browser() as browser:
        tab = browser.tab(cookies["alice"], "/identity-provider")
        tab.send(full_name(P, "load"))
        assert [r["verified"] for r in tab.state(P).domain_records] == ["", ""]
        tab.send(full_name(P, "verify_domain"), {"domain": "energy.example"})
        missing = tab.state(P)
        missing = (missing.verify_ok, missing.verify_line, missing.verifying)
        published[name] = ["v=spf1 -all", value]
        tab.send(full_name(P, "verify_domain"), {"domain": "energy.example"})
        found = tab.state(P)
        found = (found.verify_ok, found.verify_line,
                 [(r["domain"], r["verified"]) for r in found.domain_records])
        tab.send(full_name(P, "verify_domain"), {"domain": "fabrikam.example"})
        other = tab.state(P).verify_line
    assert missing[0] is False and "No TXT record " + name in missing[1] and not missing[2]
    assert found[0] and found[1].startswith("energy.example is verified")
    assert found[2] == [("contoso.example", ""), ("energy.example", "yes")]
    assert "not one of your identity provider's domains" in other


def test_discovery_keeps_a_problem_a_while_and_accepts_only_public_key_signatures(
        oidc_provider, monkeypatch):
    import asyncio

    from app.sso import discovery

    discovery._kept.clear()
    fetched = []
    real = discovery._read
    monkeypatch.setattr(discovery, "_read", lambda *a: fetched.append(a) or real(*a))

    async def twice():
        return await asyncio.gather(*(discovery.discover(oidc_provider.issuer,
                                                         allow_private=True)
                                      for _ in range(3)))

    assert len({m.issuer for m in asyncio.run(twice())}) == 1 and len(fetched) == 1
    oidc_provider.provider.discovery_overrides = {
        "id_token_signing_alg_values_supported": ["none", "HS256", "RS256"]}
    found = asyncio.run(discovery.discover(oidc_provider.issuer, allow_private=True,
                                           fresh=True))
    assert found.algorithms == ("RS256",)
    oidc_provider.provider.discovery_overrides = {
        "id_token_signing_alg_values_supported": ["none"]}
    for _ in range(2):  # the second is answered from what was kept, without fetching
        with pytest.raises(discovery.ProviderProblem, match="algorithms Commons does not"):
            asyncio.run(discovery.discover(oidc_provider.issuer, allow_private=True,
                                           fresh=len(fetched) == 2))
    assert len(fetched) == 3
    discovery._kept.clear()
