"""A count saved with blanks reads as "not reported" on the profile, in a real chromium."""

from __future__ import annotations

import pytest
from django.urls import reverse

from facilities.factories import TEST_PASSWORD, UnitFactory
from facilities.models import PopulationSnapshot
from lib.testing.browser import log_in, serious_accessibility_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_count_with_only_the_total_shows_not_reported_and_unknown_indicators(page, personas):
    UnitFactory(facility=personas.colony, code="B1", name="Barracks 1")
    log_in(page, "officer.la155", TEST_PASSWORD)
    page.get_by_role("link", name="Record population").click()
    page.wait_for_load_state()

    page.get_by_label("Total held").fill("450")
    page.get_by_role("button", name="Save the count").click()
    page.wait_for_load_state()

    assert page.url.endswith(reverse("facilities:detail", args=[personas.colony.pk]))
    snapshot = PopulationSnapshot.objects.get()
    assert (snapshot.total, snapshot.women) == (450, None)
    women_row = page.locator("table.breakdown tr", has_text="Women").first
    assert "not reported" in women_row.inner_text()
    assert "0" not in women_row.locator("td").first.inner_text()
    mothers = page.locator('[data-indicator="mothers_without_unit"]')
    assert mothers.get_attribute("data-status") == "unknown"
    assert "Unknown: not reported" in mothers.inner_text()
    assert "Compliant" not in page.locator('[data-indicator="living_space"]').inner_text()
    assert "0 of 5" not in page.locator("[data-summary]").inner_text()
    assert "1 / 11" in page.locator("[data-completeness]").inner_text()
    assert serious_accessibility_violations(page) == []
