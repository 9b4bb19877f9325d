"""What a live signal may tell a tab: the audit events it names, as far as the tab's viewer
may read them, in one short sentence.

A signal carries only event ids. Each tab that hears it asks here, as its own viewer (or as
the holder of one invitation's link), and shows a toast only for what comes back.
"""

from sqlmodel import Session, select

from app.domain.audit_sentences import Event, sentence
from app.domain.permissions import COMMUNITY_VIEW, ORG_MANAGE_USERS
from app.domain.viewer import Viewer
from app.models import AuditEvent, Community, Invitation, User
from app.services import invitation_visibility as vis
from app.services.access import community_permissions
from app.services.audit_names import refs_for

MAX_EVENTS = 50

_PHRASES = {
    "invitation.send": "sent an invitation",
    "invitation.resend": "sent an invitation again",
    "invitation.revoke": "revoked an invitation",
    "invitation.delete": "deleted an invitation",
    "invitation.accept": "accepted the invitation",
    "invitation.decline": "declined the invitation",
    "invitation.confirm": "confirmed a tenant",
    "invitation.renewal_requested": "asked for a new invitation",
    "community.create": "created a community",
    "community.archive": "deleted a community",
    "community.remove_member": "removed a member",
    "community.change_member_roles": "changed a member's roles",
    "community.set_member_role": "changed a community role",
    "community.remove_tenant": "removed a tenant",
    "community.leave": "left a community",
}
# Events about a group, a role or a webhook endpoint say which one, as the audit log does
# ("Alice Admin deleted the group Support", "… changed the role Auditor").
_NAMED = ("group", "role", "webhook", "identity_provider")


def _readable(db: Session, viewer: Viewer, event: AuditEvent) -> bool:
    """The viewer may read `event`: they did it, may see what it was done to, or read
    their organization's audit log."""
    if event.actor_user_id == viewer.user_id:
        return True
    if event.organization_id == viewer.organization_id and viewer.has(ORG_MANAGE_USERS):
        return True
    if event.target_type == "invitation" and event.target_id:
        inv = db.get(Invitation, event.target_id)
        return inv is not None and vis.visible.holds(viewer, inv)
    if event.target_type == "community" and event.target_id:
        return COMMUNITY_VIEW in community_permissions(db, viewer, event.target_id)
    return False


def _sentence(db: Session, events: list[AuditEvent]) -> str:
    """The most telling event in words ("Alice Admin revoked an invitation (bob@…)."),
    with how many more of the same kind there were."""
    if not events:
        return ""
    known = [e for e in events if e.action in _PHRASES or e.target_type in _NAMED]
    first = (known or events)[0]
    actor = db.get(User, first.actor_user_id) if first.actor_user_id else None
    who = actor.display_name if actor else "Someone"
    more = sum(1 for e in events if e.action == first.action) - 1
    if first.target_type in _NAMED:
        event = Event(first.action, who, first.target_type, first.target_id,
                      first.details or {})
        said = sentence(event, refs_for(db, [event]))
        return said.rstrip(".") + (f" and {more} more." if more else ".")
    what = _PHRASES.get(first.action, "made a change")
    if first.target_type == "community" and first.target_id:
        community = db.get(Community, first.target_id)
        what += f" in {community.name}" if community else ""
    if first.target_type == "invitation" and first.target_id:
        inv = db.get(Invitation, first.target_id)
        what += f" ({inv.recipient})" if inv else ""
    return f"{who} {what}" + (f" and {more} more." if more else ".")


def _events(db: Session, event_ids: list[int]) -> list[AuditEvent]:
    ids = [int(i) for i in event_ids[:MAX_EVENTS]]
    if not ids:
        return []
    return list(db.exec(select(AuditEvent).where(AuditEvent.id.in_(ids))
                        .order_by(AuditEvent.id)).all())


def summary_for(db: Session, viewer: Viewer, event_ids: list[int]) -> str:
    """One sentence about the named events the viewer may read ("" when none)."""
    return _sentence(db, [e for e in _events(db, event_ids) if _readable(db, viewer, e)])


def summary_for_invitation(db: Session, invitation_id: int, event_ids: list[int]) -> str:
    """The same for the holder of one invitation's link: only events about it."""
    return _sentence(db, [e for e in _events(db, event_ids)
                          if e.target_type == "invitation" and e.target_id == invitation_id])
