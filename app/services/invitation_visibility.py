"""Who may see an invitation: the one rule, as SQL for lists and as Python for one row.

Each named condition keeps both forms side by side: `branches(viewer)` are SQL conditions
whose OR is the condition (each one served by an index, so a keyset page can read them
separately and merge), `where(viewer)` is that OR, and `holds(viewer, invitation)` is the
same test on a row in hand. tests/test_visibility_property.py checks that the forms agree
on random worlds, for every viewer and every condition.

- `sent_by_viewer`: the viewer sent it.
- `addressed_to_viewer`: it is to the viewer's email (any kind) or, for a parent
  organization user invitation, to their username.
- `sent_by_viewer_org`: a tenant administrator's organization sent it.
- `accepted_by_viewer_org`: a tenant administrator's organization accepted it (so both
  tenants of a handshake see it).

`visible` is any of them; `received` and `sent` are the two sides the Direction filter
shows.
"""

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import and_, bindparam, false, not_, or_
from sqlmodel import Session

from app.domain.errors import NotFound
from app.domain.viewer import Viewer
from app.models import Invitation

PARENT_USER = "parent_user"


@dataclass(frozen=True)
class Condition:
    """A named condition on (viewer, invitation), in its SQL and its Python form."""

    name: str
    _branches: Callable[[Viewer], list]
    _holds: Callable[[Viewer, Invitation], bool]

    def branches(self, viewer: Viewer) -> list:
        """SQL conditions whose OR is this condition (none: it never holds)."""
        return self._branches(viewer)

    def where(self, viewer: Viewer):
        """This condition as one SQL expression, for a WHERE clause."""
        branches = self.branches(viewer)
        return or_(*branches) if branches else false()

    def holds(self, viewer: Viewer, invitation: Invitation) -> bool:
        """The same test for one invitation in hand."""
        return bool(self._holds(viewer, invitation))


def any_of(name: str, *conditions: Condition) -> Condition:
    """The condition that holds when any of `conditions` does."""
    return Condition(
        name,
        lambda viewer: [b for c in conditions for b in c.branches(viewer)],
        lambda viewer, inv: any(c.holds(viewer, inv) for c in conditions),
    )


def _user(viewer: Viewer):
    """The viewer's values as named parameters: a statement built for one viewer runs for
    another of the same shape (`invitation_list` keeps built pages) with its values."""
    return bindparam("viewer_user_id", viewer.user_id)


def _email(viewer: Viewer):
    return bindparam("viewer_email", viewer.email)


def _username(viewer: Viewer):
    return bindparam("viewer_username", viewer.username)


def _org(viewer: Viewer):
    return bindparam("viewer_organization_id", viewer.organization_id)


sent_by_viewer = Condition(
    "sent_by_viewer",
    lambda viewer: [Invitation.invited_by_user_id == _user(viewer)],
    lambda viewer, inv: inv.invited_by_user_id == viewer.user_id,
)

addressed_to_viewer = Condition(
    "addressed_to_viewer",
    lambda viewer: [Invitation.recipient == _email(viewer),
                    and_(Invitation.kind == PARENT_USER,
                         Invitation.recipient == _username(viewer))],
    lambda viewer, inv: (inv.recipient == viewer.email
                         or (inv.kind == PARENT_USER and inv.recipient == viewer.username)),
)

sent_by_viewer_org = Condition(
    "sent_by_viewer_org",
    lambda viewer: ([Invitation.organization_id == _org(viewer)]
                    if viewer.is_tenant_admin else []),
    lambda viewer, inv: viewer.is_tenant_admin and inv.organization_id == viewer.organization_id,
)

accepted_by_viewer_org = Condition(
    "accepted_by_viewer_org",
    lambda viewer: ([Invitation.accepted_for_organization_id == _org(viewer)]
                    if viewer.is_tenant_admin else []),
    lambda viewer, inv: (viewer.is_tenant_admin
                         and inv.accepted_for_organization_id == viewer.organization_id),
)

received = any_of("received", addressed_to_viewer, accepted_by_viewer_org)
sent = any_of("sent", sent_by_viewer, sent_by_viewer_org)
visible = any_of("visible", sent_by_viewer, addressed_to_viewer, sent_by_viewer_org,
                 accepted_by_viewer_org)

NAMED = (sent_by_viewer, addressed_to_viewer, sent_by_viewer_org, accepted_by_viewer_org,
         received, sent, visible)
# The Direction filter's choices; each is a part of `visible`, so it replaces it.
DIRECTIONS = {"": visible, "received": received, "sent": sent}


def disjoint(branches: list) -> list:
    """The same OR as `branches`, as conditions no two of which hold for one row (each
    branch without the rows of those before it): reads of them may be added up."""
    return [and_(branch, *[not_(before) for before in branches[:i]])
            for i, branch in enumerate(branches)]


def for_direction(direction: str) -> Condition:
    """`visible`, or the side of it the Direction filter asks for ("received", "sent")."""
    return DIRECTIONS.get(direction, visible)


def find_visible(db: Session, viewer: Viewer, invitation_id: int,
                 missing: str = "") -> Invitation:
    """The invitation, when the viewer may see it; NotFound (as if missing) otherwise."""
    inv = db.get(Invitation, invitation_id)
    if inv is None or not visible.holds(viewer, inv):
        raise NotFound(missing) if missing else NotFound()
    return inv
