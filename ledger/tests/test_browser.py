"""The ledger page as a monitor uses it, in a real chromium."""

from __future__ import annotations

from pathlib import Path

import pytest
from django.urls import reverse

from custodywatch_log.proof import verify_proof_bundle
from facilities.factories import TEST_PASSWORD
from ledger.models import SigningKey
from ledger.services import append_entries, sign_checkpoint
from ledger.tests.conftest import segment, segments
from lib.testing.browser import log_in, serious_accessibility_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("ledger_settings")]


@pytest.fixture
def log(personas):
    """25 entries, the first 22 in the published checkpoint (no witnesses configured)."""
    append_entries(entries=segments(0, 22))
    sign_checkpoint()
    append_entries(entries=segments(22, 3))


def test_a_monitor_finds_an_entry_by_its_hash_and_downloads_a_proof_that_verifies(page, log):
    log_in(page, "aigerim.npm", TEST_PASSWORD)
    page.goto(reverse("ledger:index"))

    page.get_by_label("Entry hash").fill(segment(7).leaf_hash.hex())
    page.get_by_role("button", name="Search").click()
    result = page.locator("#search-result")
    result.get_by_text("Video segment manifest").wait_for()
    with page.expect_download() as download:
        result.get_by_role("link", name="Download proof").click()

    assert download.value.suggested_filename == "custodywatch-entry-7.tlog-proof"
    bundle = Path(download.value.path()).read_bytes()
    verified = verify_proof_bundle(bundle, [SigningKey.objects.get().vkey])
    assert verified.bundle.index == 7
    assert verified.leaf_hash == segment(7).leaf_hash


def test_a_monitor_pages_back_through_older_entries_without_reloading(page, log):
    log_in(page, "aigerim.npm", TEST_PASSWORD)
    page.goto(reverse("ledger:index"))
    page.evaluate("window.fullLoads = 1")
    rows = page.locator("table.entries tbody tr:not(.more)")
    assert rows.count() == 20

    page.get_by_role("link", name="Older entries").click()
    page.locator("table.entries tbody tr:not(.more)").nth(24).wait_for()

    assert rows.count() == 25
    assert page.get_by_role("link", name="Older entries").count() == 0
    assert page.evaluate("window.fullLoads") == 1


def test_the_ledger_page_has_no_serious_accessibility_violations(page, log):
    log_in(page, "aigerim.npm", TEST_PASSWORD)
    page.goto(reverse("ledger:index"))
    assert serious_accessibility_violations(page) == []

    page.get_by_label("Entry hash").fill(segment(3).leaf_hash.hex())
    page.get_by_role("button", name="Search").click()
    page.locator("#search-result").get_by_text("Video segment manifest").wait_for()
    assert serious_accessibility_violations(page) == []
