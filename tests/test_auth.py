"""Sign-in, sessions, throttling and switching organization."""

import asyncio
import time
from datetime import timedelta
from ipaddress import ip_network

import httpx
import pytest
from sqlmodel import select
from starlette.applications import Starlette
from starlette.requests import Request

from app.api import auth_routes
from app.db import session_scope
from app.domain.errors import NotSignedIn, PermissionDenied, SignInFailed, TooManyAttempts
from app.models import AuditEvent, AuthSession, SignInFailure
from app.services import auth
from app.services.client_address import request_address
from app.services.demo import DEMO_PASSWORD
from app.services.passwords import verify_password
from app.settings import get_settings
from tests.helpers import LATER, NOW, SECRET, org, user, viewer


def sign_in(db, tenant="contoso", identifier="alice", password=DEMO_PASSWORD, ip="10.0.0.1"):
    """As the sign-in route does: commit the attempt whatever it gave, then raise its
    refusal or return the token."""
    attempt = auth.sign_in(db, secret_key=SECRET, tenant=tenant, identifier=identifier,
                           password=password, now=NOW, hours=12, ip=ip)
    db.commit()
    return attempt.token_or_raise()


def test_alice_signs_in_with_alias_and_username(db, demo):
    token = sign_in(db)
    seen = auth.viewer_for_token(db, secret_key=SECRET, token=token, now=LATER)
    assert seen.email == "alice@contoso.example"
    assert seen.org_alias == "contoso" and seen.is_tenant_admin


def test_tenant_id_and_email_work_too(db, demo):
    tenant_id = org(db, "contoso").tenant_id
    token = sign_in(db, tenant=tenant_id.upper(), identifier="Alice@Contoso.example")
    assert auth.viewer_for_token(db, secret_key=SECRET, token=token, now=LATER).username == "alice"


def test_session_token_is_stored_only_as_a_hash(db, demo):
    token = sign_in(db)
    stored = db.exec(select(AuthSession.token_hash)).all()
    assert token not in stored and len(stored) == 1 and len(token) >= 43


@pytest.mark.parametrize("tenant,identifier,password", [
    ("contoso", "alice", "wrong-password"),      # wrong password
    ("fabrikam", "alice", DEMO_PASSWORD),         # not a member of that tenant
    ("nowhere", "alice", DEMO_PASSWORD),          # unknown tenant
    ("contoso", "nobody", DEMO_PASSWORD),         # unknown user
])
def test_every_failure_gives_the_same_message(db, demo, tenant, identifier, password):
    with pytest.raises(SignInFailed) as err:
        sign_in(db, tenant, identifier, password)
    assert str(err.value) == str(SignInFailed())


def test_inactive_user_cannot_sign_in(db, demo):
    frank = user(db, "frank")
    frank.is_active = False
    db.commit()
    with pytest.raises(SignInFailed):
        sign_in(db, identifier="frank")


def test_repeated_failures_are_throttled_even_with_the_right_password(db, demo):
    for _ in range(auth.MAX_FAILURES_PER_ACCOUNT):
        with pytest.raises(SignInFailed):
            sign_in(db, password="nope-nope")
    with pytest.raises(TooManyAttempts):
        sign_in(db)  # from the address that made the failures


def fail_as(db, tenant, identifier, ip):
    with pytest.raises(SignInFailed):
        sign_in(db, tenant, identifier, "nope-nope", ip=ip)


def test_every_way_of_typing_an_account_shares_one_budget(db, demo):
    tenant_id = org(db, "contoso").tenant_id
    spellings = [("contoso", "alice"), ("Contoso", "alice@contoso.example"),
                 (tenant_id, "ALICE"), (tenant_id.upper(), "alice@contoso.example"),
                 ("contoso", " Alice ")]
    for n, (tenant, identifier) in enumerate(spellings):
        fail_as(db, tenant, identifier, ip=f"10.1.0.{n}")
    with pytest.raises(TooManyAttempts):
        sign_in(db, tenant_id, "alice@contoso.example", "nope-nope", ip="10.1.0.99")


