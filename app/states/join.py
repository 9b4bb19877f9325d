"""Accept an invitation into managed communities: sign in, or create an account here."""

import reflex as rx

from app import routes
from app.db import session_scope
from app.domain.errors import DomainError
from app.live.topics import managed_topic, organization_topic
from app.models import utcnow
from app.services import user_invitations as ui
from app.services.audit import written_ids
from app.services.passwords import off_loop
from app.settings import get_settings
from app.states.broadcast import broadcast
from app.states.page import LinkPage


def _create_account_unit(token: str, display_name: str, password: str,
                         **fields) -> tuple[str, list[int]]:
    with session_scope() as db:
        alias = ui.create_account_and_accept(db, token, display_name, password, **fields)
        return alias, written_ids(db)


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

    def _topics(self) -> list[str]:
        owner = int(self.invitation["owner_id"])
        return [managed_topic(owner), organization_topic(owner)]

    @rx.event
    def accept(self):
        return self._answer(lambda db, v: ui.accept(db, v, self._token(), now=utcnow(),
                                                    secret_key=get_settings().secret_key))

    def _to_signin(self):
        return self.sign_in()

    @rx.event
    async def create_account(self, form: dict):
        password = str(form.get("password", ""))
        if password != str(form.get("confirm", "")):
            self.form_error = "The two passwords differ."
            return None
        try:  # hashing the password takes a tenth of a second: not on the event loop
            alias, event_ids = await off_loop(
                _create_account_unit, self._token(), str(form.get("display_name", "")),
                password, now=utcnow(), secret_key=get_settings().secret_key,
                ip=self.router.session.client_ip)
        except DomainError as err:
            self.form_error = err.message
            return None
        self.created_alias, self.form_error = alias, ""
        self._show()
        broadcast(self, self._topics(), event_ids)
        return None

    @rx.event
    def sign_in(self):
        alias = str(self.invitation.get("owner_alias", "")) if self.invitation else ""
        return rx.redirect(routes.signin(next_path=self.router.url.path, tenant=alias or None))

    @rx.event
    def sign_in_after_creation(self):
        return rx.redirect(routes.signin(next_path=routes.COMMUNITIES,
                                         tenant=self.created_alias))


