"""Live signals: the server decides who follows what, and a signal says nothing by itself.

A signal names audit events; each tab turns into words only the events its own viewer may
read. A client can call any handler, so no handler takes a topic name or a message text.
"""

import inspect

from sqlmodel import select

from app.models import AuditEvent, Community, Invitation, Role
from app.services import audit
from app.services import tenant_invitations as ti
from app.services import user_invitations as ui
from app.services.live_events import summary_for, summary_for_invitation
from app.services.tenant_invitations import Mailer
from tests.helpers import NOW, SECRET, viewer

MAILER = Mailer(SECRET, "http://localhost:3000", days=7)


def _ids_of(db, work) -> list[int]:
    work()
    return audit.written_ids(db)


def _batch(db):
    """Alice invites two people of different companies into Client A in one batch."""
    client_a = db.exec(select(Community.id).where(Community.name == "Client A")).one()
    member = db.exec(select(Role.id).where(Role.name == "Community Member")).one()
    return _ids_of(db, lambda: ui.invite_users(
        db, viewer(db, "alice"), "bob@fabrikam.example, carol@northwind.example", [client_a],
        [member], now=NOW, mailer=MAILER))


def test_a_unit_of_work_knows_the_events_it_wrote(db, demo):
    before = set(db.exec(select(AuditEvent.id)).all())
    ids = _batch(db)
    assert ids and set(ids) == set(db.exec(select(AuditEvent.id)).all()) - before
    rows = db.exec(select(AuditEvent).where(AuditEvent.id.in_(ids))).all()
    assert {"invitation.send"} <= {r.action for r in rows}


def test_each_recipient_of_a_batch_hears_only_of_their_own_invitation(db, demo):
    ids = _batch(db)
    db.commit()
    said_to_bob = summary_for(db, viewer(db, "bob"), ids)
    said_to_carol = summary_for(db, viewer(db, "carol"), ids)
    assert "bob@fabrikam.example" in said_to_bob and "carol@" not in said_to_bob
    assert "carol@northwind.example" in said_to_carol and "bob@" not in said_to_carol
    assert said_to_bob.startswith("Alice Admin ")


def test_another_organization_hears_nothing_of_what_it_may_not_see(db, demo):
    ids = _batch(db)
    db.commit()
    assert summary_for(db, viewer(db, "dave"), ids) == ""      # Contoso Retail's admin
    assert summary_for(db, viewer(db, "frank"), ids) == ""     # a Contoso member
    assert "2 " not in summary_for(db, viewer(db, "alice"), ids)
    assert summary_for(db, viewer(db, "alice"), ids).endswith("example) and 1 more.")


def test_a_made_up_event_id_says_nothing(db, demo):
    ids = _batch(db)
    db.commit()
    assert summary_for(db, viewer(db, "bob"), [max(ids) + 1000]) == ""
    padded = [max(ids) + 1000 + i for i in range(50)] + ids   # only the first 50 are read
    assert summary_for(db, viewer(db, "bob"), padded) == ""


def test_a_link_holder_hears_only_of_the_invitation_behind_the_link(db, demo):
    wind = db.exec(select(Community.id).where(Community.name == "Wind Farm Analytics")).one()
    alice = viewer(db, "alice")
    ids = _ids_of(db, lambda: ti.invite_tenant(db, alice, wind, "bob@fabrikam.example",
                                               now=NOW, mailer=MAILER))
    inv = db.exec(select(Invitation).where(Invitation.recipient == "bob@fabrikam.example",
                                           Invitation.community_id == wind)).one()
    db.commit()
    assert "bob@fabrikam.example" in summary_for_invitation(db, inv.id, ids)
    assert summary_for_invitation(db, inv.id + 1, ids) == ""


def test_no_handler_takes_a_topic_or_a_message():
    """Live topics are linked by the server only; refreshers take event ids."""
    import app.app  # noqa: F401  (registers every state)
    from app.live import topics
    from app.states import broadcast

    assert not hasattr(broadcast, "Broadcaster")
    import reflex as rx

    # followers are kept beside the state: no shared state a tab's events would lock
    assert not [c for c in vars(topics).values()
                if isinstance(c, type) and issubclass(c, rx.State)]
    assert list(inspect.signature(topics.follow).parameters) == ["state", "topics"]

    def every_state(cls):
        for sub in cls.get_substates():
            yield sub
            yield from every_state(sub)

    for state in every_state(rx.State):
        handler = state.event_handlers.get("live_refresh")
        if handler is not None:
            params = list(inspect.signature(handler.fn).parameters)
            assert params == ["self", "event_ids"], (state.get_full_name(), params)
