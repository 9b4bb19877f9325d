"""Where this instance's mail goes, as the start log, the menu and the shell tell it.

Three set-ups: a real SMTP server (COMMONS_SMTP_URL); the built-in dev mailbox
(COMMONS_DEV_MAILBOX=1, a development aid that shows every message to every signed-in
user); or neither, when mail waits in the outbox until a server is set.
"""

from app.settings import Settings

LOUD = ("WARNING: the built-in dev mailbox is on and COMMONS_BASE_URL is not a loopback "
        "address: every signed-in user can read every email, including invitation links. "
        "Turn COMMONS_DEV_MAILBOX off and set COMMONS_SMTP_URL.")


def start_log(settings: Settings) -> list[str]:
    """The lines the command line prints about mail before the app starts."""
    if settings.dev_mailbox:
        lines = ["warning: mail goes to the built-in dev mailbox (COMMONS_DEV_MAILBOX=1): "
                 "its Mailbox page shows every message, with working links, to every "
                 "signed-in user. Use it for development only."]
        if not settings.loopback_base_url:
            lines += ["!" * 78, LOUD, "!" * 78]
        return lines
    if not settings.mail_configured:
        return ["warning: mail is not configured: messages stay queued until "
                "COMMONS_SMTP_URL is set."]
    return []


def shows_mailbox(settings: Settings) -> bool:
    """The Mailbox page and its menu item exist only while the dev mailbox is on."""
    return settings.dev_mailbox


def shows_mail_banner(settings: Settings, *, tenant_admin: bool) -> bool:
    """Administrators see that mail is not configured (invitations would wait unsent)."""
    return tenant_admin and not settings.mail_configured
