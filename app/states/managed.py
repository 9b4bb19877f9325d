"""Managed Communities: the Communities, Users and Roles tabs."""

import reflex as rx

from app.domain.errors import PermissionDenied
from app.domain.limits import MAX_BATCH, MAX_BATCH_TEXT
from app.domain.permissions import ORG_CREATE_COMMUNITY
from app.live.topics import (
    community_topic,
    managed_topic,
    organization_topic,
    register_refresher,
)
from app.models import utcnow
from app.services import community_members as cm
from app.services import custom_roles as cr
from app.services import managed_communities as mc
from app.services import user_invitations as ui
from app.services.tenant_invitations import Mailer
from app.settings import get_settings
from app.states.batch_invite import BatchInvite, count_note
from app.states.managed_roles import RoleDialog, toggle
from app.states.page import ViewerPage


def user_mailer() -> Mailer:
    s = get_settings()
    return Mailer(s.secret_key, s.base_url, s.user_invite_days)


def _ids(rows: list[dict], key: str = "id") -> set[int]:
    return {int(r[key]) for r in rows}


class ManagedState(RoleDialog, ViewerPage, BatchInvite, rx.State):
    tab: str = "communities"
    communities: list[dict[str, str | int | None]] = []
    members: list[dict[str, str | int]] = []
    invitations: list[dict[str, str | int]] = []
    roles: list[dict] = []
    ceiling: list[str] = []
    can_create: bool = False
    filter_community: str = "all"
    # + User dialog
    invite_open: bool = False
    addresses: str = ""
    address_count: str = ""   # "3 addresses", or a warning past the limit
    too_many: bool = False
    pick_communities: list[int] = []
    pick_roles: list[int] = []
    # community dialog
    community_open: bool = False
    community_error: str = ""
    # change roles dialog
    member_open: bool = False
    member_id: int = 0
    member_label: str = ""
    member_error: str = ""
    member_roles: list[int] = []

    def _refresh(self, db, viewer) -> None:
        communities = mc.managed_communities(db, viewer)  # read once: the check uses it too
        if not mc.offers_managed(db, viewer, communities):
            raise PermissionDenied("Managed Communities is for those who create or run "
                                   "managed and MSSP communities in this organization.")
        self.can_create = viewer.has(ORG_CREATE_COMMUNITY)
        self.communities = communities
        wanted = int(self.filter_community) if self.filter_community.isdigit() else None
        people = cm.list_people(db, viewer, wanted, utcnow())
        self.members, self.invitations = people["members"], people["invitations"]
        self.roles = cr.list_roles(db, viewer)
        self.ceiling = sorted(cr.permission_ceiling(db, viewer))

    def _start(self) -> None:
        """A fresh visit: dialogs closed and empty (a batch still running keeps its own)."""
        self.community_open = self.role_open = self.member_open = False
        self.community_error = self.role_error = self.member_error = ""
        if not self.inviting:
            self.invite_open = False
            self._clear_results()

    def _follow(self, viewer):
        return [managed_topic(viewer.organization_id)]

    def _page_path(self) -> str:
        return "/managed"

    def _topics(self, viewer, result) -> list[str]:
        """The organization's pages and, when the action returns one, a community's."""
        touched = [community_topic(result)] if isinstance(result, int) else []
        return [managed_topic(viewer.organization_id),
                organization_topic(viewer.organization_id)] + touched

    @rx.event
    def set_tab(self, value: str):
        if value in ("communities", "users", "roles"):
            self.tab = value

    @rx.event
    def set_filter_community(self, value: str):
        self.filter_community = value
        return self._reload()

    # --- + User -------------------------------------------------------------------------
    @rx.event
    def open_invite(self, value: bool = True):
        self.invite_open = value
        if value and not self.inviting:
            self._clear_results()
            self.addresses, self.pick_communities, self.pick_roles = "", [], []
            self._count("")

    @rx.event
    def set_addresses(self, value: str):
        if len(value) > MAX_BATCH_TEXT:
            self.invite_error = (f"The list is too long: at most {MAX_BATCH:,} addresses "
                                 f"({MAX_BATCH_TEXT:,} characters) in one invitation.")
            return None
        self.addresses, self.invite_error = value, ""
        self._count(value)
        return None

    def _count(self, text: str) -> None:
        count = len(ui.parse_addresses(text))
        self.too_many = count > MAX_BATCH
        self.address_count = count_note(count, "address", "addresses") if count else ""

    @rx.event
    def pick_community(self, community_id: int, on: bool):
        self.pick_communities = toggle(self.pick_communities, int(community_id), on,
                                        _ids(self.communities))

    @rx.event
    def pick_role(self, role_id: int, on: bool):
        self.pick_roles = toggle(self.pick_roles, int(role_id), on, _ids(self.roles))

    @rx.event(background=True)
    async def validate(self):
        """Invite the addresses entered, showing progress while the batch is checked."""
        def prepare():
            addresses, communities, roles = (self.addresses, list(self.pick_communities),
                                             list(self.pick_roles))
            mailer = user_mailer()
            return lambda db, v, progress: ui.invite_users(
                db, v, addresses, communities, roles, now=utcnow(), mailer=mailer,
                progress=progress)

        return await self._invite(prepare, "address")

    def _submit_id(self) -> str:
        return "plus-user-validate"

    # --- communities --------------------------------------------------------------------
    @rx.event
    def open_community(self, value: bool = True):
        self.community_open, self.community_error = value, ""

    @rx.event
    def create_community(self, form: dict):
        parent = str(form.get("parent", "none"))
        done = self._submit(lambda db, v: mc.create_managed_community(
            db, v, str(form.get("name", "")), str(form.get("description", "")),
            str(form.get("kind", "managed")), int(parent) if parent.isdigit() else None,
            now=utcnow()),
            "community_error")
        if not done.done:
            return done.away
        self.community_open = False
        self._reload()
        return rx.toast.success("Community created.")

    # --- members and invitations -------------------------------------------------------
    @rx.event
    def open_member(self, member_id: int):
        """Change roles of one of the members this tab was sent."""
        member = next((m for m in self.members if m["member_id"] == member_id), None)
        if member is None:
            return None
        self.member_open, self.member_error = True, ""
        self.member_id = int(member["member_id"])
        self.member_label = f"{member['name']} in {member['community']}"
        self.member_roles = [int(r) for r in str(member["role_ids"]).split(",") if r]
        return None

    @rx.event
    def close_member(self, value: bool = False):
        self.member_open = value

    @rx.event
    def pick_member_role(self, role_id: int, on: bool):
        self.member_roles = toggle(self.member_roles, int(role_id), on, _ids(self.roles))

    @rx.event
    def save_member_roles(self):
        """Set exactly the checked roles; a refusal stays in the dialog."""
        member_id, roles = self.member_id, list(self.member_roles)
        done = self._submit(lambda db, v: cm.change_roles(db, v, member_id, roles,
                                                          now=utcnow()), "member_error")
        if not done.done:
            return done.away
        self.member_open = False
        self._reload()
        self._announce(done)
        return rx.toast.success(f"Roles updated for {self.member_label}.")

    @rx.event
    def remove_member(self, member_id: int):
        return self._act(lambda db, v: cm.remove_member(db, v, member_id, now=utcnow()),
                         "Member removed; their access ended.", announce=True)

    @rx.event
    def resend(self, invitation_id: int):
        return self._act(lambda db, v: cm.resend(db, v, invitation_id, now=utcnow(),
                                                 mailer=user_mailer()),
                         "Invitation sent again with a new link; the old link no longer works.",
                         announce=True, invitation_id=invitation_id)

    @rx.event
    def revoke(self, invitation_id: int):
        return self._act(lambda db, v: cm.revoke(db, v, invitation_id, now=utcnow()),
                         "Invitation revoked.", announce=True, invitation_id=invitation_id)


register_refresher("managed", ManagedState)
