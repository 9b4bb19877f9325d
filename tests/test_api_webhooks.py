"""Webhook endpoints through the HTTP API (issue 16): the same service as the Webhooks
page; the secret only in the answer that made it; refusals as problem documents."""

from datetime import timedelta

from sqlmodel import Session, select

from app.models import WebhookDelivery, utcnow
from app.webhooks import sender as ws
from tests.api_client import problem, token
from tests.helpers import viewer
from tests.webhook_receiver import Receiver

V1 = "/api/v1"


def test_an_endpoint_made_tested_rotated_and_deleted(api, engine):
    alice = token(engine)
    receiver = Receiver().start()
    try:
        made = api.post(f"{V1}/webhooks", json={"url": receiver.url, "description": "CI",
                                                "events": ["invitation.created"]},
                        headers=alice)
        assert made.status_code == 201, made.text
        hook = made.json()
        secret = hook.pop("secret")
        assert secret.startswith("whsec_") and hook["events"] == ["invitation.created"]
        assert made.headers["location"] == f"{V1}/webhooks/{hook['id']}"
        assert api.told[-1][0] == [f"webhooks-{_org(engine)}"]
        listed = api.get(f"{V1}/webhooks", headers=alice).json()
        assert [h["id"] for h in listed["items"]] == [hook["id"]]
        assert "invitation.expired" in listed["event_types"] and secret not in str(listed)
        assert api.get(f"{V1}/webhooks/{hook['id']}", headers=alice).json() == hook

        sent = api.post(f"{V1}/webhooks/{hook['id']}/test", headers=alice)
        assert sent.status_code == 202
        ws.run_once(engine, worker="t", allow_private=True, base_url="http://x",
                    now_fn=lambda: utcnow() + timedelta(seconds=1))
        [got] = receiver.got
        assert got.verified(secret)
        deliveries = api.get(f"{V1}/webhooks/{hook['id']}/deliveries", headers=alice).json()
        [row] = deliveries["items"]
        assert (row["type"], row["status"], row["response_status"]) == (
            "webhook.test", "delivered", 200)
        again = api.post(f"{V1}/webhook-deliveries/{row['id']}/redeliver", headers=alice)
        assert again.status_code == 202
        problem(api.post(f"{V1}/webhook-deliveries/{row['id']}/redeliver", headers=alice),
                409, "conflict")  # queued again: on its way

        rotated = api.post(f"{V1}/webhooks/{hook['id']}/rotate-secret", headers=alice).json()
        assert rotated["secret"] != secret and rotated["rotating_until"]
        disabled = api.post(f"{V1}/webhooks/{hook['id']}/disable", headers=alice).json()
        assert disabled["status"] == "disabled"
        problem(api.post(f"{V1}/webhooks/{hook['id']}/test", headers=alice), 409, "conflict")
        assert api.post(f"{V1}/webhooks/{hook['id']}/enable",
                        headers=alice).json()["status"] == "active"
        edited = api.put(f"{V1}/webhooks/{hook['id']}", json={"url": receiver.url},
                         headers=alice).json()
        assert edited["events"] == [] and edited["description"] == ""
        assert api.delete(f"{V1}/webhooks/{hook['id']}", headers=alice).status_code == 204
        problem(api.get(f"{V1}/webhooks/{hook['id']}", headers=alice), 404, "not-found")
        with Session(engine) as db:
            assert db.exec(select(WebhookDelivery)).all() == []
    finally:
        receiver.stop()


def _org(engine) -> int:
    with Session(engine) as db:
        return viewer(db, "alice").organization_id


def test_bad_endpoints_are_refused_and_nothing_is_made(api, engine):
    alice = token(engine)
    for body, status in (({"url": "ftp://hooks.example/"}, 422),
                         ({"url": "https://127.0.0.1:9/x", "events": ["nope"]}, 422),
                         ({"url": ""}, 422), ({}, 422)):
        problem(api.post(f"{V1}/webhooks", json=body, headers=alice), status, "invalid-input")
    problem(api.post(f"{V1}/webhooks", json={"url": "https://127.0.0.1:9/x"},
                     headers=token(engine, "alice", "read")), 403, "forbidden")
    problem(api.get(f"{V1}/webhooks", headers=token(engine, "frank")), 403, "forbidden")
    assert api.get(f"{V1}/webhooks", headers=alice).json()["items"] == []
