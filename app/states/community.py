"""Community Details: the Tenants and Invitations tabs and their actions."""

import reflex as rx

from app.db import session_scope
from app.domain.errors import DomainError, NotSignedIn
from app.models import utcnow
from app.services import community_tenants as ct
from app.services import tenant_invitations as ti
from app.settings import get_settings
from app.states.viewer import to_signin, viewer_of


def mailer() -> ti.Mailer:
    s = get_settings()
    return ti.Mailer(s.secret_key, s.base_url, s.tenant_invite_days)


class CommunityState(rx.State):
    header: dict[str, str | int | bool] = {}
    tenants: list[dict[str, str | int | bool]] = []
    invitations: list[dict[str, str | int]] = []
    status_filter: str = "All"
    details: dict = {}
    selected_tenant: dict[str, str | int | bool] = {}
    error: str = ""
    invite_open: bool = False
    invite_email: str = ""
    invite_error: str = ""
    resend_offer: int = 0
    leave_name: str = ""
    tab: str = "tenants"
    leave_open: bool = False

    def _cid(self) -> int:
        try:
            return int(self.router.url.path.strip("/").split("/")[1])
        except (IndexError, ValueError):
            return 0

    def _refresh(self, db, viewer) -> None:
        cid = self._cid()
        self.header = ct.community_header(db, viewer, cid)
        self.tenants = ct.list_tenants(db, viewer, cid)
        if self.header["can_invite"]:
            status = "" if self.status_filter == "All" else self.status_filter
            self.invitations = ct.list_invitations(db, viewer, cid, utcnow(), status)
            if self.details:
                self.details = ct.invitation_details(db, viewer, self.details["id"], utcnow())
        else:
            self.invitations = []

    def _run(self, action=None, success: str = ""):
        """Check the session, run `action(db, viewer)`, refresh, and report the outcome."""
        try:
            viewer = viewer_of(self)
            with session_scope() as db:
                if action is not None:
                    action(db, viewer)
            with session_scope() as db:
                self._refresh(db, viewer)
            self.error = ""
        except NotSignedIn:
            return to_signin(self)
        except DomainError as err:
            if action is None:
                self.error = err.message
                self.header = {}
                return None
            return rx.toast.error(err.message)
        return rx.toast.success(success) if success else None

    @rx.event
    def load(self):
        self.details = {}
        self.selected_tenant = {}
        self.invite_open = False
        self.tab = "tenants"
        params = self.router.url.query_parameters
        result = self._run()
        if params.get("invitation", "").isdigit() and self.header.get("can_invite"):
            self.tab = "invitations"
            return self.select_invitation(int(params["invitation"]))
        return result

    @rx.event
    def set_tab(self, value: str):
        self.tab = value

    @rx.event
    def set_status_filter(self, value: str):
        self.status_filter = value
        return self._run()

    @rx.event
    def select_invitation(self, invitation_id: int):
        def pick(db, viewer):
            self.details = ct.invitation_details(db, viewer, invitation_id, utcnow())
        return self._run(pick)

    @rx.event
    def close_details(self):
        self.details = {}
        self.selected_tenant = {}

    @rx.event
    def select_tenant(self, tenant: dict):
        self.selected_tenant = tenant
        self.leave_name = ""

    @rx.event
    def open_invite(self, value: bool = True):
        self.invite_open = value
        self.invite_email = ""
        self.invite_error = ""
        self.resend_offer = 0

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
        try:
            viewer = viewer_of(self)
            with session_scope() as db:
                ti.invite_tenant(db, viewer, self._cid(), self.invite_email, now=utcnow(),
                                 mailer=mailer())
        except NotSignedIn:
            return to_signin(self)
        except ti.AlreadyInvited as err:
            self.invite_error, self.resend_offer = err.message, err.invitation_id
            return None
        except DomainError as err:
            self.invite_error, self.resend_offer = err.message, 0
            return None
        sent_to = self.invite_email
        self.invite_open = False
        return self._run(success=f"Invitation sent to {sent_to}.")

    @rx.event
    def resend(self, invitation_id: int):
        self.invite_open = False
        return self._run(lambda db, v: ti.resend_invitation(db, v, invitation_id, now=utcnow(),
                                                             mailer=mailer()),
                         "Invitation sent again with a new link; the old link no longer works.")

    @rx.event
    def revoke(self, invitation_id: int):
        return self._run(lambda db, v: ti.revoke_invitation(db, v, invitation_id, now=utcnow()),
                         "Invitation revoked.")

    @rx.event
    def confirm(self, invitation_id: int):
        return self._run(lambda db, v: ti.confirm_tenant(db, v, invitation_id, now=utcnow()),
                         "Tenant confirmed: it is now part of the community.")

    @rx.event
    def remove_tenant(self, organization_id: int):
        self.selected_tenant = {}
        return self._run(lambda db, v: ct.remove_tenant(db, v, self._cid(), organization_id,
                                                        now=utcnow()),
                         "Tenant removed from the community.")

    @rx.event
    def leave(self):
        try:
            viewer = viewer_of(self)
            with session_scope() as db:
                ct.leave_community(db, viewer, self._cid(), self.leave_name, now=utcnow())
        except NotSignedIn:
            return to_signin(self)
        except DomainError as err:
            return rx.toast.error(err.message)
        return [rx.redirect("/communities"),
                rx.toast.success(f"{viewer.org_name} has left the community.")]
