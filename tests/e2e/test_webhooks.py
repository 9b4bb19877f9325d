"""Webhooks (issue 16): from the avatar menu, Alice adds an endpoint pointing at a real
receiver on this machine, copies its signing secret the one time it is shown, sends a test
event and watches it arrive, signed with that secret, and turn Delivered on the page
without a reload; she rotates the secret (a new one, shown once) and deletes the
endpoint."""

import re
import time

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import assert_accessible, one_worker_only
from tests.e2e.test_shell_journey import sign_in
from tests.webhook_receiver import Receiver

pytestmark = [pytest.mark.e2e, one_worker_only]


@pytest.fixture
def receiver():
    got = Receiver().start()
    yield got
    got.stop()


def arrived(receiver: Receiver, event_type: str, after: int = 0, timeout: float = 20):
    """The first request of `event_type` the receiver got after its first `after` ones."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for request in receiver.got[after:]:
            if f'"type":"{event_type}"' in request.body.decode():
                return request
        receiver.arrived.wait(0.2)
        receiver.arrived.clear()
    raise AssertionError(f"no {event_type} request reached the receiver")


def copied_secret(page) -> str:
    """Press Copy secret and read what it put on the clipboard."""
    page.get_by_role("button", name="Copy secret").click()
    expect(page.get_by_text("Secret copied.")).to_be_visible()
    return page.evaluate("navigator.clipboard.readText()")


def test_alice_adds_tests_rotates_and_deletes_an_endpoint(browser, live_app, receiver):
    context = browser.new_context()
    context.grant_permissions(["clipboard-read", "clipboard-write"], origin=live_app.url)
    alice = context.new_page()
    sign_in(alice, live_app.url, "contoso", "alice")
    expect(alice.get_by_role("heading", name=re.compile("Welcome"))).to_be_visible()
    alice.get_by_role("button", name="Account menu").click()
    alice.get_by_role("menuitem", name="Webhooks").click()
    expect(alice.get_by_role("heading", name="Webhooks", exact=True)).to_be_visible()
    expect(alice.get_by_text("No endpoints yet")).to_be_visible()
    assert_accessible(alice, "Webhooks, no endpoint yet")

    # A URL Commons will not call: said in the dialog, nothing saved.
    alice.get_by_role("button", name="Add endpoint").click()
    dialog = alice.get_by_role("dialog", name="Add endpoint")
    dialog.get_by_label("URL").fill("http://10.1.2.3/hooks")
    dialog.get_by_role("button", name="Add endpoint").click()
    expect(dialog.get_by_role("alert")).to_contain_text("Commons calls https:// URLs only")
    assert_accessible(alice, "Add endpoint, refused")

    dialog.get_by_label("URL").fill(receiver.url)
    dialog.get_by_label("Description (optional)").fill("Ticketing bridge")
    dialog.get_by_role("checkbox", name="invitation.created").click()
    dialog.get_by_role("button", name="Add endpoint").click()
    expect(dialog).to_have_count(0)
    card = alice.locator("[data-endpoint]").filter(has_text=receiver.url)
    expect(card).to_contain_text("Ticketing bridge")
    expect(card).to_contain_text("invitation.created")
    expect(card.locator("[data-status=active]")).to_have_text("Active")
    shown = alice.locator("#webhook-secret")
    expect(shown).to_have_text(re.compile(r"^whsec_\S{40,}$"))
    expect(alice.get_by_text("It is shown only this once")).to_be_visible()
    secret = copied_secret(alice)
    assert secret == shown.inner_text()
    assert_accessible(alice, "Webhooks, the secret shown once")
    alice.get_by_role("button", name="I have copied it").click()
    expect(shown).to_have_count(0)

    # Edit: no event checked is every event.
    card.get_by_role("button", name=re.compile("^Edit")).click()
    dialog = alice.get_by_role("dialog", name="Edit endpoint")
    expect(dialog.get_by_label("URL")).to_have_value(receiver.url)
    checkbox = dialog.get_by_role("checkbox", name="invitation.created")
    expect(checkbox).to_be_checked()
    checkbox.click()
    dialog.get_by_role("button", name="Save").click()
    expect(dialog).to_have_count(0)
    expect(card).to_contain_text("All events")

    # A test event reaches the receiver, signed with the secret she copied, and the
    # Deliveries panel turns Delivered by itself.
    card.get_by_role("button", name=re.compile("^Send test event")).click()
    request = arrived(receiver, "webhook.test")
    assert request.verified(secret)
    deliveries = card.locator("#webhook-deliveries")
    row = deliveries.get_by_role("row").filter(has_text="webhook.test")
    expect(row.locator("[data-status=delivered]")).to_have_text("Delivered")
    expect(row).to_contain_text("200")
    expect(row.get_by_role("button", name=re.compile("^Redeliver"))).to_be_visible()
    assert_accessible(alice, "Webhooks, a delivery delivered")

    # Rotate: asked first, then a new secret, once; the next delivery is signed with it.
    card.get_by_role("button", name=re.compile("^Rotate secret")).click()
    alice.get_by_role("alertdialog").get_by_role("button", name="Rotate secret").click()
    expect(shown).to_have_text(re.compile(r"^whsec_\S{40,}$"))
    rotated = copied_secret(alice)
    assert rotated != secret and rotated == shown.inner_text()
    expect(card).to_contain_text("Signing with two secrets until")
    before = len(receiver.got)
    card.get_by_role("button", name=re.compile("^Send test event")).click()
    request = arrived(receiver, "webhook.test", after=before)
    assert request.verified(rotated) and request.verified(secret)
    alice.reload()  # never shown again
    expect(card).to_contain_text("Ticketing bridge")
    expect(alice.locator("#webhook-secret")).to_have_count(0)
    expect(alice.get_by_text(rotated)).to_have_count(0)

    # Delete: asked first, naming its deliveries; then gone from the list.
    card.get_by_role("button", name=re.compile("^Delete")).click()
    confirm = alice.get_by_role("alertdialog")
    expect(confirm).to_contain_text("Its deliveries are deleted with it")
    confirm.get_by_role("button", name="Delete endpoint").click()
    expect(alice.get_by_text("Endpoint deleted, with its deliveries.")).to_be_visible()
    expect(card).to_have_count(0)
    expect(alice.get_by_text("No endpoints yet")).to_be_visible()
    context.close()
