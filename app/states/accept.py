"""The accept page of a tenant invitation: opening it changes nothing; Join does."""

import reflex as rx

from app import routes
from app.live.topics import (
    community_topic,
    invitation_topic,
    organization_topic,
    register_refresher,
)
from app.models import utcnow
from app.services import tenant_invitations as ti
from app.states.community import mailer
from app.states.page import LinkPage, heard
from app.states.viewer import run


class AcceptState(LinkPage, rx.State):
    decline_open: bool = False

    def _view(self, db, secret_key, token, viewer):
        return ti.invitation_view(db, secret_key, token, viewer, utcnow())

    @rx.event
    async def load(self):
        self._show()
        await self._follow_invitation(invitation_topic)

    @rx.event
    def live_refresh(self, event_ids: list[int]):
        """The inviter acted on this invitation: show its new status without a reload."""
        if not self.invitation:
            return None
        said = self._said(event_ids)
        self._show()
        return heard(said)

    @rx.event
    def set_decline_open(self, value: bool):
        self.decline_open = bool(value)

    def _topics(self) -> list[str]:
        return [community_topic(int(self.invitation["community_id"])),
                organization_topic(int(self.invitation["organization_id"]))]

    @rx.event
    def join(self):
        return self._answer(lambda db, v: ti.join(db, v, self._token(), now=utcnow(),
                                                  mailer=mailer()),
                            "You accepted the invitation (Join).")

    @rx.event
    def decline(self, reason: str = ""):
        self.decline_open = False
        return self._answer(lambda db, v: ti.decline(db, v, self._token(), reason,
                                                     now=utcnow(), mailer=mailer()),
                            "You declined the invitation; the inviter has been told.")

    @rx.event
    def ask_renewal(self):
        done = run(self, lambda db, _: ti.request_new_invitation(
            db, self._token(), now=utcnow(), mailer=mailer()), signed_in=False)
        if not done.done:
            return done.stop()
        self._show()  # the button now says it was done
        return rx.toast.success("The inviter has been asked to send you a new invitation.")

    @rx.var
    def community_path(self) -> str:
        """The community this invitation is for, in the app."""
        cid = str((self.invitation or {}).get("community_id", ""))
        return routes.community(int(cid)) if cid.isdigit() else routes.COMMUNITIES

    def _to_signin(self):
        return self.sign_in_instead()

    @rx.event
    def sign_in_instead(self):
        """To sign-in, with the invited address and where it signs in filled in (the
        sign-in page then offers the organization's identity provider, if it has one)."""
        inv = self.invitation or {}
        return rx.redirect(routes.signin(next_path=self.router.url.path,
                                         tenant=str(inv.get("sign_in_alias", "")) or None,
                                         user=str(inv.get("recipient", "")) or None))


register_refresher("invitation", AcceptState)
