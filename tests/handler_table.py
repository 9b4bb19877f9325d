"""Every event handler a client can call: the guard it relies on and, for each one that
takes an id (as an argument, or from the page's path), how the authorization matrix calls
it with someone else's.

Keys are `module.Class.handler` of the state that defines the handler. To add a handler,
add a line here: `tests/test_handler_inventory.py` fails for a handler missing from this
table (and for a line whose handler is gone), and `tests/test_authz_matrix.py` drives every
`Entry` that has a `call`.

Guards:
  viewer      resolves the signed-in viewer from the session cookie (`run` in app/states/viewer.py) before
              it reads or changes anything; no viewer: back to sign-in.
  link-token  the token in the page's path (an emailed link) is the credential; acting on
              it needs the invited viewer too.
  none        the sign-in page and plain redirects: shows only what the client typed.
  ui          opens, closes or fills this tab's own dialog fields; reads and writes
              nothing in the database.
  setvar      Reflex's `setvar(var_name, value)`: calls `set_<var_name>` of that state,
              so it reaches exactly the state's `set_*` handlers (each on this table).
  reflex      Reflex's own plumbing (hydration, on-load, client storage, error reports).
"""

from collections.abc import Callable
from dataclasses import dataclass

VIEWER, LINK, NONE, UI, SETVAR, REFLEX = "viewer", "link-token", "none", "ui", "setvar", "reflex"
REFUSED, QUIET = "refused", "quiet"


@dataclass(frozen=True)
class Call:
    """Open `path` and send `steps` ((handler of the same state, payload), ...); the last
    step is the one that must be refused."""

    path: str
    steps: list


@dataclass(frozen=True)
class Entry:
    guard: str
    call: Callable | None = None  # Targets -> Call, for the handlers that take an id
    expect: str = REFUSED  # QUIET: may show nothing at all, but never leak nor change


def _page(path, *steps, opening="load"):
    """A call from a page that is open: its on-load handler ran first (as an attacker's
    tab would have), so the state holds what the server sent this viewer."""
    first = [(opening, {})] if opening else []
    return lambda t: Call(path.format(t=t), first + [s(t) if callable(s) else s
                                                      for s in steps])


def _community(*steps, opening="load"):
    return _page("/communities/{t.community}", *steps, opening=opening)


def _link(route, attr, *steps):
    return lambda t: Call(f"/{route}/{getattr(t, attr)}", list(steps))


def _live(path, opening="load"):
    return Entry(VIEWER, _page(path, lambda t: ("live_refresh", {"event_ids": t.events}),
                               opening=opening), QUIET)


COMMUNITY = "app.states.community.CommunityState."
INVITATIONS = "app.states.invitations.InvitationsState."
DETAILS = "app.states.invitations.InvitationDetails."
QUESTION = "app.states.invitations.RowQuestion."
OVERVIEW = "app.states.overview.OverviewState."
OVERVIEW_QUESTION = "app.states.overview.OverviewQuestion."
MANAGED = "app.states.managed.ManagedState."
USERS = "app.states.org_users.OrgUsersState."
ACCEPT, JOIN = "app.states.accept.AcceptState.", "app.states.join.JoinState."
ORG_INVITE = "app.states.org_invite.OrgInviteState."
LISTS, SHELL = "app.states.lists.", "app.states.shell.ShellState."
WEBHOOKS = "app.states.webhooks.WebhooksState."
IDP = "app.states.identity_provider.IdentityProviderState."

