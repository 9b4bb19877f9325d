"""The Invitations page: every invitation the viewer may see, filtered, paged, acted on."""

from urllib.parse import urlencode

import reflex as rx

from app.domain.limits import MAX_SEARCH
from app.live.topics import (
    inbox_topic,
    organization_topic,
    register_refresher,
)
from app.models import utcnow
from app.services.invitation_list import (
    SORTS,
    Filters,
    counts_key,
    details,
    filters_from,
    order_from,
    page,
    places,
    status_counts,
)
from app.states.invitation_actions import AskFirst, InvitationActions
from app.states.page import ViewerPage, too_long
from app.states.viewer import run

PAGE_SIZE = 50
# The filters as query parameters (a link to the page filtered, the CSV export): the select
# filters, each its own parameter ("all" when off), and the checkboxes (var: its parameter
# and value when on); besides them the recipient prefix `q`, `sort` and `order`.
SELECTS = ("kind", "status", "direction", "place")
CHECKS = {"expiring": ("expiring", "1"), "failed": ("delivery", "failed"),
          "renewal": ("renewal", "1")}
LINK_PARAMETERS = {*SELECTS, *(param for param, _ in CHECKS.values()), "q", "sort", "order"}


class InvitationsState(InvitationActions, ViewerPage, rx.State):
    rows: list[dict[str, str | int | bool]] = []
    counts: dict[str, int] = {}
    kind: str = "all"
    status: str = "all"
    direction: str = "all"
    search: str = ""
    expiring: bool = False
    failed: bool = False          # only those whose newest message was not delivered
    renewal: bool = False         # only expired ones whose recipient asked for a new one
    place: str = "all"            # "c:<community id>", "o:<organization id>" or "all"
    places: list[list[str]] = []  # [key, name] of the places offered by the filter
    sort: str = "sent"
    descending: bool = True
    cursors: list[str] = []       # cursors of the pages before this one
    current: str = ""             # cursor this page started after ("" for the first)
    next_cursor: str = ""
    # what the counts and places were read for: the filters they depend on, "" once the
    # data may have changed (load, someone else's change, an action here)
    _counted_for: str = ""

    def _params(self) -> dict[str, str]:
        """The filters and order as the export route's query parameters."""
        params = {name: getattr(self, name) for name in SELECTS
                  if getattr(self, name) != "all"}
        params.update({param: value for var, (param, value) in CHECKS.items()
                       if getattr(self, var)})
        params.update(q=self.search, sort=self.sort, order="desc" if self.descending else "asc")
        return {k: v for k, v in params.items() if v}

    def _filters(self) -> Filters:
        return filters_from(self._params())

    @rx.var
    def filtered(self) -> bool:
        return bool(set(self._params()) - {"sort", "order"})

    @rx.event
    def clear_filters(self):
        self._set_filters({})
        return self._first_page()

    def _set_filters(self, query) -> None:
        """Every filter from query parameters (`_params`'s); a missing one is off."""
        for name in SELECTS:
            setattr(self, name, str(query.get(name, "all"))[:40])
        for var, (param, value) in CHECKS.items():
            setattr(self, var, query.get(param) == value)
        self.search = str(query.get("q", ""))[:MAX_SEARCH]

    @rx.var
    def export_href(self) -> str:
        return "/invitations.csv?" + urlencode(self._params())

    def _refresh(self, db, viewer) -> None:
        now = utcnow()
        filters = self._filters()
        rows, nxt = page(db, viewer, filters, now, after=self.current or None,
                         size=PAGE_SIZE, order=order_from(self._params()))
        # A page turn, a sort or a status filter changes neither the counts nor the
        # places: count when another filter changed, or the data may have.
        counted_for = repr(counts_key(filters))
        if counted_for != self._counted_for:
            self.counts = status_counts(db, viewer, filters, now)
            self.places = [list(p) for p in places(db, viewer)]
            self._counted_for = counted_for
        self.rows = rows
        self.next_cursor = nxt or ""

    def _clear(self) -> None:
        self.rows = []

    def _data_changed(self) -> None:
        self._counted_for = ""

    def _opened(self, query) -> None:
        """A link to the page filtered (the Overview's needs) sets every filter and the
        order from its parameters; without any, the tab keeps what it showed."""
        if not set(query) & LINK_PARAMETERS:
            return
        self._set_filters(query)
        sort = str(query.get("sort", "sent"))
        self.sort = sort if sort in SORTS else "sent"
        self.descending = query.get("order", "desc" if self.sort == "sent" else "asc") != "asc"

    def _start(self) -> None:
        self.cursors, self.current = [], ""
        self._close_details()

    def _close_details(self) -> None:
        """The details pane closes (its own state, loaded with this one for its events)."""
        pane = self._get_state_from_cache(InvitationDetails)
        if pane.details:
            pane.details = {}

    def _follow(self, viewer):
        return [organization_topic(viewer.organization_id), inbox_topic(viewer.user_id)]

    def _page_path(self) -> str:
        return "/invitations"

    def _first_page(self):
        self._start()
        return self._reload()

    @rx.event
    def set_filter(self, name: str, value: str):
        """One of the select filters (kind, status, direction, place) changed."""
        if name in SELECTS:
            setattr(self, name, str(value)[:40])
        return self._first_page()

    @rx.event
    def toggle_status(self, value: str):
        """A count at the top filters by its status; clicking it again shows all."""
        self.status = "all" if self.status == value else value
        return self._first_page()

    @rx.event
    def set_search(self, value: str):
        if len(value) > MAX_SEARCH:
            return too_long("Search text", MAX_SEARCH)
        self.search = value
        return self._first_page()

    @rx.event
    def sort_by(self, key: str):
        """A column header sorts by its column; clicking it again reverses the order."""
        if key == self.sort:
            self.descending = not self.descending
        else:
            self.sort, self.descending = key, key == "sent"
        return self._first_page()

    @rx.event
    def set_expiring(self, value: bool):
        self.expiring = bool(value)
        return self._first_page()

    @rx.event
    def set_failed(self, value: bool):
        self.failed = bool(value)
        return self._first_page()

    @rx.event
    def set_renewal(self, value: bool):
        self.renewal = bool(value)
        return self._first_page()

    @rx.event
    def next_page(self):
        if self.next_cursor:
            self.cursors = self.cursors + [self.current]
            self.current = self.next_cursor
            return self._reload()
        return None

    @rx.event
    def previous_page(self):
        if self.cursors:
            self.current, self.cursors = self.cursors[-1], self.cursors[:-1]
            return self._reload()
        return None

    def _act(self, action, success: str, announce: bool = True,
             invitation_id: int | None = None):
        self._close_details()   # its status is about to change
        return super()._act(action, success, announce, invitation_id)

    def _row(self, invitation_id: int) -> dict | None:
        return next((r for r in self.rows if r["id"] == invitation_id), None)

class InvitationDetails(InvitationsState):
    """The details pane: a state of its own, so that opening or closing it sends and
    redraws the pane only, not the page of rows."""

    details: dict = {}

    @rx.event
    def open_details(self, invitation_id: int):
        done = run(self, lambda db, v: details(db, v, int(invitation_id), utcnow()))
        if not done.done:
            return done.stop()
        self.details = done.result
        return rx.scroll_to("invitation-details")

    @rx.event
    def close_details(self):
        self.details = {}


class RowQuestion(AskFirst, InvitationsState):
    """The Invitations page's question dialog (see AskFirst)."""


register_refresher("org", InvitationsState)
register_refresher("inbox", InvitationsState)
