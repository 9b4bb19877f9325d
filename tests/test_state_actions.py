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


def test_the_invitations_are_counted_again_only_when_the_counts_may_change(db, demo,
                                                                           monkeypatch):
    """A page turn, a sort or a status filter leaves the counts as they are (at 100,000
    invitations a count costs more than a page); another filter, a load, an action or
    someone else's change counts again."""
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
    assert len(counted) == 1
    page.status, page.sort, page.descending = "pending", "recipient", False
    page._refresh(db, alice)
    assert len(counted) == 1
    page.kind = "tenant"                # counts depend on this filter
    page._refresh(db, alice)
    assert len(counted) == 2
    page.search = "bob"
    page._refresh(db, alice)
    assert len(counted) == 3
    page._data_changed()                # a load, an action here or a live signal
    page._refresh(db, alice)
    assert len(counted) == 4
