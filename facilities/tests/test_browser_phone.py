"""Every main page works on a 390-pixel-wide phone, in Kazakh: nothing makes the page scroll
sideways (wide tables scroll inside their own box, with a cue), and no badge is cut off."""

from __future__ import annotations

import datetime as dt
import os
import re
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from facilities import services
from facilities.factories import TEST_PASSWORD, FacilityFactory
from facilities.models import UnitKind
from lib.testing.browser import PHONE_WIDTH, clipped_badges, log_in, sideways_overflow

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def registry(personas):
    """A colony with units and two counts, overcrowded, holding minors, with long Kazakh names."""
    colony = personas.colony
    services.update_facility(
        facility=colony, by=personas.npm_monitor,
        name_kk="LA-155/1 қауіпсіздігі орташа мекеме (Алматы облысы бойынша қылмыстық-атқару жүйесі департаменті)",
        address="12 Abay Avenue, Almaty",
    )
    units = [
        services.add_unit(facility=colony, by=personas.npm_monitor, code=f"B{i:02d}", name=f"Barracks {i}",
                          kind=UnitKind.BARRACKS, capacity=80, living_space_m2=Decimal("190.5"))
        for i in range(1, 4)
    ] + [services.add_unit(facility=colony, by=personas.npm_monitor, code="MCU",
                           name="Children's home (mother-and-child unit)", kind=UnitKind.MOTHER_CHILD,
                           capacity=20, living_space_m2=Decimal("160.0"))]
    today = timezone.localdate().replace(day=1)
    for months_ago, total in ((12, 480), (0, 612)):
        day = (today - dt.timedelta(days=30 * months_ago)).replace(day=1)
        services.record_population_snapshot(
            facility=colony, by=personas.npm_monitor, date=day, total=total, women=40, minors=3,
            mothers_with_children=4, children_with_mothers=5,
            occupancy={unit: 100 for unit in units[:3]} | {units[3]: 8},
        )
    FacilityFactory(code="AK-159/11", region=personas.other_region, type="colony_women")
    return colony


def pages(colony) -> dict[str, str]:
    return {
        "overview": reverse("facilities:overview"),
        "list": reverse("facilities:list") + "?q=155",
        "profile": reverse("facilities:detail", args=[colony.pk]),
        "history": reverse("facilities:history", args=[colony.pk]),
        "population": reverse("facilities:population", args=[colony.pk]),
        "edit": reverse("facilities:edit", args=[colony.pk]),
        "unit": reverse("facilities:unit-add", args=[colony.pk]),
        "import": reverse("facilities:import"),
        "ledger": reverse("ledger:index"),
    }


def in_kazakh(phone) -> None:
    """Choose Kazakh with the language switcher, as a person would."""
    with phone.expect_navigation():
        phone.locator("#language-select").select_option(label="Қазақша")


def check_fits(phone, name: str) -> None:
    phone.wait_for_load_state("networkidle")
    assert phone.locator("html").get_attribute("lang") == "kk"
    measured = sideways_overflow(phone)
    if os.environ.get("SCREENSHOT_DIR"):
        phone.screenshot(path=f"{os.environ['SCREENSHOT_DIR']}/{name}.png", full_page=True)
    assert measured["scrollWidth"] <= PHONE_WIDTH, f"{name}: {measured}"
    assert clipped_badges(phone) == [], name
    # Kazakh notation everywhere, charts included: a decimal comma, digits grouped with a space.
    text = phone.evaluate("() => document.body.innerText + ' ' + [...document.querySelectorAll('svg')]"
                          ".map(s => s.textContent).join(' ')")
    assert re.findall(r"\d\.\d+\s?%|\d,\d{3}\b|\b[ap]\.m\.", text) == [], name


def test_the_log_in_page_fits_a_phone_in_kazakh(phone, personas):
    phone.goto("/login/")
    in_kazakh(phone)

    check_fits(phone, "login")


@pytest.mark.parametrize("name", ["overview", "list", "profile", "history", "population", "edit", "unit",
                                  "import", "ledger"])
def test_every_main_page_fits_a_phone_in_kazakh(phone, registry, name):
    log_in(phone, "aigerim.npm", TEST_PASSWORD)
    in_kazakh(phone)

    phone.goto(pages(registry)[name])

    check_fits(phone, name)


def test_a_wide_table_becomes_stacked_rows_labelled_by_their_columns(phone, registry):
    log_in(phone, "aigerim.npm", TEST_PASSWORD)
    in_kazakh(phone)
    phone.goto(reverse("facilities:detail", args=[registry.pk]))
    phone.wait_for_load_state("networkidle")

    units = phone.locator("table.units")
    assert "stacked" in units.get_attribute("class")
    places = units.locator("tbody tr").first.locator("td[data-label]").nth(1)
    assert places.get_attribute("data-label") == "Орындар"
    assert places.evaluate("c => getComputedStyle(c, '::before').content") == '"Орындар"'
    assert sideways_overflow(phone)["scrollWidth"] <= PHONE_WIDTH


def test_a_table_that_scrolls_in_its_box_shows_a_cue(phone, registry):
    log_in(phone, "aigerim.npm", TEST_PASSWORD)
    phone.goto(reverse("facilities:detail", args=[registry.pk]))
    # A table too wide even when stacked: make its first cell unbreakable and wide.
    box = phone.locator(".table-wrap:has(table.units)")
    box.evaluate("""b => { b.querySelector('td').style.minWidth = '900px';
                           window.dispatchEvent(new Event('resize')); }""")
    # The page refits on the next animation frame: wait for the frame after it.
    phone.evaluate("() => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)))")

    assert box.evaluate("b => b.scrollWidth > b.clientWidth")
    assert box.get_attribute("data-scrolls") is not None
    assert "gradient" in box.evaluate("b => getComputedStyle(b).backgroundImage")
    assert sideways_overflow(phone)["scrollWidth"] <= PHONE_WIDTH
