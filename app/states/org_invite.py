"""Accept an invitation from a child organization (signed in to the parent)."""

import reflex as rx

from app import routes
from app.db import session_scope
from app.domain.errors import DomainError, NotSignedIn
from app.live.topics import organization_topic
from app.models import utcnow
from app.services import parent_invitations as pi
from app.services.audit import written_ids
from app.settings import get_settings
from app.states.broadcast import broadcast
from app.states.page import LinkPage
from app.states.viewer import viewer_of


class OrgInviteState(LinkPage, rx.State):
    def _view(self, db, secret_key, token, viewer):
        return pi.invitation_view(db, secret_key, token, viewer, utcnow())

    def _who(self, viewer) -> str:
        return f"{viewer.username} ({viewer.org_name})"

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
                event_ids = written_ids(db)
        except NotSignedIn:
            return self.sign_in()
        except DomainError as err:
            self._show()
            return rx.toast.error(err.message)
        self._show()
        broadcast(self, [organization_topic(child_id)], event_ids)
        return None

    @rx.event
    def sign_in(self):
        alias = str(self.invitation.get("parent_alias", "")) if self.invitation else ""
        return rx.redirect(routes.signin(next_path=self.router.url.path, tenant=alias or None))
