"""The API tokens page (avatar menu): make a token, see it once, list one's tokens, revoke."""

import reflex as rx

from app.models import utcnow
from app.services import api_tokens as at
from app.settings import get_settings
from app.states.page import ViewerPage
from app.states.viewer import run


class ApiTokensState(ViewerPage, rx.State):
    tokens: list[dict[str, str | int]] = []
    create_error: str = ""
    # The token just made, shown until dismissed or the page is left: never again.
    new_token: str = ""
    new_token_name: str = ""

    def _refresh(self, db, viewer) -> None:
        self.tokens = at.list_tokens(db, viewer, utcnow())

    def _clear(self) -> None:
        self.tokens = []

    def _start(self) -> None:
        self.create_error, self.new_token, self.new_token_name = "", "", ""

    def _page_path(self) -> str:
        return "/api-tokens"

    @rx.event
    def create_token(self, form: dict):
        """Make a token of the viewer in their current organization; it is shown once."""
        name = str(form.get("name", ""))[:at.MAX_NAME + 1]
        scope, lifetime = str(form.get("scope", ""))[:20], str(form.get("lifetime", ""))[:20]
        done = self._submit(lambda db, v: at.create_token(
            db, v, name, scope, lifetime, now=utcnow(), secret_key=get_settings().secret_key),
            "create_error")
        if done.away is not None:
            return done.away
        if done.refusal is not None:
            return None
        self.new_token, self.new_token_name = done.result.token, done.result.row.name
        self._reload()
        return [rx.set_value("api-token-name", ""),
                rx.toast.success(f"Token {done.result.row.name} created. Copy it now.")]

    @rx.event
    def dismiss_token(self):
        self.new_token, self.new_token_name = "", ""

    @rx.event
    def revoke(self, token_id: int):
        done = run(self, lambda db, v: at.revoke_token(db, v, token_id, now=utcnow()))
        if not done.done:
            return done.stop()
        self._reload()
        return rx.toast.success(f"Token {done.result.name} revoked: it works no more.")

