"""The shared invitation lifecycle: one expiry rule, and steps that refuse a row that moved on."""

from datetime import timedelta
from types import SimpleNamespace

import pytest
from sqlmodel import select

from app.domain import invitation_status as st
from app.domain.errors import Conflict
from app.models import Invitation
from app.services import invitation_lifecycle as lifecycle
from app.services.invitation_policies import TENANT
from tests.helpers import NOW, SECRET, viewer
from tests.test_tenant_invitations import invite


def test_a_link_runs_out_at_its_expiry_instant_not_a_moment_later():
    assert not st.is_expired(NOW, NOW - timedelta(microseconds=1))
    assert st.is_expired(NOW, NOW)
    assert st.is_live(st.PENDING, NOW, NOW - timedelta(seconds=1))
    assert not st.is_live(st.PENDING, NOW, NOW)
    assert not st.is_live(st.ACCEPTED, NOW, NOW - timedelta(days=1))


def test_reissuing_a_token_read_before_a_concurrent_resend_is_refused(db, demo):
    inv_id, _ = invite(db)
    stale = SimpleNamespace(id=inv_id, token_hash=db.get(Invitation, inv_id).token_hash)
    alice = viewer(db, "alice")
    lifecycle.reissue_token(db, [db.get(Invitation, inv_id)], now=NOW, secret_key=SECRET,
                            validity=timedelta(days=1), viewer=alice)
    with pytest.raises(Conflict, match="changed meanwhile"):
        lifecycle.reissue_token(db, [stale], now=NOW, secret_key=SECRET,
                                validity=timedelta(days=1), viewer=alice)


def test_revoking_twice_ends_the_invitation_once(db, demo):
    inv_id, _ = invite(db)
    alice = viewer(db, "alice")
    lifecycle.revoke(db, alice, TENANT, db.get(Invitation, inv_id), now=NOW)
    with pytest.raises(Conflict, match="no longer open"):
        lifecycle.revoke(db, alice, TENANT, db.get(Invitation, inv_id), now=NOW)
    assert db.get(Invitation, inv_id).status == st.REVOKED


def test_an_expired_invitation_can_no_longer_be_accepted(db, demo):
    inv_id, _ = invite(db)
    inv = db.get(Invitation, inv_id)
    assert not lifecycle.mark_accepted(db, [inv_id], now=inv.expires_at, user_id=1,
                                       for_organization_id=1)
    assert lifecycle.mark_accepted(db, [inv_id], now=inv.expires_at - timedelta(seconds=1),
                                   user_id=viewer(db, "bob").user_id,
                                   for_organization_id=viewer(db, "bob").organization_id)


def test_the_batch_loop_reports_each_item_and_keeps_going(db):
    written = []
    results = lifecycle.invite_each(
        db, ["a", "b", "c"], lambda item: "already a member" if item == "b" else "ok",
        written.append, key="name")
    assert results == [{"name": "a", "outcome": "invited"},
                       {"name": "b", "outcome": "already a member"},
                       {"name": "c", "outcome": "invited"}]
    assert written == ["a", "c"]


def test_a_batch_written_together_is_written_one_by_one_when_it_clashes(db):
    """A clash (an invitation another administrator just made) undoes the batch's
    savepoint; then each item is written in its own, and only the clashing one fails."""
    from app.models import Organization
    db.add(Organization(tenant_id="t-b", name="Taken", alias="taken"))
    db.flush()

    def write(item):
        db.add(Organization(tenant_id=f"t-{item}", name=item, alias=f"alias-{item}"))
        db.flush()

    together = []

    def write_all(items):
        together.append(list(items))
        for item in items:
            write(item)

    results = lifecycle.invite_each(db, ["a", "b", "c", "a"], lambda item: "ok", write,
                                    key="name", write_all=write_all)
    assert together == [["a", "b", "c"]]  # "a" again is the same person: already invited
    assert [r["outcome"] for r in results] == ["invited", lifecycle.ALREADY_INVITED,
                                               "invited", lifecycle.ALREADY_INVITED]
    names = db.exec(select(Organization.name).where(Organization.tenant_id.in_(
        ["t-a", "t-b", "t-c"])).order_by(Organization.tenant_id)).all()
    assert names == ["a", "Taken", "c"]
