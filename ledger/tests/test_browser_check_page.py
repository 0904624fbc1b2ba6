"""The ledger's keys and the how-to-check page as a monitor or a lawyer uses them, in a real chromium."""

from __future__ import annotations

import pytest
from django.urls import reverse

from custodywatch_log.note import CosignatureSigner
from facilities.factories import TEST_PASSWORD
from facilities.services import update_facility
from ledger.models import SigningKey
from ledger.services import append_entries, sign_checkpoint
from ledger.tests.conftest import segments
from lib.testing.browser import log_in, serious_accessibility_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("ledger_settings")]

PHONE = {"width": 390, "height": 844}


@pytest.fixture
def log(personas, settings):
    """A signed log with a registry change of a facility in Karaganda, and one witness configured."""
    witness = CosignatureSigner.generate("witness.test/ombudsman-office-of-the-republic")
    settings.LEDGER_WITNESSES = [{"name": "ombudsman", "url": "http://127.0.0.1:9", "vkey": witness.vkey}]
    settings.LEDGER_WITNESS_QUORUM = 0
    append_entries(entries=segments(0, 5))
    update_facility(facility=personas.colony, by=personas.npm_monitor, address="Changed 1")
    sign_checkpoint()
    return witness


def test_a_monitor_copies_the_logs_full_key_from_the_ledger_page(page, log):
    page.context.grant_permissions(["clipboard-read", "clipboard-write"])
    log_in(page, "aigerim.npm", TEST_PASSWORD)
    page.goto(reverse("ledger:index"))

    page.get_by_role("button", name="Copy the log's key").click()

    page.get_by_role("status").filter(has_text="Copied").first.wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == SigningKey.objects.get().vkey


def test_a_monitor_follows_an_entry_to_its_facility(page, personas, log):
    log_in(page, "aigerim.npm", TEST_PASSWORD)
    page.goto(reverse("ledger:index"))

    page.locator("table.entries").get_by_role("link", name=str(personas.colony)).click()

    page.wait_for_url(f"**{reverse('facilities:detail', args=[personas.colony.pk])}")
    assert page.url.endswith(reverse('facilities:detail', args=[personas.colony.pk]))


def test_a_visitor_who_is_not_logged_in_finds_the_keys_and_the_verifier(page, log):
    page.goto(reverse("ledger:check"))

    assert page.locator("#log-vkey").inner_text() == SigningKey.objects.get().vkey
    assert page.locator("code.vkey", has_text=log.vkey).is_visible()
    page.get_by_role("link", name="Open the browser verifier").click()
    page.locator("body[data-ready=true]").wait_for()
    assert page.locator("h1").inner_text() == "Check a CustodyWatch ledger proof"


@pytest.mark.parametrize("url_name", ["ledger:check", "ledger:index", "ledger:verifier"])
def test_on_a_phone_the_pages_need_no_sideways_scrolling(chromium, live_server, log, url_name):
    context = chromium.new_context(base_url=live_server.url, viewport=PHONE)
    page = context.new_page()
    try:
        if url_name == "ledger:index":
            log_in(page, "aigerim.npm", TEST_PASSWORD)
        page.goto(reverse(url_name))
        page.wait_for_load_state("networkidle")
        assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    finally:
        context.close()


@pytest.mark.parametrize("url_name", ["ledger:check", "ledger:verifier"])
def test_the_public_pages_have_no_serious_accessibility_violations(page, log, url_name):
    page.goto(reverse(url_name))
    page.wait_for_load_state("networkidle")
    assert serious_accessibility_violations(page) == []
