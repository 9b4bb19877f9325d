"""The two-step sign-in page: tenant first, then identity (posted to /auth/signin)."""

import reflex as rx

from app import routes

ERRORS = {
    "failed": "Those details did not match an active account for that tenant. "
              "Check the Tenant ID or alias, your email or username, and your password.",
    "throttled": "Too many failed sign-ins. Wait 15 minutes before trying again.",
}


class SignInState(rx.State):
    step: int = 1
    tenant: str = ""
    next_path: str = "/"
    error: str = ""

    @rx.event
    def load(self):
        params = self.router.url.query_parameters
        self.tenant = str(params.get("tenant", ""))[:100]
        self.next_path = routes.safe_next(str(params.get("next", "")))
        self.error = ERRORS.get(str(params.get("error", "")), "")
        self.step = 2 if self.tenant else 1

    @rx.event
    def continue_(self, form: dict):
        tenant = str(form.get("tenant", "")).strip()[:100]
        if not tenant:
            self.error = "Enter your Tenant ID or alias."
            return
        self.tenant = tenant
        self.error = ""
        self.step = 2

    @rx.event
    def back(self):
        self.step = 1
        self.error = ""
