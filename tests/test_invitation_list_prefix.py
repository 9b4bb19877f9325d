"""The recipient-prefix search of the Invitations page: the same rows whichever way a branch
is read (its matches sorted, or its sort index walked), and on SQLite, which keeps no
statistics on ranges, a common prefix walks the sort index instead of sorting every
match (issue 13, figure 4: a page costs what a page does at 100,000 invitations)."""

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import event, insert
from sqlmodel import select

from app.models import Invitation
from app.services import invitation_list as il
from app.services.invitation_list import Filters, Order, page
from tests.helpers import NOW, viewer

COMMON = 2 * il.SORT_AT_MOST  # matches of the common prefix "ops" in each sender branch


@pytest.fixture
def many(db, demo):
    """Invitations sent by alice's organization: `COMMON` to "ops…", 7 to "rare…", the
    rest to "user…", over a day (some at the same second)."""
    alice = viewer(db, "alice")
    rows = []
    for i in range(3 * COMMON):
        who = "ops" if i % 3 == 0 else ("rare" if i % 400 == 1 else "user")
        at = NOW - timedelta(seconds=(i * 7919) % 86400 // 2 * 2)
        rows.append({
            "kind": "tenant", "batch_id": uuid.uuid4().hex, "organization_id":
            alice.organization_id, "invited_by_user_id": alice.user_id,
            "recipient": f"{who}{i:05d}@partner.example", "scope_key": f"bench:{i}",
            "grants": {}, "status": "pending", "token_hash": uuid.uuid4().hex,
            "expires_at": at + timedelta(days=7), "created_at": at, "sent_at": at})
    db.exec(insert(Invitation), params=rows)
    db.commit()
    return alice


def walk(db, who, prefix, order=None):
    seen, after = [], None
    while True:
        rows, after = page(db, who, Filters(recipient=prefix), NOW, after=after, size=50,
                           order=order or Order())
        seen += [r["id"] for r in rows]
        if after is None:
            return seen


def expected(db, prefix, key="created_at"):
    rows = db.exec(select(Invitation).where(Invitation.recipient.startswith(prefix))).all()
    return [r.id for r in sorted(rows, key=lambda r: (getattr(r, key), r.id), reverse=True)]


@pytest.mark.parametrize("cap", [1, il.SORT_AT_MOST, 10 * COMMON])
def test_a_prefix_lists_every_match_once_in_order_however_its_branches_are_read(
        db, many, monkeypatch, cap):
    monkeypatch.setattr(il, "SORT_AT_MOST", cap)  # 1: always walked; 10x: always sorted
    for prefix in ("ops", "rare", "OPS0", "nobody"):
        assert walk(db, many, prefix) == expected(db, prefix.lower())
    assert walk(db, many, "rare", Order("expires")) == expected(db, "rare", "expires_at")


def branch_plans(db, who, prefix) -> list[str]:
    """SQLite's plan of each branch of the page query (how it finds its rows)."""
    seen = []

    def keep(conn, cursor, statement, parameters, context, executemany):
        if "UNION" in statement and "FROM invitation" in statement:
            seen.append((statement, parameters))

    engine = db.get_bind()
    event.listen(engine, "before_cursor_execute", keep)
    try:
        page(db, who, Filters(recipient=prefix), NOW)
    finally:
        event.remove(engine, "before_cursor_execute", keep)
    (statement, parameters), = seen
    plan = db.connection().exec_driver_sql("EXPLAIN QUERY PLAN " + statement,
                                           parameters).all()
    return [detail for _, _, _, detail in plan if detail.startswith("SEARCH invitation")]


def test_on_sqlite_a_common_prefix_walks_the_sort_index_and_a_rare_one_sorts_its_matches(
        db, many):
    if db.get_bind().dialect.name != "sqlite":
        pytest.skip("PostgreSQL chooses by its own statistics")
    def senders(plans):  # the sender's and the organization's branch
        return [p for p in plans if "(invited_by_user_id=?" in p or "(organization_id=?" in p]

    common, rare = senders(branch_plans(db, many, "ops")), senders(branch_plans(db, many, "rare"))
    assert len(common) == 2 and all("_created (" in p for p in common), common
    assert len(rare) == 2 and all("_recipient_id (" in p and "recipient>?" in p
                                  for p in rare), rare