HANDLERS: dict[str, Entry] = {
    # --- Community Details (/communities/[cid]): the community id comes from the path ---
    COMMUNITY + "load": Entry(VIEWER, _community(("load", {}), opening=None)),
    COMMUNITY + "live_refresh": Entry(VIEWER, _community(
        lambda t: ("live_refresh", {"event_ids": t.events})), QUIET),
    COMMUNITY + "set_status_filter": Entry(VIEWER, _community(
        ("set_status_filter", {"value": "pending"})), QUIET),
    COMMUNITY + "show_more_invitations": Entry(VIEWER, _community(
        ("show_more_invitations", {})), QUIET),
    COMMUNITY + "sort_by": Entry(VIEWER, _community(("sort_by", {"key": "recipient"})), QUIET),
    COMMUNITY + "select_invitation": Entry(VIEWER, _community(
        lambda t: ("select_invitation", {"invitation_id": t.tenant_invitation}))),
    COMMUNITY + "select_tenant": Entry(VIEWER, _community(
        lambda t: ("select_tenant", {"organization_id": t.organization})), QUIET),
    COMMUNITY + "set_user_role": Entry(VIEWER, _community(lambda t: (
        "set_user_role", {"user_id": t.user, "role_key": "community_moderator"}))),
    COMMUNITY + "delete_community": Entry(VIEWER, _community(
        lambda t: ("set_delete_name", {"value": t.community_name}), ("delete_community", {}))),
    COMMUNITY + "leave": Entry(VIEWER, _community(
        lambda t: ("set_leave_name", {"value": t.own_org_name}), ("leave", {}))),
    COMMUNITY + "send_invite": Entry(VIEWER, _community(
        ("set_invite_email", {"value": "mallory@evil.example"}), ("send_invite", {}))),
    COMMUNITY + "resend": Entry(VIEWER, _community(
        lambda t: ("resend", {"invitation_id": t.tenant_invitation}))),
    COMMUNITY + "revoke": Entry(VIEWER, _community(
        lambda t: ("revoke", {"invitation_id": t.tenant_invitation}))),
    COMMUNITY + "confirm": Entry(VIEWER, _community(
        lambda t: ("confirm", {"invitation_id": t.accepted_invitation}))),
    COMMUNITY + "remove_tenant": Entry(VIEWER, _community(
        lambda t: ("remove_tenant", {"organization_id": t.organization}))),
    **{COMMUNITY + h: Entry(UI) for h in (
        "close_details", "open_delete", "open_invite", "open_leave", "set_delete_name",
        "set_invite_email", "set_leave_name", "set_tab")},
    # --- Invitations (/invitations) ---
    INVITATIONS + "live_refresh": _live("/invitations"),
    DETAILS + "open_details": Entry(VIEWER, _page("/invitations", lambda t: (
        "open_details", {"invitation_id": t.tenant_invitation}), opening=INVITATIONS + "load")),
    DETAILS + "close_details": Entry(UI),
    **{INVITATIONS + h: Entry(VIEWER, _page("/invitations", lambda t, h=h: (
        h, {"invitation_id": t.tenant_invitation})))
       for h in ("resend", "revoke", "accept", "decline")},
    QUESTION + "ask": Entry(UI),
    QUESTION + "set_open": Entry(UI),
    INVITATIONS + "confirm": Entry(VIEWER, _page("/invitations", lambda t: (
        "confirm", {"invitation_id": t.accepted_invitation}))),
    INVITATIONS + "set_filter": Entry(VIEWER, _page("/invitations", lambda t: (
        "set_filter", {"name": "place", "value": t.place})), QUIET),
    **{INVITATIONS + h: Entry(VIEWER) for h in (
        "load", "clear_filters", "next_page", "previous_page", "set_expiring", "set_failed",
        "set_renewal", "set_search",
        "sort_by", "toggle_status")},
    # --- Overview (/) ---
    OVERVIEW + "live_refresh": _live("/"),
    OVERVIEW + "load": Entry(VIEWER),
    OVERVIEW + "read_fare": Entry(VIEWER),  # the viewer's own side only
    OVERVIEW + "set_days": Entry(VIEWER),   # 30 or 90, then read_fare
    **{OVERVIEW + h: Entry(VIEWER, _page("/", lambda t, h=h: (
        h, {"invitation_id": t.tenant_invitation})))
       for h in ("resend", "revoke", "accept", "decline")},
    OVERVIEW + "confirm": Entry(VIEWER, _page("/", lambda t: (
        "confirm", {"invitation_id": t.accepted_invitation}))),
    OVERVIEW_QUESTION + "ask": Entry(UI),
    OVERVIEW_QUESTION + "set_open": Entry(UI),
    # --- Managed Communities (/managed) ---
    MANAGED + "live_refresh": _live("/managed"),
    MANAGED + "set_filter_community": Entry(VIEWER, _page("/managed", lambda t: (
        "set_filter_community", {"value": str(t.managed_community)})), QUIET),
    MANAGED + "validate": Entry(VIEWER, _page(
        "/managed", ("set_addresses", {"value": "mallory@evil.example"}),
        lambda t: ("pick_community", {"community_id": str(t.managed_community), "on": True}),
        lambda t: ("pick_role", {"role_id": str(t.role), "on": True}), ("validate", {}))),
    MANAGED + "create_community": Entry(VIEWER, _page("/managed", lambda t: (
        "create_community", {"form": {"name": "Evil Corp Clients", "description": "",
                                      "kind": "managed", "parent": str(t.mssp)}}))),
    MANAGED + "open_role": Entry(VIEWER, _page("/managed", lambda t: (
        "open_role", {"role_id": t.role})), QUIET),
    MANAGED + "save_role": Entry(VIEWER, _page(
        "/managed", lambda t: ("open_role", {"role_id": t.role}),
        ("set_role_name", {"value": "Hijacked"}),
        ("pick_permission", {"permission": "community.view", "on": True}), ("save_role", {}))),
    MANAGED + "delete_role": Entry(VIEWER, _page("/managed", lambda t: (
        "delete_role", {"role_id": t.role}))),
    MANAGED + "open_member": Entry(VIEWER, _page("/managed", lambda t: (
        "open_member", {"member_id": t.member})), QUIET),
    MANAGED + "save_member_roles": Entry(VIEWER, _page(
        "/managed", lambda t: ("open_member", {"member_id": t.member}),
        lambda t: ("pick_member_role", {"role_id": str(t.role), "on": True}),
        ("save_member_roles", {}))),
    MANAGED + "remove_member": Entry(VIEWER, _page("/managed", lambda t: (
        "remove_member", {"member_id": t.member}))),
    MANAGED + "resend": Entry(VIEWER, _page("/managed", lambda t: (
        "resend", {"invitation_id": t.user_invitation}))),
    MANAGED + "revoke": Entry(VIEWER, _page("/managed", lambda t: (
        "revoke", {"invitation_id": t.user_invitation}))),
    MANAGED + "load": Entry(VIEWER),
    **{MANAGED + h: Entry(UI) for h in (
        "close_member", "close_role", "copy_results", "open_community", "open_invite",
        "pick_community", "set_failures_only",
        "pick_member_role", "pick_permission", "pick_role", "set_addresses",
        "set_role_description", "set_role_name", "set_tab")},
    # --- User Management (/users) ---
    USERS + "live_refresh": _live("/users"),
    USERS + "add_member": Entry(VIEWER, _page(
        "/users", lambda t: ("set_member_username", {"value": t.own_username}),
        lambda t: ("add_member", {"group_id": t.group}))),
    USERS + "remove_member": Entry(VIEWER, _page(
        "/users", lambda t: ("set_member_username", {"value": "alice"}),
        lambda t: ("remove_member", {"group_id": t.group}))),
    USERS + "save_group": Entry(VIEWER, _page("/users", lambda t: (
        "save_group", {"group_id": t.group, "form": {"name": "Taken over",
                                                     "description": ""}}))),
    **{USERS + h: Entry(VIEWER, _page("/users", lambda t, h=h: (h, {"group_id": t.group})))
       for h in ("open_edit_group", "open_delete_group", "delete_group")},
    USERS + "delete_invitation": Entry(VIEWER, _page("/users", lambda t: (
        "delete_invitation", {"invitation_id": t.parent_invitation}))),
    USERS + "resend": Entry(VIEWER, _page("/users", lambda t: (
        "resend", {"invitation_id": t.parent_invitation}))),
    USERS + "send_invites": Entry(VIEWER, _page(
        "/users", ("set_chip_text", {"value": "alice "}),
        lambda t: ("pick_group", {"group_id": str(t.group), "on": True}),
        ("send_invites", {}))),
    **{USERS + h: Entry(VIEWER) for h in ("load", "set_status_filter",
                                          "show_more_invitations")},
    **{USERS + h: Entry(UI) for h in (
        "chip_key", "close_delete_group", "copy_results", "open_group", "open_invite",
        "pick_group", "pick_role", "remove_chip",
        "set_chip_text", "set_failures_only",
        "set_member_username", "set_tab")},
    # --- the shell and the list pages ---
    SHELL + "require_session": Entry(VIEWER),
    SHELL + "switch_to": Entry(VIEWER, _page("/", lambda t: (
        "switch_to", {"tenant_id": t.tenant_id}), opening="require_session")),
    SHELL + "sign_out": Entry(NONE),
    LISTS + "CommunitiesState.live_refresh": _live("/communities"),
    LISTS + "OrganizationsState.live_refresh": _live("/organizations"),
    LISTS + "MailboxState.live_refresh": _live("/mailbox"),
    **{LISTS + h: Entry(VIEWER) for h in (
        "CommunitiesState.load", "CommunitiesState.add_community", "CommunitiesState.set_search",
        "OrganizationsState.load", "OrganizationsState.add_organization", "MailboxState.load")},
    **{LISTS + h: Entry(UI) for h in ("CommunitiesState.open_add", "OrganizationsState.open_add")},
    "app.states.audit.AuditState.live_refresh": _live("/audit"),
    **{"app.states.audit.AuditState." + h: Entry(VIEWER) for h in (
        "load", "set_filter", "older", "newer")},
    # --- emailed links: the token in the path (here someone else's, one letter off) ---
    ACCEPT + "load": Entry(LINK, _link("invite", "tenant_link", ("load", {})), QUIET),
    ACCEPT + "live_refresh": Entry(LINK, lambda t: Call(
        f"/invite/{t.tenant_link}", [("load", {}), ("live_refresh", {"event_ids": t.events})]),
        QUIET),
    **{ACCEPT + h: Entry(LINK, _link("invite", "tenant_link", ("load", {}), (h, {})))
       for h in ("join", "decline", "ask_renewal")},
    ACCEPT + "set_decline_open": Entry(UI),
    ACCEPT + "sign_in_instead": Entry(NONE),
    JOIN + "load": Entry(LINK, _link("join", "join_link", ("load", {})), QUIET),
    JOIN + "accept": Entry(LINK, _link("join", "join_link", ("load", {}), ("accept", {}))),
    JOIN + "create_account": Entry(LINK, _link("join", "join_link", ("load", {}), (
        "create_account", {"form": {"display_name": "Mallory", "password": "p4ssw0rd-long",
                                    "confirm": "p4ssw0rd-long"}}))),
    JOIN + "open_communities": Entry(LINK, _link("join", "join_link", ("load", {}),
                                                 ("open_communities", {}))),
    JOIN + "sign_in": Entry(NONE),
    ORG_INVITE + "load": Entry(LINK, _link("org-invite", "org_link", ("load", {})), QUIET),
    ORG_INVITE + "accept": Entry(LINK, _link("org-invite", "org_link", ("load", {}),
                                             ("accept", {}))),
    ORG_INVITE + "open_organization": Entry(LINK, _link("org-invite", "org_link", ("load", {}),
                                                        ("open_organization", {}))),
    ORG_INVITE + "sign_in": Entry(NONE),
    # --- the sign-in page ---
    **{"app.states.signin.SignInState." + h: Entry(NONE) for h in ("load", "continue_", "back")},
    # --- forgot password (anyone; throttled) and the emailed link (the token is the key) ---
    **{"app.states.password_reset.ForgotPasswordState." + h: Entry(NONE)
       for h in ("load", "request_link")},
    **{"app.states.password_reset.ResetPasswordState." + h: Entry(LINK)
       for h in ("load", "choose_password")},
    # --- Account (/account): the viewer's own password and sessions, no id taken ---
    "app.states.account.AccountState.live_refresh": _live("/account"),
    **{"app.states.account.AccountState." + h: Entry(VIEWER)
       for h in ("load", "change_password", "sign_out_others")},
    # --- API tokens (/api-tokens): the viewer's own tokens; revoke names one ---
    "app.states.api_tokens.ApiTokensState.live_refresh": _live("/api-tokens"),
    **{"app.states.api_tokens.ApiTokensState." + h: Entry(VIEWER)
       for h in ("load", "create_token")},
    "app.states.api_tokens.ApiTokensState.dismiss_token": Entry(UI),
    "app.states.api_tokens.ApiTokensState.revoke": Entry(VIEWER, _page(
        "/api-tokens", lambda t: ("revoke", {"token_id": t.api_token}))),
    # --- Webhooks (/webhooks): the organization's endpoints; each action names one ---
    WEBHOOKS + "live_refresh": _live("/webhooks"),
    WEBHOOKS + "load": Entry(VIEWER),
    **{WEBHOOKS + h: Entry(VIEWER, _page("/webhooks", lambda t, h=h: (
        h, {"endpoint_id": t.webhook})))
       for h in ("open_edit", "rotate_secret", "send_test", "delete_endpoint",
                 "show_deliveries")},
    WEBHOOKS + "set_enabled": Entry(VIEWER, _page("/webhooks", lambda t: (
        "set_enabled", {"endpoint_id": t.webhook, "enabled": False}))),
    WEBHOOKS + "save_endpoint": Entry(VIEWER, _page("/webhooks", lambda t: (
        "save_endpoint", {"endpoint_id": t.webhook, "form": {
            "url": "https://127.0.0.1:9/taken-over", "description": "Taken over",
            "event:invitation.created": "on"}}))),
    WEBHOOKS + "redeliver": Entry(VIEWER, _page("/webhooks", lambda t: (
        "redeliver", {"delivery_id": t.webhook_delivery}))),
    **{WEBHOOKS + h: Entry(UI) for h in ("open_add", "dismiss_secret", "hide_deliveries")},
    # --- Identity provider (/identity-provider): the viewer's own organization's provider;
    # no handler names one (the service finds it from the viewer) ---
    IDP + "live_refresh": _live("/identity-provider"),
    **{IDP + h: Entry(VIEWER) for h in ("load", "save", "test_connection", "remove",
                                         "verify_domain")},
    **{IDP + h: Entry(UI) for h in ("set_typed_issuer", "set_allow_password",
                                    "set_just_in_time")},
    # --- Reflex's own ---
    **{"reflex.state." + h: Entry(REFLEX) for h in (
        "State.hydrate", "State.hydrate_and_load", "State.set_is_hydrated",
        "OnLoadInternalState.on_load_internal", "OnLoadInternalState.set_is_hydrated",
        "UpdateVarsInternalState.update_vars_internal",
        "FrontendEventExceptionState.handle_frontend_exception")},
}

