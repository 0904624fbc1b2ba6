"""The export holds what the list shows, and the workbook for people is ready to paste into a report."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import call_command
from django.urls import reverse
from django.utils import translation

from facilities import services
from facilities.factories import FacilityFactory, UnitFactory
from facilities.models import Facility, FacilityType
from facilities.tests.spreadsheets import read_xlsx

pytestmark = pytest.mark.django_db
INJECTION = '=HYPERLINK("http://evil.example","x")'


@pytest.fixture
def registry(personas):
    colony = personas.colony  # Almaty, 500 places
    barracks = UnitFactory(facility=colony, code="B-1", capacity=100, living_space_m2=Decimal("300.0"))
    services.record_population_snapshot(facility=colony, by=None, date=dt.date(2026, 10, 1), total=600,
                                        women=0, occupancy={barracks: 100})
    services.record_population_snapshot(facility=personas.other_colony, by=None, date=dt.date(2026, 10, 1),
                                        total=100)
    FacilityFactory(code="ALM-2", region=personas.region, operator=colony.operator, type="pretrial")
    # Stored before today's text rules: the workbook must still neutralise it.
    Facility.objects.filter(pk=personas.special_school.pk).update(name_ru=INJECTION, name_en=INJECTION)
    return personas


def download(client, user, **params):
    client.force_login(user)
    response = client.get(reverse("facilities:export"), params)
    assert response.status_code == 200, response.content[:300]
    return b"".join(response.streaming_content) if response.streaming else response.content


def workbook(data):
    return openpyxl.load_workbook(io.BytesIO(data))


def codes_of_report(data):
    sheet = workbook(data).worksheets[0]
    return [row[0] for row in sheet.iter_rows(min_row=2, values_only=True)]


# --- the list's filters and the mandate ----------------------------------------------------------


@pytest.mark.parametrize(("params", "codes"), [
    ({}, ["AK-159/2", "ALM-2", "LA-155/1", "SEI-01"]),
    ({"region": "KZ-75"}, ["ALM-2", "LA-155/1"]),
    ({"region": "KZ-75", "type": "colony_medium"}, ["LA-155/1"]),
    ({"overcrowded": "on"}, ["LA-155/1"]),
    ({"q": "AK-159"}, ["AK-159/2"]),
])
def test_every_format_exports_exactly_the_filtered_list(client, registry, params, codes):
    client.force_login(registry.npm_monitor)
    listed = client.get(reverse("facilities:list"), params)
    assert listed.context["page"].paginator.count == len(codes)

    report = codes_of_report(download(client, registry.npm_monitor, **params))
    machine = read_xlsx(download(client, registry.npm_monitor, format="xlsx-import", **params))
    rows = list(csv.reader(io.StringIO(download(client, registry.npm_monitor, format="csv", dataset="facilities",
                                                **params).decode("utf-8-sig"))))

    assert report == codes
    assert [row[0] for row in machine["facilities"][1:]] == codes
    assert [row[0] for row in rows[1:]] == codes
    assert {row[0] for row in machine["population"][1:]} <= set(codes)


def test_the_export_link_of_the_list_carries_its_filters(client, registry):
    client.force_login(registry.npm_monitor)
    html = client.get(reverse("facilities:list"), {"region": "KZ-75", "type": "pretrial"}).content.decode()

    assert f'href="{reverse("facilities:export")}?region=KZ-75&amp;type=pretrial"' in html
    assert "region=KZ-75&amp;type=pretrial&amp;format=xlsx-import" in html


def test_a_commission_exports_only_its_region_whatever_it_asks(client, registry):
    client.force_login(registry.pmc_member)

    assert codes_of_report(download(client, registry.pmc_member)) == ["ALM-2", "LA-155/1"]
    refused = client.get(reverse("facilities:export"), {"region": "KZ-35"})
    assert refused.status_code == 400


# --- the workbook for people ---------------------------------------------------------------------


def test_the_workbook_is_in_the_readers_language_with_names_not_codes(client, registry):
    client.force_login(registry.analyst)
    data = client.get(reverse("facilities:export"), {"region": "KZ-75"}, headers={"Accept-Language": "ru"}).content

    sheet = workbook(data).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    colony = dict(zip(header, [cell.value for cell in sheet[3]], strict=True))
    with translation.override("ru"):
        assert header[1] == translation.gettext("Name")
        assert colony[header[2]] == str(FacilityType.COLONY_MEDIUM.label)
        capacity = str(Facility._meta.get_field("operational_capacity").verbose_name)
    assert colony[header[1]] == registry.colony.name_ru
    assert colony[header[3]] == "Алматы"
    assert colony[capacity[:1].upper() + capacity[1:]] == 500


def test_the_workbook_has_a_bold_frozen_filtered_header_widths_and_number_formats(client, registry):
    sheet = workbook(download(client, registry.npm_monitor)).worksheets[0]
    header = [cell.value for cell in sheet[1]]

    assert all(cell.font.bold for cell in sheet[1])
    assert sheet.freeze_panes == "C2"
    assert sheet.auto_filter.ref == f"A1:{sheet.cell(1, len(header)).column_letter}5"
    assert sheet.column_dimensions["B"].width >= 30
    colony = {h: cell for h, cell in zip(header, sheet[4], strict=True)}
    assert colony["Operational capacity"].number_format == "#,##0"
    assert (colony["Occupancy"].value, colony["Occupancy"].number_format) == (1.2, "0%")
    assert colony["Date of the latest count"].value == dt.datetime(2026, 10, 1)


def test_the_workbook_gives_each_indicator_and_whether_it_is_met(client, registry):
    sheet = workbook(download(client, registry.npm_monitor)).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    by_code = {row[0]: dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)}

    colony, pretrial = by_code["LA-155/1"], by_code["ALM-2"]
    assert (colony["Occupancy: met?"], colony["Living space per person: met?"]) == ("not met", "not met")
    assert colony["Held in barracks-type dormitories: met?"] == "not met"
    # No count at all: nothing is known, so nothing is met, and no count is written as zero.
    assert pretrial["Occupancy: met?"] == "unknown: not reported"
    assert "met" not in {v for k, v in pretrial.items() if k.endswith(": met?")}
    assert pretrial["Total held"] is None


def test_text_in_the_workbook_never_runs_as_a_formula(client, registry):
    sheet = workbook(download(client, registry.npm_monitor)).worksheets[0]
    school = next(row for row in sheet.iter_rows(min_row=2) if row[0].value == "SEI-01")

    assert (school[1].value, school[1].data_type, school[1].quotePrefix) == (INJECTION, "s", True)


def test_the_workbook_says_what_was_exported_by_whom_when_and_with_which_filters(client, registry, time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 17, 5, 0, tzinfo=dt.UTC), tick=False)
    registry.analyst.first_name, registry.analyst.last_name = "Marat", "Analyst"
    registry.analyst.save()

    data = download(client, registry.analyst, region="KZ-75", overcrowded="on")

    about = dict(workbook(data).worksheets[1].iter_rows(values_only=True))
    assert about["Exported by"] == f"Marat Analyst ({registry.analyst.organisation.name})"
    assert about["Exported at"] == "17 November 2026, 10:00"  # in the registry's time zone, Asia/Almaty
    assert about["Facilities"] == 1
    assert about["  Region"] == "Almaty"
    assert about["  Overcrowded"] == "Yes"


def test_the_command_writes_the_workbook_for_people_in_the_chosen_language(tmp_path, registry):
    path = tmp_path / "facilities.xlsx"

    call_command("export_registry", str(path), "--format", "xlsx", "--user", registry.pmc_member.username,
                 "--language", "ru")

    sheet = workbook(path.read_bytes()).worksheets[0]
    assert [row[1] for row in sheet.iter_rows(min_row=2, values_only=True)] == [
        Facility.objects.get(code="ALM-2").name_ru, registry.colony.name_ru]


def test_the_whole_registry_takes_a_fixed_number_of_queries(client, personas, django_assert_max_num_queries):
    for _n in range(30):
        facility = FacilityFactory(region=personas.region, operator=personas.colony.operator)
        unit = UnitFactory(facility=facility)
        services.record_population_snapshot(facility=facility, by=None, date=dt.date(2026, 10, 1), total=50,
                                            occupancy={unit: 10})
    client.force_login(personas.npm_monitor)

    with django_assert_max_num_queries(12):
        response = client.get(reverse("facilities:export"))

    assert len(list(workbook(response.content).worksheets[0].iter_rows())) == 1 + 33


def test_each_indicator_in_the_workbook_is_the_profiles_status_and_wording(client, registry):
    from facilities import indicators, selectors
    from facilities.transfer.report import compliance

    sheet = workbook(download(client, registry.npm_monitor)).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    by_code = {row[0]: dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)}
    for facility in Facility.objects.filter(code__in=by_code):
        _annotated, described, _spaces = selectors.facility_indicators(facility)
        row = by_code[facility.code]
        for indicator in described:
            assert row[f"{indicator.label}: met?"] == compliance(indicator)
            if indicator.key != "occupancy":
                assert row[indicator.label] == indicator.value
    # The colony reported no count of minors: that indicator is unknown, never met.
    assert by_code["LA-155/1"]["Minors held with adults (per living unit): met?"] == "unknown: not reported"
    assert {compliance(i) for i in [indicators.Indicator("k", "l", s, "", "") for s in indicators.Status]} == {
        "met", "not met", "unknown: not reported", "not applicable"}


def test_a_count_not_reported_is_an_empty_cell_and_the_source_is_named(client, registry):
    sheet = workbook(download(client, registry.npm_monitor)).worksheets[0]
    header = [cell.value for cell in sheet[1]]
    colony = next(dict(zip(header, row, strict=True)) for row in sheet.iter_rows(min_row=2, values_only=True)
                  if row[0] == "LA-155/1")

    assert (colony["Total held"], colony["Women"], colony["Minors"]) == (600, 0, None)
    assert colony["Who reported the latest count"] == "self-reported by the facility"
