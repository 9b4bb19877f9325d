"""Reliability battery, row 3: the tenant handshake as a state machine.

Hypothesis drives the services with random sequences: invite, resend, revoke, Join with the
right or a wrong token as the right or the wrong person, decline, confirm, remove a tenant,
leave, and move the clock up to 80 hours. Each step runs in a savepoint, as a request runs
in its own transaction (a refusal leaves nothing behind). After every step:

- at most one open invitation per community and recipient;
- a tenant is a member exactly when an invitation of it was confirmed and its membership
  has not ended since;
- a Join succeeds only on a live link (pending, unexpired, its newest token);
- nothing of it is visible to an organization that takes no part;
- every invitation has its email in the outbox.

No deadline, a fixed budget; on failure Hypothesis prints the steps and a reproduce blob.
"""

from datetime import timedelta

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as hs
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test
from sqlmodel import func, select

from app.domain import invitation_status as st
from app.domain.errors import DomainError
from app.models import CommunityTenant, Invitation, OutboxMessage
from app.services import community_tenants as ct
from app.services import tenant_invitations as ti
from app.services.communities import create_community
from app.services.invitation_list import Filters, page
from tests.helpers import NOW, org, viewer
from tests.test_battery_races import MAILER, _token

# bob's address most often, so that handshakes go all the way; ops@ has no account, frank
# is a member of the inviting organization (not an administrator elsewhere)
RECIPIENTS = ("bob@fabrikam.example",) * 3 + ("ops@tailspin.example", "frank@contoso.example")
ACTORS = ("bob",) * 3 + ("frank", "carol")  # the right admin; a member; another tenant's


