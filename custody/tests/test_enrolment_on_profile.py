"""The facility profile shows the registry's education and rehabilitation figures, who reported
them, "not reported" (never 0) for what nobody reported, in the reader's number format."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.urls import reverse

from custody.services.colonies import record_enrolment

pytestmark = pytest.mark.django_db


def _section(client, facility, language: str = "en") -> str:
    client.cookies["django_language"] = language
    response = client.get(reverse("facilities:detail", args=[facility.pk]))
    assert response.status_code == 200
    page = response.content.decode()
    found = re.search(r'<section class="card" aria-labelledby="enrolment-title">.*?</section>', page, re.S)
    return found.group(0) if found else ""


def _rows(section: str) -> dict[str, list[str]]:
    rows = {}
    for row in re.findall(r"<tr><th scope=\"row\">(.*?)</tr>", section, re.S):
        cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.split(r"</th>|</td>", row) if c.strip()]
        rows.setdefault(cells[0], []).append(cells[1:])
    return rows


def test_the_profile_shows_the_latest_months_figures_with_their_source(client, personas):
    colony = personas.colony
    record_enrolment(by=personas.npm_monitor, facility=colony, programme="secondary", month=dt.date(2026, 10, 1),
                     enrolled=99, completed=1)
    record_enrolment(by=personas.npm_monitor, facility=colony, programme="secondary", month=dt.date(2026, 11, 1),
                     enrolled=2500, completed=None)
    record_enrolment(by=personas.npm_monitor, facility=colony, programme="resocialisation",
                     month=dt.date(2026, 11, 1), enrolled=0, completed=0)
    client.force_login(personas.npm_monitor)

    section = _section(client, colony)
    rows = _rows(section)

    assert "November 2026" in section
    assert rows["Secondary education"] == [["2,500", "not reported", "National Preventive Mechanism"]]
    assert rows["Vocational training"] == [["not reported", "not reported", "—"]]
    assert rows["Resocialisation programme"] == [["0", "0", "National Preventive Mechanism"]]
    assert "99" not in section  # an older month is not added in


def test_in_kazakh_the_count_is_grouped_with_a_no_break_space(client, personas):
    record_enrolment(by=personas.npm_monitor, facility=personas.colony, programme="vocational",
                     month=dt.date(2026, 11, 1), enrolled=2500, completed=1200)
    client.force_login(personas.npm_monitor)

    section = _section(client, personas.colony, "kk")

    assert "2\xa0500" in section
    assert "1\xa0200" in section
    assert "2,500" not in section


def test_two_reporters_of_one_programme_are_shown_apart_not_summed(client, personas):
    colony = personas.colony
    officer = personas.facility_officer
    record_enrolment(by=officer, facility=colony, programme="secondary", month=dt.date(2026, 11, 1),
                     enrolled=40, completed=None)
    record_enrolment(by=personas.npm_monitor, facility=colony, programme="secondary", month=dt.date(2026, 11, 1),
                     enrolled=38, completed=None)
    client.force_login(personas.npm_monitor)

    secondary = _rows(_section(client, colony))["Secondary education"]

    assert sorted(row[0] for row in secondary) == ["38", "40"]
    assert {row[2] for row in secondary} == {colony.operator.name_en, "National Preventive Mechanism"}


def test_a_colony_with_nothing_reported_says_so_and_a_police_cell_shows_nothing(client, personas):
    from facilities.factories import FacilityFactory

    client.force_login(personas.npm_monitor)
    assert "No enrolment in education or rehabilitation programmes has been reported" in _section(
        client, personas.colony)
    station = FacilityFactory(code="TDC-1", region=personas.region, type="police_tdc")
    assert _section(client, station) == ""


def test_the_section_keeps_the_profile_within_fifteen_queries(client, personas, django_assert_max_num_queries):
    for programme in ("secondary", "vocational", "resocialisation"):
        record_enrolment(by=personas.facility_officer, facility=personas.colony, programme=programme,
                         month=dt.date(2026, 11, 1), enrolled=10, completed=5)
        record_enrolment(by=personas.npm_monitor, facility=personas.colony, programme=programme,
                         month=dt.date(2026, 11, 1), enrolled=9, completed=None)
    client.force_login(personas.npm_monitor)
    client.get(reverse("facilities:detail", args=[personas.colony.pk]))  # session and caches warm

    with django_assert_max_num_queries(15):
        response = client.get(reverse("facilities:detail", args=[personas.colony.pk]))

    assert 'aria-labelledby="enrolment-title"' in response.content.decode()
