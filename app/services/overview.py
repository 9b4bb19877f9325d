"""The Overview: what waits on the viewer, across every kind of invitation.

Each need is a filter of the Invitations page (its link opens the page filtered to it),
on the side of the invitation that may act on it, so nobody is shown what they cannot do:
confirming a tenant that accepted, answering an invitation, a delivery that failed, an
invitation about to expire, a request for a new invitation from an expired link.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import urlencode

from sqlalchemy import and_, func, true
from sqlmodel import Session, select

from app import routes
from app.domain.viewer import Viewer
from app.models import Invitation
from app.services import invitation_visibility as vis
from app.services.invitation_list import (
    Filters,
    Order,
    described_parts,
    filter_conditions,
    filters_from,
    first_pages,
    order_from,
)

SHOWN = 3  # the first few rows of each need, with their buttons


@dataclass(frozen=True)
class Need:
    key: str
    title: str
    params: Mapping[str, str]  # the Invitations page's query parameters

    @property
    def filters(self) -> Filters:
        return filters_from(self.params)

    @property
    def order(self) -> Order:
        return order_from(self.params)

    @property
    def href(self) -> str:
        return f"{routes.INVITATIONS}?{urlencode(self.params)}"


NEEDS = (
    Need("to_confirm", "Accepted, waiting for your confirmation",
         {"kind": "tenant", "status": "accepted", "direction": "sent"}),
    Need("to_answer", "Waiting for your answer", {"status": "pending", "direction": "received"}),
    Need("failed", "Failed deliveries", {"direction": "sent", "delivery": "failed"}),
    Need("expiring", "Expiring within 48 hours",
         {"expiring": "1", "sort": "expires", "order": "asc"}),  # the soonest first
    Need("renewal", "Asked for a new invitation", {"direction": "sent", "renewal": "1"}),
)


def need_counts(db: Session, viewer: Viewer, now: datetime) -> dict[str, int]:
    """How many invitations each need holds."""
    row = db.exec(_counts(viewer, now)).one()
    return {n.key: int(row[i] or 0) for i, n in enumerate(NEEDS)}


def _counts(viewer: Viewer, now: datetime):
    """Each need's count in one scan of what the viewer may see (each need's own side of
    the visibility rule narrows it)."""
    return (select(*[func.count().filter(and_(*filter_conditions(viewer, n.filters, now)))
                     .label(n.key) for n in NEEDS])
            .select_from(Invitation).where(vis.for_direction("").where(viewer)))


def needs_you(db: Session, viewer: Viewer, now: datetime) -> list[dict]:
    """Every need with its count, its link and its first rows (as the Invitations page
    shows them, with the same `can_*` buttons), in one statement: the counts, joined to
    the first rows of every need."""
    counts = _counts(viewer, now).subquery("counts")
    pages, values = first_pages(db, viewer, {n.key: (n.filters, n.order) for n in NEEDS},
                                now, SHOWN)
    rows = db.exec(select(counts, pages).select_from(counts.outerjoin(pages, true())),
                   params=values).all()
    shown = described_parts(rows, {n.key: n.order for n in NEEDS}, now, viewer)
    return [{"key": n.key, "title": n.title, "count": int(getattr(rows[0], n.key) or 0),
             "href": n.href, "rows": shown.get(n.key, [])} for n in NEEDS]
