"""An endpoint that keeps failing: disabled after DISABLE_AFTER, its Tenant
Administrators emailed and the audit log told, once."""

import logging
from datetime import datetime, timedelta

from sqlalchemy import or_, update
from sqlmodel import Session, select

from app.domain.permissions import TENANT_ADMIN
from app.mail.outbox import enqueue as enqueue_mail
from app.models import GroupMember, OrgRoleAssignment, User, WebhookEndpoint
from app.services import audit
from app.services.roles import builtin_role_id

log = logging.getLogger("commons.webhooks")
DISABLE_AFTER = timedelta(hours=24)  # an endpoint failing this long is disabled


def _admins(db: Session, organization_id: int) -> list[str]:
    """The addresses of the organization's Tenant Administrators (directly or by group)."""
    role = builtin_role_id(db, TENANT_ADMIN)
    direct = select(OrgRoleAssignment.user_id).where(
        OrgRoleAssignment.organization_id == organization_id,
        OrgRoleAssignment.role_id == role, OrgRoleAssignment.user_id.is_not(None))
    grouped = select(GroupMember.user_id).join(
        OrgRoleAssignment, OrgRoleAssignment.group_id == GroupMember.group_id).where(
        OrgRoleAssignment.organization_id == organization_id, OrgRoleAssignment.role_id == role)
    return sorted(set(db.exec(select(User.email).where(
        User.is_active, or_(User.id.in_(direct), User.id.in_(grouped)))).all()))


def note_success(db: Session, endpoint_id: int) -> None:
    db.exec(update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id)
            .values(failing_since=None))


def note_failure(db: Session, endpoint_id: int, at: datetime, base_url: str) -> None:
    """Remember when the endpoint started failing; disable it once that is DISABLE_AFTER
    ago. Conditional updates: an administrator's Enable or Disable meanwhile stands."""
    db.exec(update(WebhookEndpoint).where(WebhookEndpoint.id == endpoint_id,
                                          WebhookEndpoint.failing_since.is_(None))
            .values(failing_since=at))
    reason = f"every delivery failed for {DISABLE_AFTER // timedelta(hours=1)} hours"
    if db.exec(update(WebhookEndpoint).where(
            WebhookEndpoint.id == endpoint_id, WebhookEndpoint.status == "active",
            WebhookEndpoint.failing_since <= at - DISABLE_AFTER)
            .values(status="disabled", disabled_reason=reason, updated_at=at)).rowcount != 1:
        return
    endpoint = db.get(WebhookEndpoint, endpoint_id)
    audit.record(db, "webhook.auto_disable", "webhook", endpoint.id, at=at,
                 organization_id=endpoint.organization_id,
                 details={"url": endpoint.url, "reason": reason})
    for address in _admins(db, endpoint.organization_id):
        enqueue_mail(db, to=address, subject="A webhook endpoint was disabled",
                     text=(f"Commons disabled the webhook endpoint {endpoint.url} because "
                           f"{reason}. While it is disabled, new events are not sent to it; "
                           "deliveries already waiting go out when you enable it, if they "
                           "are less than a day old.\n\n"
                           f"Check the endpoint, then enable it on the Webhooks page: "
                           f"{base_url}/webhooks\n"),
                     base_url=base_url, now=at)
    log.warning("webhook endpoint %s disabled: %s", endpoint.id, reason)
