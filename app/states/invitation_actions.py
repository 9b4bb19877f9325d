"""What a page that lists invitations lets a row do (the Invitations page, the Overview):
the actions, each through the page's `_act` (which re-checks who asks), and the one dialog
that asks before the irreversible ones."""

import reflex as rx

from app.domain import invitation_status as st
from app.live.topics import invitation_topics
from app.models import utcnow
from app.services import invitation_actions as acts
from app.settings import get_settings


def mail_settings() -> acts.MailSettings:
    return acts.MailSettings.of(get_settings())


class InvitationActions(rx.State, mixin=True):
    """Resend, revoke (delete), confirm, accept and decline one invitation; needs the
    page's `_act` (ViewerPage)."""

    def _topics(self, viewer, inv) -> list[str]:
        """Both organizations' pages and the community's (each service returns the row)."""
        return invitation_topics(viewer.organization_id, inv)

    @rx.event
    def resend(self, invitation_id: int):
        return self._act(lambda db, v: acts.resend(db, v, invitation_id, now=utcnow(),
                                                   mail=mail_settings()),
                         "Sent again with a new link; the old link no longer works.",
                         invitation_id=invitation_id)

    @rx.event
    def revoke(self, invitation_id: int):
        return self._act(lambda db, v: acts.revoke(db, v, invitation_id, now=utcnow()),
                         lambda inv: f"Invitation {st.ended(inv.kind)}.",
                         invitation_id=invitation_id)

    @rx.event
    def confirm(self, invitation_id: int):
        return self._act(lambda db, v: acts.confirm(db, v, invitation_id, now=utcnow()),
                         "Tenant confirmed.", invitation_id=invitation_id)

    @rx.event
    def accept(self, invitation_id: int):
        return self._act(lambda db, v: acts.accept(db, v, invitation_id, now=utcnow(),
                                                   mail=mail_settings()),
                         "Invitation accepted.", invitation_id=invitation_id)

    @rx.event
    def decline(self, invitation_id: int, reason: str = ""):
        return self._act(lambda db, v: acts.decline(db, v, invitation_id, now=utcnow(),
                                                    mail=mail_settings(), reason=reason),
                         "Invitation declined; the inviter has been told.",
                         invitation_id=invitation_id)


# The row's flag that offers each question's action.
_QUESTIONS = {
    "revoke": "can_revoke",
    "confirm": "can_confirm",
    "decline": "can_decline",
}


class AskFirst(rx.State, mixin=True):
    """A page's one dialog that asks before a row's Revoke, Confirm Tenant or Decline. Mixed
    into a substate of the page (a dialog per row, or its question in the rows' state,
    would redraw every row each time). It reads the row from what this tab was sent
    (the page's `_row`); the action itself is the page's handler, which checks everything
    again."""

    asking: str = ""   # the question open now ("revoke", "confirm", "decline") or ""
    question: dict[str, str] = {}  # kept after closing: the dialog fades out with its words

    @rx.event
    def ask(self, action: str, invitation_id: int):
        row = self._row(invitation_id)
        if row is None or action not in _QUESTIONS or not row[_QUESTIONS[action]]:
            return
        withdraw = "Delete" if row["kind_key"] == "parent_user" else "Revoke"
        self.question = {
            "id": str(invitation_id), "back": f"{action}-{invitation_id}",
            "title": {"revoke": f"{withdraw} the invitation to {row['recipient']}?",
                      "confirm": "Confirm Tenant",
                      "decline": "Decline the invitation?"}[action],
            "text": {"revoke": "Its link stops working at once. You can invite them "
                               "again later.",
                     "confirm": "Confirm the tenant that accepted as a member tenant of "
                                f"{row['where']}?",
                     "decline": f"The invitation to {row['recipient']} for "
                                f"{row['where']}."}[action],
            "label": withdraw if action == "revoke" else "Confirm Tenant"}
        self.asking = action

    @rx.event
    def set_open(self, value: bool):
        if not value:
            self.asking = ""
