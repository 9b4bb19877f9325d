"""States of the shell's list pages: each loads rows its viewer may see."""

import reflex as rx

from app.domain.errors import NotFound
from app.domain.limits import MAX_SEARCH
from app.domain.permissions import ORG_CREATE_COMMUNITY, ORG_MANAGE_ORGS
from app.mail.devmailbox import list_messages
from app.mail.setup import shows_mailbox
from app.models import utcnow
from app.services.communities import create_community, list_communities
from app.services.directory import create_child_organization, list_descendants
from app.settings import get_settings
from app.states.page import ViewerPage, too_long


class CommunitiesState(ViewerPage, rx.State):
    rows: list[dict[str, str | int | None]] = []
    search: str = ""
    can_create: bool = False
    add_open: bool = False
    add_error: str = ""

    def _refresh(self, db, viewer) -> None:
        self.can_create = viewer.has(ORG_CREATE_COMMUNITY)
        self.rows = list_communities(db, viewer, self.search)

    def _clear(self) -> None:
        self.rows = []

    @rx.event
    def open_add(self, value: bool = True):
        self.add_open, self.add_error = value, ""

    @rx.event
    def add_community(self, form: dict):
        done = self._submit(lambda db, v: create_community(
            db, v, str(form.get("name", "")), str(form.get("description", "")),
            now=utcnow()).id, "add_error")
        if not done.done:
            return done.away
        self.add_open = False
        return [rx.redirect(f"/communities/{done.result}"),
                rx.toast.success("Community created. You are its Community Administrator.")]

    @rx.event
    def set_search(self, value: str):
        if len(value) > MAX_SEARCH:
            return too_long("Search text", MAX_SEARCH)
        self.search = value
        return self._reload()


class OrganizationsState(ViewerPage, rx.State):
    rows: list[dict[str, str]] = []
    can_create: bool = False
    add_open: bool = False
    add_error: str = ""

    def _refresh(self, db, viewer) -> None:
        self.can_create = viewer.has(ORG_MANAGE_ORGS)
        self.rows = list_descendants(db, viewer)

    def _clear(self) -> None:
        self.rows = []

    @rx.event
    def open_add(self, value: bool = True):
        self.add_open, self.add_error = value, ""

    @rx.event
    def add_organization(self, form: dict):
        done = self._submit(lambda db, v: create_child_organization(
            db, v, str(form.get("name", "")), str(form.get("alias", "")),
            now=utcnow()), "add_error")
        if not done.done:
            return done.away
        self.add_open = False
        self._reload()
        return rx.toast.success("Organization created.")


class MailboxState(ViewerPage, rx.State):
    """The built-in dev mailbox: every message this instance sent, for any signed-in user;
    it exists only while COMMONS_DEV_MAILBOX is on (a development aid)."""

    rows: list[dict[str, str | int]] = []

    def _refresh(self, db, viewer) -> None:
        if not shows_mailbox(get_settings()):
            raise NotFound("There is no mailbox here: mail goes to an SMTP server, or waits "
                           "in the outbox until one is configured.")
        self.rows = list_messages(db)

    def _clear(self) -> None:
        self.rows = []
