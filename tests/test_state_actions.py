"""States act one way: `run` resolves the viewer and runs the action in one transaction,
and a refusal has one shape (a message, or the way to sign-in). No state catches
NotSignedIn or resolves the viewer by itself."""

from pathlib import Path

STATES = Path(__file__).resolve().parent.parent / "app" / "states"


def test_only_the_viewer_module_resolves_viewers_and_catches_sign_out():
    offenders = []
    for path in sorted(STATES.glob("*.py")):
        if path.name == "viewer.py":
            continue
        text = path.read_text()
        for needle in ("except NotSignedIn", "viewer_of(", "optional_viewer(", "attempt("):
            if needle in text:
                offenders.append(f"{path.name}: {needle}")
    assert not offenders, offenders


def test_the_community_page_uses_the_shared_page_base():
    from app.states.community import CommunityState
    from app.states.page import ViewerPage

    assert issubclass(CommunityState, ViewerPage)


def test_a_page_turn_does_not_recount_the_invitations(db, demo, monkeypatch):
    import reflex as rx

    import app.app  # noqa: F401
    from app.states import invitations as inv_state
    from tests.helpers import viewer

    counted = []
    real = inv_state.status_counts
    monkeypatch.setattr(inv_state, "status_counts",
                        lambda *a, **k: counted.append(1) or real(*a, **k))
    root = rx.State()
    page = root.get_substate(inv_state.InvitationsState.get_full_name().split(".")[1:])
    alice = viewer(db, "alice")
    page._refresh(db, alice)
    assert counted == [1]
    page._turning_page = True
    page._refresh(db, alice)
    assert counted == [1] and page._turning_page is False
    page._refresh(db, alice)            # a filter change or someone else's action recounts
    assert counted == [1, 1]
