"""The names a page of audit events refers to, looked up in bulk (a query per table, never
one per event).

Only the ids the events themselves name are looked up (`audit_sentences.references`: the
target and the ids in the details), and for an invitation the place it is for: nothing
about other things of other organizations. Names stored in the details win over these.
"""

from sqlmodel import Session, select

from app.domain.audit_sentences import Event, InvitationRef, Refs, references
from app.models import Community, Group, Invitation, Organization, User


def _names(db: Session, model, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    label = User.display_name if model is User else model.name
    return dict(db.exec(select(model.id, label).where(model.id.in_(sorted(ids)))).all())


def refs_for(db: Session, events: list[Event]) -> Refs:
    """The names `events` refer to, by table and id."""
    wanted: dict[str, set[int]] = {}
    for event in events:
        for table, ids in references(event).items():
            wanted.setdefault(table, set()).update(ids)
    invitations = []
    if wanted.get("invitations"):
        invitations = db.exec(select(Invitation.id, Invitation.recipient,
                                     Invitation.community_id,
                                     Invitation.target_organization_id)
                              .where(Invitation.id.in_(sorted(wanted["invitations"])))).all()
    for _, _, community_id, organization_id in invitations:
        if community_id:
            wanted.setdefault("communities", set()).add(community_id)
        if organization_id:
            wanted.setdefault("organizations", set()).add(organization_id)
    communities = _names(db, Community, wanted.get("communities", set()))
    organizations = _names(db, Organization, wanted.get("organizations", set()))
    return Refs(
        users=_names(db, User, wanted.get("users", set())),
        organizations=organizations,
        communities=communities,
        groups=_names(db, Group, wanted.get("groups", set())),
        invitations={
            inv_id: InvitationRef(recipient, communities.get(community_id or 0)
                                  or organizations.get(organization_id or 0) or "")
            for inv_id, recipient, community_id, organization_id in invitations},
    )
