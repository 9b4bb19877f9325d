"""Reliability battery, row 7: nobody learns from an answer whether an address has an
account somewhere.

Signing in, asking for a new password and inviting (tenant and user invitations) with an
address that belongs to another organization's person, or to nobody, give the same answer;
the time each takes is printed beside the other, not judged (these machines are shared).
What the inviter may already know, a member of the community, is said plainly.
"""

import time

from sqlmodel import select

from app.models import OutboxMessage
from app.services import tenant_invitations as ti
from app.services.auth import sign_in
from app.services.password_reset import request_password_reset
from tests.helpers import NOW, SECRET, viewer
from tests.test_battery_races import MAILER
from tests.test_user_invitations import community, role_id

ELSEWHERE = "bob@fabrikam.example"    # a person of another organization
NOWHERE = "nobody@nowhere.example"    # no one's


def _timed(action) -> tuple[object, float]:
    started = time.perf_counter()
    result = action()
    return result, (time.perf_counter() - started) * 1000


def test_signing_in_as_someone_elsewhere_or_nobody_reads_the_same(db, demo):
    answers = {}
    for who in (ELSEWHERE, NOWHERE, "bob"):
        attempt, ms = _timed(lambda who=who: sign_in(
            db, secret_key=SECRET, tenant="contoso", identifier=who, password="commons-demo",
            now=NOW, hours=1))
        answers[who] = attempt.refusal.message
        print(f"sign-in at contoso as {who}: {ms:.1f} ms")  # noqa: T201 - printed, not judged
    assert len(set(answers.values())) == 1, answers


def test_asking_for_a_new_password_reads_the_same_and_mails_only_the_account(db, demo):
    for who in (ELSEWHERE, NOWHERE):
        answer, ms = _timed(lambda who=who: request_password_reset(
            db, secret_key=SECRET, base_url=MAILER.base_url, email=who, now=NOW))
        assert answer is None
        print(f"password reset for {who}: {ms:.1f} ms")  # noqa: T201
    db.commit()
    assert db.exec(select(OutboxMessage.to_addr)).all() == [ELSEWHERE]


def test_inviting_someone_elsewhere_or_nobody_reads_the_same(db, demo):
    from app.services import user_invitations as ui

    alice = viewer(db, "alice")
    wind = community(db, "Wind Farm Analytics")
    for who in (ELSEWHERE, NOWHERE):
        inv_id, ms = _timed(lambda who=who: ti.invite_tenant(db, alice, wind, who, now=NOW,
                                                             mailer=MAILER))
        assert isinstance(inv_id, int)
        print(f"tenant invitation to {who}: {ms:.1f} ms")  # noqa: T201
    out = ui.invite_users(db, alice, f"{ELSEWHERE}, {NOWHERE}, carol@northwind.example",
                          [community(db, "Client A")], [role_id(db, "Community Member")],
                          now=NOW, mailer=MAILER)
    assert [r["outcome"] for r in out] == ["invited"] * 3
    # a member of the community the inviter chose is said plainly: they can see them
    again = ui.invite_users(db, alice, "alice@contoso.example", [community(db, "Client A")],
                            [role_id(db, "Community Member")], now=NOW, mailer=MAILER)
    assert [r["outcome"] for r in again] == ["already a member"]
