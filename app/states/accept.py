"""The accept page of a tenant invitation: opening it changes nothing; Join does."""

import reflex as rx

from app import routes
from app.db import session_scope
from app.domain.errors import DomainError, NotSignedIn
from app.live.topics import (
    LiveTopic,
    community_topic,
    invitation_topic,
    organization_topic,
    register_refresher,
)
from app.models import utcnow
from app.services import tenant_invitations as ti
from app.settings import get_settings
from app.states.broadcast import broadcast
from app.states.community import mailer
from app.states.viewer import optional_viewer, path_token, viewer_of


class AcceptState(rx.State):
    invitation: dict[str, str | bool | int] = {}
    error: str = ""
    signed_in_as: str = ""
    decline_reason: str = ""
    loaded: bool = False

    def _token(self) -> str:
        return path_token(self)

    def _show(self) -> None:
        viewer = optional_viewer(self)
        self.signed_in_as = f"{viewer.email} ({viewer.org_name})" if viewer else ""
        try:
            with session_scope() as db:
                self.invitation = ti.invitation_view(db, get_settings().secret_key,
                                                     self._token(), viewer, utcnow())
            self.error = ""
        except DomainError as err:
            self.invitation = {}
            self.error = err.message
        self.loaded = True

    @rx.event
    def load(self):
        self._show()
        if self.invitation:
            return LiveTopic.follow(invitation_topic(int(self.invitation["id"])))
        return None

    @rx.event
    def live_refresh(self, message: str, topic: str):
        """The inviter acted on this invitation: show its new status without a reload."""
        if not self.invitation or invitation_topic(int(self.invitation["id"])) != topic:
            return None
        self._show()
        return rx.toast.info(message)

    @rx.event
    def set_decline_reason(self, value: str):
        self.decline_reason = value[:500]

    def _act(self, step, what: str):
        try:
            viewer = viewer_of(self)
            with session_scope() as db:
                step(db, viewer)
        except NotSignedIn:
            return rx.redirect(routes.signin(next_path=self.router.url.path))
        except DomainError as err:
            self._show()
            return rx.toast.error(err.message)
        self._show()
        message = f"{viewer.display_name} of {viewer.org_name} {what}."
        return broadcast(
            [community_topic(int(self.invitation["community_id"])),
             organization_topic(int(self.invitation["organization_id"]))], message,
            invitation_ids=[int(self.invitation["id"])])

    @rx.event
    def join(self):
        return self._act(lambda db, v: ti.join(db, v, self._token(), now=utcnow(),
                                               mailer=mailer()),
                         "accepted the invitation (Join)")

    @rx.event
    def decline(self):
        return self._act(lambda db, v: ti.decline(db, v, self._token(), self.decline_reason,
                                                  now=utcnow(), mailer=mailer()),
                         "declined the invitation")

    @rx.event
    def ask_renewal(self):
        try:
            with session_scope() as db:
                ti.request_new_invitation(db, self._token(), now=utcnow(), mailer=mailer())
        except DomainError as err:
            return rx.toast.error(err.message)
        return rx.toast.success("The inviter has been asked to send you a new invitation.")

    @rx.event
    def sign_in_instead(self):
        return rx.redirect(routes.signin(next_path=self.router.url.path))


register_refresher("invitation", AcceptState)
