"""The Invitations page across every kind: filters, sorting, status counts and keyset pages.

Pages are fetched by keyset (sort column, `id`) so the 1,000th page costs what the first
does: each visibility branch has a (branch column, sort column, id) index. The recipient
search is a prefix range that a (branch column, recipient) index serves on both engines; a
prefix that many rows share is tested along the sort index instead (see `_walked`).
"""

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import cache

from sqlalchemy import and_, bindparam, func, literal, tuple_, union, union_all
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from app.domain import invitation_status as st
from app.domain.errors import InvalidInput, NotFound
from app.domain.limits import MAX_ID
from app.domain.permissions import BUILTIN_ROLES
from app.domain.transitions import INVITER, RECIPIENT, flags
from app.domain.viewer import Viewer
from app.models import AuditEvent, Community, Invitation, Organization, OutboxMessage, User
from app.services import invitation_visibility as vis
from app.services.access import visible_communities
from app.services.invitation_timeline import timeline
from app.services.status_sql import effective_status, status_is
from app.services.tenant_invitations import RENEWAL_REQUESTED, renewal_requests

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
    delivery_failed: bool = False   # its newest message could not be delivered
    renewal_asked: bool = False     # expired, and the recipient asked for a new one


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
        if not (last.isascii() and last.isdigit()) or int(last) > MAX_ID:
            raise InvalidInput("That page no longer exists; start from the first page.")
        col, last_id = SORTS[self.key], int(last)
        try:
            key = datetime.fromisoformat(value) if self.key in _DATETIME_SORTS else value
        except ValueError as err:
            raise InvalidInput("That page no longer exists; start from the first page.") from err
        if isinstance(key, datetime) and key.tzinfo is None:  # as the cursor wrote it: UTC
            key = key.replace(tzinfo=UTC)
        # a row-value comparison: PostgreSQL seeks the index to it, where the equivalent
        # OR form makes it scan and filter every row before the cursor
        pair = tuple_(col, Invitation.id)
        at = tuple_(bindparam("after_value", key, type_=col.type),
                    bindparam("after_id", last_id, type_=Invitation.id.type))
        return pair < at if self.descending else pair > at

    def sort_key(self, row) -> tuple:
        """A read row's place in this order (ascending; reverse it when descending)."""
        return getattr(row, SORTS[self.key].key), row.id

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
                   expiring_soon=params.get("expiring") == "1",
                   delivery_failed=params.get("delivery") == "failed",
                   renewal_asked=params.get("renewal") == "1")


def order_from(params: Mapping[str, str]) -> Order:
    return Order(params.get("sort", "sent"), params.get("order", "desc") != "asc")


def filter_conditions(viewer: Viewer, f: Filters, now: datetime, visibility: bool = True) -> list:
    """The filters as SQL conditions; with `visibility`, also who may see the rows (the
    Direction filter picks which side of the visibility rule applies)."""
    conds = [vis.for_direction(f.direction).where(viewer)] if visibility else []
    at = bindparam("now", now, type_=Invitation.expires_at.type)
    if f.kind in KIND_LABELS:
        conds.append(Invitation.kind == bindparam("kind", f.kind))
    if f.status in STATUS_FILTERS:
        conds += status_is(f.status, at)
    conds += _prefix(Invitation.recipient, _recipient_prefix(f))
    if f.community_id:
        conds.append(Invitation.community_id == bindparam("community_id", f.community_id))
    if f.organization_id:
        conds.append(Invitation.target_organization_id
                     == bindparam("organization_id", f.organization_id))
    if f.expiring_soon:
        conds += status_is(st.PENDING, at) + [Invitation.expires_at <= bindparam(
            "expiring_until", now + EXPIRING_WINDOW, type_=Invitation.expires_at.type)]
    if f.delivery_failed:
        conds.append(delivery_failed())
    if f.renewal_asked:
        conds += status_is(st.EXPIRED, at) + [renewal_asked()]
    return conds


