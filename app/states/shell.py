"""The app shell: who is signed in, where, and where they may switch to."""

import reflex as rx

from app import routes
from app.mail.setup import shows_mail_banner, shows_mailbox
from app.models import utcnow
from app.services.auth import switch_organization, switchable_organizations
from app.services.navigation import offered
from app.settings import get_settings
from app.states.viewer import run


class ShellState(rx.State):
    signed_in: bool = False
    user_name: str = ""
    user_email: str = ""
    org_name: str = ""
    tenant_id: str = ""
    orgs: list[dict[str, str | bool]] = []
    offers: dict[str, bool] = {}  # the pages this viewer may use (services/navigation.py)
    dev_mailbox: bool = False
    mail_banner: bool = False

    @rx.var
    def initials(self) -> str:
        parts = self.user_name.split()
        return "".join(p[0] for p in parts[:2]).upper() or "?"

    @rx.event
    def require_session(self):
        """on_load guard of every protected page."""
        done = run(self, lambda db, v: (switchable_organizations(db, v), offered(db, v)))
        if not done.done:
            self.signed_in = False
            return done.stop()
        viewer, (self.orgs, self.offers) = done.viewer, done.result
        self.signed_in = True
        self.user_name = viewer.display_name
        self.user_email = viewer.email
        self.org_name = viewer.org_name
        self.tenant_id = viewer.tenant_id
        settings = get_settings()
        self.dev_mailbox = shows_mailbox(settings)
        self.mail_banner = shows_mail_banner(settings, tenant_admin=viewer.is_tenant_admin)

    @rx.event
    def switch_to(self, tenant_id: str):
        """Move this session into another organization and reload the shell there."""
        done = run(self, lambda db, v: switch_organization(db, v, tenant_id, now=utcnow()))
        return rx.redirect(routes.HOME) if done.done else done.stop()

    @rx.event
    def sign_out(self):
        """Post to the sign-out route, which clears the HttpOnly cookie."""
        return rx.call_script(
            "const f=document.createElement('form');f.method='post';"
            f"f.action='{routes.API_SIGNOUT}';document.body.appendChild(f);f.submit();"
        )