def test_an_unknown_name_shares_one_budget_across_spellings_of_the_organization(db, demo):
    tenant_id = org(db, "contoso").tenant_id
    for n in range(auth.MAX_FAILURES_PER_ACCOUNT):
        fail_as(db, tenant_id if n % 2 else "contoso", "Nobody", ip=f"10.2.0.{n}")
    with pytest.raises(TooManyAttempts):
        sign_in(db, "CONTOSO", "nobody", "nope-nope", ip="10.2.0.99")
    fail_as(db, "fabrikam", "nobody", ip="10.2.0.98")  # another organization: its own budget


def test_a_throttled_account_signs_in_with_the_right_password_from_a_clean_address(db, demo):
    for _ in range(auth.MAX_FAILURES_PER_ACCOUNT):
        fail_as(db, "contoso", "alice", ip="10.6.6.6")
    with pytest.raises(TooManyAttempts):
        sign_in(db, ip="10.6.6.6")  # the attacker's address, even with the right password
    token = sign_in(db, ip="10.0.0.1")  # alice at her desk
    assert auth.viewer_for_token(db, secret_key=SECRET, token=token, now=LATER).username == "alice"


def test_wrong_passwords_on_a_throttled_account_still_count(db, demo):
    for _ in range(auth.MAX_FAILURES_PER_ACCOUNT):
        fail_as(db, "contoso", "alice", ip="10.6.6.6")
    with pytest.raises(TooManyAttempts):
        sign_in(db, password="another-guess", ip="10.7.7.7")
    with pytest.raises(TooManyAttempts):
        sign_in(db, ip="10.7.7.7")  # that address is no longer clean
    assert db.exec(select(SignInFailure).where(SignInFailure.ip == "10.7.7.7")).one()


def test_an_unknown_address_never_counts_as_clean(db, demo):
    for _ in range(auth.MAX_FAILURES_PER_ACCOUNT):
        fail_as(db, "contoso", "alice", ip="10.6.6.6")
    with pytest.raises(TooManyAttempts):
        sign_in(db, ip="")


def test_an_address_with_too_many_failures_is_refused_even_for_another_account(
        db, demo, monkeypatch):
    monkeypatch.setattr(auth, "MAX_FAILURES_PER_IP", 3)
    for n in range(3):
        fail_as(db, "contoso", f"guess{n}", ip="10.9.9.9")
    with pytest.raises(TooManyAttempts):
        sign_in(db, identifier="frank", ip="10.9.9.9")
    assert sign_in(db, identifier="frank", ip="10.9.9.10")


def test_an_ipv6_client_is_throttled_by_its_whole_64(db, demo, monkeypatch):
    monkeypatch.setattr(auth, "MAX_FAILURES_PER_IP", 3)
    for n in range(3):
        fail_as(db, "contoso", f"guess{n}", ip=f"2001:db8:1:2::{n + 1}")
    with pytest.raises(TooManyAttempts):
        sign_in(db, ip="2001:db8:1:2:ffff::1")
    assert sign_in(db, ip="2001:db8:1:3::1")


def test_throttling_ends_after_the_window(db, demo):
    for _ in range(auth.MAX_FAILURES_PER_ACCOUNT):
        with pytest.raises(SignInFailed):
            sign_in(db, password="nope-nope")
    later = NOW + auth.THROTTLE_WINDOW + timedelta(seconds=1)
    attempt = auth.sign_in(db, secret_key=SECRET, tenant="contoso", identifier="alice",
                           password=DEMO_PASSWORD, now=later, hours=12)
    assert attempt.token_or_raise()


def test_expired_session_is_refused(db, demo):
    token = sign_in(db)
    with pytest.raises(NotSignedIn):
        auth.viewer_for_token(db, secret_key=SECRET, token=token, now=NOW + timedelta(hours=12))
    assert auth.viewer_for_token(db, secret_key=SECRET, token=token,
                                 now=NOW + timedelta(hours=11, minutes=59))


def test_signed_out_session_is_refused(db, demo):
    token = sign_in(db)
    auth.sign_out(db, secret_key=SECRET, token=token, now=LATER)
    db.commit()
    with pytest.raises(NotSignedIn):
        auth.viewer_for_token(db, secret_key=SECRET, token=token, now=LATER)