def delivery_failed():
    """Its newest message could not be delivered. Read from the few failed messages (the
    outbox's status index), not by a subquery per invitation."""
    newer = aliased(OutboxMessage)
    return Invitation.id.in_(select(OutboxMessage.invitation_id).where(
        OutboxMessage.status == "failed", OutboxMessage.invitation_id.is_not(None),
        ~select(newer.id).where(newer.invitation_id == OutboxMessage.invitation_id,
                                newer.id > OutboxMessage.id).exists()))


def renewal_asked():
    """The recipient asked, from the expired link, for a new invitation since it was last
    sent (the accept page offers it once). The few invitations asked about come first
    (the audit's action index); the time is checked on those."""
    asked = select(AuditEvent.target_id).where(AuditEvent.action == RENEWAL_REQUESTED,
                                               AuditEvent.target_type == "invitation")
    since = select(AuditEvent.id).where(*renewal_requests()).correlate(Invitation).exists()
    return and_(Invitation.id.in_(asked), since)


def _values(viewer: Viewer, f: Filters, now: datetime, order: Order,
            after: str | None) -> dict:
    """Every value a page's statement names (`_where`, the visibility rule's viewer, the
    cursor): the same statement serves every viewer and filter value of its shape."""
    prefix = _recipient_prefix(f)
    values = {"viewer_user_id": viewer.user_id, "viewer_email": viewer.email,
              "viewer_username": viewer.username,
              "viewer_organization_id": viewer.organization_id, "now": now,
              "kind": f.kind, "prefix_from": prefix, "prefix_to": prefix + "\uffff",
              "community_id": f.community_id, "organization_id": f.organization_id,
              "expiring_until": now + EXPIRING_WINDOW}
    if after:
        at = order.after(after).right.clauses
        values.update(after_value=at[0].value, after_id=at[1].value)
    return values


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
    rows = db.exec(select(shown, func.count()).where(*filter_conditions(viewer, unfiltered, now))
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
    statement, values = _page_for(db, viewer, f, now, after, size, order)
    rows = db.exec(statement, params=values).all()
    more = len(rows) > size
    rows = rows[:size]
    cursor = order.encode(rows[-1]) if more and rows else None
    return _described(rows, now, viewer), cursor


def first_pages(db: Session, viewer: Viewer, parts: Mapping[str, tuple[Filters, Order]],
                now: datetime, size: int):
    """The first page of each (filters, order) in `parts` as one statement: each page as
    `page` reads it, its rows tagged `part` with their key. Returns the statement (a
    subquery to read from) and the values it names; `described_parts` turns its rows into
    display rows per key."""
    reads, values = [], {}
    for key, (f, order) in parts.items():
        # a page statement reads one row more than its size (to know of a next page):
        # built for size - 1, it reads exactly `size`
        statement, own = _page_for(db, viewer, f, now, None, size - 1, order)
        used = _NAMES.get(id(statement))
        if used is None:
            used = _NAMES[id(statement)] = set(statement.compile().params)
        for name in used & own.keys():
            if values.setdefault(name, own[name]) != own[name]:
                raise ValueError(f"the pages of {list(parts)} give {name} two values")
        page_rows = statement.subquery()
        reads.append(select(literal(key).label("part"), *page_rows.c))
    return union_all(*reads).subquery("pages"), values


def described_parts(rows, orders: Mapping[str, Order], now: datetime,
                    viewer: Viewer) -> dict[str, list[dict]]:
    """The rows of `first_pages` (read with anything beside them), per part, each part in
    its order."""
    parts: dict[str, list] = {}
    for r in rows:
        if r.part is not None:
            parts.setdefault(r.part, []).append(r)
    return {key: _described(sorted(got, key=orders[key].sort_key,
                                   reverse=orders[key].descending), now, viewer)
            for key, got in parts.items()}


def _page_for(db: Session, viewer: Viewer, f: Filters, now: datetime, after: str | None,
              size: int, order: Order):
    """The statement of a page of `size` + 1 rows (built once per shape) and its values."""
    prefix = _recipient_prefix(f)
    walked = _walked(db, viewer, f, now, order) if prefix else ()
    shape = (f.direction, viewer.is_tenant_admin, f.kind in KIND_LABELS,
             f.status if f.status in STATUS_FILTERS else "", bool(prefix), walked,
             bool(f.community_id), bool(f.organization_id), f.expiring_soon,
             f.delivery_failed, f.renewal_asked, bool(after),
             order, size)
    statement = _PAGES.get(shape)
    if statement is None:
        if len(_PAGES) >= KEPT_PAGES:  # the oldest goes: a client choosing filters
            _NAMES.pop(id(_PAGES.pop(next(iter(_PAGES)))), None)  # cannot make it keep more
        statement = _PAGES[shape] = _page_statement(viewer, f, now, after, size, order, walked)
    return statement, _values(viewer, f, now, order, after)


# Built page statements by shape (which conditions, which order, which branches walk their
# sort index): building one costs more than running it. Every value in them is named
# (`_values`), so a shape's statement runs with the values of the page asked for.
_PAGES: dict[tuple, object] = {}
_NAMES: dict[int, set] = {}  # the names of the values each built statement uses
KEPT_PAGES = 256


def _page_statement(viewer: Viewer, f: Filters, now: datetime, after: str | None, size: int,
                    order: Order, walked: tuple[bool, ...]):
    conds = filter_conditions(viewer, replace(f, recipient=""), now, visibility=False)
    if after:
        conds.append(order.after(after))
    col = SORTS[order.key]
    branches = vis.for_direction(f.direction).branches(viewer)
    prefix = _recipient_prefix(f)
    searches = [_prefix(Invitation.recipient.concat("") if walk else Invitation.recipient,
                        prefix) for walk in walked] or [[]] * len(branches)
    parts = [select(Invitation.id, col.label("k")).where(branch, *conds, *search)
             .order_by(*order.by(col, Invitation.id)).limit(size + 1).subquery()
             for branch, search in zip(branches, searches, strict=True)]
    merged = union(*[select(p.c.id, p.c.k) for p in parts]).subquery()
    return (select(*_shown()).join(merged, merged.c.id == Invitation.id)
            .order_by(*order.by(merged.c.k, merged.c.id)).limit(size + 1))


def _recipient_prefix(f: Filters) -> str:
    return f.recipient.strip().lower()


def _prefix(column, prefix: str) -> list:
    """`column` starts with `prefix`, as a range (none for an empty prefix)."""
    if not prefix:
        return []
    return [column >= bindparam("prefix_from", prefix, type_=column.type),
            column < bindparam("prefix_to", prefix + "\uffff", type_=column.type)]


def _walked(db: Session, viewer: Viewer, f: Filters, now: datetime,
            order: Order) -> tuple[bool, ...]:
    """Which branches of a page with a recipient prefix walk their sort index.

    A branch with few matches reads them through its (branch, recipient) index and sorts
    them. One with many ("ops", half of 100,000) would sort them all for 50 rows: it had
    better walk its sort index and test each row. PostgreSQL's statistics on the column
    tell the two apart (and it misjudges the walk's expression, so it keeps the range).
    SQLite keeps none for ranges: there a count capped at `SORT_AT_MOST` (one statement
    for all branches) decides, and a common prefix is tested on an expression no index
    serves, so the page walks its sort index.
    """
    branches = vis.for_direction(f.direction).branches(viewer)
    if order.key == "recipient" or db.get_bind().dialect.name != "sqlite":
        return (False,) * len(branches)
    conds = filter_conditions(viewer, replace(f, recipient=""), now, visibility=False)
    ranged = _prefix(Invitation.recipient, _recipient_prefix(f))
    counts = db.exec(select(*[
        select(func.count()).select_from(
            select(Invitation.id).where(branch, *conds, *ranged).limit(SORT_AT_MOST)
            .subquery()).scalar_subquery()
        for branch in branches])).one()
    return tuple(n >= SORT_AT_MOST for n in counts)


def sending_organizations(db: Session, invitation_ids: list[int]) -> list[int]:
    """The organizations that sent these invitations."""
    return list(db.exec(select(Invitation.organization_id).distinct()
                        .where(Invitation.id.in_(invitation_ids))).all())


def details(db: Session, viewer: Viewer, invitation_id: int, now: datetime) -> dict:
    """One invitation the viewer may see, as a row with its timeline; NotFound otherwise."""
    row = db.exec(_details_statement(viewer.is_tenant_admin, viewer),
                  params={**_values(viewer, Filters(), now, Order(), None),
                          "invitation_id": invitation_id}).first()
    if row is None:
        raise NotFound("That invitation is not there any more.")
    return {**_described([row], now, viewer)[0], "timeline": timeline(db, row)}


_DETAILS: dict[bool, object] = {}


def _details_statement(admin: bool, viewer: Viewer):
    """One visible invitation by id, built once per shape of viewer (like `_PAGES`)."""
    if admin not in _DETAILS:
        _DETAILS[admin] = select(*_shown()).where(
            Invitation.id == bindparam("invitation_id"), vis.visible.where(viewer))
    return _DETAILS[admin]


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


def _name_of(model, name, key):
    return select(name).where(model.id == key).correlate(Invitation).scalar_subquery()


def _newest_message(column):
    return (select(column).where(OutboxMessage.invitation_id == Invitation.id)
            .order_by(OutboxMessage.id.desc()).limit(1).correlate(Invitation)
            .scalar_subquery())


@cache
def _shown() -> tuple:
    """What a display row reads, in the statement that finds its invitations: their
    columns, the names of their places and people, and their newest outbox message's
    state (a page asks on every turn; one statement, no objects built)."""
    return (
        Invitation.id, Invitation.kind, Invitation.recipient, Invitation.community_id,
        Invitation.target_organization_id, Invitation.organization_id,
        Invitation.invited_by_user_id, Invitation.grants, Invitation.status,
        Invitation.expires_at, Invitation.created_at,
        _name_of(Community, Community.name, Invitation.community_id).label("community"),
        _name_of(Organization, Organization.name,
                 Invitation.target_organization_id).label("target_org"),
        _name_of(Organization, Organization.name, Invitation.organization_id)
        .label("from_org"),
        _name_of(User, User.display_name, Invitation.invited_by_user_id)
        .label("inviter"),
        _newest_message(OutboxMessage.status).label("message_status"),
        _newest_message(OutboxMessage.last_error).label("message_error"),
    )


_DELIVERY = {"queued": "queued", "sending": "queued", "sent": "sent", "failed": "failed"}


def _described(rows, now: datetime, viewer: Viewer) -> list[dict]:
    """Display rows of invitations read with `_shown` (in their order): names of places and
    people, what is granted, delivery state, the status key and `can_*` (the buttons its
    status offers the viewer), and the viewer's side: `received` (not sent by them or their
    organization) and `addressed` (to them: they may answer it)."""
    out = []
    for r in rows:
        where = (r.community or "") if r.community_id else (r.target_org or "")
        grants = ", ".join(ROLE_NAMES.get(g, g) for g in
                           r.grants.get("roles", []) or r.grants.get("groups", []))
        row = {
            "id": r.id, "kind": KIND_LABELS[r.kind], "kind_key": r.kind,
            "recipient": r.recipient, "where": where, "grants": grants or "—",
            "status": st.effective_status(r.status, r.expires_at, now),
            "invited_by": r.inviter or "", "from_org": r.from_org or "",
            "sent": _minute(r.created_at), "expires": _minute(r.expires_at),
            "delivery": _DELIVERY.get(r.message_status, "") if r.message_status else "",
            "delivery_error": (r.message_error or "") if r.message_status else "",
            "community_id": r.community_id or 0,
            "received": not (r.invited_by_user_id == viewer.user_id or (
                viewer.is_tenant_admin and r.organization_id == viewer.organization_id)),
            "addressed": r.recipient == viewer.email or (
                r.kind == "parent_user" and r.recipient == viewer.username),
        }
        row.update(_can(r.kind, row))
        out.append(row)
    return out


def _minute(at: datetime) -> str:
    """"2026-11-29 16:57" (what strftime would say, at a fraction of its cost per row)."""
    return at.isoformat(" ", "minutes")[:16]


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
