"""Accept an invitation into managed communities: sign in, or create an account here."""

import reflex as rx

from app import routes
from app.db import session_scope
from app.domain.errors import DomainError, NotSignedIn
from app.live.topics import managed_topic, organization_topic
from app.models import Organization, utcnow
from app.services import user_invitations as ui
from app.settings import get_settings
from app.states.broadcast import broadcast
from app.states.page import LinkPage
from app.states.viewer import viewer_of


class JoinState(LinkPage, rx.State):
    form_error: str = ""
    created_alias: str = ""

    def _view(self, db, secret_key, token, viewer):
        return ui.join_view(db, secret_key, token, viewer, utcnow())

    def _who(self, viewer) -> str:
        return viewer.email

    @rx.event
    def load(self):
        self.created_alias, self.form_error = "", ""
        self._show()

    @rx.event
    def live_refresh(self, message: str, topic: str):
        return None

    def _announce(self, alias: str, who: str):
        with session_scope() as db:
            from sqlmodel import select
            org_id = db.exec(select(Organization.id).where(Organization.alias == alias)).one()
        return broadcast(self, [managed_topic(org_id), organization_topic(org_id)],
                         f"{who} accepted the invitation.")

    @rx.event
    def accept(self):
        try:
            viewer = viewer_of(self)
            with session_scope() as db:
                ui.accept(db, viewer, self._token(), now=utcnow(),
                          secret_key=get_settings().secret_key)
        except NotSignedIn:
            return self.sign_in()
        except DomainError as err:
            self._show()
            return rx.toast.error(err.message)
        self._show()
        return self._announce(str(self.invitation["owner_alias"]), viewer.email)

    @rx.event
    def create_account(self, form: dict):
        password = str(form.get("password", ""))
        if password != str(form.get("confirm", "")):
            self.form_error = "The two passwords differ."
            return None
        try:
            with session_scope() as db:
                alias = ui.create_account_and_accept(
                    db, self._token(), str(form.get("display_name", "")), password,
                    now=utcnow(), secret_key=get_settings().secret_key,
                    ip=self.router.session.client_ip)
        except DomainError as err:
            self.form_error = err.message
            return None
        self.created_alias, self.form_error = alias, ""
        self._show()
        return self._announce(alias, str(self.invitation["recipient"]))

    @rx.event
    def sign_in(self):
        alias = str(self.invitation.get("owner_alias", "")) if self.invitation else ""
        return rx.redirect(routes.signin(next_path=self.router.url.path, tenant=alias or None))

    @rx.event
    def sign_in_after_creation(self):
        return rx.redirect(routes.signin(next_path=routes.COMMUNITIES,
                                         tenant=self.created_alias))


