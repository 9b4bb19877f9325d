"""States of the shell's list pages: each loads rows its viewer may see."""

from collections.abc import Callable

import reflex as rx

from app.db import session_scope
from app.domain.errors import DomainError, NotSignedIn
from app.domain.permissions import ORG_CREATE_COMMUNITY, ORG_MANAGE_ORGS
from app.mail.devmailbox import list_messages
from app.services.communities import create_community, list_communities
from app.services.directory import create_child_organization, list_descendants
from app.settings import get_settings
from app.states.viewer import to_signin, viewer_of


def _load(state, fetch: Callable) -> object:
    """Check the session, run `fetch(db, viewer)`, and turn refusals into a message."""
    try:
        viewer = viewer_of(state)
        with session_scope() as db:
            state.rows = fetch(db, viewer)
        state.error = ""
    except NotSignedIn:
        return to_signin(state)
    except DomainError as err:
        state.rows = []
        state.error = err.message
    finally:
        state.loaded = True
    return None


class CommunitiesState(rx.State):
    rows: list[dict[str, str | int | None]] = []
    search: str = ""
    error: str = ""
    loaded: bool = False
    can_create: bool = False
    add_open: bool = False
    add_error: str = ""

    def _fetch(self, db, viewer):
        self.can_create = viewer.has(ORG_CREATE_COMMUNITY)
        return list_communities(db, viewer, self.search)

    @rx.event
    def load(self):
        return _load(self, self._fetch)

    @rx.event
    def open_add(self, value: bool = True):
        self.add_open, self.add_error = value, ""

    @rx.event
    def add_community(self, form: dict):
        try:
            viewer = viewer_of(self)
            with session_scope() as db:
                created = create_community(db, viewer, str(form.get("name", "")),
                                           str(form.get("description", "")))
                new_id = created.id
        except NotSignedIn:
            return to_signin(self)
        except DomainError as err:
            self.add_error = err.message
            return None
        self.add_open = False
        return [rx.redirect(f"/communities/{new_id}"),
                rx.toast.success("Community created. You are its Community Administrator.")]

    @rx.event
    def set_search(self, value: str):
        self.search = value[:100]
        return _load(self, self._fetch)


class OrganizationsState(rx.State):
    rows: list[dict[str, str]] = []
    error: str = ""
    loaded: bool = False
    can_create: bool = False
    add_open: bool = False
    add_error: str = ""

    def _fetch(self, db, viewer):
        self.can_create = viewer.has(ORG_MANAGE_ORGS)
        return list_descendants(db, viewer)

    @rx.event
    def load(self):
        return _load(self, self._fetch)

    @rx.event
    def open_add(self, value: bool = True):
        self.add_open, self.add_error = value, ""

    @rx.event
    def add_organization(self, form: dict):
        try:
            viewer = viewer_of(self)
            with session_scope() as db:
                create_child_organization(db, viewer, str(form.get("name", "")),
                                          str(form.get("alias", "")))
        except NotSignedIn:
            return to_signin(self)
        except DomainError as err:
            self.add_error = err.message
            return None
        self.add_open = False
        _load(self, self._fetch)
        return rx.toast.success("Organization created.")


class MailboxState(rx.State):
    rows: list[dict[str, str | int]] = []
    error: str = ""
    loaded: bool = False

    @rx.event
    def load(self):
        if not get_settings().dev_mailbox:
            self.error = "Mail goes to the configured SMTP server; there is no dev mailbox."
            self.loaded = True
            return None
        return _load(self, lambda db, v: list_messages(db))
