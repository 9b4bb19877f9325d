"""The shell shows a person only the pages they may use, and the Communities page says why a
member sees fewer communities than the organization has (issue 12, item 12)."""

from app.services.communities import list_communities
from app.services.navigation import offered, organization_community_count
from tests.helpers import viewer


def test_an_administrator_is_offered_every_page_and_a_member_only_their_own(db, demo):
    assert offered(db, viewer(db, "alice")) == {
        "users": True, "audit": True, "webhooks": True, "identity_provider": True,
        "organizations": True, "managed": True}
    assert offered(db, viewer(db, "frank")) == {
        "users": False, "audit": False, "webhooks": False, "identity_provider": False,
        "organizations": False, "managed": False}
    bob = offered(db, viewer(db, "bob"))  # an administrator with no managed community
    assert bob["users"] and bob["managed"] is True  # he may create one


def test_a_member_sees_fewer_communities_than_the_organization_takes_part_in(db, demo):
    frank, alice = viewer(db, "frank"), viewer(db, "alice")
    total = organization_community_count(db, frank)
    assert total == len(list_communities(db, alice)) > len(list_communities(db, frank))
