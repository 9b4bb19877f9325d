"""Each audit action in words: one function per action turns an event and the names it refers
to into a sentence ("Alice Admin revoked the invitation to bob@fabrikam.example for Wind Farm
Analytics"). Never an id: what cannot be named is "an invitation", "a user", "a community".

`references` says which ids an event names (the lookup fetches those and nothing else);
`sentence` writes it. Every action the app records has an entry in SENTENCES:
`services/audit.record` refuses any other, and a test scans app/ for action names.
"""

from collections.abc import Callable
from dataclasses import dataclass, field

from app.domain.permissions import BUILTIN_ROLES


@dataclass(frozen=True)
class InvitationRef:
    recipient: str
    place: str  # the community, or for a parent-user invitation the organization


@dataclass(frozen=True)
class Refs:
    """Names by id, fetched in bulk for a page of events."""

    users: dict[int, str] = field(default_factory=dict)
    organizations: dict[int, str] = field(default_factory=dict)
    communities: dict[int, str] = field(default_factory=dict)
    groups: dict[int, str] = field(default_factory=dict)
    invitations: dict[int, InvitationRef] = field(default_factory=dict)


@dataclass(frozen=True)
class Event:
    action: str
    actor: str  # the actor's display name, "" for none (the system, a link holder)
    target_type: str
    target_id: int | None
    details: dict


_TABLE_OF = {"invitation": "invitations", "community": "communities", "group": "groups",
             "organization": "organizations", "user": "users"}
_DETAIL_IDS = {"user_id": "users", "organization_id": "organizations"}
_SWITCH_IDS = {"from": "organizations", "to": "organizations"}


def references(event: Event) -> dict[str, set[int]]:
    """The ids `event` names, by table: its target and the ids in its details."""
    wanted: dict[str, set[int]] = {}
    if event.target_id and event.target_type in _TABLE_OF:
        wanted.setdefault(_TABLE_OF[event.target_type], set()).add(event.target_id)
    named = _SWITCH_IDS if event.action == "session.switch_organization" else _DETAIL_IDS
    for key, table in named.items():
        value = event.details.get(key)
        if isinstance(value, int) and not isinstance(value, bool):
            wanted.setdefault(table, set()).add(value)
    return wanted


_ROLE_NAMES = {role.key: role.name for role in BUILTIN_ROLES}
_ENDED_BECAUSE = {"replaced": " because a new invitation replaced it",
                  "archived": " because the community was deleted",
                  "membership_ended": " because the tenant left or was removed"}
_KIND_WORDS = {"mssp": "MSSP community", "managed": "managed community"}


class _Say:
    """What one sentence needs, each name with its words for "unknown"."""

    def __init__(self, e: Event, r: Refs):
        self.e, self.r, self.d = e, r, e.details

    @property
    def who(self) -> str:
        return self.e.actor or "Someone"

    def _invitation(self) -> InvitationRef | None:
        return self.r.invitations.get(self.e.target_id or 0)

    @property
    def recipient(self) -> str:
        inv = self._invitation()
        return (self.d.get("recipient") or self.d.get("username") or self.d.get("to")
                or (inv.recipient if inv else "") or "someone")

    @property
    def place(self) -> str:
        inv = self._invitation()
        return (inv.place if inv else "") or "a community"

    @property
    def community(self) -> str:
        return (self.d.get("name") or self.r.communities.get(self.e.target_id or 0)
                or "a community")

    @property
    def group(self) -> str:
        return self.d.get("name") or self.r.groups.get(self.e.target_id or 0) or "a group"

    def user(self, key: str = "user_id") -> str:
        return self.r.users.get(self.d.get(key) or 0) or "a user"

    def organization(self, key: str = "organization_id") -> str:
        return self.r.organizations.get(self.d.get(key) or 0) or "an organization"

    def roles(self, names: list[str]) -> str:
        return ", ".join(_ROLE_NAMES.get(n, n) for n in names)

    @property
    def invitation(self) -> str:
        return f"the invitation to {self.recipient} for {self.place}"


def _revoke(s: _Say) -> str:
    return f"{s.who} revoked {s.invitation}{_ENDED_BECAUSE.get(s.d.get('reason', ''), '')}"


def _accept(s: _Say) -> str:
    tenant = s.d.get("tenant")
    return f"{s.who} accepted the invitation to {s.place}" + (f" for {tenant}" if tenant else "")


def _decline(s: _Say) -> str:
    reason = str(s.d.get("decline_reason") or "").strip()
    return (f"{s.who} declined the invitation to {s.place}"
            + (f', saying "{reason}"' if reason else ""))


def _delivery_failed(s: _Say) -> str:
    error = str(s.d.get("error") or "").strip()
    return (f"The invitation email to {s.recipient} for {s.place} could not be delivered"
            + (f": {error}" if error else ""))


