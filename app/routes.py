"""Route constants and URL builders: pages never format URLs by hand."""

from urllib.parse import urlencode

HOME = "/"
SIGNIN = "/signin"
COMMUNITIES = "/communities"
USERS = "/users"
ORGANIZATIONS = "/organizations"
INVITATIONS = "/invitations"
MANAGED = "/managed"
MAILBOX = "/mailbox"
AUDIT = "/audit"

API_SIGNIN = "/auth/signin"
API_SIGNOUT = "/auth/signout"


def safe_next(path: str | None) -> str:
    """A local path to return to after sign-in; anything else becomes the home page."""
    if not path or not path.startswith("/") or path.startswith("//") or "\\" in path:
        return HOME
    if path.rstrip("/") == SIGNIN:
        return HOME
    return path


def signin(next_path: str | None = None, tenant: str | None = None,
           error: str | None = None) -> str:
    params = {k: v for k, v in
              {"tenant": tenant, "error": error, "next": next_path}.items() if v}
    if params.get("next") == HOME:
        params.pop("next")
    return SIGNIN + ("?" + urlencode(params) if params else "")

ACCEPT = "/invite/[token]"
JOIN = "/join/[token]"
ORG_INVITE = "/org-invite/[token]"
COMMUNITY_DETAILS = "/communities/[cid]"


def community(community_id: int, invitation_id: int | None = None) -> str:
    path = f"{COMMUNITIES}/{community_id}"
    return path + (f"?invitation={invitation_id}" if invitation_id else "")


def accept_link(base_url: str, token: str) -> str:
    return f"{base_url}/invite/{token}"


def join_link(base_url: str, token: str) -> str:
    return f"{base_url}/join/{token}"


def org_invite_link(base_url: str, token: str) -> str:
    return f"{base_url}/org-invite/{token}"
