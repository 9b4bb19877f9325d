"""Issue 12 item 18 (polish), the parts with logic: badge colours by meaning, where an
address may break, counted words, and the sort arrows of the community Invitations tab."""

import json
import shutil
import subprocess

import pytest
from sqlalchemy.sql import operators
from sqlmodel import select

from app.components.common import address_parts
from app.components.status import COLORS, status_badge, status_color
from app.domain import invitation_status as st
from app.domain.permissions import COMMUNITY_VIEW
from app.domain.wording import counted, listing, role_change, the_named
from app.models import Group
from app.services import audit
from app.services import custom_roles as cr
from app.services import groups as gr
from app.services.community_tenants import DESCENDING, SORTS
from app.services.live_events import summary_for
from app.states.invitations import InvitationDetails
from tests.helpers import NOW, viewer


def test_every_status_has_its_own_colour():
    assert set(COLORS) == set(st.STATUSES)
    assert len(set(COLORS.values())) == len(COLORS)


def test_a_badge_is_coloured_by_the_key_not_the_words():
    """Confirmed and Accepted read "Accepted" for a community user invitation; the badge
    colours still differ, because they come from the key."""
    assert st.label("community_user", st.ACCEPTED) == st.label("community_user", st.CONFIRMED)
    props = " ".join(status_badge("community_user", InvitationDetails.details["status"])
                     .render()["props"])
    assert '"data-accent-color"' in props and '"data-status"' in props
    assert "rt-Badge" in props and "rt-high-contrast" in props
    expression = str(status_color(InvitationDetails.details["status"]))
    for key, colour in COLORS.items():
        assert f'["{key}"] : "{colour}"' in expression
    assert '"gray"' in expression  # an unknown key


@pytest.mark.skipif(shutil.which("node") is None, reason="needs node to run the expression")
@pytest.mark.parametrize("text, parts", [
    ("ops@tailspin.example", ["ops@", "tailspin.", "example"]),
    ("first.last@mail.client-a.example", ["first.", "last@", "mail.", "client-a.", "example"]),
    ("nobody", ["nobody"]),
    ("", [""]),
])
def test_an_address_breaks_only_after_at_and_dots(text, parts):
    """The browser runs the expression `address` renders; node runs the same one here."""
    expression = str(address_parts(text))
    out = subprocess.run(["node", "-e", f"console.log(JSON.stringify({expression}))"],
                         capture_output=True, text=True, check=True).stdout
    assert json.loads(out) == parts
    assert "".join(parts) == text  # <wbr> adds nothing: the text stays the address


def test_counted_words_agree_with_their_count():
    assert counted(1, "member") == "1 member"
    assert counted(2, "member") == "2 members"
    assert counted(1000, "person", "people") == "1,000 people"
    assert listing(["A", "B", "C"]) == "A, B and C"
    assert the_named("group", ["Support"]) == "the group Support"
    assert the_named("role", ["Community Member", "Tenant Member"]) == \
        "the roles Community Member and Tenant Member"
    assert the_named("group", []) == ""


def test_a_community_role_change_names_the_person_and_the_role():
    users = [{"user_id": 7, "name": "Frank Fielding"}]
    assert role_change(users, 7, "community_member") == \
        "Frank Fielding now has the role Community Member in this community."
    assert role_change(users, 7, "none") == \
        "Frank Fielding no longer has a role in this community."


def _summary(db, username, work) -> str:
    """What another tab of `username` hears of the events `work` writes."""
    before = set(audit.written_ids(db))
    work()
    written = [i for i in audit.written_ids(db) if i not in before]
    return summary_for(db, viewer(db, username), written)


def test_another_tab_hears_which_group_and_which_role(db, demo):
    alice = viewer(db, "alice")
    said = _summary(db, "alice", lambda: gr.create_group(db, alice, "Support", now=NOW))
    assert said == "Alice Admin created the group Support."
    group_id = db.exec(select(Group.id).where(Group.name == "Support")).one()
    said = _summary(db, "alice", lambda: gr.delete_group(db, alice, group_id, now=NOW))
    assert said.startswith("Alice Admin deleted the group Support")
    said = _summary(db, "alice", lambda: cr.save_role(db, alice, "Auditor", "Reads.",
                                                      [COMMUNITY_VIEW], now=NOW))
    assert said == "Alice Admin created the role Auditor."


def test_the_community_tab_arrows_follow_the_order_the_service_sorts_by():
    for key, order in SORTS.items():
        descending = order(NOW).modifier is operators.desc_op
        assert descending == (key in DESCENDING), key
