"""Accept an invitation from a child organization (signed in to the parent)."""

import reflex as rx

from app import routes
from app.live.topics import organization_topic
from app.models import utcnow
from app.services import parent_invitations as pi
from app.settings import get_settings
from app.states.page import LinkPage


class OrgInviteState(LinkPage, rx.State):
    def _view(self, db, secret_key, token, viewer):
        return pi.invitation_view(db, secret_key, token, viewer, utcnow())

    def _who(self, viewer) -> str:
        return f"{viewer.username} ({viewer.org_name})"

    @rx.event
    def load(self):
        self._show()

    def _topics(self) -> list[str]:
        return [organization_topic(int(self.invitation["organization_id"]))]

    @rx.event
    def accept(self):
        return self._answer(lambda db, v: pi.accept(db, v, self._token(), now=utcnow(),
                                                    secret_key=get_settings().secret_key))

    def _to_signin(self):
        return self.sign_in()

    @rx.event
    def open_organization(self):
        """After accepting: the session moves into the organization joined, which opens."""
        inv = self.invitation or {}
        return self._open(str(inv.get("organization_tenant_id", "")), routes.HOME)

    @rx.event
    def sign_in(self):
        """To sign-in, with the parent's alias and the invited username filled in."""
        inv = self.invitation or {}
        return rx.redirect(routes.signin(next_path=self.router.url.path,
                                         tenant=str(inv.get("parent_alias", "")) or None,
                                         user=str(inv.get("username", "")) or None))