def test_a_forged_token_is_refused(db, demo):
    sign_in(db)
    with pytest.raises(NotSignedIn):
        auth.viewer_for_token(db, secret_key=SECRET, token="forged", now=LATER)
    with pytest.raises(NotSignedIn):
        auth.viewer_for_token(db, secret_key=SECRET, token=None, now=LATER)


def test_deactivating_a_user_ends_their_sessions(db, demo):
    token = sign_in(db, identifier="frank")
    user(db, "frank").is_active = False
    db.commit()
    with pytest.raises(NotSignedIn):
        auth.viewer_for_token(db, secret_key=SECRET, token=token, now=LATER)


def test_tenant_admin_switches_into_child_and_acts_as_admin_there(db, demo):
    token = sign_in(db)
    alice = auth.viewer_for_token(db, secret_key=SECRET, token=token, now=LATER)
    child = org(db, "contoso-retail-east")
    switched = auth.switch_organization(db, alice, child.tenant_id, now=LATER)
    db.commit()
    assert switched.org_alias == "contoso-retail-east" and switched.is_tenant_admin
    again = auth.viewer_for_token(db, secret_key=SECRET, token=token, now=LATER)
    assert again.organization_id == child.id
    assert db.exec(select(AuditEvent).where(
        AuditEvent.action == "session.switch_organization")).one().target_id == child.id


def test_switchable_organizations_lists_descendants_for_admins_only(db, demo):
    names = {o["alias"] for o in auth.switchable_organizations(db, viewer(db, "alice"))}
    assert names == {"contoso", "contoso-retail", "contoso-retail-east"}
    assert {o["alias"] for o in auth.switchable_organizations(db, viewer(db, "frank"))} == {
        "contoso"}


@pytest.mark.parametrize("username,target", [
    ("frank", "contoso-retail"),   # member, not an administrator
    ("alice", "fabrikam"),         # unrelated organization
    ("dave", "contoso"),           # a child's admin cannot climb to the parent
])
def test_switching_is_refused_without_the_right(db, demo, username, target):
    with pytest.raises(PermissionDenied):
        auth.switch_organization(db, viewer(db, username), org(db, target).tenant_id, now=LATER)


def request_from(peer: str, *forwarded_for: str) -> Request:
    headers = [(b"x-forwarded-for", value.encode()) for value in forwarded_for]
    return Request({"type": "http", "method": "POST", "path": "/auth/signin",
                    "headers": headers, "client": (peer, 50000)})


PROXIES = (ip_network("10.0.0.5"), ip_network("192.168.0.0/24"))


def test_x_forwarded_for_is_ignored_unless_the_peer_is_a_trusted_proxy():
    assert request_address(request_from("203.0.113.7", "198.51.100.1"), PROXIES) == (
        "203.0.113.7")
    assert request_address(request_from("10.0.0.5", "198.51.100.1"), ()) == "10.0.0.5"


def test_behind_a_trusted_proxy_the_client_is_the_first_untrusted_hop_from_the_right():
    # the client wrote the leftmost entry itself: never believed
    spoofed = request_from("10.0.0.5", "1.1.1.1, 198.51.100.1, 192.168.0.9")
    assert request_address(spoofed, PROXIES) == "198.51.100.1"
    split_over_headers = request_from("10.0.0.5", "1.1.1.1", "198.51.100.1", "192.168.0.9")
    assert request_address(split_over_headers, PROXIES) == "198.51.100.1"


def test_behind_a_trusted_proxy_without_a_header_the_proxy_is_the_client():
    assert request_address(request_from("10.0.0.5"), PROXIES) == "10.0.0.5"
    assert request_address(request_from("10.0.0.5", "192.168.0.3, 192.168.0.9"),
                           PROXIES) == "192.168.0.3"


def test_addresses_are_read_with_ports_brackets_and_ipv4_mapped_forms():
    assert request_address(request_from("::ffff:10.0.0.5", "[2001:db8::7]:443"),
                           PROXIES) == "2001:db8::7"
    assert request_address(request_from("10.0.0.5", "198.51.100.1:8080"),
                           PROXIES) == "198.51.100.1"


