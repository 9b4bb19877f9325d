"""Webhooks (issue 16): endpoints an organization's administrators register; deliveries
written in the transaction of the change, for the organizations that take part; posted
signed (Standard Webhooks) to a real receiver on loopback, retried with the same
`webhook-id`, given up, an endpoint failing for a day disabled and its admins told; a
private address refused unless COMMONS_OUTBOUND_ALLOW_PRIVATE; one slow endpoint never
holds up another."""

import dataclasses
import json
import threading
from datetime import timedelta

import pytest
from cryptography.exceptions import InvalidTag
from sqlmodel import select

from app import settings as app_settings
from app.domain.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from app.domain.webhook_events import GIVE_UP
from app.domain.webhook_signing import new_secret
from app.models import (
    AuditEvent,
    Invitation,
    OutboxMessage,
    WebhookDelivery,
    WebhookEndpoint,
    utcnow,
)
from app.services import community_tenants as ct
from app.services import tenant_invitations as ti
from app.services import webhooks as wh
from app.services.invitation_actions import MailSettings
from app.services.webhook_outbox import sweep_expired
from app.settings import get_settings
from app.webhooks import sender as ws
from tests.helpers import NOW, SECRET, org, viewer
from tests.webhook_receiver import Receiver

BASE = "http://localhost:3000"
MAIL = MailSettings(SECRET, BASE, 14, 7)


@pytest.fixture
def receiver():
    r = Receiver().start()
    yield r
    r.stop()


def endpoint(db, who="alice", url=None, events=None, receiver=None) -> tuple[int, str]:
    made = wh.create_endpoint(db, viewer(db, who), url or receiver.url, "test", events or [],
                              now=NOW)
    db.commit()
    return made


def wind(db) -> int:
    from app.models import Community
    return db.exec(select(Community.id).where(Community.name == "Wind Farm Analytics")).one()


def invite(db, address="ops@tailspin.example", at=NOW) -> int:
    inv = ti.invite_tenant(db, viewer(db, "alice"), wind(db), address, now=at,
                           mailer=MAIL.tenant())
    db.commit()
    return inv


def deliveries(db, endpoint_id) -> list[WebhookDelivery]:
    db.expire_all()
    return list(db.exec(select(WebhookDelivery).where(
        WebhookDelivery.endpoint_id == endpoint_id).order_by(WebhookDelivery.id)).all())


def send(engine, at=NOW, post=None) -> set[int]:
    kwargs = {"post": post} if post else {}
    return ws.run_once(engine, worker="test", allow_private=True, base_url=BASE,
                       now_fn=lambda: at, **kwargs)


def test_an_invitation_is_posted_signed_to_its_organization_only(db, engine, demo, receiver):
    alice_ep, secret = endpoint(db, receiver=receiver)
    bob_ep, _ = endpoint(db, "bob", receiver=receiver)
    inv = invite(db)
    [queued] = deliveries(db, alice_ep)
    assert queued.event_type == "invitation.created" and queued.status == "queued"
    assert deliveries(db, bob_ep) == []  # Fabrikam takes no part

    assert send(engine) == {org(db, "contoso").id}
    [got] = receiver.got
    assert got.verified(secret, now=int(NOW.timestamp()))
    assert not got.verified(new_secret(), now=int(NOW.timestamp()))  # another's secret
    assert got.headers["content-type"] == "application/json"
    event = json.loads(got.body)
    assert event["type"] == "invitation.created"
    assert event["data"]["invitation"] == {
        "id": inv, "kind": "tenant", "status": "pending", "recipient": "ops@tailspin.example",
        "community_id": wind(db), "organization_id": org(db, "contoso").id,
        "accepted_for_organization_id": None,
        "expires_at": (NOW + timedelta(days=14)).strftime("%Y-%m-%dT%H:%M:%SZ")}
    [done] = deliveries(db, alice_ep)
    assert (done.status, done.response_status, done.attempts) == ("delivered", 200, 1)
    assert got.id == done.message_id


def test_the_secret_is_shown_once_and_kept_encrypted(db, demo, receiver):
    endpoint_id, secret = endpoint(db, receiver=receiver)
    assert secret.startswith("whsec_")
    stored = db.get(WebhookEndpoint, endpoint_id)
    assert secret not in stored.secret
    assert wh.unseal(stored.secret, stored.organization_id) == secret
    with pytest.raises(InvalidTag):  # sealed for Contoso: it opens for nobody else
        wh.unseal(stored.secret, org(db, "fabrikam").id)
    assert "secret" not in json.dumps(wh.list_endpoints(db, viewer(db, "alice"), NOW))


