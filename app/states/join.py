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
                         **fields) -> tuple[ui.NewAccount, list[int]]:
    with session_scope() as db:
        account = ui.create_account_and_accept(db, token, display_name, password, **fields)
        return account, written_ids(db)


def landing(joined_ids: str) -> str:
    """Where a person who joined the communities `joined_ids` ("3,4") goes: the one
    community, or the Communities page for several."""
    ids = [int(i) for i in joined_ids.split(",") if i.strip().isdigit()]
    return routes.community(ids[0]) if len(ids) == 1 else routes.COMMUNITIES


# Once the page shows the form holding the code, post it (the browser then stores the
# session cookie from the response and follows its redirect).
_POST_CODE = ("(function post(n){const f=document.getElementById('join-code-form');"
              "const c=f&&f.elements.namedItem('code');"
              "if(c&&c.value){f.submit();}else if(n<100){setTimeout(()=>post(n+1),50);}})(0)")


class JoinState(LinkPage, rx.State):
    form_error: str = ""
    # the account just created here: code (signs it in once, within a minute), next,
    # tenant and user (to sign in by hand if the code is refused), name (what it joined)
    created: dict[str, str] = {}

    def _view(self, db, secret_key, token, viewer):
        return ui.join_view(db, secret_key, token, viewer, utcnow())

    def _who(self, viewer) -> str:
        return viewer.email

    @rx.var
    def here(self) -> str:
        """This page's path: a sign-in through the invited address's provider comes back."""
        return self.router.url.path

    @rx.event
    def load(self):
        self.created, self.form_error = {}, ""
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
            account, event_ids = await off_loop(
                _create_account_unit, self._token(), str(form.get("display_name", "")),
                password, now=utcnow(), secret_key=get_settings().secret_key,
                ip=self.router.session.client_ip)
        except DomainError as err:
            self.form_error = err.message
            return None
        self.form_error = ""  # the page says so and signs the account in; the link is used
        self.created = {"code": account.sign_in_code,
                        "next": landing(account.joined["joined_ids"]),
                        "tenant": account.alias, "user": account.email,
                        "name": account.joined["joined_name"]}
        broadcast(self, self._topics(), event_ids)
        return rx.call_script(_POST_CODE)

    @rx.event
    def open_communities(self):
        """After accepting (signed in): into the inviting organization, at what was joined."""
        inv = self.invitation or {}
        return self._open(str(inv.get("owner_alias", "")),
                          landing(str(inv.get("joined_ids", ""))))

    @rx.event
    def sign_in(self):
        """To sign-in, with the invited address and where it signs in filled in."""
        inv = self.invitation or {}
        return rx.redirect(routes.signin(next_path=self.router.url.path,
                                         tenant=str(inv.get("sign_in_alias", "")) or None,
                                         user=str(inv.get("recipient", "")) or None))


