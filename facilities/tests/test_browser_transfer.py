"""Exporting what the list shows and importing an agency's spreadsheet, as a person does it."""

from __future__ import annotations

import datetime as dt
import io
import os

import openpyxl
import pytest
from django.urls import reverse

from facilities.factories import TEST_PASSWORD
from facilities.models import Facility, PopulationSnapshot
from facilities.tests.spreadsheets import FACILITY_HEADER, csv_bytes, facility_row
from lib.testing.browser import PHONE_WIDTH, htmx_swap, log_in, sideways_overflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_export_of_a_filtered_list_holds_what_the_list_shows(page, personas):
    log_in(page, "aigerim.npm", TEST_PASSWORD)
    page.goto(reverse("facilities:list"))

    # The filter form answers through htmx: the export link must follow it without a reload.
    page.locator("#id_region").select_option("KZ-35")
    page.locator(".result-count").get_by_text("2 facilities").wait_for()
    with page.expect_download() as download:
        page.get_by_role("link", name="Export this list (XLSX)").click()

    assert download.value.suggested_filename.startswith("custodywatch-facilities-")
    sheet = openpyxl.load_workbook(io.BytesIO(download.value.path().read_bytes())).worksheets[0]
    assert [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)] == ["AK-159/2", "SEI-01"]


def test_a_csv_saved_in_windows_1251_is_imported_and_the_page_says_so(page, personas, tmp_path):
    upload = tmp_path / "facilities.csv"
    upload.write_bytes(csv_bytes([FACILITY_HEADER, facility_row("NEW-1", name_ru="Исправительная колония")],
                                 delimiter=";", encoding="cp1251"))
    log_in(page, "aigerim.npm", TEST_PASSWORD)
    page.goto(reverse("facilities:import"))

    page.locator("input[type=file]").set_input_files(str(upload))
    page.get_by_role("button", name="Import").click()

    page.locator("#import-read-as").wait_for()
    assert page.locator("#import-read-as").inner_text() == "Read as CSV in Windows-1251."
    assert Facility.objects.get(code="NEW-1").name_ru == "Исправительная колония"


def test_an_import_cut_short_by_the_time_limit_says_in_kazakh_on_a_phone_how_much_was_saved(
        phone, personas, tmp_path, settings):
    settings.IMPORT_WEB_SECONDS = 0  # past the limit after the first chunk
    personas.colony.opened_on = None
    personas.colony.save()
    first = dt.date.today() - dt.timedelta(days=300)
    upload = tmp_path / "population.csv"
    upload.write_bytes(csv_bytes([["facility_code", "date", "total"]] + [
        [personas.colony.code, (first + dt.timedelta(days=i)).isoformat(), 120] for i in range(120)]))
    log_in(phone, "aigerim.npm", TEST_PASSWORD)
    with phone.expect_navigation():
        phone.locator("#language-select").select_option(label="Қазақша")
    phone.goto(reverse("facilities:import"))

    phone.locator("input[type=file]").set_input_files(str(upload))
    with htmx_swap(phone, reverse("facilities:import")):
        phone.locator("button[type=submit].primary").click()

    saved = PopulationSnapshot.objects.filter(facility=personas.colony).count()
    assert 0 < saved < 120
    heading = phone.locator("#import-partial")
    assert heading.inner_text() == f"Файл ішінара импортталды: 120 жолдың {saved} жолы сақталды."
    assert "import_registry" in phone.locator("#import-result").inner_text()
    heading.scroll_into_view_if_needed()
    if os.environ.get("SCREENSHOT_DIR"):
        phone.locator("#import-result").screenshot(path=f"{os.environ['SCREENSHOT_DIR']}/22-phone-import-partial-kk.png")
    assert sideways_overflow(phone)["scrollWidth"] <= PHONE_WIDTH
