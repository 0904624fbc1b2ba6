"""The main flows as a person does them, in a real chromium."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import translation

from facilities.factories import TEST_PASSWORD
from facilities.tests.spreadsheets import FACILITY_HEADER, csv_bytes, facility_row, registry_counts
from lib.testing.browser import log_in, serious_accessibility_violations

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_monitor_logs_in_and_lands_on_the_national_overview(page, personas):
    page.goto("/")
    assert "/login/" in page.url
    assert serious_accessibility_violations(page) == []

    log_in(page, "aigerim.npm", TEST_PASSWORD)

    assert page.url.endswith(reverse("facilities:overview"))
    assert page.locator("h1").inner_text() == "Places of detention: the overall picture"
    assert page.locator("svg[role=img]").count() >= 3
    assert page.get_by_role("navigation").get_by_role("link", name="Facilities").is_visible()


def test_a_wrong_password_is_refused_with_a_message(page, personas):
    log_in(page, "aigerim.npm", "not the password")

    assert "/login/" in page.url
    assert page.get_by_role("alert").is_visible()


def test_switching_the_language_translates_the_interface(page, personas):
    import datetime as dt

    from custody.services.colonies import record_enrolment

    record_enrolment(by=personas.facility_officer, facility=personas.colony, programme="vocational",
                     month=dt.date(2026, 11, 1), enrolled=1250, completed=None)
    log_in(page, "aigerim.npm", TEST_PASSWORD)
    for language, name in (("ru", "Русский"), ("kk", "Қазақша")):
        with translation.override(language):
            heading = translation.gettext("Places of detention: the overall picture")
            facilities = translation.gettext("Facilities")
        assert heading != "Places of detention: the overall picture"

        with page.expect_navigation():
            page.locator("#language-select").select_option(label=name)

        assert page.locator("html").get_attribute("lang") == language
        assert page.locator("h1").inner_text() == heading
        assert page.get_by_role("navigation").get_by_role("link", name=facilities).is_visible()

    # The national enrolment figure in the reader's number format, and the list behind it adds up to it.
    figure = page.locator('tr[data-programme="vocational"][data-measure="enrolled"] a[data-sum]')
    assert figure.inner_text() == "1\xa0250"
    with page.expect_navigation():
        figure.click()
    assert page.locator("tfoot [data-sum]").get_attribute("data-sum") == "1250"
    assert page.locator("tfoot [data-sum]").inner_text() == "1\xa0250"
    assert page.locator("tr.enrolment-row").count() == 1


def test_an_import_with_errors_lists_every_bad_row_and_changes_nothing(page, personas, tmp_path):
    before = registry_counts()
    upload = tmp_path / "facilities.csv"
    upload.write_bytes(csv_bytes([
        FACILITY_HEADER,
        facility_row("NEW-1"),
        facility_row("NEW-2", type="dungeon"),
        facility_row("NEW-3", design_capacity="many"),
    ]))
    log_in(page, "aigerim.npm", TEST_PASSWORD)
    page.goto(reverse("facilities:import"))

    page.locator("input[type=file]").set_input_files(str(upload))
    page.get_by_role("button", name="Import").click()

    problems = page.locator("#import-result table tbody tr")
    problems.first.wait_for()
    assert problems.count() == 2
    texts = [problems.nth(i).inner_text() for i in range(2)]
    assert any("3" in t and "type" in t and "dungeon" in t for t in texts)
    assert any("4" in t and "design_capacity" in t and "many" in t for t in texts)
    assert "Nothing was changed" in page.locator("#import-result h2").inner_text()
    assert serious_accessibility_violations(page) == []
    assert registry_counts() == before


def test_a_facility_officer_sees_only_their_own_facility(page, personas):
    log_in(page, "officer.la155", TEST_PASSWORD)

    assert page.url.endswith(reverse("facilities:detail", args=[personas.colony.pk]))
    assert page.locator("h1").inner_text() == personas.colony.name_en
    page.goto(reverse("facilities:detail", args=[personas.other_colony.pk]))
    assert page.locator("h1").inner_text() != personas.other_colony.name_en
    assert personas.other_colony.name_en not in page.content()
