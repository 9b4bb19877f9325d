"""States of the shell's list pages: each loads rows its viewer may see."""

import reflex as rx

from app.domain.errors import DomainError
from app.domain.permissions import ORG_CREATE_COMMUNITY, ORG_MANAGE_ORGS
from app.mail.devmailbox import list_messages
from app.services.communities import create_community, list_communities
from app.services.directory import create_child_organization, list_descendants
from app.settings import get_settings
from app.states.page import ViewerPage, submit


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
        new_id, error, away = submit(self, lambda db, v: create_community(
            db, v, str(form.get("name", "")), str(form.get("description", ""))).id)
        if away is not None:
            return away
        if error is not None:
            self.add_error = error
            return None
        self.add_open = False
        return [rx.redirect(f"/communities/{new_id}"),
                rx.toast.success("Community created. You are its Community Administrator.")]

    @rx.event
    def set_search(self, value: str):
        self.search = value[:100]
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
        _, error, away = submit(self, lambda db, v: create_child_organization(
            db, v, str(form.get("name", "")), str(form.get("alias", ""))))
        if away is not None:
            return away
        if error is not None:
            self.add_error = error
            return None
        self.add_open = False
        self._reload()
        return rx.toast.success("Organization created.")


class MailboxState(ViewerPage, rx.State):
    rows: list[dict[str, str | int]] = []

    def _refresh(self, db, viewer) -> None:
        if not get_settings().dev_mailbox:
            raise DomainError("Mail goes to the configured SMTP server; there is no dev "
                              "mailbox.")
        self.rows = list_messages(db)

    def _clear(self) -> None:
        self.rows = []
