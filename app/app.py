"""The Reflex app: theme, pages and the HTTP routes; nothing else."""

import contextlib
import logging

import reflex as rx
from starlette.applications import Starlette

from app import routes
from app.api.auth_routes import ROUTES as AUTH_ROUTES
from app.api.export_routes import ROUTES as EXPORT_ROUTES
from app.api.link_headers import link_headers
from app.api.sso_routes import ROUTES as SSO_ROUTES
from app.api.v1 import api as api_v1
from app.backend_errors import backend_exception_handler
from app.db import get_engine, session_scope
from app.live.topics import organization_topic, publish_all, redis_away, webhooks_topic
from app.mail.runner import run_mail
from app.models import utcnow
from app.pages import shell_pages as pages
from app.pages.accept import accept_page
from app.pages.account import account_page
from app.pages.api_tokens import api_tokens_page
from app.pages.audit import audit_page
from app.pages.community import community_page
from app.pages.identity_provider import identity_provider_page
from app.pages.invitations import invitations_page
from app.pages.join import join_page
from app.pages.managed import managed_page
from app.pages.org_invite import org_invite_page
from app.pages.overview import overview_page
from app.pages.password_reset import forgot_password_page, reset_password_page
from app.pages.signin import signin_page
from app.pages.users import users_page
from app.pages.webhooks import webhooks_page
from app.services.delivery_log import record_delivery
from app.services.invitation_list import sending_organizations
from app.services.reminders import send_due_reminders
from app.settings import get_settings
from app.states.accept import AcceptState
from app.states.account import AccountState
from app.states.api_tokens import ApiTokensState
from app.states.arguments import ArgumentGuard
from app.states.audit import AuditState
from app.states.community import CommunityState
from app.states.identity_provider import IdentityProviderState
from app.states.invitations import InvitationsState
from app.states.join import JoinState
from app.states.lists import (
    CommunitiesState,
    MailboxState,
    OrganizationsState,
)
from app.states.managed import ManagedState
from app.states.org_invite import OrgInviteState
from app.states.org_users import OrgUsersState
from app.states.overview import OverviewState
from app.states.password_reset import ForgotPasswordState, ResetPasswordState
from app.states.shell import ShellState
from app.states.signin import SignInState
from app.states.webhooks import WebhooksState
from app.webhooks.runner import run_webhooks

_HTTP_ROUTES = AUTH_ROUTES + SSO_ROUTES + EXPORT_ROUTES
if get_settings().demo_idp:  # the demo's own identity provider (app/sso/demo_idp.py)
    from app.sso.demo_idp import demo_provider

    _HTTP_ROUTES += demo_provider(get_settings()).routes()

app = rx.App(
    # Plain toasts: Sonner's rich colours fall short of 4.5:1 contrast.
    toaster=rx.toast.provider(rich_colors=False, close_button=True, position="bottom-right",
                              pause_when_page_is_hidden=True),
    api_transformer=[Starlette(routes=_HTTP_ROUTES), api_v1, link_headers],
    stylesheets=["/commons.css"],
    backend_exception_handler=backend_exception_handler,
)

# Every event's arguments are checked against its handler's annotations before it runs.
app.add_middleware(ArgumentGuard())

app.add_page(signin_page, route=routes.SIGNIN, title="Sign in · Commons",
             on_load=SignInState.load)

app.add_page(forgot_password_page, route=routes.FORGOT_PASSWORD,
             title="Forgot password · Commons", on_load=ForgotPasswordState.load)

app.add_page(reset_password_page, route=routes.RESET_PASSWORD,
             title="Choose a new password · Commons", on_load=ResetPasswordState.load)

app.add_page(accept_page, route=routes.ACCEPT, title="Invitation · Commons",
             on_load=AcceptState.load)

app.add_page(join_page, route=routes.JOIN, title="Invitation · Commons", on_load=JoinState.load)

app.add_page(org_invite_page, route=routes.ORG_INVITE, title="Invitation · Commons",
             on_load=OrgInviteState.load)

