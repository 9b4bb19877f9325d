"""Who may see an invitation: the SQL and Python forms of every named condition agree.

Hypothesis builds small random worlds in the database (organizations with a parent and a
child, tenant administrators and members, people whose emails and usernames look alike,
communities, invitations of every kind, sender, recipient, status and accepting
organization) inside one transaction per example, rolled back after it. For every viewer
of the world and every named condition, the SQL form (its WHERE clause, and the union of
its index-friendly branches) selects exactly the rows the Python form accepts; the
Invitations list's pages (every order, small page sizes, each Direction) and status counts
show exactly the visible rows, and each row's `received`/`addressed` sides follow the rule.

No deadline, a fixed example budget (both engines together well under a minute), and on
failure Hypothesis prints the falsifying world and a `@reproduce_failure` blob.
"""

from dataclasses import dataclass
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as hs
from sqlalchemy import union
from sqlmodel import select

from app.domain import invitation_status as st
from app.domain.permissions import TENANT_ADMIN, TENANT_MEMBER
from app.models import Community, Invitation, Organization, OrganizationMember, User
from app.services import invitation_visibility as vis
from app.services.auth import viewer_for_user
from app.services.invitation_list import SORTS, Filters, Order, page, status_counts
from app.services.roles import grant_org_role
from tests.helpers import NOW

NAMES = ("ann", "bo", "cy", "di", "ed")
# Emails and usernames drawn from overlapping pools: one person's username may be another's
# email, or differ from it only in case.
EMAILS = tuple(f"{n}@{d}" for n in NAMES for d in ("a.example", "b.example")) + (
    "Ann@a.example",)
USERNAMES = NAMES + tuple(f"{n}@a.example" for n in NAMES) + ("Ann", "ANN")
STRANGERS = ("zed@a.example", "zed", "ann@c.example", "")
ROLES = ("admin", "member", "none")
KINDS = ("tenant", "community_user", "parent_user")
STATUSES = ("pending", "accepted", "confirmed", "declined", "revoked")


@dataclass(frozen=True)
class Person:
    email: str
    username: str
    home: int           # index of the organization
    role: str           # at home: admin, member or none
    admin_elsewhere: int | None


@dataclass(frozen=True)
class Invite:
    kind: str
    sender: int         # index of the person
    org: int | None     # sending organization (None: the sender's home)
    recipient: str
    status: str
    accepted_for: int | None
    community: int | None
    days_left: int


@hs.composite
def worlds(draw):
    n_orgs = draw(hs.integers(2, 4))
    # organization 1 is a child of 0; any later one may hang under an earlier one
    parents = [None, 0] + [draw(hs.none() | hs.integers(0, i - 1)) for i in range(2, n_orgs)]
    n_people = draw(hs.integers(1, 4))
    emails = draw(hs.lists(hs.sampled_from(EMAILS), min_size=n_people, max_size=n_people,
                           unique=True))
    usernames = draw(hs.lists(hs.sampled_from(USERNAMES), min_size=n_people,
                              max_size=n_people, unique=True))
    people = [Person(e, u, draw(hs.integers(0, n_orgs - 1)), draw(hs.sampled_from(ROLES)),
                     draw(hs.none() | hs.integers(0, n_orgs - 1)))
              for e, u in zip(emails, usernames, strict=True)]
    n_communities = draw(hs.integers(0, 2))
    communities = [draw(hs.integers(0, n_orgs - 1)) for _ in range(n_communities)]
    addresses = [*emails, *usernames, *(e.upper() for e in emails), *STRANGERS]
    invite = hs.builds(
        Invite, kind=hs.sampled_from(KINDS), sender=hs.integers(0, n_people - 1),
        org=hs.none() | hs.integers(0, n_orgs - 1), recipient=hs.sampled_from(addresses),
        status=hs.sampled_from(STATUSES), accepted_for=hs.none() | hs.integers(0, n_orgs - 1),
        community=hs.none() | hs.integers(0, n_communities - 1) if n_communities else hs.none(),
        days_left=hs.integers(-2, 2))
    invites = draw(hs.lists(invite, max_size=10))
    return parents, people, communities, invites


