"""The Invitations page: every invitation the viewer may see, filtered, paged, acted on."""

from urllib.parse import urlencode

import reflex as rx

from app.db import session_scope
from app.domain.errors import DomainError, NotSignedIn
from app.live.topics import (
    LiveTopic,
    community_topic,
    organization_topic,
    publish_all,
    register_refresher,
)
from app.models import utcnow
from app.services import invitation_actions as acts
from app.services.invitation_list import Filters, page, status_counts, timeline
from app.settings import get_settings
from app.states.viewer import attempt, to_signin, viewer_of

PAGE_SIZE = 50


def mail_settings() -> acts.MailSettings:
    s = get_settings()
    return acts.MailSettings(s.secret_key, s.base_url, s.tenant_invite_days,
                             s.user_invite_days)


class InvitationsState(rx.State):
    rows: list[dict[str, str | int | bool]] = []
    counts: dict[str, int] = {}
    kind: str = "all"
    status: str = "all"
    direction: str = "all"
    search: str = ""
    expiring: bool = False
    cursors: list[str] = []       # cursors of the pages before this one
    current: str = ""             # cursor this page started after ("" for the first)
    next_cursor: str = ""
    details: dict = {}
    error: str = ""
    loaded: bool = False

    def _filters(self) -> Filters:
        return Filters(kind="" if self.kind == "all" else self.kind,
                       status="" if self.status == "all" else self.status,
                       direction="" if self.direction == "all" else self.direction,
                       recipient=self.search, expiring_soon=self.expiring)

    @rx.var
    def export_href(self) -> str:
        params = {"kind": "" if self.kind == "all" else self.kind,
                  "status": "" if self.status == "all" else self.status,
                  "direction": "" if self.direction == "all" else self.direction,
                  "q": self.search, "expiring": "1" if self.expiring else ""}
        return "/invitations.csv?" + urlencode({k: v for k, v in params.items() if v})

    def _fetch(self):
        try:
            viewer = viewer_of(self)
            now = utcnow()
            after = tuple(self.current.split("|")) if self.current else None
            with session_scope() as db:
                rows, nxt = page(db, viewer, self._filters(), now,
                                 after=(after[0], int(after[1])) if after else None,
                                 size=PAGE_SIZE)
                self.counts = status_counts(db, viewer, self._filters(), now)
            mine = {viewer.email, viewer.username}
            self.rows = [{**r, "received": r["recipient"] in mine} for r in rows]
            self.next_cursor = f"{nxt[0]}|{nxt[1]}" if nxt else ""
            self.error = ""
        except NotSignedIn:
            return to_signin(self)
        except DomainError as err:
            self.rows, self.error = [], err.message
        finally:
            self.loaded = True
        return None

    def _first_page(self):
        self.cursors, self.current, self.details = [], "", {}
        return self._fetch()

    @rx.event
    def load(self):
        result = self._first_page()
        if result is not None:
            return result
        return LiveTopic.follow(organization_topic(viewer_of(self).organization_id))

    @rx.event
    def live_refresh(self, message: str, topic: str):
        """Someone acted on invitations of this organization: re-query this page."""
        if not self.router.url.path.rstrip("/").endswith("/invitations"):
            return None
        self._fetch()
        return rx.toast.info(message)

    @rx.event
    def set_kind(self, value: str):
        self.kind = value
        return self._first_page()

    @rx.event
    def set_status(self, value: str):
        self.status = value
        return self._first_page()

    @rx.event
    def toggle_status(self, value: str):
        """A count at the top filters by its status; clicking it again shows all."""
        self.status = "all" if self.status == value else value
        return self._first_page()

    @rx.event
    def set_direction(self, value: str):
        self.direction = value
        return self._first_page()

    @rx.event
    def set_search(self, value: str):
        self.search = value[:100]
        return self._first_page()

    @rx.event
    def set_expiring(self, value: bool):
        self.expiring = bool(value)
        return self._first_page()

    @rx.event
    def next_page(self):
        if self.next_cursor:
            self.cursors = self.cursors + [self.current]
            self.current = self.next_cursor
            return self._fetch()
        return None

    @rx.event
    def previous_page(self):
        if self.cursors:
            self.current, self.cursors = self.cursors[-1], self.cursors[:-1]
            return self._fetch()
        return None

    @rx.event
    def open_details(self, row: dict):
        with session_scope() as db:
            self.details = {**row, "timeline": timeline(db, int(row["id"]))}

    @rx.event
    def close_details(self):
        self.details = {}

    def _act(self, action, success: str):
        viewer, inv, refusal = attempt(self, action)
        if refusal is not None:
            return refusal
        self.details = {}
        self._fetch()
        topics = [organization_topic(viewer.organization_id),
                  organization_topic(inv.organization_id)]
        if inv.community_id:
            topics.append(community_topic(inv.community_id))
        return [rx.toast.success(success),
                InvitationsState.broadcast(topics, f"{viewer.display_name}: {success}")]

    @rx.event(background=True)
    async def broadcast(self, topics: list[str], message: str):
        await publish_all(topics, message, exclude=self.router.session.client_token)

    @rx.event
    def resend(self, invitation_id: int):
        return self._act(lambda db, v: acts.resend(db, v, invitation_id, now=utcnow(),
                                                   mail=mail_settings()),
                         "Sent again with a new link; the old link no longer works.")

    @rx.event
    def revoke(self, invitation_id: int):
        return self._act(lambda db, v: acts.revoke(db, v, invitation_id, now=utcnow()),
                         "Invitation revoked.")

    @rx.event
    def confirm(self, invitation_id: int):
        return self._act(lambda db, v: acts.confirm(db, v, invitation_id, now=utcnow()),
                         "Tenant confirmed.")

    @rx.event
    def accept(self, invitation_id: int):
        return self._act(lambda db, v: acts.accept(db, v, invitation_id, now=utcnow(),
                                                   mail=mail_settings()),
                         "Invitation accepted.")

    @rx.event
    def decline(self, invitation_id: int):
        return self._act(lambda db, v: acts.decline(db, v, invitation_id, now=utcnow()),
                         "Invitation declined.")


register_refresher("org", InvitationsState)