_PROTECTED = [
    (overview_page, routes.HOME, "Overview", OverviewState.load),
    (pages.communities_page, routes.COMMUNITIES, "Communities", CommunitiesState.load),
    (users_page, routes.USERS, "Users", OrgUsersState.load),
    (pages.organizations_page, routes.ORGANIZATIONS, "Organizations", OrganizationsState.load),
    (invitations_page, routes.INVITATIONS, "Invitations", InvitationsState.load),
    (managed_page, routes.MANAGED, "Managed Communities", ManagedState.load),
    (pages.mailbox_page, routes.MAILBOX, "Mailbox", MailboxState.load),
    (community_page, routes.COMMUNITY_DETAILS, "Community Details", CommunityState.load),
    (audit_page, routes.AUDIT, "Audit log", AuditState.load),
    (account_page, routes.ACCOUNT, "Account", AccountState.load),
    (api_tokens_page, routes.API_TOKENS, "API tokens", ApiTokensState.load),
    (webhooks_page, routes.WEBHOOKS, "Webhooks", WebhooksState.load),
    (identity_provider_page, routes.IDENTITY_PROVIDER, "Identity provider",
     IdentityProviderState.load),
]
if get_settings().bench_ping:  # the benchmark's baseline (bench/)
    from app.pages.ping import ping_page

    app.add_page(ping_page, route="/bench-ping", title="Ping · Commons")

for component, route, title, loader in _PROTECTED:
    app.add_page(component, route=route, title=f"{title} · Commons",
                 on_load=[ShellState.require_session] + ([loader] if loader else []))


@contextlib.asynccontextmanager
async def mail_lifespan():
    """The outbox sender (and the dev mailbox, when it is on) for the lifetime of this
    worker; with no SMTP server and no dev mailbox, mail stays queued."""
    import asyncio

    settings = get_settings()

    def reminders() -> None:
        """The reminders now due, one unit of work (the scope commits)."""
        with session_scope() as db:
            send_due_reminders(db, now=utcnow(), hours=settings.reminder_hours,
                               secret_key=settings.secret_key, base_url=settings.base_url)

    async def on_delivery(invitation_ids: list[int]) -> None:
        """Open Invitations pages of the sending organizations show the new delivery state
        (quietly: no toast)."""
        with session_scope() as db:
            orgs = sending_organizations(db, invitation_ids)
        try:
            await publish_all([organization_topic(o) for o in orgs], [])
        except Exception as err:
            if not redis_away(err):
                raise
            # the pages reconnect and re-read once Redis is back
            logging.getLogger("commons.live").warning(
                "open pages were not told of deliveries: Redis could not be reached")

    async def on_webhooks(organization_ids: list[int]) -> None:
        """Open Webhooks pages show their deliveries' new state."""
        try:
            await publish_all([webhooks_topic(o) for o in organization_ids], [])
        except Exception as err:
            if not redis_away(err):
                raise

    hooks = asyncio.create_task(run_webhooks(
        get_engine(), allow_private=settings.outbound_allow_private,
        base_url=settings.base_url, on_change=on_webhooks))
    task = asyncio.create_task(run_mail(
        get_engine(), smtp_url=settings.smtp_url, dev_mailbox=settings.dev_mailbox,
        dev_port=settings.dev_smtp_port, delivery_log=record_delivery,
        sender=f"no-reply@{settings.base_url.split('://', 1)[1].split(':')[0].split('/')[0]}",
        reminders=reminders, on_delivery=on_delivery))
    try:
        yield
    finally:
        for running in (task, hooks):
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await asyncio.wait_for(running, timeout=5)


app.register_lifespan_task(mail_lifespan)


@contextlib.asynccontextmanager
async def redis_lifespan():
    """With state in Redis: this worker's tabs reconnect when Redis comes back empty."""
    import asyncio

    from app.live.redis_watch import watch
    from app.live.topics import state_redis

    redis = state_redis()
    task = asyncio.create_task(watch(redis)) if redis is not None else None
    try:
        yield
    finally:
        if task is not None:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task


app.register_lifespan_task(redis_lifespan)
