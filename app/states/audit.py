"""Audit log page state."""

from datetime import UTC, datetime

import reflex as rx

from app.domain.limits import MAX_SEARCH
from app.services.audit_log import list_events
from app.states.page import ViewerPage, too_long


def _day(value: str) -> datetime | None:
    try:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC) if value else None
    except ValueError:
        return None


class AuditState(ViewerPage, rx.State):
    rows: list[dict[str, str | int]] = []
    actor: str = ""
    action: str = ""
    target: str = "all"
    since: str = ""
    until: str = ""
    pages: list[int] = []
    current: int = 0
    next_before: int = 0

    def _refresh(self, db, viewer) -> None:
        self.rows, nxt = list_events(
            db, viewer, actor=self.actor, action=self.action,
            target="" if self.target == "all" else self.target,
            since=_day(self.since), until=_day(self.until), before_id=self.current or None)
        self.next_before = nxt or 0

    def _clear(self) -> None:
        self.rows = []

    def _start(self) -> None:
        self.pages, self.current = [], 0

    @rx.event
    def set_filter(self, field: str, value: str):
        if len(str(value)) > MAX_SEARCH:
            return too_long("Filter text", MAX_SEARCH)
        if field in ("actor", "action", "target", "since", "until"):
            setattr(self, field, str(value))
            self.pages, self.current = [], 0
            return self._reload()
        return None

    @rx.event
    def older(self):
        if self.next_before:
            self.pages, self.current = self.pages + [self.current], self.next_before
            return self._reload()
        return None

    @rx.event
    def newer(self):
        if self.pages:
            self.current, self.pages = self.pages[-1], self.pages[:-1]
            return self._reload()
        return None
