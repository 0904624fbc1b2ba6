"""The alert flow as people do it: a police centre's officer uploads the register; the NPM monitor
follows the dashboard's figure to the list and the alert's evidence, in English and in Kazakh."""

from __future__ import annotations

import pytest
from django.urls import reverse

from custody.testing import csv_bytes, row
from facilities.factories import TEST_PASSWORD
from lib.testing.browser import log_in

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_uploaded_register_becomes_an_alert_with_its_register_line(page, personas, police, police_officer,
                                                                       tmp_path):
    upload = tmp_path / "tdc.csv"
    upload.write_bytes(csv_bytes([row("R-1"), row("R-2", court_sanction_at="05.03.2026 10:00",
                                                  transferred_at="05.03.2026 11:00")]))
    log_in(page, "officer.tdc1", TEST_PASSWORD)
    page.get_by_role("link", name="Custody register").click()
    page.locator("input[type=file]").set_input_files(str(upload))
    page.get_by_role("button", name="Import").click()
    assert page.locator("#import-result h2").inner_text() == "The register was imported."
    page.context.clear_cookies()

    log_in(page, "aigerim.npm", TEST_PASSWORD)
    page.goto(reverse("custody:dashboard"))
    total = page.locator("#figure-total strong").inner_text()
    assert total == "2"  # held over 48 hours, and sanctioned after the term
    page.locator("#figure-total").click()
    assert page.locator("#alert-count").inner_text() == "2 alerts"
    assert page.locator("tr.alert-row").count() == 2
    page.get_by_role("link", name="Adult held over 48 hours without a court sanction").click()
    evidence = page.locator("section.evidence").inner_text()
    assert "Record R-2 of TDC-1" in evidence
    assert "line 3" in evidence  # the register line: the header is line 1
    assert "R-1" not in evidence

    with page.expect_navigation():
        page.locator("#language-select").select_option(label="Қазақша")
    assert page.locator("h1").inner_text() == "Ересек адам сот санкциясысыз 48 сағаттан артық ұсталуда"
    assert page.locator("html").get_attribute("lang") == "kk"
