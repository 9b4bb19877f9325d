"""The Invitations page's one question dialog (Revoke, Confirm Tenant, Decline) asks only
what the row offers, about a row this tab was sent, and sends no row again."""

from urllib.parse import parse_qsl

from reflex.state import State

from app.states.invitations import InvitationsState, RowQuestion
from tests.reflex_harness import Browser, full_name
from tests.test_bench_sessions import PAGE, signed_in  # noqa: F401 - the fixture


def _open(browser, token):
    tab = browser.tab(token, PAGE)
    tab.send(f"{State.get_full_name()}.hydrate_and_load")
    return tab, tab.state(InvitationsState).rows


def test_a_question_is_asked_about_a_row_that_offers_its_action(signed_in):  # noqa: F811
    with Browser() as browser:
        tab, rows = _open(browser, signed_in)
        pending = next(r for r in rows if r["can_revoke"])
        asked = tab.send(full_name(RowQuestion, "ask"),
                         {"action": "revoke", "invitation_id": pending["id"]})
        question = tab.state(RowQuestion)
        assert question.asking == "revoke"
        assert question.question["title"] == f"Revoke the invitation to {pending['recipient']}?"
        assert question.question["back"] == f"revoke-{pending['id']}"
        # the answer is the dialog's, not the page of rows again
        page = InvitationsState.get_full_name()
        assert not any(page in u.get("delta", {}) for u in asked.updates)

        tab.send(full_name(RowQuestion, "set_open"), {"value": False})
        assert tab.state(RowQuestion).asking == ""
        assert tab.state(RowQuestion).question["id"] == str(pending["id"])  # fades out


def test_a_question_the_row_does_not_offer_or_about_another_row_is_not_asked(
        signed_in):  # noqa: F811
    with Browser() as browser:
        tab, rows = _open(browser, signed_in)
        sent = rows[0]
        assert not sent["can_confirm"] and not sent["can_decline"]
        for action, invitation_id in (("confirm", sent["id"]), ("decline", sent["id"]),
                                      ("delete_everything", sent["id"]),
                                      ("revoke", 987654)):
            tab.send(full_name(RowQuestion, "ask"),
                     {"action": action, "invitation_id": invitation_id})
            assert tab.state(RowQuestion).asking == ""
            assert tab.state(RowQuestion).question == {}


def test_a_link_sets_the_filters_and_the_export_carries_them_back(signed_in):  # noqa: F811
    """The Overview's links: the page takes every filter from the address (a missing one
    is off) and its CSV export says the same filters."""
    link = "kind=tenant&status=accepted&direction=sent&q=all&delivery=failed&renewal=1"
    with Browser() as browser:
        tab = browser.tab(signed_in, f"{PAGE}?{link}")
        tab.send(f"{State.get_full_name()}.hydrate_and_load")
        shown = tab.state(InvitationsState)
        assert (shown.kind, shown.status, shown.direction, shown.place) == (
            "tenant", "accepted", "sent", "all")
        assert (shown.search, shown.failed, shown.renewal, shown.expiring) == (
            "all", True, True, False)
        assert query_of(shown.export_href) == query_of(f"?{link}&sort=sent&order=desc")

        tab.send(full_name(InvitationsState, "clear_filters"))
        assert query_of(tab.state(InvitationsState).export_href) == {
            "sort": "sent", "order": "desc"}


def query_of(href: str) -> dict:
    return dict(parse_qsl(href.partition("?")[2]))