def _community_create(s: _Say) -> str:
    kind = _KIND_WORDS.get(s.d.get("kind", ""), "community")
    return f"{s.who} created the {kind} {s.community}"


def _archive(s: _Say) -> str:
    more = len(s.d.get("with") or [])
    tail = f" and its {more} managed communities" if more > 1 else (
        " and its managed community" if more else "")
    return f"{s.who} deleted the community {s.community}{tail}"


def _set_member_role(s: _Say) -> str:
    role = s.d.get("role", "")
    if role == "none":
        return f"{s.who} took {s.user()}'s role in {s.community} away"
    return f"{s.who} made {s.user()} {_ROLE_NAMES.get(role, 'a member')} of {s.community}"


def _change_member_roles(s: _Say) -> str:
    roles = s.roles(s.d.get("roles") or [])
    return f"{s.who} set {s.user()}'s roles in {s.community} to {roles or 'none'}"


def _group_roles(s: _Say) -> str:
    roles = s.roles(s.d.get("roles") or [])
    return (f"{s.who} set the roles the group {s.group} grants to {roles}" if roles
            else f"{s.who} took every role from the group {s.group}")


def _group_delete(s: _Say) -> str:
    members = s.d.get("members") or 0
    return f"{s.who} deleted the group {s.group}" + (
        f", which had {members} member{'s' if members != 1 else ''}" if members else "")


def _number(count) -> int:
    return count if isinstance(count, int) and not isinstance(count, bool) else 0


def _sessions(count, which: str = "") -> str:
    """"2 other sessions", "1 session"."""
    return f"{_number(count)} {which}session{'s' if _number(count) != 1 else ''}"


def _count(count, which: str = "") -> str:
    """", signing out 2 other sessions" (nothing for none)."""
    return f", signing out {_sessions(count, which)}" if _number(count) > 0 else ""


def _target_user(s: _Say) -> str:
    return s.r.users.get(s.e.target_id or 0) or "a user"


def _role(verb: str) -> Callable[[_Say], str]:
    return lambda s: f"{s.who} {verb} the role {s.d.get('name') or 'a role'}"


_PROVIDER_FIELDS = {"name": "name", "issuer": "issuer URL", "client_id": "client ID",
                    "client_secret": "client secret", "scopes": "scopes",
                    "email_claim": "email claim", "domains": "email domains",
                    "password_sign_in": "password sign-in",
                    "just_in_time": "account creation for new people"}


def _provider(s: _Say) -> str:
    name = s.d.get("name")
    return f"the identity provider {name}" if name else "an identity provider"


def _on_off(value) -> str:
    return {True: "on", False: "off"}.get(value, "")


def _provider_updated(s: _Say) -> str:
    changed = [c for c in s.d.get("changed") or [] if c in _PROVIDER_FIELDS]
    said = f"{s.who} changed {_provider(s)}"
    if changed:
        said += f" ({', '.join(_PROVIDER_FIELDS[c] for c in changed)})"
    turned = _on_off(s.d.get("password_sign_in"))
    return said + (f", turning password sign-in {turned}"
                   if "password_sign_in" in changed and turned else "")


def _password_sign_in(s: _Say) -> str:
    turned = _on_off(s.d.get("password_sign_in"))
    return (f"Password sign-in was turned {turned}" if turned
            else "Password sign-in was switched") + f" from the command line for {_provider(s)}"


