"""What a webhook says: the event types an endpoint may hear, which audit action each
comes from, and the JSON body (Standard Webhooks: `type`, `timestamp`, `data`)."""

import json
from datetime import datetime, timedelta

from app.domain import invitation_status as st

# type -> what it means (the Webhooks page lists them to pick from)
EVENT_TYPES = {
    "invitation.created": "An invitation was sent",
    "invitation.accepted": "An invitation was accepted (Join, for a tenant)",
    "invitation.confirmed": "A tenant that accepted was confirmed",
    "invitation.declined": "An invitation was declined",
    "invitation.revoked": "An invitation was revoked (or, from a parent organization, deleted)",
    "invitation.expired": "An invitation ran out before anyone answered",
    "member.removed": "A person was removed from a community",
    "tenant.left": "A tenant left a community",
    "tenant.removed": "A tenant was removed from a community",
}
TEST_EVENT = "webhook.test"
EXPIRED = "invitation.expired"
MEMBER_REMOVED = "member.removed"
# an invitation event -> the status its body names
STATUS_OF = {"invitation.created": st.PENDING, "invitation.accepted": st.ACCEPTED,
             "invitation.confirmed": st.CONFIRMED, "invitation.declined": st.DECLINED,
             "invitation.revoked": st.REVOKED, EXPIRED: st.EXPIRED}

# audit action -> event type
FROM_AUDIT = {
    "invitation.send": "invitation.created",
    "invitation.accept": "invitation.accepted",
    "invitation.confirm": "invitation.confirmed",
    "invitation.decline": "invitation.declined",
    "invitation.revoke": "invitation.revoked",
    "invitation.delete": "invitation.revoked",
    "community.remove_member": "member.removed",
    "community.leave": "tenant.left",
    "community.remove_tenant": "tenant.removed",
}


GIVE_UP = timedelta(hours=24)  # a delivery not delivered this long after it was queued fails

# What each status of an endpoint allows (the page's buttons, the service's refusals)
_NOTHING = {"can_send_test": False, "can_disable": False, "can_enable": False}
ENDPOINT_CAN = {"active": {**_NOTHING, "can_send_test": True, "can_disable": True},
                "disabled": {**_NOTHING, "can_enable": True}}
REDELIVERABLE = frozenset({"delivered", "failed"})


def delivery_flags(status: str, attempts: int) -> dict:
    """What a delivery allows, and its status as shown: a queued one already tried is
    retrying."""
    return {"can_redeliver": status in REDELIVERABLE,
            "shown_status": "retrying" if status == "queued" and attempts else status}


def wanted(event_type: str, subscribed: list[str]) -> bool:
    """An endpoint with no events picked hears every one; the test event always."""
    return event_type == TEST_EVENT or not subscribed or event_type in subscribed


def unknown_types(types: list[str]) -> list[str]:
    return sorted(set(types) - set(EVENT_TYPES))


def body(event_type: str, at: datetime, data: dict) -> str:
    """The JSON an endpoint receives; stable ids only, no display names that change."""
    return json.dumps({"type": event_type, "timestamp": at.strftime("%Y-%m-%dT%H:%M:%SZ"),
                       "data": data}, separators=(",", ":"), sort_keys=True)


def invitation_data(inv, status: str) -> dict:
    """An invitation as a webhook names it (`inv`: the Invitation row)."""
    return {"invitation": {
        "id": inv.id, "kind": inv.kind, "status": status, "recipient": inv.recipient,
        "community_id": inv.community_id, "organization_id": inv.organization_id,
        "accepted_for_organization_id": inv.accepted_for_organization_id,
        "expires_at": inv.expires_at.strftime("%Y-%m-%dT%H:%M:%SZ")}}
