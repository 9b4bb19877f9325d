"""The ways out of a community page: Delete community and leave (Remove your tenant), each
with a typed name; both end this tab's access and go back to the list."""

import reflex as rx

from app.models import utcnow
from app.services import community_admin as ca
from app.services import community_tenants as ct
from app.states.broadcast import broadcast
from app.states.viewer import run


class LeaveDialogs(rx.State, mixin=True):
    """Needs the page's `_cid()` and `_topics()`."""

    leave_name: str = ""
    leave_open: bool = False
    delete_open: bool = False
    delete_name: str = ""

    @rx.event
    def open_delete(self, value: bool = True):
        self.delete_open, self.delete_name = value, ""

    @rx.event
    def set_delete_name(self, value: str):
        self.delete_name = value[:200]

    @rx.event
    def delete_community(self):
        typed = self.delete_name
        return self._act_and_leave(
            lambda db, v, cid: ca.archive_community(db, v, cid, typed, now=utcnow()),
            lambda v: f"The community {typed} was deleted.")

    def _act_and_leave(self, action, message):
        """Run an action that ends this tab's access (leave, delete), then go to the list."""
        cid = self._cid()
        done = run(self, lambda db, v: action(db, v, cid))
        if not done.done:
            return done.stop()
        self.leave_open = self.delete_open = False
        broadcast(self, self._topics(done.viewer, None), done.event_ids)
        return [rx.redirect("/communities"), rx.toast.success(message(done.viewer))]

    @rx.event
    def open_leave(self, value: bool = True):
        self.leave_open = value
        self.leave_name = ""

    @rx.event
    def set_leave_name(self, value: str):
        self.leave_name = value[:200]

    @rx.event
    def leave(self):
        typed = self.leave_name
        return self._act_and_leave(
            lambda db, v, cid: ct.leave_community(db, v, cid, typed, now=utcnow()),
            lambda v: f"{v.org_name} has left the community.")