def test_a_failed_attempt_is_retried_with_the_same_webhook_id(db, engine, demo, receiver):
    endpoint_id, secret = endpoint(db, receiver=receiver)
    receiver.answers = [500]
    invite(db)
    send(engine)
    [row] = deliveries(db, endpoint_id)
    assert (row.status, row.response_status, row.attempts) == ("queued", 500, 1)
    assert row.next_attempt_at == NOW + ws.retry_delay(1) and "HTTP 500" in row.last_error
    send(engine, NOW + timedelta(seconds=5))  # not due yet
    assert len(receiver.got) == 1
    send(engine, NOW + timedelta(seconds=31))
    first, second = receiver.got
    assert first.id == second.id and second.verified(secret, now=int(NOW.timestamp()) + 31)
    [row] = deliveries(db, endpoint_id)
    assert (row.status, row.attempts) == ("delivered", 2)
    assert db.get(WebhookEndpoint, endpoint_id).failing_since is None


def test_a_timeout_is_a_failed_attempt(db, engine, demo, receiver, monkeypatch):
    monkeypatch.setattr(ws, "TIMEOUT", 0.3)
    released = threading.Event()
    receiver.answers = [lambda: released.wait(5) and 200]
    endpoint_id, _ = endpoint(db, receiver=receiver)
    invite(db)
    send(engine)
    released.set()
    [row] = deliveries(db, endpoint_id)
    assert row.status == "queued" and row.last_error == "timed out after 0.3 s"
    assert row.response_status is None


def test_given_up_after_a_day_and_the_endpoint_disabled_with_its_admins_told(
        db, engine, demo, receiver):
    receiver.default = 503
    endpoint_id, _ = endpoint(db, receiver=receiver)
    invite(db)
    at = NOW
    while True:
        send(engine, at)
        [row] = deliveries(db, endpoint_id)
        if row.status != "queued":
            break
        at = row.next_attempt_at
    assert row.status == "failed" and at - NOW < GIVE_UP
    assert row.attempts == len(receiver.got) > 10
    hook = db.get(WebhookEndpoint, endpoint_id)
    assert hook.status == "active" and hook.failing_since == NOW  # failing, not a day yet
    day = NOW + ws.DISABLE_AFTER
    invite(db, "late@tailspin.example", day)
    send(engine, day)
    db.expire_all()
    hook = db.get(WebhookEndpoint, endpoint_id)
    assert hook.status == "disabled" and "failed for 24 hours" in hook.disabled_reason
    told = db.exec(select(OutboxMessage).where(
        OutboxMessage.subject == "A webhook endpoint was disabled")).all()
    assert [m.to_addr for m in told] == ["alice@contoso.example"]
    assert db.exec(select(AuditEvent).where(AuditEvent.action == "webhook.auto_disable")).one()
    count = len(receiver.got)
    hour = day + timedelta(hours=1)
    invite(db, "later@tailspin.example", hour)
    send(engine, hour)
    assert len(receiver.got) == count  # a disabled endpoint is not called
    wh.set_enabled(db, viewer(db, "alice"), endpoint_id, True, now=hour)
    db.commit()
    receiver.default = 200
    send(engine, hour)
    assert json.loads(receiver.got[-1].body)["data"]["invitation"]["recipient"] == \
        "late@tailspin.example"  # what waited goes out, oldest first


def test_one_slow_endpoint_does_not_hold_up_another(db, engine, demo, monkeypatch):
    """The slow endpoint answers only once the quick one has its delivery: posted one
    after the other (slow first), the slow one would time out."""
    monkeypatch.setattr(ws, "TIMEOUT", 3)
    quick = Receiver().start()
    slow = Receiver(answers=[lambda: quick.arrived.wait(2.5) and 200]).start()
    try:
        slow_ep, _ = endpoint(db, url=slow.url)
        quick_ep, _ = endpoint(db, url=quick.url)
        invite(db)
        send(engine)
        assert [r.status for r in deliveries(db, slow_ep)] == ["delivered"]
        assert [r.status for r in deliveries(db, quick_ep)] == ["delivered"]
    finally:
        quick.stop()
        slow.stop()


def test_a_private_address_is_refused_without_the_setting(db, demo, monkeypatch):
    monkeypatch.setattr(app_settings, "_current",
                        dataclasses.replace(get_settings(), outbound_allow_private=False))
    alice = viewer(db, "alice")
    for url, said in (("http://127.0.0.1:9/hooks", "https://"),
                      ("https://127.0.0.1:9/hooks", "private, loopback or link-local"),
                      ("https://10.1.2.3/hooks", "private, loopback or link-local"),
                      ("https://[::1]/hooks", "private, loopback or link-local"),
                      ("https://user:pw@hooks.example/x", "user name or password"),
                      ("ftp://hooks.example/", "https://")):
        with pytest.raises(InvalidInput, match=said.replace("(", r"\(")):
            wh.create_endpoint(db, alice, url, now=NOW)
    assert db.exec(select(WebhookEndpoint)).all() == []


