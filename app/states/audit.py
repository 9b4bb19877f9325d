"""Audit log page state."""

from datetime import UTC, datetime

import reflex as rx

from app.db import session_scope
from app.domain.errors import DomainError, NotSignedIn
from app.services.audit_log import list_events
from app.states.viewer import to_signin, viewer_of


def _day(value: str) -> datetime | None:
    try:
        return datetime.strptime(value, "%Y-%m-%d").replace(tzinfo=UTC) if value else None
    except ValueError:
        return None


class AuditState(rx.State):
    rows: list[dict[str, str | int]] = []
    actor: str = ""
    action: str = ""
    target: str = "all"
    since: str = ""
    until: str = ""
    pages: list[int] = []
    current: int = 0
    next_before: int = 0
    error: str = ""
    loaded: bool = False

    def _fetch(self):
        try:
            viewer = viewer_of(self)
            with session_scope() as db:
                self.rows, nxt = list_events(
                    db, viewer, actor=self.actor, action=self.action,
                    target="" if self.target == "all" else self.target,
                    since=_day(self.since), until=_day(self.until),
                    before_id=self.current or None)
            self.next_before, self.error = nxt or 0, ""
        except NotSignedIn:
            return to_signin(self)
        except DomainError as err:
            self.rows, self.error = [], err.message
        finally:
            self.loaded = True
        return None

    @rx.event
    def load(self):
        self.pages, self.current = [], 0
        return self._fetch()

    @rx.event
    def set_filter(self, field: str, value: str):
        if field in ("actor", "action", "target", "since", "until"):
            setattr(self, field, str(value)[:64])
            self.pages, self.current = [], 0
            return self._fetch()
        return None

    @rx.event
    def older(self):
        if self.next_before:
            self.pages, self.current = self.pages + [self.current], self.next_before
            return self._fetch()
        return None

    @rx.event
    def newer(self):
        if self.pages:
            self.current, self.pages = self.pages[-1], self.pages[:-1]
            return self._fetch()
        return None
