"""A used or ended link tells anyone but its recipient only that it can no longer be used
(issue 12, item 6), for every kind of invitation."""

from app.domain import invitation_status as st
from app.services import parent_invitations as pi
from app.services import tenant_invitations as ti
from app.services import user_invitations as ui
from tests.helpers import NOW, SECRET, viewer
from tests.test_parent_invitations import invite as invite_parent
from tests.test_parent_invitations import token_for
from tests.test_tenant_invitations import MAILER, invite


def test_a_joined_tenant_link_speaks_only_to_its_recipient(db, demo):
    _, token = invite(db)
    ti.join(db, viewer(db, "bob"), token, now=NOW, mailer=MAILER)
    db.commit()
    for stranger in (None, viewer(db, "carol"), viewer(db, "alice")):
        shown = ti.invitation_view(db, SECRET, token, stranger, NOW)
        assert shown == st.closed_view()  # not even its id
    mine = ti.invitation_view(db, SECRET, token, viewer(db, "bob"), NOW)
    assert mine["status"] == st.ACCEPTED and mine["community"] == "Wind Farm Analytics"


def test_a_pending_or_expired_link_still_shows_the_invitation(db, demo):
    _, token = invite(db)
    assert ti.invitation_view(db, SECRET, token, None, NOW)["status"] == st.PENDING
    revoked_id, revoked = invite(db, "ops@northwind.example")
    ti.revoke_invitation(db, viewer(db, "alice"), revoked_id, now=NOW)
    db.commit()
    assert ti.invitation_view(db, SECRET, revoked, viewer(db, "carol"), NOW)["status"] \
        == st.CLOSED


def test_an_accepted_parent_link_speaks_only_to_its_recipient(db, demo):
    assert invite_parent(db, "dave", ["frank"]) == {"frank": "invited"}
    token = token_for(db, "frank@contoso.example")
    pi.accept(db, viewer(db, "frank"), token, now=NOW, secret_key=SECRET)
    db.commit()
    for stranger in (None, viewer(db, "alice"), viewer(db, "dave")):
        assert pi.invitation_view(db, SECRET, token, stranger, NOW)["status"] == st.CLOSED
    assert pi.invitation_view(db, SECRET, token, viewer(db, "frank"), NOW)["status"] \
        == st.ACCEPTED


def test_an_accepted_community_link_speaks_only_to_its_recipient(db, demo):
    from tests.test_user_invitations import invite as invite_users
    from tests.test_user_invitations import link_token, new_user_accepts
    invite_users(db, "zoe@example.org", ["Client A"])
    token = link_token(db, "zoe@example.org")
    new_user_accepts(db, "zoe@example.org", token)
    for stranger in (None, viewer(db, "alice")):
        assert ui.join_view(db, SECRET, token, stranger, NOW)["status"] == st.CLOSED
