"""The Account page: who is signed in, change the password, one's sessions."""

import reflex as rx

from app.domain.errors import DomainError
from app.domain.password_rules import MAX_PASSWORD
from app.models import utcnow
from app.services import accounts
from app.services.passwords import off_loop
from app.states.page import ViewerPage
from app.states.password_reset import DIFFERENT
from app.states.viewer import run

PASSWORD_FIELDS = ("account-current", "account-new", "account-confirm")


def _typed(form: dict, name: str) -> str:
    return str(form.get(name, ""))[:MAX_PASSWORD + 1]


class AccountState(ViewerPage, rx.State):
    display_name: str = ""
    email: str = ""
    username: str = ""
    sessions: list[dict[str, str | bool | int]] = []
    password_error: str = ""

    @rx.var
    def other_sessions(self) -> int:
        return sum(1 for s in self.sessions if not s.get("current"))

    def _refresh(self, db, viewer) -> None:
        self.display_name, self.email = viewer.display_name, viewer.email
        self.username = viewer.username
        self.sessions = accounts.list_sessions(db, viewer, utcnow())

    def _clear(self) -> None:
        self.sessions = []

    def _start(self) -> None:
        self.password_error = ""

    def _page_path(self) -> str:
        return "/account"

    @rx.event
    async def change_password(self, form: dict):
        """Change the viewer's password (the current one typed); the other sessions end."""
        current, new = _typed(form, "current"), _typed(form, "new")
        if new != _typed(form, "confirm"):
            self.password_error = DIFFERENT
            return None
        # checking and hashing take a tenth of a second each: not on the event loop
        done = await off_loop(run, self, lambda db, v: accounts.change_password(
            db, v, current=current, new=new, now=utcnow()))
        if done.away is not None:
            return done.away
        refusal = done.refusal or (done.result.message
                                   if isinstance(done.result, DomainError) else "")
        self.password_error = refusal
        if refusal:
            return None
        self._reload()
        return [rx.set_value(field, "") for field in PASSWORD_FIELDS] + [
            rx.toast.success("Password changed. Your other sessions are signed out.")]

    @rx.event
    def sign_out_others(self):
        """End every other session of the viewer; this one stays."""
        done = run(self, lambda db, v: accounts.sign_out_other_sessions(db, v, now=utcnow()))
        if not done.done:
            return done.stop()
        self._reload()
        ended = done.result
        return rx.toast.success(
            f"Signed out {ended} other session{'s' if ended != 1 else ''}." if ended
            else "No other session was signed in.")