def machine(db):
    alice = viewer(db, "alice")
    communities = [create_community(db, alice, f"Handshake {i}", now=NOW).id for i in (1, 2)]
    db.commit()
    people = {who: viewer(db, who) for who in ("alice", "dave", *ACTORS)}
    fabrikam, northwind = org(db, "fabrikam").id, org(db, "northwind").id

    class Handshake(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.savepoint = db.begin_nested()
            self.now = NOW
            self.tokens: dict[int, list[str]] = {}  # every token each invitation had

        def teardown(self):
            self.savepoint.rollback()

        def _step(self, action) -> bool:
            """Run `action()` as one request: True when it went through."""
            step = db.begin_nested()
            try:
                action()
                step.commit()
                return True
            except DomainError:
                step.rollback()
                return False

        def _invitations(self) -> list[Invitation]:
            return list(db.exec(select(Invitation).where(
                Invitation.id.in_(list(self.tokens)))).all())

        @rule(community=hs.sampled_from(communities), recipient=hs.sampled_from(RECIPIENTS))
        def invite(self, community, recipient):
            made = []
            if self._step(lambda: made.append(ti.invite_tenant(
                    db, people["alice"], community, recipient, now=self.now, mailer=MAILER))):
                self.tokens[made[0]] = [_token(db, recipient, "invite")]

        @rule(pick=hs.integers(0, 50))
        def resend(self, pick):
            if not self.tokens:
                return
            inv_id = sorted(self.tokens)[pick % len(self.tokens)]
            recipient = db.get(Invitation, inv_id).recipient
            if self._step(lambda: ti.resend_invitation(db, people["alice"], inv_id,
                                                       now=self.now, mailer=MAILER)):
                self.tokens[inv_id].append(_token(db, recipient, "invite"))

        @rule(pick=hs.integers(0, 50))
        def revoke(self, pick):
            if self.tokens:
                inv_id = sorted(self.tokens)[pick % len(self.tokens)]
                self._step(lambda: ti.revoke_invitation(db, people["alice"], inv_id,
                                                        now=self.now))

        @rule(pick=hs.integers(0, 50), actor=hs.sampled_from(ACTORS),
              which=hs.sampled_from(("newest", "newest", "older", "forged")))
        def join(self, pick, actor, which):
            if not self.tokens:
                return
            inv_id = sorted(self.tokens)[pick % len(self.tokens)]
            tokens = self.tokens[inv_id]
            token = {"newest": tokens[-1], "older": tokens[0],
                     "forged": tokens[-1][:-2] + "zz"}[which]
            inv = db.get(Invitation, inv_id)
            live = (st.is_live(inv.status, inv.expires_at, self.now)
                    and token == tokens[-1])
            joined = self._step(lambda: ti.join(db, people[actor], token, now=self.now,
                                                mailer=MAILER))
            assert not joined or live, f"{actor} joined with a dead link ({which})"
            assert not joined or people[actor].email == inv.recipient

        @rule(pick=hs.integers(0, 50), actor=hs.sampled_from(ACTORS))
        def decline(self, pick, actor):
            if self.tokens:
                inv_id = sorted(self.tokens)[pick % len(self.tokens)]
                token = self.tokens[inv_id][-1]
                self._step(lambda: ti.decline(db, people[actor], token, "", now=self.now,
                                              mailer=MAILER))

        @rule(pick=hs.integers(0, 50))
        def confirm(self, pick):
            if self.tokens:
                inv_id = sorted(self.tokens)[pick % len(self.tokens)]
                self._step(lambda: ti.confirm_tenant(db, people["alice"], inv_id,
                                                     now=self.now))

        @rule(community=hs.sampled_from(communities))
        def remove(self, community):
            self._step(lambda: ct.remove_tenant(db, people["alice"], community, fabrikam,
                                                now=self.now))

        @rule(community=hs.sampled_from(communities))
        def leave(self, community):
            bob = people["bob"]
            self._step(lambda: ct.leave_community(db, bob, community, bob.org_name,
                                                  now=self.now))

        @rule(hours=hs.integers(1, 80) | hs.just(1))
        def wait(self, hours):
            self.now += timedelta(hours=hours)

        @invariant()
        def one_open_invitation_per_community_and_recipient(self):
            open_rows = [(i.community_id, i.recipient) for i in self._invitations()
                         if st.effective_status(i.status, i.expires_at, self.now)
                         in (st.PENDING, st.ACCEPTED)]
            assert len(open_rows) == len(set(open_rows)), open_rows

        @invariant()
        def a_member_exactly_when_confirmed_and_not_ended(self):
            for community in communities:
                for organization in (fabrikam, northwind):
                    active = db.exec(select(func.count()).select_from(CommunityTenant).where(
                        CommunityTenant.community_id == community,
                        CommunityTenant.organization_id == organization,
                        CommunityTenant.status == "active")).one()
                    confirmed = [i for i in self._invitations()
                                 if i.community_id == community and i.status == st.CONFIRMED
                                 and i.accepted_for_organization_id == organization]
                    ended_since = confirmed and db.exec(select(func.count()).select_from(
                        CommunityTenant).where(
                        CommunityTenant.community_id == community,
                        CommunityTenant.organization_id == organization,
                        CommunityTenant.status == "removed",
                        CommunityTenant.removed_at >= max(i.confirmed_at
                                                          for i in confirmed))).one()
                    assert active <= 1
                    assert bool(active) == bool(confirmed and not ended_since), (
                        community, organization, active, [i.id for i in confirmed])

        @invariant()
        def nothing_is_visible_to_an_organization_that_takes_no_part(self):
            rows, _ = page(db, people["dave"], Filters(), self.now)
            assert not {r["id"] for r in rows} & set(self.tokens)

        @invariant()
        def every_invitation_has_its_email(self):
            for inv_id in self.tokens:
                assert db.exec(select(func.count()).select_from(OutboxMessage).where(
                    OutboxMessage.invitation_id == inv_id)).one() >= 1

    return Handshake


@pytest.mark.filterwarnings("ignore::hypothesis.errors.NonInteractiveExampleWarning")
def test_the_tenant_handshake_holds_its_rules_whatever_people_do(db, demo):
    run_state_machine_as_test(machine(db), settings=settings(
        max_examples=40, stateful_step_count=30, deadline=None, print_blob=True,
        suppress_health_check=list(HealthCheck)))
