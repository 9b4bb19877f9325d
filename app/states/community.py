"""Community Details: the Tenants and Invitations tabs, their actions, and live refresh."""

import json

import reflex as rx

from app import routes
from app.domain.invitation_status import STATUSES
from app.domain.limits import more_rows
from app.domain.wording import role_change
from app.live.topics import community_topic, organization_topic, register_refresher
from app.models import utcnow
from app.services import community_admin as ca
from app.services import community_tenants as ct
from app.services import tenant_invitations as ti
from app.services.invitation_actions import MailSettings
from app.settings import get_settings
from app.states.broadcast import broadcast
from app.states.community_exit import LeaveDialogs
from app.states.page import ViewerPage
from app.states.viewer import run


def mailer() -> ti.Mailer:
    return MailSettings.of(get_settings()).tenant()


class CommunityState(LeaveDialogs, ViewerPage, rx.State):
    header: dict[str, str | int | bool] = {}
    tenants: list[dict[str, str | int | bool]] = []
    invitations: list[dict[str, str | int]] = []
    status_filter: str = "all"     # an effective status key, or "all"
    invitation_limit: int = ct.PAGE  # rows of the Invitations tab asked for ("Show more")
    invitation_total: int = 0
    sort_key: str = "sent"
    details: dict = {}
    selected_tenant: dict[str, str | int | bool] = {}
    invite_open: bool = False
    invite_email: str = ""
    invite_error: str = ""
    resend_offer: int = 0
    tab: str = "tenants"
    my_users: list[dict[str, str | int | bool]] = []

    def _cid(self) -> int:
        parts = self.router.url.path.strip("/").split("/")
        return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0

    def _refresh(self, db, viewer) -> None:
        cid = self._cid()
        self.header = ct.community_header(db, viewer, cid)
        self.tenants = ct.list_tenants(db, viewer, cid)
        if self.header["can_invite"]:
            status = "" if self.status_filter == "all" else self.status_filter
            shown = ct.list_invitations(db, viewer, cid, utcnow(), status, sort=self.sort_key,
                                        limit=self.invitation_limit)
            self.invitations, self.invitation_total = shown["rows"], shown["total"]
            if self.details:
                self.details = ct.invitation_details(db, viewer, self.details["id"], utcnow())
        else:
            self.invitations, self.details = [], {}
        if self.selected_tenant and not any(
                t["organization_id"] == self.selected_tenant["organization_id"]
                for t in self.tenants):
            self.selected_tenant = {}

    def _clear(self) -> None:
        self.header, self.tenants, self.invitations, self.details = {}, [], [], {}

    def _start(self) -> None:
        self.details, self.selected_tenant = {}, {}
        self.invite_open, self.leave_open, self.delete_open = False, False, False
        self.tab, self.invitation_limit = "tenants", ct.PAGE

    def _follow(self, viewer) -> list[str]:
        # Only after the re-read succeeded: the viewer may see this community.
        return [community_topic(self._cid())]

    def _on_page(self) -> bool:
        return self._cid() > 0 and self.router.url.path.startswith("/communities/")

    def _gone(self) -> str:
        return "This community is no longer available to you."

    def _topics(self, viewer, result) -> list[str]:
        return [community_topic(self._cid()), organization_topic(viewer.organization_id)]

    def _after_load(self):
        wanted = self.router.url.query_parameters.get("invitation", "")
        if wanted.isdigit() and self.header.get("can_invite"):
            self.tab = "invitations"
            return CommunityState.select_invitation(int(wanted))
        return None

    @rx.event
    def set_tab(self, value: str):
        if value in ("tenants", "invitations"):
            self.tab = value

    @rx.event
    def set_status_filter(self, value: str):
        if value != "all" and value not in STATUSES:
            return None
        self.status_filter, self.invitation_limit = value, ct.PAGE
        return self._reload()

    @rx.event
    def show_more_invitations(self):
        self.invitation_limit = more_rows(self.invitation_limit, self.invitation_total, ct.PAGE)
        return self._reload()

    @rx.event
    def sort_by(self, key: str):
        if key in ("recipient", "status", "invited_by", "sent", "expires"):
            self.sort_key = key
            return self._reload()
        return None

    @rx.event
    def select_invitation(self, invitation_id: int):
        done = run(self, lambda db, v: ct.invitation_details(db, v, invitation_id, utcnow()))
        if not done.done:
            return done.stop()
        self.details, self.selected_tenant = done.result, {}
        return self._address(invitation_id, pane="invitation-pane")

    def _address(self, invitation_id: int | None = None, pane: str = ""):
        """The address bar follows the selection, so a reload reopens what is open; on a
        phone, where the pane opens below the list, it is scrolled into view."""
        path = routes.community(self._cid(), invitation_id)
        scroll = (f"if (window.innerWidth < 768) {{ setTimeout(() => document.getElementById("
                  f"{json.dumps(pane)})?.scrollIntoView({{behavior: 'smooth'}}), 50); }}"
                  if pane else "")
        return rx.call_script(
            f"window.history.replaceState(null, '', {json.dumps(path)}); {scroll}")

    @rx.event
    def close_details(self):
        self.details, self.selected_tenant = {}, {}
        return self._address()

    @rx.event
    def select_tenant(self, organization_id: int):
        """Open the pane of one of the tenants this tab was sent (never a row the client
        made up)."""
        shown = [t for t in self.tenants if t["organization_id"] == organization_id]
        if not shown:
            return None
        tenant = self.selected_tenant = shown[0]
        self.leave_name, self.my_users, self.details = "", [], {}
        mine = self._load_my_users() if tenant.get("is_mine") else None
        return [self._address(pane="tenant-pane")] + ([mine] if mine else [])

    def _load_my_users(self):
        done = run(self, lambda db, v: ca.my_users_roles(db, v, self._cid()))
        self.my_users = done.result if done.done else []
        return None if done.done else done.stop()

    @rx.event
    def set_user_role(self, user_id: int, role_key: str):
        yield from self._act(lambda db, v: ca.set_community_role(db, v, self._cid(), user_id,
                                                                 role_key, now=utcnow()),
                             role_change(self.my_users, user_id, role_key))
        yield self._load_my_users()

    @rx.event
    def open_invite(self, value: bool = True):
        self.invite_open = value
        self.invite_email, self.invite_error, self.resend_offer = "", "", 0

    @rx.event
    def set_invite_email(self, value: str):
        self.invite_email, self.invite_error = value[:320], ""  # fixed: the message goes

    @rx.event
    def send_invite(self, address: str = ""):
        """Invite the address typed (sent with the click: the field's last change may not
        have arrived yet)."""
        address = (address or self.invite_email)[:320]
        self.invite_email = address

        def invite(db, viewer):
            try:
                ti.invite_tenant(db, viewer, self._cid(), address, now=utcnow(),
                                 mailer=mailer())
            except ti.AlreadyInvited as err:  # refused before writing: offer Resend instead
                return err
            return None

        done = self._submit(invite, "invite_error")
        if not done.done:
            self.resend_offer = 0
            return done.away
        if isinstance(done.result, ti.AlreadyInvited):
            self.invite_error, self.resend_offer = done.result.message, done.result.invitation_id
            return None
        self.invite_open = False
        self._reload()
        broadcast(self, self._topics(done.viewer, None), done.event_ids, recipients=[address])
        return rx.toast.success(f"Invitation sent to {address}.")

    @rx.event
    def resend(self, invitation_id: int):
        self.invite_open = False
        return self._act(lambda db, v: ti.resend_invitation(db, v, invitation_id, now=utcnow(),
                                                             mailer=mailer()),
                         "Invitation sent again with a new link; the old link no longer works.",
                         invitation_id=invitation_id)

    @rx.event
    def revoke(self, invitation_id: int):
        return self._act(lambda db, v: ti.revoke_invitation(db, v, invitation_id, now=utcnow()),
                         "Invitation revoked.", invitation_id=invitation_id)

    @rx.event
    def confirm(self, invitation_id: int):
        return self._act(lambda db, v: ti.confirm_tenant(db, v, invitation_id, now=utcnow()),
                         "Tenant confirmed: it is now part of the community.",
                         invitation_id=invitation_id)

    @rx.event
    def remove_tenant(self, organization_id: int):
        self.selected_tenant = {}
        return self._act(lambda db, v: ct.remove_tenant(db, v, self._cid(), organization_id,
                                                        now=utcnow()),
                         "Tenant removed from the community.")


register_refresher("community", CommunityState)
