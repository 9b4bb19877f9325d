"""The two-step sign-in page: tenant first, then identity (posted to /auth/signin)."""

import reflex as rx

from app import routes
from app.db import session_scope
from app.services.sso_sign_in import sign_in_options

ERRORS = {
    "failed": "Those details did not match an active account for that tenant. "
              "Check the Tenant ID or alias, your email or username, and your password.",
    "throttled": "Too many failed sign-ins. Wait 15 minutes before trying again.",
    "code": "Your account is ready, but signing you in at once did not work (it takes "
            "less than a minute). Sign in with your password.",
    "password-off": "Your organization signs in through its identity provider; password "
                    "sign-in is turned off.",
    "sso-throttled": "Too many sign-ins were started from your network. Wait 15 minutes "
                     "before trying again.",
    "sso-none": "That organization does not sign in through an identity provider.",
    "sso-down": "The organization's identity provider cannot be reached just now. Try again "
                "in a moment.",
}
# Why the person is here again (routes.signin(reason=...)).
NOTICES = {
    "ended": "Your session has ended; sign in again to continue where you were.",
    "reset": "Your password is changed and every session of your account has ended. "
             "Sign in with the new password.",
}


class SignInState(rx.State):
    step: int = 1
    tenant: str = ""
    identifier: str = ""
    next_path: str = "/"
    error: str = ""
    notice: str = ""
    sso_name: str = ""          # the organization's identity provider, if it has one
    password_allowed: bool = True

    @rx.var
    def forgot_href(self) -> str:
        """Forgot password, with the email address already typed (if one was)."""
        return routes.forgot_password(self.identifier if "@" in self.identifier else None)

    @rx.event
    def load(self):
        params = self.router.url.query_parameters
        self.tenant = str(params.get("tenant", ""))[:100]
        self.identifier = str(params.get("user", ""))[:320]
        self.next_path = routes.safe_next(str(params.get("next", "")))
        self.error = ERRORS.get(str(params.get("error", "")), "")
        self.notice = "" if self.error else NOTICES.get(str(params.get("reason", "")), "")
        self.step = 2 if self.tenant else 1
        self._options()

    def _options(self) -> None:
        """Whether the tenant signs in through a provider, and whether with a password."""
        if not self.tenant:
            self.sso_name, self.password_allowed = "", True
            return
        with session_scope() as db:
            self.sso_name, self.password_allowed = sign_in_options(db, self.tenant)

    @rx.event
    def continue_(self, form: dict):
        tenant = str(form.get("tenant", "")).strip()[:100]
        if not tenant:
            self.error = "Enter your Tenant ID or alias."
            return
        self.tenant = tenant
        self.error = ""
        self.step = 2
        self._options()

    @rx.event
    def back(self):
        self.step = 1
        self.error = ""
