"""Reliability battery, row 6: addresses.

Case and Unicode variants of an invited address are one recipient, invited once; a
look-alike address (a Cyrillic letter) is another recipient, and nothing of the original's
reaches it; `ice@x` never matches `alice@x`.
"""

import unicodedata

import pytest
from sqlmodel import select

from app.domain.errors import Conflict, DomainError
from app.models import Invitation
from app.services import invitation_visibility as vis
from app.services import tenant_invitations as ti
from app.services import user_invitations as ui
from app.services.invitation_list import Filters, page
from app.services.orgs import create_user
from tests.helpers import NOW, org, viewer
from tests.test_battery_races import MAILER, _token
from tests.test_user_invitations import community, role_id

CYRILLIC_A = "\u0430"  # looks like "a"


def _invite_users(db, text: str) -> dict[str, str]:
    out = ui.invite_users(db, viewer(db, "alice"), text, [community(db, "Client A")],
                          [role_id(db, "Community Member")], now=NOW, mailer=MAILER)
    db.commit()
    return {r["address"]: r["outcome"] for r in out}


def test_case_variants_of_a_tenant_address_are_one_recipient(db, demo):
    wind = community(db, "Wind Farm Analytics")
    ti.invite_tenant(db, viewer(db, "alice"), wind, "bob@fabrikam.example", now=NOW,
                     mailer=MAILER)
    db.commit()
    for variant in ("BOB@FABRIKAM.EXAMPLE", " Bob@Fabrikam.Example ", "bob@FABRIKAM.example"):
        with pytest.raises(Conflict, match="already has an open invitation"):
            ti.invite_tenant(db, viewer(db, "alice"), wind, variant, now=NOW, mailer=MAILER)
        db.rollback()
    assert len(db.exec(select(Invitation).where(Invitation.kind == "tenant")).all()) == 1


def test_case_and_unicode_variants_of_a_user_address_are_one_recipient(db, demo):
    composed = unicodedata.normalize("NFC", "jos\u00e9@client.example")
    decomposed = unicodedata.normalize("NFD", composed)
    assert composed != decomposed
    out = ui.invite_users(db, viewer(db, "alice"),
                          f"New@Client.Example, new@client.example\n{composed}",
                          [community(db, "Client A")], [role_id(db, "Community Member")],
                          now=NOW, mailer=MAILER)
    db.commit()
    assert [(r["address"], r["outcome"]) for r in out] == [
        ("new@client.example", "invited"), ("new@client.example", "already invited"),
        (composed, "invited")]
    again = _invite_users(db, f"NEW@CLIENT.EXAMPLE, {decomposed}, JOS\u00c9@client.example")
    assert set(again.values()) == {"already invited"}
    recipients = db.exec(select(Invitation.recipient).where(
        Invitation.kind == "community_user")).all()
    assert sorted(recipients) == sorted(["new@client.example", composed])


def test_a_look_alike_address_is_another_recipient_and_gets_nothing_of_the_original(db, demo):
    look_alike = f"c{CYRILLIC_A}rol@northwind.example"
    results = _invite_users(db, f"{look_alike}, carol@northwind.example")
    assert list(results.values()) == ["invited", "invited"]  # two recipients
    look_alike_row = db.exec(select(Invitation).where(Invitation.recipient == look_alike)).one()
    # carol is not its recipient: she does not see it as hers, cannot accept it
    carol = viewer(db, "carol")
    assert not vis.addressed_to_viewer.holds(carol, look_alike_row)
    with pytest.raises(DomainError):
        ui.accept(db, carol, _token(db, look_alike, "join"), now=NOW,
                  secret_key=MAILER.secret_key)
    db.rollback()
    assert db.get(Invitation, look_alike_row.id).status == "pending"


def test_ice_never_matches_alice(db, demo):
    ice = create_user(db, org(db, "contoso"), email="ice@client.example", username="ice",
                      display_name="Ice", password_hash="x", now=NOW)
    db.commit()
    _invite_users(db, "alice@client.example")
    ice_viewer = viewer(db, ice.username)
    rows, _ = page(db, ice_viewer, Filters(), NOW)
    assert rows == []  # not addressed to ice, not sent by ice
    inv = db.exec(select(Invitation).where(Invitation.recipient == "alice@client.example")
                  ).one()
    assert not vis.addressed_to_viewer.holds(ice_viewer, inv)
    with pytest.raises(DomainError):
        ui.accept(db, ice_viewer, _token(db, "alice@client.example", "join"), now=NOW,
                  secret_key=MAILER.secret_key)
    db.rollback()
    # a recipient search for "ice" finds addresses starting with it, not containing it
    alice_rows, _ = page(db, viewer(db, "alice"), Filters(recipient="ice"), NOW)
    assert alice_rows == []
    assert [r["recipient"] for r in page(db, viewer(db, "alice"), Filters(recipient="alice"),
                                         NOW)[0]] == ["alice@client.example"]
