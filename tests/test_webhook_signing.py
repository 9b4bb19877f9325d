"""Standard Webhooks signing: the reference libraries' vector, round trips, rotation, refusals."""

import base64

import pytest

from app.domain.webhook_signing import (
    BadSignature,
    headers,
    new_secret,
    sign,
    signature_header,
    verify,
)

# The "sign function works" vector of standard-webhooks/standard-webhooks,
# libraries/python/tests/test_webhooks.py (test_sign_function) and
# libraries/javascript/src/webhook.test.ts, copied verbatim.
VECTOR_SECRET = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
VECTOR_ID = "msg_p5jXN8AQM9LWM0D4loKWxJek"
VECTOR_TIMESTAMP = 1614265330
VECTOR_BODY = b'{"test": 2432232314}'
VECTOR_SIGNATURE = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="

NOW = 1_700_000_000
BODY = b'{"type":"invitation.accepted","data":{"id":"inv_1"}}'


def test_sign_matches_the_reference_vector():
    assert sign(VECTOR_SECRET, VECTOR_ID, VECTOR_TIMESTAMP, VECTOR_BODY) == VECTOR_SIGNATURE


def test_verify_accepts_the_reference_vector():
    sent = {"webhook-id": VECTOR_ID, "webhook-timestamp": str(VECTOR_TIMESTAMP),
            "webhook-signature": VECTOR_SIGNATURE}
    assert verify(VECTOR_SECRET, sent, VECTOR_BODY, now=VECTOR_TIMESTAMP) is None


def test_verify_refuses_the_vector_with_its_last_character_changed():
    # The reference tests' "invalid signature": the vector ending in A instead of E.
    sent = {"webhook-id": VECTOR_ID, "webhook-timestamp": str(VECTOR_TIMESTAMP),
            "webhook-signature": "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OA="}
    with pytest.raises(BadSignature, match="^No webhook signature matches the secret.$"):
        verify(VECTOR_SECRET, sent, VECTOR_BODY, now=VECTOR_TIMESTAMP)


def test_new_secret_is_whsec_and_32_random_bytes():
    first, second = new_secret(), new_secret()
    assert first.startswith("whsec_")
    assert len(base64.b64decode(first.removeprefix("whsec_"), validate=True)) == 32
    assert first != second


def test_headers_carry_id_timestamp_and_signature():
    secret = new_secret()
    assert headers([secret], "msg_1", NOW, BODY) == {
        "webhook-id": "msg_1",
        "webhook-timestamp": "1700000000",
        "webhook-signature": sign(secret, "msg_1", NOW, BODY),
    }


def test_a_signed_webhook_verifies():
    secret = new_secret()
    verify(secret, headers([secret], "msg_1", NOW, BODY), BODY, now=NOW)


def test_header_names_are_matched_without_regard_to_case():
    secret = new_secret()
    sent = {name.title(): value for name, value in headers([secret], "msg_1", NOW, BODY).items()}
    assert "Webhook-Signature" in sent
    verify(secret, sent, BODY, now=NOW)


def test_during_rotation_both_secrets_sign_and_either_verifies():
    old, new = new_secret(), new_secret()
    sent = headers([old, new], "msg_1", NOW, BODY)
    assert sent["webhook-signature"] == (
        f"{sign(old, 'msg_1', NOW, BODY)} {sign(new, 'msg_1', NOW, BODY)}")
    verify(old, sent, BODY, now=NOW)
    verify(new, sent, BODY, now=NOW)
    with pytest.raises(BadSignature, match="No webhook signature matches"):
        verify(new_secret(), sent, BODY, now=NOW)


def test_other_versions_and_garbage_around_the_good_signature_are_skipped():
    secret = new_secret()
    good = sign(secret, "msg_1", NOW, BODY)
    sent = {"webhook-id": "msg_1", "webhook-timestamp": str(NOW),
            "webhook-signature": f"v1a,{good[3:]} v2,{good[3:]} junk  {good} v1,é"}
    verify(secret, sent, BODY, now=NOW)


def test_several_missing_headers_are_all_named():
    with pytest.raises(BadSignature) as refused:
        verify(new_secret(), {"webhook-id": "msg_1"}, BODY, now=NOW)
    assert str(refused.value) == "The webhook lacks the headers webhook-timestamp, webhook-signature."


