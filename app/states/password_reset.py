"""Forgot password (ask for a link) and the emailed link's page (choose a new password)."""

import reflex as rx

from app import routes
from app.db import session_scope
from app.domain.errors import DomainError
from app.domain.password_rules import MAX_PASSWORD
from app.models import utcnow
from app.services.client_address import client_address
from app.services.password_reset import request_password_reset, reset_password, reset_view
from app.services.passwords import off_loop
from app.settings import get_settings
from app.states.viewer import path_token

DIFFERENT = "The two new passwords differ."


def tab_address(state: rx.State) -> str:
    """The client's address by the app's one rule (X-Forwarded-For only from the
    configured proxies), as the HTTP routes read it."""
    forwarded = state.router.headers.raw_headers.get("x-forwarded-for", "")
    return client_address(state.router.session.client_ip, [forwarded] if forwarded else [],
                          get_settings().trusted_proxies)


class ForgotPasswordState(rx.State):
    email: str = ""
    sent_to: str = ""
    error: str = ""

    @rx.event
    def load(self):
        self.email = str(self.router.url.query_parameters.get("email", ""))[:320]
        self.sent_to, self.error = "", ""

    @rx.event
    def request_link(self, form: dict):
        """Ask for a link; the answer is the same whether or not the address has an
        account."""
        email = str(form.get("email", "")).strip()[:320]
        settings = get_settings()
        try:
            with session_scope() as db:
                request_password_reset(db, secret_key=settings.secret_key,
                                       base_url=settings.base_url, email=email, now=utcnow(),
                                       ip=tab_address(self))
        except DomainError as err:
            self.error = err.message
            return
        self.email, self.sent_to, self.error = email, email, ""


def _reset_unit(token: str, password: str, ip: str) -> str:
    settings = get_settings()
    with session_scope() as db:
        return reset_password(db, secret_key=settings.secret_key, token=token,
                              new_password=password, now=utcnow(), ip=ip)


class ResetPasswordState(rx.State):
    email: str = ""        # whose password the link sets ("" once it cannot be used)
    link_error: str = ""
    form_error: str = ""
    loaded: bool = False

    def _show(self) -> None:
        try:
            with session_scope() as db:
                self.email = reset_view(db, get_settings().secret_key, path_token(self),
                                        utcnow())["email"]
            self.link_error = ""
        except DomainError as err:
            self.email, self.link_error = "", err.message
        self.loaded = True

    @rx.event
    def load(self):
        self.form_error = ""
        self._show()

    @rx.event
    async def choose_password(self, form: dict):
        """Set the new password through the link (the token in the path), then sign in."""
        password = str(form.get("password", ""))[:MAX_PASSWORD + 1]
        if password != str(form.get("confirm", ""))[:MAX_PASSWORD + 1]:
            self.form_error = DIFFERENT
            return None
        try:  # hashing takes a tenth of a second: not on the event loop
            alias = await off_loop(_reset_unit, path_token(self), password, tab_address(self))
        except DomainError as err:
            self._show()
            self.form_error = err.message if self.email else ""  # else the link's message
            return None
        return rx.redirect(routes.signin(tenant=alias, reason="reset"), replace=True)
