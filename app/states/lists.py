"""States of the shell's list pages: each loads rows its viewer may see."""

from dataclasses import dataclass, field

import reflex as rx

from app.domain.errors import NotFound
from app.domain.limits import MAX_SEARCH
from app.domain.permissions import ORG_CREATE_COMMUNITY, ORG_MANAGE_ORGS
from app.mail.devmailbox import list_messages
from app.mail.setup import shows_mailbox
from app.models import utcnow
from app.services.communities import create_community, list_communities
from app.services.directory import create_child_organization, list_descendants
from app.services.navigation import organization_community_count
from app.settings import get_settings
from app.states.page import ViewerPage, too_long


class AddDialog(rx.State, mixin=True):
    """A list page's Add dialog: open it fresh, create, close and say what happened."""

    add_open: bool = False
    add_error: str = ""

    def _start(self) -> None:
        self.add_open, self.add_error = False, ""

    @rx.event
    def open_add(self, value: bool = True):
        self.add_open, self.add_error = value, ""

    def _add(self, create, then):
        """Run `create(db, viewer)`; a refusal stays in the dialog, success closes it and
        returns `then(result)`."""
        done = self._submit(create, "add_error")
        if not done.done:
            return done.away
        self.add_open = False
        return then(done.result)


class CommunitiesState(AddDialog, ViewerPage, rx.State):
    rows: list[dict[str, str | int | None]] = []
    search: str = ""
    can_create: bool = False

    note: str = ""  # why a member sees fewer communities than the organization has

    def _refresh(self, db, viewer) -> None:
        self.can_create = viewer.has(ORG_CREATE_COMMUNITY)
        self.rows = list_communities(db, viewer, self.search)
        total = 0 if viewer.is_tenant_admin else organization_community_count(db, viewer)
        self.note = (f"{viewer.org_name} takes part in {total:,} "
                     f"{'community' if total == 1 else 'communities'}. You see those you are "
                     "a member of; its Tenant Administrators see every one."
                     if total and not self.search else "")

    def _clear(self) -> None:
        self.rows = []

    @rx.event
    def add_community(self, form: dict):
        return self._add(lambda db, v: create_community(
            db, v, str(form.get("name", "")), str(form.get("description", "")),
            now=utcnow()).id, lambda community_id: [
                rx.redirect(f"/communities/{community_id}"),
                rx.toast.success("Community created. You are its Community Administrator.")])

    @rx.event
    def set_search(self, value: str):
        if len(value) > MAX_SEARCH:
            return too_long("Search text", MAX_SEARCH)
        self.search = value
        return self._reload()


class OrganizationsState(AddDialog, ViewerPage, rx.State):
    rows: list[dict[str, str]] = []
    can_create: bool = False

    def _refresh(self, db, viewer) -> None:
        self.can_create = viewer.has(ORG_MANAGE_ORGS)
        self.rows = list_descendants(db, viewer)

    def _clear(self) -> None:
        self.rows = []

    @rx.event
    def add_organization(self, form: dict):
        return self._add(lambda db, v: create_child_organization(
            db, v, str(form.get("name", "")), str(form.get("alias", "")), now=utcnow()),
            lambda _: self._reload() or rx.toast.success("Organization created."))


@dataclass
class MailPart:
    text: str = ""
    href: str = ""  # an http(s) address the page shows as a link; "" for plain text


@dataclass
class MailMessage:
    id: int = 0
    to: str = ""
    subject: str = ""
    received: str = ""
    parts: list[MailPart] = field(default_factory=list)


class MailboxState(ViewerPage, rx.State):
    """The built-in dev mailbox: every message this instance sent, for any signed-in user;
    it exists only while COMMONS_DEV_MAILBOX is on (a development aid)."""

    rows: list[MailMessage] = []

    def _refresh(self, db, viewer) -> None:
        if not shows_mailbox(get_settings()):
            raise NotFound("There is no mailbox here: mail goes to an SMTP server, or waits "
                           "in the outbox until one is configured.")
        self.rows = [MailMessage(id=m["id"], to=m["to"], subject=m["subject"],
                                 received=m["received"],
                                 parts=[MailPart(**p) for p in m["parts"]])
                     for m in list_messages(db)]

    def _clear(self) -> None:
        self.rows = []
