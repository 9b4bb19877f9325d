"""Route constants and URL builders: pages never format URLs by hand."""

from urllib.parse import urlencode, urlsplit

HOME = "/"
SIGNIN = "/signin"
COMMUNITIES = "/communities"
USERS = "/users"
ORGANIZATIONS = "/organizations"
INVITATIONS = "/invitations"
MANAGED = "/managed"
MAILBOX = "/mailbox"
AUDIT = "/audit"
ACCOUNT = "/account"
API_TOKENS = "/api-tokens"
WEBHOOKS = "/webhooks"
IDENTITY_PROVIDER = "/identity-provider"
FORGOT_PASSWORD = "/forgot-password"
RESET_PASSWORD = "/reset/[token]"

API_SIGNIN = "/auth/signin"
API_SIGNOUT = "/auth/signout"
API_SSO = "/auth/sso"  # signing in through an organization's identity provider
API_SSO_START = "/auth/sso/start"
API_SSO_CALLBACK = "/auth/sso/callback"
API_SIGN_IN_CODE = "/auth/code"  # a just-created account signs in with a one-minute code


MAX_NEXT = 2000  # characters of a path to return to


def safe_next(path: str | None) -> str:
    """A path of this site to return to after sign-in, with its query string (a page's
    filters); anything else (another site: `//evil`, `/\\evil`, `http:`, `javascript:`; a
    control character or space, which browsers drop, turning `/<tab>/evil` into `//evil`;
    the sign-in pages themselves) becomes the home page."""
    if not path or len(path) > MAX_NEXT or not path.startswith("/") or path.startswith("//"):
        return HOME
    if "\\" in path or any(ord(c) <= 0x20 or ord(c) == 0x7F for c in path):
        return HOME
    parts = urlsplit(path)
    if parts.scheme or parts.netloc:
        return HOME
    if parts.path.rstrip("/") in (SIGNIN, FORGOT_PASSWORD) or parts.path.startswith("/reset/"):
        return HOME
    return path


def signin(next_path: str | None = None, tenant: str | None = None,
           error: str | None = None, user: str | None = None,
           reason: str | None = None) -> str:
    """The sign-in page: `tenant` and `user` fill its fields again, `error` or `reason`
    (why the session ended) pick its message, `next_path` is where it returns to."""
    params = {k: v for k, v in {"tenant": tenant, "user": user, "error": error,
                                "reason": reason, "next": next_path}.items() if v}
    if params.get("next") == HOME:
        params.pop("next")
    return SIGNIN + ("?" + urlencode(params) if params else "")


def sso_callback(base_url: str, tenant_id: str) -> str:
    """Where an organization's provider sends people back: each organization its own, so
    that a code from one provider is never taken for another's (a mix-up)."""
    return f"{base_url}{API_SSO_CALLBACK}/{tenant_id}"


def forgot_password(email: str | None = None) -> str:
    return FORGOT_PASSWORD + ("?" + urlencode({"email": email}) if email else "")


def reset_link(base_url: str, token: str) -> str:
    return f"{base_url}/reset/{token}"


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
