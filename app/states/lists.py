"""States of the shell's list pages: each loads rows its viewer may see."""

from collections.abc import Callable

import reflex as rx

from app.db import session_scope
from app.domain.errors import DomainError, NotSignedIn
from app.domain.permissions import ORG_CREATE_COMMUNITY
from app.mail.devmailbox import list_messages
from app.models import utcnow
from app.services.communities import create_community, list_communities
from app.services.directory import list_child_organizations, list_invitations, list_users
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
    rows: list[dict[str, str | int]] = []
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


class UsersState(rx.State):
    rows: list[dict[str, str]] = []
    error: str = ""
    loaded: bool = False

    @rx.event
    def load(self):
        return _load(self, list_users)


class OrganizationsState(rx.State):
    rows: list[dict[str, str]] = []
    error: str = ""
    loaded: bool = False

    @rx.event
    def load(self):
        return _load(self, list_child_organizations)


class InvitationsState(rx.State):
    rows: list[dict[str, str | int]] = []
    error: str = ""
    loaded: bool = False

    @rx.event
    def load(self):
        return _load(self, lambda db, v: list_invitations(db, v, utcnow()))


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
