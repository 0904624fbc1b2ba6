"""The education and rehabilitation figures on a 390-pixel-wide phone, in Kazakh: the overview's
table and the list behind a figure fit the screen (nothing scrolls sideways, the table included)."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from django.urls import reverse

from accounts.models import Role
from custody.services.colonies import record_enrolment
from facilities.factories import TEST_PASSWORD, FacilityFactory, UserFactory
from lib.testing.browser import PHONE_WIDTH, log_in, sideways_overflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NOVEMBER = dt.date(2026, 11, 1)


@pytest.fixture
def reports(personas):
    """Two colonies report large figures; a third, with a long Kazakh name, reports nothing."""
    FacilityFactory(code="AK-159/9", type="colony_minimum", region=personas.other_region,
                    name_kk="AK-159/9 қауіпсіздігі барынша төмен мекеме (Қарағанды облысы бойынша департамент)")
    other = UserFactory(username="officer.ak159", organisation=personas.other_colony.operator,
                        role=Role.FACILITY_OFFICER, facility=personas.other_colony)
    for by, colony, base in ((personas.facility_officer, personas.colony, 1240),
                             (other, personas.other_colony, 2875)):
        for n, programme in enumerate(("secondary", "vocational", "resocialisation", "psychological_support")):
            record_enrolment(by=by, facility=colony, programme=programme, month=NOVEMBER,
                             enrolled=base + n * 111, completed=base // 3)


def in_kazakh(phone) -> None:
    with phone.expect_navigation():
        phone.locator("#language-select").select_option(label="Қазақша")


def fits(phone, locator: str, name: str) -> None:
    phone.wait_for_load_state("networkidle")
    assert phone.locator("html").get_attribute("lang") == "kk"
    section = phone.locator(locator)
    section.scroll_into_view_if_needed()
    if os.environ.get("SCREENSHOT_DIR"):
        section.screenshot(path=f"{os.environ['SCREENSHOT_DIR']}/{name}.png")
    measured = sideways_overflow(phone)
    assert measured["scrollWidth"] <= PHONE_WIDTH, f"{name}: {measured}"
    # The table itself fits too: no sideways scrolling inside its box.
    wrap = section.locator(".table-wrap").first
    assert wrap.evaluate("b => b.scrollWidth <= b.clientWidth + 1"), name


def test_the_education_figures_fit_a_phone_in_kazakh(phone, reports):
    log_in(phone, "aigerim.npm", TEST_PASSWORD)
    in_kazakh(phone)

    phone.goto(reverse("facilities:overview"))
    fits(phone, "[data-enrolment-overview]", "20-phone-education-kk")
    assert "4 115" in phone.locator("[data-enrolment-overview]").inner_text().replace("\xa0", " ")

    phone.goto(reverse("custody:enrolment") + "?programme=vocational&measure=enrolled&reported=yes")
    fits(phone, "main", "21-phone-enrolment-kk")
