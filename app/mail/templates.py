"""Text and HTML bodies of the messages Commons sends; every value is escaped in HTML."""

from datetime import datetime
from html import escape


def _when(moment: datetime) -> str:
    return moment.strftime("%d %B %Y, %H:%M UTC")


def _html(paragraphs: list[str], link: str, button: str) -> str:
    body = "".join(f"<p>{escape(p)}</p>" for p in paragraphs)
    return (f"<div style=\"font-family:sans-serif;max-width:560px\">{body}"
            f"<p><a href=\"{escape(link, quote=True)}\" style=\"background:#3e63dd;color:#fff;"
            f"padding:10px 16px;border-radius:6px;text-decoration:none\">{escape(button)}</a></p>"
            f"<p style=\"color:#666;font-size:12px\">{escape(link)}</p></div>")


def tenant_invitation(*, inviter: str, inviter_org: str, community: str, expires_at: datetime,
                      link: str) -> tuple[str, str, str]:
    """(subject, text, html) of a tenant invitation."""
    subject = f"{inviter_org} invites your tenant to the community {community}"
    paragraphs = [
        f"{inviter} of {inviter_org} invites your tenant to join the community {community} "
        "in Commons.",
        "To accept, you must be a Tenant Administrator of your tenant. Open the invitation, "
        "sign in with your Tenant ID or alias, and select Join. Membership begins once "
        f"{inviter_org} confirms.",
        f"What it grants: your tenant becomes a member tenant of {community}, and its "
        "administrators get the Community Moderator role there.",
        f"This invitation expires on {_when(expires_at)}.",
    ]
    text = "\n\n".join(paragraphs + [f"View invitation: {link}"]) + "\n"
    return subject, text, _html(paragraphs, link, "View invitation")


def tenant_joined(*, invitee: str, invitee_org: str, community: str,
                  link: str) -> tuple[str, str, str]:
    """(subject, text, html) telling the inviter that a tenant accepted and awaits confirmation."""
    subject = f"{invitee_org} accepted your invitation to {community}: please confirm"
    paragraphs = [
        f"{invitee} accepted, for {invitee_org}, your invitation to the community {community}.",
        "Membership begins when you confirm: open the invitation and select Confirm Tenant.",
    ]
    text = "\n\n".join(paragraphs + [f"Invitation details: {link}"]) + "\n"
    return subject, text, _html(paragraphs, link, "Invitation details")


def invitation_declined(*, recipient: str, where: str, reason: str,
                        link: str) -> tuple[str, str, str]:
    """(subject, text, html) telling the inviter that the invitation was declined, and why
    when the invitee said."""
    subject = f"{recipient} declined your invitation to {where}"
    paragraphs = [f"{recipient} declined your invitation to {where}.",
                  f"Their reason: {reason}" if reason else "They gave no reason.",
                  "You can invite them again at any time."]
    text = "\n\n".join(paragraphs + [f"Invitation details: {link}"]) + "\n"
    return subject, text, _html(paragraphs, link, "Invitation details")


def renewal_request(*, recipient: str, community: str, link: str) -> tuple[str, str, str]:
    """(subject, text, html) asking the inviter to resend an expired invitation."""
    subject = f"{recipient} asks for a new invitation to {community}"
    paragraphs = [
        f"The invitation you sent to {recipient} for the community {community} expired "
        "before it was used.",
        f"{recipient} asks for a new one: open the invitation and select Resend Invitation.",
    ]
    text = "\n\n".join(paragraphs + [f"Invitation details: {link}"]) + "\n"
    return subject, text, _html(paragraphs, link, "Invitation details")


def user_invitation(*, inviter: str, inviter_org: str, communities: list[str], roles: list[str],
                    expires_at: datetime, link: str) -> tuple[str, str, str]:
    """(subject, text, html) of an invitation into managed communities with roles."""
    where = ", ".join(communities)
    subject = f"{inviter} invites you to {where} in Commons"
    paragraphs = [
        f"{inviter} of {inviter_org} invites you to join {where} in Commons.",
        f"Your roles there: {', '.join(roles)}.",
        "Open the invitation to accept it. If you have no Commons account yet, you can "
        "create one with this email address on the same page.",
        f"This invitation expires on {_when(expires_at)}.",
    ]
    text = "\n\n".join(paragraphs + [f"Accept invitation: {link}"]) + "\n"
    return subject, text, _html(paragraphs, link, "Accept invitation")


def parent_invitation(*, inviter: str, organization: str, groups: list[str],
                      expires_at: datetime, link: str) -> tuple[str, str, str]:
    """(subject, text, html) inviting a parent organization's user into a child one."""
    subject = f"{inviter} invites you to join {organization}"
    paragraphs = [
        f"{inviter} invites you to join the organization {organization} in Commons"
        + (f", in the groups {', '.join(groups)}." if groups else "."),
        "Your account stays in your own organization; accepting adds you to this one.",
        f"The invitation link is valid for 72 hours, until {_when(expires_at)}.",
    ]
    text = "\n\n".join(paragraphs + [f"Accept Invitation: {link}"]) + "\n"
    return subject, text, _html(paragraphs, link, "Accept Invitation")


def password_reset(*, name: str, expires_at: datetime, link: str) -> tuple[str, str, str]:
    """(subject, text, html) of the link to choose a new password."""
    subject = "Choose a new Commons password"
    paragraphs = [
        f"Hello {name}, someone (we hope you) asked to choose a new password for your "
        "Commons account.",
        f"The link works once, until {_when(expires_at)}. Choosing a new password signs "
        "out every session of your account.",
        "If you did not ask for this, ignore this email: your password stays as it is.",
    ]
    text = "\n\n".join(paragraphs + [f"Choose a new password: {link}"]) + "\n"
    return subject, text, _html(paragraphs, link, "Choose a new password")
