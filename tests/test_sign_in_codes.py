"""A just-created account signs in at once with a code: random, stored only as a hash,
good for one use within a minute, naming whom it signs in and where."""

from datetime import timedelta

import pytest
from sqlmodel import select

from app.domain.errors import InvalidInput
from app.models import AuditEvent, SignInCode
from app.services import auth
from app.services import user_invitations as ui
from app.services.sign_in_codes import issue_sign_in_code, sign_in_with_code
from tests.helpers import NOW, SECRET, org, user
from tests.test_user_invitations import community, invite, link_token


def use(db, code, at):
    token = sign_in_with_code(db, secret_key=SECRET, code=code, now=at, hours=12,
                              ip="203.0.113.7", user_agent="pytest")
    db.commit()
    return token


def new_account(db, address="pat@client.example", names=("Client A",)):
    invite(db, address, list(names))
    made = ui.create_account_and_accept(db, link_token(db, address), "Pat", "a-long-password",
                                        now=NOW, secret_key=SECRET)
    db.commit()
    return made


def test_a_new_account_is_signed_in_once_where_it_joined(db, demo):
    made = new_account(db)
    assert made.alias == "contoso" and made.email == "pat@client.example"
    assert made.joined == {"joined_ids": str(community(db, "Client A")),
                           "joined_name": "Client A"}
    token = use(db, made.sign_in_code, NOW + timedelta(seconds=30))
    viewer = auth.viewer_for_token(db, secret_key=SECRET, token=token,
                                   now=NOW + timedelta(seconds=31))
    assert (viewer.email, viewer.organization_id) == ("pat@client.example",
                                                      org(db, "contoso").id)
    [signed_in] = db.exec(select(AuditEvent).where(
        AuditEvent.action == "session.sign_in_with_code")).all()
    assert signed_in.actor_user_id == user(db, "pat").id and signed_in.ip == "203.0.113.7"
    with pytest.raises(InvalidInput, match="already used"):  # a replay finds nothing
        use(db, made.sign_in_code, NOW + timedelta(seconds=31))


def test_several_communities_are_joined_without_one_name(db, demo):
    made = new_account(db, names=("Client A", "Client B"))
    assert made.joined["joined_name"] == ""
    assert sorted(made.joined["joined_ids"].split(",")) == sorted(
        [str(community(db, "Client A")), str(community(db, "Client B"))])


def test_the_code_lasts_sixty_seconds(db, demo):
    made = new_account(db)
    with pytest.raises(InvalidInput, match="expired"):
        use(db, made.sign_in_code, NOW + timedelta(seconds=60))
    assert use(db, made.sign_in_code, NOW + timedelta(seconds=59))


@pytest.mark.parametrize("code", ["", "x" * 201, "not-the-code"])
def test_a_wrong_code_signs_nobody_in(db, demo, code):
    new_account(db)
    with pytest.raises(InvalidInput):
        use(db, code, NOW + timedelta(seconds=1))
    assert db.exec(select(SignInCode.used_at)).all() == [None]


def test_only_the_hash_is_stored_and_old_codes_are_cleared(db, demo):
    made = new_account(db)
    [row] = db.exec(select(SignInCode)).all()
    assert made.sign_in_code not in row.code_hash and len(made.sign_in_code) >= 43
    issue_sign_in_code(db, secret_key=SECRET, user_id=row.user_id,
                       organization_id=row.organization_id, now=NOW + timedelta(minutes=2))
    db.commit()
    old_hash = row.code_hash
    assert [r.code_hash for r in db.exec(select(SignInCode)).all()] != [old_hash]  # expired
    assert len(db.exec(select(SignInCode)).all()) == 1


def test_a_code_of_an_account_switched_off_meanwhile_is_refused(db, demo):
    made = new_account(db)
    user(db, "pat").is_active = False
    db.commit()
    with pytest.raises(InvalidInput):
        use(db, made.sign_in_code, NOW + timedelta(seconds=1))
