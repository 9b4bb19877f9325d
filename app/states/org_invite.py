"""Accept an invitation from a child organization (signed in to the parent)."""

import reflex as rx

from app import routes
from app.db import session_scope
from app.domain.errors import DomainError, NotSignedIn
from app.live.topics import organization_topic
from app.models import utcnow
from app.services import parent_invitations as pi
from app.settings import get_settings
from app.states.broadcast import broadcast
from app.states.viewer import optional_viewer, path_token, viewer_of


class OrgInviteState(rx.State):
    invitation: dict[str, str | int] = {}
    error: str = ""
    signed_in_as: str = ""
    loaded: bool = False

    def _token(self) -> str:
        return path_token(self)

    def _show(self) -> None:
        viewer = optional_viewer(self)
        self.signed_in_as = f"{viewer.username} ({viewer.org_name})" if viewer else ""
        try:
            with session_scope() as db:
                self.invitation = pi.invitation_view(db, get_settings().secret_key,
                                                     self._token(), viewer, utcnow())
            self.error = ""
        except DomainError as err:
            self.invitation, self.error = {}, err.message
        self.loaded = True

    @rx.event
    def load(self):
        self._show()

    @rx.event
    def accept(self):
        try:
            viewer = viewer_of(self)
            with session_scope() as db:
                child_id = pi.accept(db, viewer, self._token(), now=utcnow(),
                                     secret_key=get_settings().secret_key)
        except NotSignedIn:
            return self.sign_in()
        except DomainError as err:
            self._show()
            return rx.toast.error(err.message)
        self._show()
        return broadcast([organization_topic(child_id)],
                         f"{viewer.display_name} accepted the invitation.")

    @rx.event
    def sign_in(self):
        alias = str(self.invitation.get("parent_alias", "")) if self.invitation else ""
        return rx.redirect(routes.signin(next_path=self.router.url.path, tenant=alias or None))