def _build(db, world):
    """The world's rows (flushed, not committed), its viewers and its invitations."""
    parents, people, communities, invites = world
    orgs = []
    for i, parent in enumerate(parents):
        orgs.append(Organization(tenant_id=f"t-prop-{i}", name=f"Org {i}", alias=f"prop-{i}",
                                 parent_id=orgs[parent].id if parent is not None else None))
        db.add(orgs[-1])
        db.flush()
    users = []
    for p in people:
        u = User(home_organization_id=orgs[p.home].id, email=p.email, username=p.username,
                 display_name=p.username, password_hash="x")
        db.add(u)
        db.flush()
        db.add(OrganizationMember(organization_id=orgs[p.home].id, user_id=u.id))
        if p.role != "none":
            grant_org_role(db, orgs[p.home].id, TENANT_ADMIN if p.role == "admin"
                           else TENANT_MEMBER, user_id=u.id)
        if p.admin_elsewhere is not None:
            grant_org_role(db, orgs[p.admin_elsewhere].id, TENANT_ADMIN, user_id=u.id)
        users.append(u)
    places = [Community(organization_id=orgs[o].id, name=f"Community {i}")
              for i, o in enumerate(communities)]
    db.add_all(places)
    db.flush()
    rows = []
    for i, inv in enumerate(invites):
        sender = users[inv.sender]
        rows.append(Invitation(
            kind=inv.kind, batch_id=f"b{i}", recipient=inv.recipient, scope_key=f"s{i}",
            organization_id=orgs[inv.org].id if inv.org is not None
            else sender.home_organization_id,
            invited_by_user_id=sender.id, status=inv.status, token_hash=f"{i:064d}",
            community_id=places[inv.community].id if inv.community is not None else None,
            target_organization_id=orgs[-1].id if inv.kind == "parent_user" else None,
            accepted_for_organization_id=(orgs[inv.accepted_for].id
                                          if inv.accepted_for is not None else None),
            created_at=NOW - timedelta(minutes=i % 3), expires_at=NOW + timedelta(
                days=inv.days_left)))
    db.add_all(rows)
    db.flush()
    # each person at home, in every organization below their home (as a parent's
    # administrator switching in), and where they hold a role elsewhere
    viewers = []
    for p, u in zip(people, users, strict=True):
        where = {p.home, *(i for i, parent in enumerate(parents) if parent == p.home)}
        where |= {p.admin_elsewhere} - {None}
        viewers += [viewer_for_user(db, u, orgs[i].id) for i in sorted(where)]
    return viewers, rows


def _who(viewer) -> str:
    return (f"{viewer.username}/{viewer.email} in org {viewer.organization_id}"
            f"{' (tenant admin)' if viewer.is_tenant_admin else ''}")


def _ids(db, query) -> set[int]:
    return set(db.exec(query).all())


def _check_conditions(db, viewer, rows) -> None:
    for cond in vis.NAMED:
        accepted = {r.id for r in rows if cond.holds(viewer, r)}
        where = _ids(db, select(Invitation.id).where(cond.where(viewer)))
        assert where == accepted, (cond.name, "where", _who(viewer))
        branches = cond.branches(viewer)
        merged = set()
        if branches:
            each = union(*[select(Invitation.id).where(b) for b in branches]).subquery()
            merged = _ids(db, select(each.c.id))
        assert merged == accepted, (cond.name, "branches", _who(viewer))


def _check_list(db, viewer, rows, order: Order, size: int) -> None:
    for direction in ("", "received", "sent"):
        shown = {r.id for r in rows if vis.for_direction(direction).holds(viewer, r)}
        seen, after = [], None
        while True:
            found, after = page(db, viewer, Filters(direction=direction), NOW, after=after,
                                size=size, order=order)
            seen += [r["id"] for r in found]
            for r in found:  # the row's sides, as the page shows them, follow the same rule
                inv = next(i for i in rows if i.id == r["id"])
                assert r["addressed"] == vis.addressed_to_viewer.holds(viewer, inv)
                assert r["received"] == (not vis.sent.holds(viewer, inv))
            if after is None:
                break
        assert sorted(seen) == sorted(shown), (direction, order, size, _who(viewer))
        counts = status_counts(db, viewer, Filters(direction=direction), NOW)
        expected = dict.fromkeys(counts, 0)
        for r in rows:
            if r.id in shown:
                expected[st.effective_status(r.status, r.expires_at, NOW)] += 1
        assert counts == expected, (direction, _who(viewer))


@settings(max_examples=60, deadline=None, derandomize=False, print_blob=True, database=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(world=worlds(), order=hs.builds(Order, hs.sampled_from(sorted(SORTS)), hs.booleans()),
       size=hs.integers(1, 4))
def test_sql_and_python_forms_of_every_visibility_condition_agree(db, world, order, size):
    try:
        viewers, rows = _build(db, world)
        for viewer in viewers:
            _check_conditions(db, viewer, rows)
            _check_list(db, viewer, rows, order, size)
    finally:
        db.rollback()


def test_direction_sides_make_up_the_visibility_rule():
    assert vis.for_direction("") is vis.visible
    assert vis.for_direction("received") is vis.received
    assert vis.for_direction("sent") is vis.sent
    assert vis.for_direction("anything else") is vis.visible