def test_a_private_address_is_refused_at_delivery_too(db, engine, demo, receiver):
    """DNS can change after the endpoint was added: each call is checked again."""
    endpoint_id, _ = endpoint(db, receiver=receiver)
    invite(db)
    ws.run_once(engine, worker="test", allow_private=False, base_url=BASE,
                now_fn=lambda: NOW)
    [row] = deliveries(db, endpoint_id)
    assert row.status == "queued" and "https://" in row.last_error and receiver.got == []


def test_rotation_signs_with_both_secrets_for_a_day(db, engine, demo, receiver):
    endpoint_id, old = endpoint(db, receiver=receiver)
    new = wh.rotate_secret(db, viewer(db, "alice"), endpoint_id, now=NOW)
    db.commit()
    assert new != old
    wh.send_test(db, viewer(db, "alice"), endpoint_id, now=NOW)
    db.commit()
    send(engine)
    got = receiver.got[-1]
    assert len(got.headers["webhook-signature"].split()) == 2
    assert got.verified(old, now=int(NOW.timestamp()))
    assert got.verified(new, now=int(NOW.timestamp()))
    later = NOW + wh.ROTATION_OVERLAP
    wh.send_test(db, viewer(db, "alice"), endpoint_id, now=later)
    db.commit()
    send(engine, later)
    got = receiver.got[-1]
    assert json.loads(got.body)["type"] == "webhook.test"
    assert got.verified(new, now=int(later.timestamp()))
    assert not got.verified(old, now=int(later.timestamp()))


def test_an_endpoint_hears_only_the_events_it_picked(db, engine, demo, receiver):
    endpoint_id, _ = endpoint(db, events=["invitation.revoked"], receiver=receiver)
    inv = invite(db)
    assert deliveries(db, endpoint_id) == []
    from app.services import invitation_actions as acts
    acts.revoke(db, viewer(db, "alice"), inv, now=NOW)
    db.commit()
    assert [d.event_type for d in deliveries(db, endpoint_id)] == ["invitation.revoked"]
    with pytest.raises(InvalidInput, match="Unknown events: invitation.hacked"):
        wh.create_endpoint(db, viewer(db, "alice"), receiver.url, "",
                           ["invitation.hacked"], now=NOW)


def test_the_tenant_that_joins_hears_of_it_and_leaving(db, engine, demo, receiver):
    """Northwind (a member tenant) hears of its own leaving; Contoso (the owner) too."""
    contoso_ep, _ = endpoint(db, receiver=receiver)
    northwind_ep, _ = endpoint(db, "carol", receiver=receiver)
    ct.leave_community(db, viewer(db, "carol"), wind(db), "Northwind Traders", now=NOW)
    db.commit()
    for endpoint_id in (contoso_ep, northwind_ep):
        [row] = deliveries(db, endpoint_id)
        assert row.event_type == "tenant.left"
        assert json.loads(row.payload)["data"] == {"community_id": wind(db),
                                                   "organization_id": org(db, "northwind").id}


def test_expiry_is_announced_once_by_the_sweep(db, engine, demo, receiver):
    endpoint_id, _ = endpoint(db, events=["invitation.expired"], receiver=receiver)
    sweep_expired(db, NOW)  # the first sweep starts from now
    db.commit()
    inv = invite(db)
    after = NOW + timedelta(days=15)
    for _ in range(2):
        sweep_expired(db, after)
        db.commit()
    [row] = deliveries(db, endpoint_id)
    event = json.loads(row.payload)
    assert event["type"] == "invitation.expired"
    assert event["data"]["invitation"]["id"] == inv
    assert event["data"]["invitation"]["status"] == "expired"


def test_send_test_event_redeliver_and_delete(db, engine, demo, receiver):
    alice = viewer(db, "alice")
    endpoint_id, _ = endpoint(db, receiver=receiver)
    delivery = wh.send_test(db, alice, endpoint_id, now=NOW)
    db.commit()
    send(engine)
    with pytest.raises(Conflict):
        wh.set_enabled(db, alice, endpoint_id, True, now=NOW)
    wh.redeliver(db, alice, delivery, now=NOW)
    db.commit()
    send(engine)
    assert [r.id for r in receiver.got] == [db.get(WebhookDelivery, delivery).message_id] * 2
    listed = wh.list_deliveries(db, alice, endpoint_id)
    assert [(d["type"], d["status"], d["response_status"]) for d in listed] == [
        ("webhook.test", "delivered", 200)]
    assert db.get(WebhookDelivery, delivery).give_up_at == NOW + GIVE_UP
    wh.set_enabled(db, alice, endpoint_id, False, now=NOW)
    with pytest.raises(Conflict, match="Enable the endpoint"):
        wh.send_test(db, alice, endpoint_id, now=NOW)
    with pytest.raises(Conflict, match="Enable the endpoint"):
        wh.redeliver(db, alice, delivery, now=NOW)
    wh.delete_endpoint(db, alice, endpoint_id, now=NOW)
    db.commit()
    assert db.get(WebhookEndpoint, endpoint_id) is None and deliveries(db, endpoint_id) == []


