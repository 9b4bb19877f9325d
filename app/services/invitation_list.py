"""The Invitations page across every kind: filters, sorting, status counts and keyset pages.

Pages are fetched by keyset (sort column, `id`) so the 1,000th page costs what the first
does: each visibility branch has a (branch column, sort column, id) index. The recipient
search is a prefix range that a (branch column, recipient) index serves on both engines; a
prefix that many rows share is tested along the sort index instead (see `_searches`).
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from sqlalchemy import func, literal, tuple_, union, union_all
from sqlmodel import Session, select

from app.domain import invitation_status as st
from app.domain.errors import InvalidInput
from app.domain.permissions import BUILTIN_ROLES
from app.domain.transitions import INVITER, RECIPIENT, flags
from app.domain.viewer import Viewer
from app.models import Community, Invitation, Organization, OutboxMessage, User
from app.services import invitation_visibility as vis
from app.services.access import visible_communities
from app.services.invitation_timeline import timeline
from app.services.status_sql import effective_status, status_is

KIND_LABELS = {"tenant": "Tenant", "community_user": "Community user",
               "parent_user": "Parent organization user"}
STATUS_FILTERS = ("pending", "accepted", "confirmed", "declined", "expired", "revoked")
EXPIRING_WINDOW = timedelta(hours=48)
ROLE_NAMES = {role.key: role.name for role in BUILTIN_ROLES}
# Sortable columns; "sent" is the default, newest first.
SORTS = {"sent": Invitation.created_at, "expires": Invitation.expires_at,
         "recipient": Invitation.recipient, "kind": Invitation.kind}
_DATETIME_SORTS = {"sent", "expires"}
# A branch sorts at most this many prefix matches for a page; past it the page walks its
# sort index and tests each row, which stops after a page of matches.
SORT_AT_MOST = 500


@dataclass(frozen=True)
class Filters:
    kind: str = ""
    status: str = ""          # a stored status, or "expired"
    direction: str = ""       # "", "sent" or "received"
    recipient: str = ""       # prefix
    community_id: int | None = None
    organization_id: int | None = None   # invitations into this organization (parent users)
    expiring_soon: bool = False


@dataclass(frozen=True)
class Order:
    key: str = "sent"
    descending: bool = True

    def __post_init__(self):
        if self.key not in SORTS:
            raise InvalidInput("That column cannot be sorted.")

    def encode(self, row: Invitation) -> str:
        value = getattr(row, SORTS[self.key].key)
        return f"{value.isoformat() if self.key in _DATETIME_SORTS else value}|{row.id}"

    def after(self, cursor: str):
        """The keyset condition for rows after `cursor` ("value|id") in this order."""
        value, _, last = cursor.rpartition("|")
        if not last.isdigit():
            raise InvalidInput("That page no longer exists; start from the first page.")
        col, last_id = SORTS[self.key], int(last)
        try:
            key = datetime.fromisoformat(value) if self.key in _DATETIME_SORTS else value
        except ValueError as err:
            raise InvalidInput("That page no longer exists; start from the first page.") from err
        # a row-value comparison: PostgreSQL seeks the index to it, where the equivalent
        # OR form makes it scan and filter every row before the cursor
        pair, at = tuple_(col, Invitation.id), tuple_(key, last_id)
        return pair < at if self.descending else pair > at

    def by(self, col, id_col) -> tuple:
        return (col.desc(), id_col.desc()) if self.descending else (col.asc(), id_col.asc())


def filters_from(params: Mapping[str, str]) -> Filters:
    """Filters from query parameters (the export route's, and the page's own)."""
    place = params.get("place", "")
    kind, _, ident = place.partition(":")
    ident = int(ident) if ident.isdigit() else None
    return Filters(kind=params.get("kind", ""), status=params.get("status", ""),
                   direction=params.get("direction", ""), recipient=params.get("q", "")[:320],
                   community_id=ident if kind == "c" else None,
                   organization_id=ident if kind == "o" else None,
                   expiring_soon=params.get("expiring") == "1")


def order_from(params: Mapping[str, str]) -> Order:
    return Order(params.get("sort", "sent"), params.get("order", "desc") != "asc")


def _where(viewer: Viewer, f: Filters, now: datetime, visibility: bool = True) -> list:
    """The filters as SQL conditions; with `visibility`, also who may see the rows (the
    Direction filter picks which side of the visibility rule applies)."""
    conds = [vis.for_direction(f.direction).where(viewer)] if visibility else []
    if f.kind in KIND_LABELS:
        conds.append(Invitation.kind == f.kind)
    if f.status in STATUS_FILTERS:
        conds += status_is(f.status, now)
    conds += _prefix(Invitation.recipient, _recipient_prefix(f))
    if f.community_id:
        conds.append(Invitation.community_id == f.community_id)
    if f.organization_id:
        conds.append(Invitation.target_organization_id == f.organization_id)
    if f.expiring_soon:
        conds += status_is(st.PENDING, now) + [Invitation.expires_at <= now + EXPIRING_WINDOW]
    return conds


def counts_key(f: Filters) -> Filters:
    """The filters the status counts depend on: all but the status ones."""
    return Filters(kind=f.kind, direction=f.direction, recipient=f.recipient,
                   community_id=f.community_id, organization_id=f.organization_id)


def status_counts(db: Session, viewer: Viewer, f: Filters, now: datetime) -> dict[str, int]:
    """Counts per status (expired computed) for the filtered set, in one grouped query.

    The status filters themselves are ignored (the counts are what they choose between),
    so the result changes only when another filter does: call it then, not per page.
    """
    unfiltered = counts_key(f)
    shown = effective_status(now)
    rows = db.exec(select(shown, func.count()).where(*_where(viewer, unfiltered, now))
                   .group_by(shown)).all()
    counts = dict.fromkeys(STATUS_FILTERS, 0)
    counts.update({status: n for status, n in rows})
    return counts


def page(db: Session, viewer: Viewer, f: Filters, now: datetime, *, after: str | None = None,
         size: int = 50, order: Order = Order()) -> tuple[list[dict], str | None]:
    """One page in `order` and the cursor of the next page (None at the end).

    Each branch of the visibility rule (of its received or sent side, when the Direction
    filter asks) is read through its own (…, sort column, id) index with the page's limit,
    and the union of those short lists is merged: the cost follows the page size, not the
    number of invitations.
    """
    conds = _where(viewer, replace(f, recipient=""), now, visibility=False)
    if after:
        conds.append(order.after(after))
    col = SORTS[order.key]
    branches = vis.for_direction(f.direction).branches(viewer)
    searches = _searches(db, branches, conds, _recipient_prefix(f), order)
    parts = [select(Invitation.id, col.label("k")).where(branch, *conds, *search)
             .order_by(*order.by(col, Invitation.id)).limit(size + 1).subquery()
             for branch, search in zip(branches, searches, strict=True)]
    merged = union(*[select(p.c.id, p.c.k) for p in parts]).subquery()
    ids = db.exec(select(merged.c.id).order_by(*order.by(merged.c.k, merged.c.id))
                  .limit(size + 1)).all()
    found = {r.id: r for r in db.exec(select(Invitation).where(Invitation.id.in_(ids))).all()}
    rows = [found[i] for i in ids]
    more = len(rows) > size
    rows = rows[:size]
    cursor = order.encode(rows[-1]) if more and rows else None
    return describe(db, rows, now, viewer), cursor


def _recipient_prefix(f: Filters) -> str:
    return f.recipient.strip().lower()


def _prefix(column, prefix: str) -> list:
    """`column` starts with `prefix`, as a range (none for an empty prefix)."""
    return [column >= prefix, column < prefix + "\uffff"] if prefix else []


def _searches(db: Session, branches: list, conds: list, prefix: str, order: Order) -> list:
    """The recipient prefix condition of each branch of a page.

    A branch with few matches reads them through its (branch, recipient) index and sorts
    them. One with many ("ops", half of 100,000) would sort them all for 50 rows: it had
    better walk its sort index and test each row. PostgreSQL's statistics on the column
    tell the two apart (and it misjudges the walk's expression, so it keeps the range).
    SQLite keeps none for ranges: there a count capped at `SORT_AT_MOST` (one statement
    for all branches) decides, and a common prefix is tested on an expression no index
    serves, so the page walks its sort index.
    """
    ranged = _prefix(Invitation.recipient, prefix)
    if (not prefix or order.key == "recipient" or not branches
            or db.get_bind().dialect.name != "sqlite"):
        return [ranged] * len(branches)
    counts = db.exec(select(*[
        select(func.count()).select_from(
            select(Invitation.id).where(branch, *conds, *ranged).limit(SORT_AT_MOST)
            .subquery()).scalar_subquery()
        for branch in branches])).one()
    walked = _prefix(Invitation.recipient.concat(""), prefix)
    return [walked if n >= SORT_AT_MOST else ranged for n in counts]


def sending_organizations(db: Session, invitation_ids: list[int]) -> list[int]:
    """The organizations that sent these invitations."""
    return list(db.exec(select(Invitation.organization_id).distinct()
                        .where(Invitation.id.in_(invitation_ids))).all())


def details(db: Session, viewer: Viewer, invitation_id: int, now: datetime) -> dict:
    """One invitation the viewer may see, as a row with its timeline; NotFound otherwise."""
    inv = vis.find_visible(db, viewer, invitation_id, "That invitation is not there any more.")
    return {**describe(db, [inv], now, viewer)[0], "timeline": timeline(db, inv)}


def places(db: Session, viewer: Viewer, limit: int = 500) -> list[tuple[str, str]]:
    """Where invitations the viewer sees lead: their communities and organizations, and the
    places of invitations they received ("c:<id>" / "o:<id>", name), sorted by name."""
    got = db.exec(select(Invitation.community_id, Invitation.target_organization_id)
                  .where(vis.received.where(viewer)).distinct().limit(limit)).all()
    community_ids = {c for c, _ in got if c}
    org_ids = {o for _, o in got if o} | {viewer.organization_id}
    found = [(f"c:{c.id}", c.name) for c in db.exec(
        visible_communities(viewer).order_by(Community.name).limit(limit)).all()]
    known = {key for key, _ in found}
    found += [(f"c:{i}", name) for i, name in _names(db, Community, community_ids).items()
              if f"c:{i}" not in known]
    found += [(f"o:{i}", name) for i, name in _names(db, Organization, org_ids).items()]
    return sorted(found, key=lambda kv: (kv[1].lower(), kv[0]))


def describe(db: Session, rows: list[Invitation], now: datetime, viewer: Viewer) -> list[dict]:
    """Display rows: names of places and people, what is granted, delivery state, the
    status key and `can_*` (the buttons its status offers the viewer), and the viewer's
    side: `received` (not sent by them or their organization) and `addressed` (to them:
    they may answer it)."""
    communities, orgs, people = _all_names(
        db, {r.community_id for r in rows},
        {r.target_organization_id for r in rows} | {r.organization_id for r in rows},
        {r.invited_by_user_id for r in rows})
    delivery = _delivery(db, [r.id for r in rows])
    out = []
    for r in rows:
        where = (communities.get(r.community_id, "") if r.community_id
                 else orgs.get(r.target_organization_id, ""))
        grants = ", ".join(ROLE_NAMES.get(g, g) for g in
                           r.grants.get("roles", []) or r.grants.get("groups", []))
        state, error = delivery.get(r.id, ("", ""))
        out.append({
            "id": r.id, "kind": KIND_LABELS[r.kind], "kind_key": r.kind,
            "recipient": r.recipient, "where": where, "grants": grants or "—",
            "status": st.effective_status(r.status, r.expires_at, now),
            "invited_by": people.get(r.invited_by_user_id, ""),
            "from_org": orgs.get(r.organization_id, ""),
            "sent": r.created_at.strftime("%Y-%m-%d %H:%M"),
            "expires": r.expires_at.strftime("%Y-%m-%d %H:%M"),
            "delivery": state, "delivery_error": error, "community_id": r.community_id or 0,
            "received": not (r.invited_by_user_id == viewer.user_id or (
                viewer.is_tenant_admin and r.organization_id == viewer.organization_id)),
            "addressed": r.recipient == viewer.email or (
                r.kind == "parent_user" and r.recipient == viewer.username),
        })
        out[-1].update(_can(r.kind, out[-1]))
    return out


def _can(kind: str, row: dict) -> dict[str, bool]:
    """`can_*` of a described row: what its status allows to the viewer's sides of it
    (inviting: not `received`; answering: `addressed`)."""
    sides = {side for side, mine in ((INVITER, not row["received"]),
                                     (RECIPIENT, row["addressed"])) if mine}
    return flags(kind, row["status"], sides)


def _names(db: Session, model, ids: set, field: str = "name") -> dict:
    ids = {i for i in ids if i}
    if not ids:
        return {}
    return dict(db.exec(select(model.id, getattr(model, field)).where(model.id.in_(ids))).all())


def _all_names(db: Session, community_ids: set, org_ids: set,
               user_ids: set) -> tuple[dict, dict, dict]:
    """Names of communities and organizations and people's display names, in one
    statement (a page asks on every turn)."""
    wanted = [(Community, Community.name, community_ids),
              (Organization, Organization.name, org_ids),
              (User, User.display_name, user_ids)]
    found: tuple[dict, dict, dict] = ({}, {}, {})
    parts = [select(literal(i).label("part"), model.id, name)
             .where(model.id.in_({x for x in ids if x}))
             for i, (model, name, ids) in enumerate(wanted) if any(ids)]
    if parts:
        for part, key, name in db.exec(union_all(*parts)).all():
            found[part][key] = name
    return found


def _delivery(db: Session, ids: list[int]) -> dict[int, tuple[str, str]]:
    """The newest outbox message of each invitation: queued, sent or failed (with reason)."""
    if not ids:
        return {}
    newest = (select(OutboxMessage.invitation_id, func.max(OutboxMessage.id).label("mid"))
              .where(OutboxMessage.invitation_id.in_(ids))
              .group_by(OutboxMessage.invitation_id).subquery())
    rows = db.exec(select(OutboxMessage.invitation_id, OutboxMessage.status,
                          OutboxMessage.last_error)
                   .join(newest, newest.c.mid == OutboxMessage.id)).all()
    label = {"queued": "queued", "sending": "queued", "sent": "sent", "failed": "failed"}
    return {inv: (label[status], error or "") for inv, status, error in rows}


def export_rows(db: Session, viewer: Viewer, f: Filters, now: datetime,
                batch: int = 1000, order: Order = Order()) -> Iterator[dict]:
    """Every row of the filtered list, page by page in `order`, for the CSV export (which
    shows words: the status is its label)."""
    after = None
    while True:
        rows, after = page(db, viewer, f, now, after=after, size=batch, order=order)
        yield from ({**r, "status": st.label(r["kind_key"], r["status"])} for r in rows)
        if after is None:
            return