def test_the_right_signature_under_another_version_is_refused():
    secret = new_secret()
    good = sign(secret, "msg_1", NOW, BODY)
    sent = {"webhook-id": "msg_1", "webhook-timestamp": str(NOW),
            "webhook-signature": "v1a," + good.removeprefix("v1,")}
    with pytest.raises(BadSignature, match="No webhook signature matches"):
        verify(secret, sent, BODY, now=NOW)


@pytest.mark.parametrize("change", [
    {"body": BODY + b" "},
    {"webhook-id": "msg_2"},
    {"webhook-timestamp": str(NOW + 1)},
])
def test_a_tampered_body_id_or_timestamp_fails(change):
    secret = new_secret()
    sent = headers([secret], "msg_1", NOW, BODY)
    body = change.pop("body", BODY)
    sent.update(change)
    with pytest.raises(BadSignature, match="^No webhook signature matches the secret.$"):
        verify(secret, sent, body, now=NOW)


@pytest.mark.parametrize("empty", [False, True])
@pytest.mark.parametrize("name", ["webhook-id", "webhook-timestamp", "webhook-signature"])
def test_a_missing_or_empty_header_is_named(name, empty):
    secret = new_secret()
    sent = headers([secret], "msg_1", NOW, BODY)
    if empty:
        sent[name] = ""
    else:
        del sent[name]
    with pytest.raises(BadSignature) as refused:
        verify(secret, sent, BODY, now=NOW)
    assert str(refused.value) == f"The webhook lacks the header {name}."


@pytest.mark.parametrize("offset", [-300, 0, 300])
def test_a_timestamp_within_the_tolerance_verifies(offset):
    secret = new_secret()
    verify(secret, headers([secret], "msg_1", NOW + offset, BODY), BODY, now=NOW)


def test_a_timestamp_one_second_too_old_is_refused():
    secret = new_secret()
    sent = headers([secret], "msg_1", NOW - 301, BODY)
    with pytest.raises(BadSignature) as refused:
        verify(secret, sent, BODY, now=NOW)
    assert str(refused.value) == "The webhook is too old: sent 301 s ago, more than the 300 s allowed."


def test_a_timestamp_one_second_too_new_is_refused():
    secret = new_secret()
    sent = headers([secret], "msg_1", NOW + 301, BODY)
    with pytest.raises(BadSignature) as refused:
        verify(secret, sent, BODY, now=NOW)
    assert str(refused.value) == (
        "The webhook is dated 301 s in the future, more than the 300 s allowed.")


def test_the_tolerance_can_be_narrowed():
    secret = new_secret()
    sent = headers([secret], "msg_1", NOW - 10, BODY)
    verify(secret, sent, BODY, now=NOW, tolerance=10)
    with pytest.raises(BadSignature, match="too old"):
        verify(secret, sent, BODY, now=NOW, tolerance=9)


@pytest.mark.parametrize("stamp", ["soon", "1.5", "-1", " 1700000000", "+1700000000", "١٧"])
def test_a_timestamp_that_is_not_plain_digits_is_refused(stamp):
    secret = new_secret()
    sent = headers([secret], "msg_1", NOW, BODY) | {"webhook-timestamp": stamp}
    with pytest.raises(BadSignature, match="not a whole number of seconds"):
        verify(secret, sent, BODY, now=NOW)


def test_a_full_stop_in_the_id_is_refused_both_ways():
    secret = new_secret()
    with pytest.raises(ValueError, match="full stop"):
        sign(secret, "msg.1", NOW, BODY)
    sent = headers([secret], "msg_1", NOW, BODY) | {"webhook-id": "msg.1"}
    with pytest.raises(BadSignature, match="full stop"):
        verify(secret, sent, BODY, now=NOW)


@pytest.mark.parametrize("secret", ["MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "whsec_", "whsec_not base64!"])
def test_a_malformed_secret_is_a_value_error(secret):
    with pytest.raises(ValueError, match="webhook secret"):
        sign(secret, "msg_1", NOW, BODY)


def test_signing_needs_at_least_one_secret():
    with pytest.raises(ValueError, match="At least one webhook secret"):
        signature_header([], "msg_1", NOW, BODY)
