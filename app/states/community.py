"""Community Details: the Tenants and Invitations tabs, their actions, and live refresh."""

import reflex as rx

from app.db import session_scope
from app.domain.errors import DomainError, NotSignedIn
from app.live.topics import (
    community_topic,
    follow,
    invitation_topic,
    organization_topic,
    register_refresher,
)
from app.models import utcnow
from app.services import community_admin as ca
from app.services import community_tenants as ct
from app.services import tenant_invitations as ti
from app.services.audit import written_ids
from app.services.live_events import summary_for
from app.settings import get_settings
from app.states.broadcast import broadcast
from app.states.viewer import attempt, to_signin, viewer_of


def mailer() -> ti.Mailer:
    s = get_settings()
    return ti.Mailer(s.secret_key, s.base_url, s.tenant_invite_days)


class CommunityState(rx.State):
    header: dict[str, str | int | bool] = {}
    tenants: list[dict[str, str | int | bool]] = []
    invitations: list[dict[str, str | int]] = []
    status_filter: str = "All"
    sort_key: str = "sent"
    details: dict = {}
    selected_tenant: dict[str, str | int | bool] = {}
    error: str = ""
    invite_open: bool = False
    invite_email: str = ""
    invite_error: str = ""
    resend_offer: int = 0
    leave_name: str = ""
    leave_open: bool = False
    tab: str = "tenants"
    my_users: list[dict[str, str | int | bool]] = []
    delete_open: bool = False
    delete_name: str = ""

    def _cid(self) -> int:
        parts = self.router.url.path.strip("/").split("/")
        return int(parts[1]) if len(parts) > 1 and parts[1].isdigit() else 0

    def _refresh(self, db, viewer) -> None:
        cid = self._cid()
        self.header = ct.community_header(db, viewer, cid)
        self.tenants = ct.list_tenants(db, viewer, cid)
        if self.header["can_invite"]:
            status = "" if self.status_filter == "All" else self.status_filter
            rows = ct.list_invitations(db, viewer, cid, utcnow(), status)
            self.invitations = sorted(rows, key=lambda r: str(r[self.sort_key]),
                                      reverse=self.sort_key in ("sent", "expires"))
            if self.details:
                self.details = ct.invitation_details(db, viewer, self.details["id"], utcnow())
        else:
            self.invitations, self.details = [], {}
        if self.selected_tenant and not any(
                t["organization_id"] == self.selected_tenant["organization_id"]
                for t in self.tenants):
            self.selected_tenant = {}

    def _reload(self) -> str | None:
        """Re-query everything this tab shows; returns the refusal message, if any."""
        try:
            viewer = viewer_of(self)
            with session_scope() as db:
                self._refresh(db, viewer)
        except DomainError as err:
            self.header, self.tenants, self.invitations, self.details = {}, [], [], {}
            self.error = err.message
            return err.message
        self.error = ""
        return None

    def _act(self, action, success: str, invitation_id: int | None = None):
        """Check the session, run one service call, refresh, tell this tab and the others."""
        done = attempt(self, action)
        self._reload()
        if done.refusal is not None:
            return done.refusal
        topics = [community_topic(self._cid()),
                  organization_topic(done.viewer.organization_id)]
        if invitation_id:
            topics.append(invitation_topic(invitation_id))
        broadcast(self, topics, done.event_ids,
                  invitation_ids=[invitation_id] if invitation_id else None)
        return rx.toast.success(success)

    @rx.event
    def live_refresh(self, event_ids: list[int]):
        """Another tab changed this community: re-query what this session may see, and
        say what happened as far as this viewer may read it."""
        if not self.router.url.path.startswith("/communities/"):
            return None
        try:
            viewer = viewer_of(self)
        except NotSignedIn:
            return to_signin(self)
        if self._reload():
            return rx.toast.warning("This community is no longer available to you.")
        with session_scope() as db:
            said = summary_for(db, viewer, event_ids)
        return rx.toast.info(said) if said else None

    @rx.event
    async def load(self):
        self.details, self.selected_tenant = {}, {}
        self.invite_open, self.leave_open, self.tab = False, False, "tenants"
        try:
            viewer_of(self)
        except NotSignedIn:
            return to_signin(self)
        if self._reload():
            return None
        # Only after the re-read succeeded: the viewer may see this community.
        await follow(self, [community_topic(self._cid())])
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
        self.status_filter = value
        self._reload()

    @rx.event
    def sort_by(self, key: str):
        if key in ("recipient", "status", "invited_by", "sent", "expires"):
            self.sort_key = key
            self._reload()

    @rx.event
    def select_invitation(self, invitation_id: int):
        try:
            viewer = viewer_of(self)
            with session_scope() as db:
                self.details = ct.invitation_details(db, viewer, invitation_id, utcnow())
        except NotSignedIn:
            return to_signin(self)
        except DomainError as err:
            return rx.toast.error(err.message)
        return None

    @rx.event
    def close_details(self):
        self.details, self.selected_tenant = {}, {}

    @rx.event
    def select_tenant(self, organization_id: int):
        """Open the pane of one of the tenants this tab was sent (never a row the client
        made up)."""
        shown = [t for t in self.tenants if t["organization_id"] == organization_id]
        if not shown:
            return None
        tenant = self.selected_tenant = shown[0]
        self.leave_name = ""
        self.my_users = []
        if tenant.get("is_mine"):
            try:
                viewer = viewer_of(self)
                with session_scope() as db:
                    self.my_users = ca.my_users_roles(db, viewer, self._cid())
            except NotSignedIn:
                return to_signin(self)
            except DomainError as err:
                return rx.toast.error(err.message)
        return None

    @rx.event
    def set_user_role(self, user_id: int, role_key: str):
        result = self._act(lambda db, v: ca.set_community_role(db, v, self._cid(), user_id,
                                                               role_key, now=utcnow()),
                           "Community role updated.")
        try:
            with session_scope() as db:
                self.my_users = ca.my_users_roles(db, viewer_of(self), self._cid())
        except DomainError:
            self.my_users = []
        return result

    @rx.event
    def open_delete(self, value: bool = True):
        self.delete_open, self.delete_name = value, ""

    @rx.event
    def set_delete_name(self, value: str):
        self.delete_name = value[:200]

    @rx.event
    def delete_community(self):
        typed = self.delete_name
        return self._act_and_leave(
            lambda db, v, cid: ca.archive_community(db, v, cid, typed, now=utcnow()),
            lambda v: f"The community {typed} was deleted.")

    def _act_and_leave(self, action, message):
        """Run an action that ends this tab's access (leave, delete), then go to the list."""
        cid = self._cid()
        done = attempt(self, lambda db, v: action(db, v, cid))
        if done.refusal is not None:
            return done.refusal
        self.leave_open = self.delete_open = False
        broadcast(self, [community_topic(cid), organization_topic(done.viewer.organization_id)],
                  done.event_ids)
        return [rx.redirect("/communities"), rx.toast.success(message(done.viewer))]

    @rx.event
    def open_invite(self, value: bool = True):
        self.invite_open = value
        self.invite_email, self.invite_error, self.resend_offer = "", "", 0

    @rx.event
    def set_invite_email(self, value: str):
        self.invite_email = value[:320]

    @rx.event
    def open_leave(self, value: bool = True):
        self.leave_open = value
        self.leave_name = ""

    @rx.event
    def set_leave_name(self, value: str):
        self.leave_name = value[:200]

    @rx.event
    def send_invite(self):
        address = self.invite_email
        try:
            viewer = viewer_of(self)
            with session_scope() as db:
                ti.invite_tenant(db, viewer, self._cid(), address, now=utcnow(),
                                 mailer=mailer())
                event_ids = written_ids(db)
        except NotSignedIn:
            return to_signin(self)
        except ti.AlreadyInvited as err:
            self.invite_error, self.resend_offer = err.message, err.invitation_id
            return None
        except DomainError as err:
            self.invite_error, self.resend_offer = err.message, 0
            return None
        self.invite_open = False
        self._reload()
        broadcast(self, [community_topic(self._cid()), organization_topic(viewer.organization_id)],
                  event_ids, recipients=[address])
        return rx.toast.success(f"Invitation sent to {address}.")

    @rx.event
    def resend(self, invitation_id: int):
        self.invite_open = False
        return self._act(lambda db, v: ti.resend_invitation(db, v, invitation_id, now=utcnow(),
                                                             mailer=mailer()),
                         "Invitation sent again with a new link; the old link no longer works.",
                         invitation_id)

    @rx.event
    def revoke(self, invitation_id: int):
        return self._act(lambda db, v: ti.revoke_invitation(db, v, invitation_id, now=utcnow()),
                         "Invitation revoked.", invitation_id)

    @rx.event
    def confirm(self, invitation_id: int):
        return self._act(lambda db, v: ti.confirm_tenant(db, v, invitation_id, now=utcnow()),
                         "Tenant confirmed: it is now part of the community.", invitation_id)

    @rx.event
    def remove_tenant(self, organization_id: int):
        self.selected_tenant = {}
        return self._act(lambda db, v: ct.remove_tenant(db, v, self._cid(), organization_id,
                                                        now=utcnow()),
                         "Tenant removed from the community.")

    @rx.event
    def leave(self):
        typed = self.leave_name
        return self._act_and_leave(
            lambda db, v, cid: ct.leave_community(db, v, cid, typed, now=utcnow()),
            lambda v: f"{v.org_name} has left the community.")


register_refresher("community", CommunityState)