# `setvar` exists on every state; what it reaches is checked by the inventory test.
SETVAR_STATES = [
    "reflex.state.State", "reflex.state.OnLoadInternalState",
    "reflex.state.UpdateVarsInternalState", "reflex.state.FrontendEventExceptionState",
    "reflex.istate.shared.SharedStateBaseInternal", "app.states.accept.AcceptState",
    "app.states.account.AccountState", "app.states.api_tokens.ApiTokensState",
    "app.states.password_reset.ForgotPasswordState",
    "app.states.password_reset.ResetPasswordState",
    "app.states.audit.AuditState", "app.states.community.CommunityState",
    "app.states.invitations.InvitationsState", "app.states.invitations.InvitationDetails",
    "app.states.invitations.RowQuestion", "app.states.overview.OverviewState",
    "app.states.overview.OverviewQuestion",
    "app.states.join.JoinState",
    "app.states.lists.CommunitiesState", "app.states.lists.MailboxState",
    "app.states.lists.OrganizationsState", "app.states.managed.ManagedState",
    "app.states.org_invite.OrgInviteState", "app.states.org_users.OrgUsersState",
    "app.states.shell.ShellState", "app.states.signin.SignInState",
    "app.states.webhooks.WebhooksState",
    "app.states.identity_provider.IdentityProviderState",
]
HANDLERS.update({f"{s}.setvar": Entry(SETVAR) for s in SETVAR_STATES})