def test_another_organization_cannot_see_or_touch_an_endpoint(db, demo, receiver):
    endpoint_id, _ = endpoint(db, receiver=receiver)
    bob, frank = viewer(db, "bob"), viewer(db, "frank")
    for call in (lambda v: wh.endpoint(db, v, endpoint_id, NOW),
                 lambda v: wh.rotate_secret(db, v, endpoint_id, now=NOW),
                 lambda v: wh.send_test(db, v, endpoint_id, now=NOW),
                 lambda v: wh.list_deliveries(db, v, endpoint_id),
                 lambda v: wh.delete_endpoint(db, v, endpoint_id, now=NOW)):
        with pytest.raises(NotFound):
            call(bob)
        with pytest.raises(PermissionDenied):
            call(frank)  # a member of Contoso, not its administrator
    assert wh.list_endpoints(db, bob, NOW) == []
    assert db.get(WebhookEndpoint, endpoint_id) is not None
    assert db.exec(select(Invitation)).all() == []


def test_a_batch_makes_one_delivery_per_invitation(db, engine, demo, receiver):
    """Savepoints inside a batch do not queue its events again (each address is written
    under one)."""
    from app.models import Community, Role
    from app.services import parent_invitations as pi
    from app.services import user_invitations as ui

    alice_ep, _ = endpoint(db, receiver=receiver)
    dave_ep, _ = endpoint(db, "dave", receiver=receiver)
    client_a = db.exec(select(Community.id).where(Community.name == "Client A")).one()
    member = db.exec(select(Role.id).where(Role.key == "community_member")).one()
    results = ui.invite_users(db, viewer(db, "alice"), [f"p{i}@client-a.example"
                                                        for i in range(5)],
                              [client_a], [member], now=NOW, mailer=MAIL.user())
    db.commit()
    assert [r["outcome"] for r in results] == ["invited"] * 5
    assert [d.event_type for d in deliveries(db, alice_ep)] == ["invitation.created"] * 5
    sent = pi.invite_parent_users(db, viewer(db, "dave"), ["frank", "alice", "nobody"], [],
                                  now=NOW, secret_key=SECRET, base_url=BASE)
    db.commit()
    invited = [r for r in sent if r["outcome"] == "invited"]
    assert len(invited) == 2
    assert len(deliveries(db, dave_ep)) == 2


def test_redelivering_another_organization_s_delivery_says_what_a_missing_one_says(
        db, demo, receiver):
    endpoint_id, _ = endpoint(db, receiver=receiver)
    delivery = wh.send_test(db, viewer(db, "alice"), endpoint_id, now=NOW)
    db.commit()
    said = []
    for target in (delivery, delivery + 1000):
        with pytest.raises(NotFound) as refused:
            wh.redeliver(db, viewer(db, "bob"), target, now=NOW)
        said.append(str(refused.value))
    assert said[0] == said[1]
    for target in (delivery, delivery + 1000):  # a member: refused before anything is read
        with pytest.raises(PermissionDenied):
            wh.redeliver(db, viewer(db, "frank"), target, now=NOW)


def test_the_running_pump_never_waits_for_a_slow_endpoint(db, engine, demo):
    """A step starts calls and returns; while the slow endpoint still holds its call, the
    next step posts to another endpoint."""
    released = threading.Event()
    slow = Receiver(answers=[lambda: released.wait(10) and 200]).start()
    quick = Receiver().start()
    pump = ws.Pump(engine, worker="pump", allow_private=True, base_url=BASE)
    try:
        slow_ep, _ = endpoint(db, url=slow.url)
        invite(db, at=utcnow())
        assert pump.step() == set()  # the slow call started, the step returned
        assert slow.arrived.wait(5)
        quick_ep, _ = endpoint(db, url=quick.url)
        wh.send_test(db, viewer(db, "alice"), quick_ep, now=utcnow())
        db.commit()
        pump.step()
        assert quick.arrived.wait(5) and not released.is_set()
        released.set()
        deadline = utcnow() + timedelta(seconds=10)
        while {d.status for ep in (slow_ep, quick_ep) for d in deliveries(db, ep)} != {
                "delivered"} and utcnow() < deadline:
            pump.step()
            released.wait(0.05)
        assert [d.status for d in deliveries(db, slow_ep)] == ["delivered"]
        assert [d.status for d in deliveries(db, quick_ep)] == ["delivered"]
    finally:
        released.set()
        pump.close()
        slow.stop()
        quick.stop()
