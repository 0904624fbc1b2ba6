"""Changing the registry on its pages, as a person does it in a real chromium."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from facilities import services
from facilities.factories import TEST_PASSWORD, UnitFactory
from facilities.models import PopulationSnapshot
from lib.testing.browser import log_in, serious_accessibility_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def last_january() -> dt.date:
    today = timezone.localdate()
    return dt.date(today.year - 1, 1, 1)


def test_a_facility_officer_corrects_an_impossible_figure_and_sees_the_count_on_the_profile(page, personas):
    UnitFactory(facility=personas.colony, code="B1", name="Barracks 1")
    log_in(page, "officer.la155", TEST_PASSWORD)
    assert page.url.endswith(reverse("facilities:detail", args=[personas.colony.pk]))

    page.get_by_role("link", name="Record population").click()
    page.wait_for_load_state()
    assert page.locator("h1").inner_text() == "Record population"
    assert page.get_by_label("Date of the count").input_value() == timezone.localdate().replace(day=1).isoformat()
    assert serious_accessibility_violations(page) == []

    page.get_by_label("Total held").fill("312")
    page.get_by_label("Women", exact=True).fill("400")
    page.get_by_label("B1 Barracks 1").fill("50")
    page.get_by_role("button", name="Save the count").click()
    page.wait_for_load_state()

    women = page.get_by_label("Women", exact=True)
    assert women.get_attribute("aria-invalid") == "true"
    assert "cannot exceed the total held" in page.locator("#id_women_error").inner_text()
    assert women.input_value() == "400"
    assert page.get_by_label("Total held").input_value() == "312"
    assert page.get_by_role("alert").first.is_visible()
    assert not PopulationSnapshot.objects.exists()
    assert serious_accessibility_violations(page) == []

    women.fill("12")
    page.get_by_role("button", name="Save the count").click()
    page.wait_for_load_state()

    assert page.url.endswith(reverse("facilities:detail", args=[personas.colony.pk]))
    assert "recorded: 312 people held" in page.get_by_role("status").inner_text()
    people_held = page.locator(".stat").filter(has_text="People held").locator(".value")
    assert people_held.inner_text() == "312"
    assert PopulationSnapshot.objects.get(facility=personas.colony).women == 12


def test_choosing_a_recorded_date_says_at_once_that_saving_corrects_it(page, personas):
    services.record_population_snapshot(facility=personas.colony, by=personas.facility_officer,
                                        date=last_january(), total=280)
    log_in(page, "officer.la155", TEST_PASSWORD)
    page.goto(reverse("facilities:population", args=[personas.colony.pk]))
    recorded = last_january().isoformat()

    with page.expect_response(lambda r: f"date={recorded}" in r.url):
        page.get_by_label("Date of the count").fill(recorded)
        page.get_by_label("Date of the count").dispatch_event("change")

    notice = page.locator("#date-status")
    notice.get_by_text("Saving this form corrects it.").wait_for()
    assert page.locator("input[name=correcting]").input_value() == recorded
    assert serious_accessibility_violations(page) == []


def test_the_registry_forms_have_no_serious_accessibility_violations(page, personas):
    unit = UnitFactory(facility=personas.colony, code="B1", name="Barracks 1")
    log_in(page, "aigerim.npm", TEST_PASSWORD)
    found = {}
    for url in (reverse("facilities:create"), reverse("facilities:edit", args=[personas.colony.pk]),
                reverse("facilities:unit-add", args=[personas.colony.pk]),
                reverse("facilities:unit-edit", args=[personas.colony.pk, unit.pk])):
        page.goto(url)
        found[url] = [v["id"] for v in serious_accessibility_violations(page)]
        page.locator("#id_code").fill("")  # so the form comes back with its errors shown
        page.locator("form.registry-form button[type=submit]").click()
        page.wait_for_load_state()
        assert page.locator("#id_code_error").is_visible()
        found[url + " (errors)"] = [v["id"] for v in serious_accessibility_violations(page)]

    assert found == {url: [] for url in found}


def test_a_checkbox_sits_before_its_label_on_one_line_and_the_label_toggles_it(page, personas):
    log_in(page, "aigerim.npm", TEST_PASSWORD)
    page.goto(reverse("facilities:edit", args=[personas.colony.pk]))
    box = page.get_by_label("In use", exact=True)
    assert box.get_attribute("type") == "checkbox"
    text = page.locator(".field-check label span", has_text="In use")
    box_area, text_area = box.bounding_box(), text.bounding_box()
    assert box_area["x"] + box_area["width"] <= text_area["x"]  # the box first, then its words
    middle = box_area["y"] + box_area["height"] / 2
    assert text_area["y"] <= middle <= text_area["y"] + text_area["height"]  # on the same line
    was = box.is_checked()
    text.click()
    assert box.is_checked() is not was
    assert serious_accessibility_violations(page) == []
