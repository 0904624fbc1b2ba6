"""A monitor plans a visit, fills the checklist with the network cut (and the page reloaded while
offline), and synchronises afterwards, in a real chromium; in Kazakh too."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from facilities.factories import TEST_PASSWORD
from lib.testing.browser import log_in, serious_accessibility_violations
from visits import services
from visits.models import Answer, Compliance, Visit
from visits.standards import load_catalogue

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def _ready_for_offline(page) -> None:
    """Wait until the service worker controls the page and the page is in its cache."""
    page.wait_for_function("() => navigator.serviceWorker && navigator.serviceWorker.controller !== null")
    page.wait_for_function(
        "async () => !!(await (await caches.open('custodywatch-visits-v1')).match(location.pathname))")


def test_plan_fill_the_checklist_offline_reload_and_synchronise(page, personas):
    load_catalogue()
    log_in(page, "aigerim.npm", TEST_PASSWORD)
    page.goto(reverse("visits:plan") + f"?facility={personas.colony.pk}")
    page.get_by_label("Planned date").fill(timezone.localdate().isoformat())
    page.get_by_label("Timing").select_option("night")
    page.get_by_role("button", name="Plan the visit").click()
    page.wait_for_load_state()
    visit = Visit.objects.get()
    assert page.url.endswith(reverse("visits:detail", args=[visit.pk]))
    assert serious_accessibility_violations(page) == []

    page.get_by_role("link", name="Open the checklist").click()
    page.wait_for_load_state("networkidle")
    _ready_for_offline(page)
    # Online, the reason comes back as the value is typed.
    page.locator("#answer-SPACE-01").fill("3,2")
    page.locator("#reason-SPACE-01.reason-not_met").wait_for()
    assert "at least 4" in page.locator("#reason-SPACE-01").inner_text()
    page.locator("#sync-status", has_text="Synchronised").wait_for()

    page.context.set_offline(True)
    page.locator("#answer-SPACE-09").select_option("no")
    page.locator("#answer-SEP-01").fill("2")
    page.locator("#answer-SEP-01").blur()
    page.locator("#sync-status", has_text="No network").wait_for()
    assert not Answer.objects.filter(indicator__code__in=["SPACE-09", "SEP-01"]).exists()

    reloaded = page.reload()  # still offline: the service worker serves the page, the answers come from the device
    page.wait_for_load_state()
    assert reloaded.from_service_worker
    assert page.evaluate("navigator.onLine") is False
    page.locator("#state-SEP-01.pending").wait_for()
    assert page.locator("h1").inner_text() == "Checklist"
    assert page.locator("#answer-SPACE-09").input_value() == "no"
    assert page.locator("#answer-SEP-01").input_value() == "2"
    assert "not synchronised yet" in page.locator("#state-SEP-01").inner_text()

    page.context.set_offline(False)
    page.get_by_role("button", name="Synchronise now").click()
    page.locator("#sync-status", has_text="Synchronised").wait_for()
    answers = {a.indicator.code: a for a in Answer.objects.select_related("indicator")}
    assert answers["SPACE-09"].value is False
    assert answers["SEP-01"].compliance == Compliance.NOT_MET
    assert answers["SPACE-01"].value == "3.2"
    # Synchronising again sends nothing twice.
    page.get_by_role("button", name="Synchronise now").click()
    assert Answer.objects.count() == 3
    assert all(a.version == 1 for a in answers.values())


def test_the_checklist_offline_in_kazakh(page, personas):
    load_catalogue()
    visit = services.plan_visit(by=personas.npm_monitor, facility=personas.colony, planned_on=timezone.localdate())
    log_in(page, "aigerim.npm", TEST_PASSWORD)
    page.goto(reverse("visits:checklist", args=[visit.pk]))
    with page.expect_navigation():
        page.locator("#language-select").select_option(label="Қазақша")
    page.wait_for_load_state("networkidle")
    assert page.locator("html").get_attribute("lang") == "kk"
    assert "Таза ауыз су" in page.locator("#indicator-SPACE-09").inner_text()  # noqa: RUF001 (Kazakh text)
    _ready_for_offline(page)
    page.context.set_offline(True)
    page.locator("#answer-SPACE-09").select_option("yes")
    page.locator("#state-SPACE-09.pending").wait_for()
    page.reload()
    page.wait_for_load_state()
    page.locator("#state-SPACE-09.pending").wait_for()  # the answer is back from the device
    assert page.locator("#answer-SPACE-09").input_value() == "yes"
    page.context.set_offline(False)
    page.locator("#sync-now").click()
    page.wait_for_function("() => document.querySelector('#state-SPACE-09').className.includes('synced')")
    assert Answer.objects.get().compliance == Compliance.MET