SENTENCES: dict[str, Callable[[_Say], str]] = {
    "invitation.send": lambda s: f"{s.who} invited {s.recipient} to {s.place}",
    "invitation.resend": lambda s: f"{s.who} sent {s.invitation} again, with a new link",
    "invitation.reinvite": lambda s: f"{s.who} renewed the expired invitation to "
                                     f"{s.recipient} for {s.place}",
    "invitation.reminder": lambda s: f"Commons reminded {s.recipient} of the invitation to "
                                     f"{s.place}",
    "invitation.revoke": _revoke,
    "invitation.delete": lambda s: f"{s.who} deleted {s.invitation}",
    "invitation.accept": _accept,
    "invitation.decline": _decline,
    "invitation.confirm": lambda s: f"{s.who} confirmed {s.organization()} as a tenant of "
                                    f"{s.place}",
    "invitation.renewal_requested": lambda s: f"{s.recipient} asked for a new invitation to "
                                              f"{s.place}",
    "invitation.delivered": lambda s: f"The invitation email to {s.recipient} for {s.place} "
                                      "was delivered",
    "invitation.delivery_failed": _delivery_failed,
    "community.create": _community_create,
    "community.archive": _archive,
    "community.set_member_role": _set_member_role,
    "community.change_member_roles": _change_member_roles,
    "community.remove_member": lambda s: f"{s.who} removed {s.user()} from {s.community}",
    "community.remove_tenant": lambda s: f"{s.who} removed the tenant {s.organization()} "
                                         f"from {s.community}",
    "community.leave": lambda s: f"{s.who} took {s.organization()} out of {s.community}",
    "group.create": lambda s: f"{s.who} created the group {s.group}",
    "group.rename": lambda s: f"{s.who} renamed the group {s.d.get('from') or 'a group'} "
                              f"to {s.group}",
    "group.describe": lambda s: f"{s.who} changed the description of the group {s.group}",
    "group.delete": _group_delete,
    "group.add_member": lambda s: f"{s.who} added {s.user()} to the group {s.group}",
    "group.remove_member": lambda s: f"{s.who} removed {s.user()} from the group {s.group}",
    "group.set_roles": _group_roles,
    "role.create": _role("created"),
    "role.update": _role("changed"),
    "role.delete": _role("deleted"),
    "organization.create": lambda s: f"{s.who} created the organization "
                                     f"{s.d.get('name') or 'a new organization'}",
    "session.sign_in": lambda s: f"{s.who} signed in"
                                 + (f" through {s.d['provider']}" if s.d.get("provider") else ""),
    "user.identity_linked": lambda s: f"{s.who} signed in through "
                                      f"{s.d.get('provider') or 'an identity provider'} for the "
                                      "first time, which linked their account to it",
    "user.created_just_in_time": lambda s: f"{s.who} got an account by signing in through "
                                           f"{s.d.get('provider') or 'an identity provider'}",
    "session.sign_in_with_code": lambda s: f"{s.who} signed in at once after creating "
                                           "their account from an invitation",
    "session.sign_out": lambda s: f"{s.who} signed out",
    "session.switch_organization": lambda s: f"{s.who} switched from {s.organization('from')} "
                                             f"to {s.organization('to')}",
    "session.sign_out_others": lambda s: f"{s.who} signed out "
                                         + _sessions(s.d.get("sessions_ended"), "other "),
    "user.password_changed": lambda s: f"{s.who} changed their password"
                                       + _count(s.d.get("other_sessions_ended"), "other "),
    "user.password_reset_requested": lambda s: "Commons emailed a link to choose a new "
                                               f"password to {_target_user(s)}",
    "user.password_reset": lambda s: f"{s.who} chose a new password through an emailed link"
                                     + _count(s.d.get("sessions_ended")),
    "api_token.create": lambda s: f"{s.who} created the API token "
                                  f"{s.d.get('name') or 'without a name'}"
                                  + (" (read only)" if s.d.get("scope") == "read" else ""),
    "api_token.revoke": lambda s: f"{s.who} revoked the API token "
                                  f"{s.d.get('name') or 'without a name'}",
    "webhook.create": lambda s: f"{s.who} added the webhook endpoint {s.d.get('url', '')}",
    "webhook.update": lambda s: f"{s.who} changed the webhook endpoint {s.d.get('url', '')}",
    "webhook.delete": lambda s: f"{s.who} deleted the webhook endpoint {s.d.get('url', '')}",
    "webhook.rotate_secret": lambda s: f"{s.who} rotated the signing secret of the webhook "
                                       f"endpoint {s.d.get('url', '')} (the old one signs "
                                       "for 24 hours more)",
    "webhook.enable": lambda s: f"{s.who} enabled the webhook endpoint {s.d.get('url', '')}",
    "webhook.disable": lambda s: f"{s.who} disabled the webhook endpoint {s.d.get('url', '')}",
    "webhook.auto_disable": lambda s: f"Commons disabled the webhook endpoint "
                                      f"{s.d.get('url', '')}: {s.d.get('reason', '')}",
    "webhook.test": lambda s: f"{s.who} sent a test event to {s.d.get('url', '')}",
    "webhook.redeliver": lambda s: f"{s.who} asked to deliver a {s.d.get('type', 'webhook')} "
                                   f"event again to {s.d.get('url', '')}",
    "identity_provider.created": lambda s: f"{s.who} set up {_provider(s)} for single "
                                           "sign-on",
    "identity_provider.updated": _provider_updated,
    "identity_provider.removed": lambda s: f"{s.who} removed {_provider(s)}",
    "identity_provider.domain_verified": lambda s: f"{s.who} verified the email domain "
                                                   f"{s.d.get('domain', '')} of {_provider(s)}",
    "identity_provider.password_sign_in": _password_sign_in,
    "user.create": lambda s: f"{s.who} created an account"
                             + (f" for {s.d['email']}" if s.d.get("email") else "")
                             + " from an invitation",
}


def sentence(event: Event, refs: Refs) -> str:
    """`event` in words, ending with a full stop."""
    write = SENTENCES.get(event.action)
    said = write(_Say(event, refs)) if write else f"{event.actor or 'Someone'} made a change"
    return said if said.endswith((".", "!", "?")) else said + "."
