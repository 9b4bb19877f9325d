"""User Management > Users: the Users, Groups and Invitations tabs of an organization."""

import reflex as rx

from app.domain.invitation_status import STATUSES
from app.domain.limits import MAX_BATCH, MAX_BATCH_TEXT, more_rows
from app.domain.permissions import ORG_INVITE_PARENT_USERS, ORG_MANAGE_GROUPS
from app.live.topics import organization_topic, register_refresher
from app.models import utcnow
from app.services import parent_invitations as pi
from app.services.directory import list_users
from app.settings import get_settings
from app.states.batch_invite import BatchInvite
from app.states.org_groups import GroupDialogs
from app.states.page import ViewerPage


class OrgUsersState(ViewerPage, BatchInvite, GroupDialogs, rx.State):
    tab: str = "users"
    users: list[dict[str, str]] = []
    invitations: list[dict[str, str | int | bool]] = []
    status_filter: str = "all"     # an effective status key, or "all"
    invitation_limit: int = pi.PAGE  # rows of the Invitations tab asked for ("Show more")
    invitation_total: int = 0
    can_invite: bool = False
    can_groups: bool = False
    # Invite Parent User
    invite_open: bool = False
    chips: list[str] = []
    chip_text: str = ""
    pick_groups: list[int] = []

    def _refresh(self, db, viewer) -> None:
        self.can_invite = viewer.has(ORG_INVITE_PARENT_USERS)
        self.can_groups = viewer.has(ORG_MANAGE_GROUPS)
        self.users = list_users(db, viewer)
        self._read_groups(db, viewer, self.can_groups)
        status = "" if self.status_filter == "all" else self.status_filter
        shown = (pi.list_invitations(db, viewer, utcnow(), status, limit=self.invitation_limit)
                 if self.can_invite else {"rows": [], "total": 0})
        self.invitations, self.invitation_total = shown["rows"], shown["total"]

    def _start(self) -> None:
        self.invitation_limit = pi.PAGE
        self._close_group_dialogs()

    def _clear(self) -> None:
        self.users, self.groups, self.invitations = [], [], []

    def _follow(self, viewer):
        return [organization_topic(viewer.organization_id)]

    def _page_path(self) -> str:
        return "/users"

    def _topics(self, viewer, result) -> list[str]:
        return [organization_topic(viewer.organization_id)]

    @rx.event
    def set_tab(self, value: str):
        if value in ("users", "groups", "invitations"):
            self.tab = value

    @rx.event
    def set_status_filter(self, value: str):
        if value != "all" and value not in STATUSES:
            return None
        self.status_filter, self.invitation_limit = value, pi.PAGE
        return self._reload()

    @rx.event
    def show_more_invitations(self):
        self.invitation_limit = more_rows(self.invitation_limit, self.invitation_total, pi.PAGE)
        return self._reload()

    # --- Invite Parent User -------------------------------------------------------------
    @rx.event
    def open_invite(self, value: bool = True):
        self.invite_open = value
        if value and not self.inviting:
            self._clear_results()
            self.chips, self.chip_text, self.pick_groups = [], "", []

    @rx.event
    def set_chip_text(self, value: str):
        """Typing or pasting: separators turn what came before them into chips."""
        if len(value) > MAX_BATCH_TEXT:
            self.invite_error = f"That is too much to paste at once ({MAX_BATCH_TEXT:,} " \
                                "characters at most)."
            return
        parts = [p for p in value.replace(",", " ").replace(";", " ").split(" ")]
        if len(parts) > 1:
            for part in parts[:-1]:
                self._add_chip(part)
            value = parts[-1]
        self.chip_text = value[:64]

    def _add_chip(self, text: str) -> None:
        name = text.strip().lower()[:64]
        if not name or name in self.chips:
            return
        if len(self.chips) >= MAX_BATCH:
            self.invite_error = f"At most {MAX_BATCH:,} usernames in one invitation."
            return
        self.chips = self.chips + [name]

    @rx.event
    def chip_key(self, key: str):
        if key == "Enter":
            self._add_chip(self.chip_text)
            self.chip_text = ""

    @rx.event
    def remove_chip(self, name: str):
        self.chips = [c for c in self.chips if c != name]

    @rx.event
    def pick_group(self, group_id: int, on: bool):
        group_id = int(group_id)
        rest = [g for g in self.pick_groups if g != group_id]
        offered = {int(g["id"]) for g in self.groups}
        self.pick_groups = rest + [group_id] if on and group_id in offered else rest

    @rx.event(background=True)
    async def send_invites(self):
        """Invite the usernames entered, showing progress while the batch is checked."""
        def prepare():
            self._add_chip(self.chip_text)
            self.chip_text = ""
            names, groups, s = list(self.chips), list(self.pick_groups), get_settings()
            return lambda db, v, progress: pi.invite_parent_users(
                db, v, names, groups, now=utcnow(), secret_key=s.secret_key,
                base_url=s.base_url, progress=progress)

        return await self._invite(prepare, "username")

    def _submit_id(self) -> str:
        return "parent-invite-submit"

    @rx.event
    def delete_invitation(self, invitation_id: int):
        return self._act(lambda db, v: pi.delete_invitation(db, v, invitation_id, now=utcnow()),
                         "Invitation deleted; its link no longer works.",
                         invitation_id=invitation_id)

    @rx.event
    def resend(self, invitation_id: int):
        s = get_settings()
        return self._act(lambda db, v: pi.resend_invitation(
            db, v, invitation_id, now=utcnow(), secret_key=s.secret_key, base_url=s.base_url),
            "A new 72-hour link was sent; the old one no longer works.",
            invitation_id=invitation_id)


register_refresher("org", OrgUsersState)