async def beat_while_signing_in(app, forms: list[dict]) -> tuple[list[float], list]:
    """Send `forms` to the sign-in route all at once while a heartbeat task on the same
    event loop records the gaps between its ticks."""
    loop = asyncio.get_running_loop()
    gaps, done = [], asyncio.Event()

    async def beat():
        last = loop.time()
        while not done.is_set():
            await asyncio.sleep(0.002)
            gaps.append(loop.time() - last)
            last = loop.time()

    base = get_settings().base_url
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                 base_url=base) as client:
        beating = asyncio.create_task(beat())
        await asyncio.sleep(0.02)
        replies = await asyncio.gather(*(client.post(
            "/auth/signin", data=form, headers={"origin": base}) for form in forms))
        done.set()
        await beating
    return gaps, replies


def hash_time() -> float:
    """How long one password check takes on this machine now (the median of three)."""
    verify_password("a guess", None)  # the first call also makes the dummy hash
    times = []
    for _ in range(3):
        started = time.perf_counter()
        verify_password("a guess", None)
        times.append(time.perf_counter() - started)
    return sorted(times)[1]


def test_a_burst_of_sign_ins_leaves_the_event_loop_free(engine, demo, monkeypatch):
    monkeypatch.setattr(auth_routes, "session_scope", lambda: session_scope(engine))
    one_hash = hash_time()
    forms = [{"tenant": "contoso", "identifier": "alice" if n % 2 else f"nobody{n}",
              "password": DEMO_PASSWORD, "next": "/"} for n in range(8)]
    gaps, replies = asyncio.run(beat_while_signing_in(Starlette(routes=auth_routes.ROUTES),
                                                      forms))
    assert [r.status_code for r in replies] == [303] * len(forms)
    assert sum("error=" not in r.headers["location"] for r in replies) == len(forms) // 2
    # On the loop, each sign-in would stop the heartbeat for a whole hash or more (the
    # burst as a whole: seconds); off it, the loop only waits for its share of the CPU.
    assert max(gaps) < one_hash, f"the loop stalled {max(gaps):.3f} s (a hash: {one_hash:.3f} s)"
    assert len(gaps) > 10 * len(forms)


def test_refused_sign_ins_through_the_route_count_against_the_next_one(engine, demo,
                                                                        monkeypatch):
    monkeypatch.setattr(auth_routes, "session_scope", lambda: session_scope(engine))
    wrong = {"tenant": "contoso", "identifier": "alice", "password": "nope-nope", "next": "/"}
    right = dict(wrong, password=DEMO_PASSWORD)

    async def post_all(forms):
        base = get_settings().base_url
        app = Starlette(routes=auth_routes.ROUTES)
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app),
                                     base_url=base) as client:
            return [await client.post("/auth/signin", data=form, headers={"origin": base})
                    for form in forms]

    replies = asyncio.run(post_all([wrong] * auth.MAX_FAILURES_PER_ACCOUNT + [right]))
    assert ["error=failed" in r.headers["location"] for r in replies[:-1]] == [True] * (
        auth.MAX_FAILURES_PER_ACCOUNT)
    assert "error=throttled" in replies[-1].headers["location"]
    with session_scope(engine) as db:
        assert len(db.exec(select(SignInFailure)).all()) == auth.MAX_FAILURES_PER_ACCOUNT


def test_password_hashing_runs_only_when_the_cpu_is_otherwise_idle():
    """A burst of sign-ins must not slow the other tabs' events (bench figure 7): the pool
    that hashes runs its threads under SCHED_IDLE, which Argon2's lane threads inherit."""
    import asyncio
    import os
    import threading

    from app.services.passwords import off_loop

    def policy() -> int:
        return os.sched_getscheduler(threading.get_native_id())

    assert asyncio.run(off_loop(policy)) == os.SCHED_IDLE
    assert policy() != os.SCHED_IDLE  # the caller's own thread keeps its policy
