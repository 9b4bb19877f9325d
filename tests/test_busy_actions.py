"""An action first tells its page that it is busy (its buttons disable), then the outcome;
a repeat that arrives anyway changes nothing and says when it was done (issue 12, item 2)."""

from app.states.invitations import InvitationsState
from tests.matrix_fixtures import targets, world  # noqa: F401
from tests.reflex_harness import Browser, full_name


def _busy_values(received) -> list:
    key = InvitationsState.get_full_name()
    return [u["delta"][key]["busy_rx_state_"] for u in received.updates
            if "busy_rx_state_" in u.get("delta", {}).get(key, {})]


def test_resend_disables_the_buttons_first_and_a_double_click_sends_once(world):  # noqa: F811
    invitation_id = targets(world, "other-org").tenant_invitation  # one of alice's own
    try:
        with Browser() as browser:
            tab = browser.tab(world.cookies["alice"], "/invitations")
            tab.send(full_name(InvitationsState, "load"))
            first = tab.send(full_name(InvitationsState, "resend"),
                             {"invitation_id": invitation_id})
            second = tab.send(full_name(InvitationsState, "resend"),
                              {"invitation_id": invitation_id})
    finally:
        world.rebuild()
    assert _busy_values(first) == [True, False]
    assert first.toasts("success") and not first.toasts("error")
    assert any("nothing was sent again" in t for t in second.toasts("error"))
