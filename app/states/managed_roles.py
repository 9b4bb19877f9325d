"""The Roles tab's dialog of Managed Communities: create, edit and delete a custom role."""

import reflex as rx

from app.domain.permissions import COMMUNITY_PERMISSIONS
from app.domain.wording import the_named
from app.models import utcnow
from app.services import custom_roles as cr


def toggle(items: list, value, on: bool, offered) -> list:
    """Pick or unpick `value`; only a value the page offered can be picked, so a client
    cannot grow the list with values of its own."""
    rest = [v for v in items if v != value]
    return rest + [value] if on and value in offered else rest


class RoleDialog(rx.State, mixin=True):
    """Needs the page's `roles` (the roles this tab was sent), `_submit`, `_act`, `_reload`."""

    role_open: bool = False
    role_id: int = 0
    role_name: str = ""
    role_description: str = ""
    role_perms: list[str] = []
    role_error: str = ""

    @rx.event
    def open_role(self, role_id: int = 0):
        """The role dialog: empty for a new role, or one of the roles this tab was sent."""
        role = next((r for r in self.roles if r["id"] == role_id), {}) if role_id else {}
        if role_id and (not role or not role["custom"]):
            return None
        self.role_open, self.role_error = True, ""
        self.role_id = int(role.get("id", 0) or 0)
        self.role_name = str(role.get("name", ""))
        self.role_description = str(role.get("description", ""))
        self.role_perms = list(role.get("permission_list", []))
        return None

    @rx.event
    def close_role(self, value: bool = False):
        self.role_open = value

    @rx.event
    def set_role_name(self, value: str):
        self.role_name = value[:80]

    @rx.event
    def set_role_description(self, value: str):
        self.role_description = value[:500]

    @rx.event
    def pick_permission(self, permission: str, on: bool):
        if permission in COMMUNITY_PERMISSIONS:
            self.role_perms = toggle(self.role_perms, permission, on, COMMUNITY_PERMISSIONS)

    @rx.event
    def save_role(self):
        done = self._submit(lambda db, v: cr.save_role(
            db, v, self.role_name, self.role_description, self.role_perms,
            self.role_id or None, now=utcnow()), "role_error")
        if not done.done:
            return done.away
        self.role_open = False
        self._reload()
        return rx.toast.success(f"Saved {the_named('role', [self.role_name.strip()])}.")

    @rx.event
    def delete_role(self, role_id: int):
        name = next((str(r["name"]) for r in self.roles if r["id"] == role_id), "")
        return self._act(lambda db, v: cr.delete_role(db, v, role_id, now=utcnow()),
                         f"Deleted {the_named('role', [name])}." if name else "Role deleted.",
                         announce=False)
