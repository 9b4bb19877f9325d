"""The Groups tab of User Management > Users: a dialog to create or edit a group (name,
description, and the roles it grants picked from a labelled list), members, and deleting a
group after a confirmation that names what goes with it."""

import reflex as rx

from app.domain.wording import counted, the_named
from app.live.topics import invitation_topic
from app.models import utcnow
from app.services import groups as gr
from app.states.broadcast import broadcast
from app.states.viewer import run

NAMED = 10  # names a confirmation lists before "and N more"


def _some(names: list[str]) -> str:
    shown = ", ".join(names[:NAMED])
    return shown + (f" and {len(names) - NAMED} more" if len(names) > NAMED else "")


def deletion_words(preview: dict) -> str:
    """What deleting a group takes away, in the words of the confirmation."""
    members, roles, invited = preview["members"], preview["roles"], preview["invitations"]
    if not members:
        said = "It has no members."
    elif roles:
        said = (f"Its {counted(len(members), 'member')} ({_some(members)}) "
                f"{'loses' if len(members) == 1 else 'lose'} {the_named('role', roles)}, "
                "which it grants.")
    else:
        said = (f"Its {counted(len(members), 'member')} ({_some(members)}) "
                f"{'leaves' if len(members) == 1 else 'leave'} it; it grants no roles.")
    if not invited:
        return said + " No open invitations lead into it."
    links = "its link stops" if len(invited) == 1 else "their links stop"
    return (f"{said} {counted(len(invited), 'open invitation')} into it "
            f"({_some(invited)}) will be deleted; {links} working.")


class GroupDialogs(rx.State, mixin=True):
    groups: list[dict[str, str | int]] = []
    role_choices: list[dict[str, str | bool]] = []
    member_username: str = ""
    # the group dialog: editing_id 0 creates a group
    group_open: bool = False
    group_error: str = ""
    editing_id: int = 0
    group_name: str = ""
    group_description: str = ""
    pick_roles: list[str] = []
    # the delete confirmation
    deleting_id: int = 0
    delete_title: str = ""
    delete_text: str = ""

    def _read_groups(self, db, viewer, allowed: bool) -> None:
        """The groups and role choices (for who may manage groups); a dialog whose group
        is gone (someone else deleted it) closes."""
        self.groups = gr.list_groups(db, viewer) if allowed else []
        self.role_choices = gr.role_choices(viewer) if allowed else []
        present = {int(g["id"]) for g in self.groups}
        if self.editing_id and self.editing_id not in present:
            self.group_open, self.editing_id = False, 0
        if self.deleting_id not in present:
            self.deleting_id = 0

    def _the_group(self, group_id: int) -> str:
        """"the group Support": a group this tab shows, by its name."""
        name = next((str(g["name"]) for g in self.groups if int(g["id"]) == int(group_id)), "")
        return the_named("group", [name]) if name else "the group"

    def _close_group_dialogs(self) -> None:
        self.group_open, self.editing_id, self.deleting_id = False, 0, 0
        self.group_error = ""

    @rx.event
    def open_group(self, value: bool = True):
        """Open an empty New group dialog (or close the dialog)."""
        self.group_open, self.group_error = value, ""
        if value:
            self.editing_id, self.group_name, self.group_description = 0, "", ""
            self.pick_roles = []

    @rx.event
    def open_edit_group(self, group_id: int):
        """Open the dialog on the group as it is now (read as the viewer)."""
        done = run(self, lambda db, v: gr.group_form(db, v, int(group_id)))
        if not done.done:
            return done.stop()
        form = done.result
        self.editing_id, self.group_name = form["id"], form["name"]
        self.group_description, self.pick_roles = form["description"], form["role_keys"]
        self.group_open, self.group_error = True, ""

    @rx.event
    def pick_role(self, key: str, on: bool):
        rest = [k for k in self.pick_roles if k != key]
        self.pick_roles = rest + [key] if on and key in gr.GROUP_ROLES else rest

    @rx.event
    def save_group(self, group_id: int, form: dict):
        """Create the group (`group_id` 0) or rename and change it."""
        name, about, roles = str(form.get("name", "")), str(form.get("description", "")), \
            list(self.pick_roles)
        group_id = int(group_id)
        done = self._submit(
            lambda db, v: gr.update_group(db, v, group_id, name, about, roles, now=utcnow())
            if group_id else gr.create_group(db, v, name, about, roles, now=utcnow()),
            "group_error")
        if not done.done:
            return done.away
        self.group_open, self.editing_id = False, 0
        self._reload()
        broadcast(self, self._topics(done.viewer, done.result), done.event_ids)
        group = self._the_group(group_id or done.result)
        return rx.toast.success(f"Saved {group}." if group_id else f"Created {group}.")

    @rx.event
    def set_member_username(self, value: str):
        self.member_username = value[:64]

    @rx.event
    def add_member(self, group_id: int):
        name = self.member_username
        self.member_username = ""
        return self._act(lambda db, v: gr.set_member(db, v, group_id, name, True, now=utcnow()),
                         f"{name} added to {self._the_group(group_id)}.")

    @rx.event
    def remove_member(self, group_id: int):
        name = self.member_username
        self.member_username = ""
        return self._act(lambda db, v: gr.set_member(db, v, group_id, name, False, now=utcnow()),
                         f"{name} removed from {self._the_group(group_id)}.")

    @rx.event
    def open_delete_group(self, group_id: int):
        """Ask before deleting: name the members, roles and open invitations that go."""
        done = run(self, lambda db, v: gr.deletion_preview(db, v, int(group_id)))
        if not done.done:
            return done.stop()
        self.deleting_id = done.result["id"]
        self.delete_title = f"Delete the group {done.result['name']}?"
        self.delete_text = deletion_words(done.result)

    @rx.event
    def close_delete_group(self, value: bool = False):
        if not value:
            self.deleting_id = 0

    @rx.event
    def delete_group(self, group_id: int):
        """Delete the group; other tabs and the ended invitations' pages hear of it."""
        group_id = int(group_id)
        done = run(self, lambda db, v: gr.delete_group(db, v, group_id, now=utcnow()))
        if not done.done:
            return done.stop()
        self.deleting_id = 0
        group = self._the_group(group_id)
        self._reload()
        ended = list(done.result)
        broadcast(self, self._topics(done.viewer, ended) + [invitation_topic(i) for i in ended],
                  done.event_ids, invitation_ids=ended)
        if not ended:
            return rx.toast.success(f"Deleted {group}.")
        return rx.toast.success(
            f"Deleted {group} and {counted(len(ended), 'open invitation')} into it.")
