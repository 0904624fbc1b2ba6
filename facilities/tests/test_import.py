from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext

from facilities import services
from facilities.factories import SnapshotFactory, UnitFactory
from facilities.models import (
    ChangeAction,
    Facility,
    PopulationSnapshot,
    RegistryChange,
    ReportSource,
    Unit,
    UnitOccupancy,
)
from facilities.tests.spreadsheets import FACILITY_HEADER, csv_bytes, facility_row, registry_counts, xlsx_bytes
from facilities.transfer.importer import import_file

UNIT_HEADER = ["facility_code", "unit_code", "name", "kind", "capacity", "living_space_m2"]
POPULATION_HEADER = ["facility_code", "date", "total", "women", "minors"]
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
DATA = Path(__file__).parent / "data"


@pytest.fixture
def npm_client(client, personas):
    client.force_login(personas.npm_monitor, backend=MODEL_BACKEND)
    return client


def upload(client, data: bytes, name: str = "registry.csv", **fields):
    return client.post(reverse("facilities:import"), {"file": SimpleUploadedFile(name, data), **fields})


# --- happy paths ---------------------------------------------------------------------------------

def test_a_csv_file_creates_facilities_each_with_an_audit_record(npm_client, personas):
    data = csv_bytes([FACILITY_HEADER, facility_row("NEW-1"), facility_row("NEW-2", maximum_capacity=320)])

    response = upload(npm_client, data, dataset="facilities")

    assert response.status_code == 200
    assert "The file was imported." in response.content.decode()
    created = Facility.objects.get(code="NEW-2")
    assert (created.region, created.maximum_capacity, created.address) == (personas.region, 320, "")
    assert Facility.objects.get(code="NEW-1").maximum_capacity is None
    changes = RegistryChange.objects.filter(model="facilities.facility", action=ChangeAction.CREATE)
    assert set(changes.values_list("facility__code", flat=True)) == {"NEW-1", "NEW-2"}
    assert set(changes.values_list("actor", flat=True)) == {personas.npm_monitor.pk}


def test_a_semicolon_separated_csv_with_a_byte_order_mark_is_read(personas):
    data = csv_bytes([FACILITY_HEADER, facility_row("NEW-1", name_ru="Учреждение; «Южное»")], delimiter=";", bom=True)

    report = import_file(data=data, filename="f.csv", by=personas.npm_monitor)

    assert report.ok, report.problems
    assert Facility.objects.get(code="NEW-1").name_ru == "Учреждение; «Южное»"


def test_the_dataset_of_a_csv_file_is_told_by_its_header(personas):
    data = csv_bytes([UNIT_HEADER, [personas.colony.code, "B-1", "Barracks 1", "barracks", 60, "240.5"]])

    report = import_file(data=data, filename="units.csv", by=personas.npm_monitor)

    assert report.ok, report.problems
    assert report.outcomes["units"].created == 1
    assert personas.colony.units.get().living_space_m2 == Decimal("240.5")


def test_an_existing_code_updates_the_facility_and_an_unchanged_row_records_nothing(personas):
    colony, other = personas.colony, personas.other_colony
    rows = [
        FACILITY_HEADER,
        facility_row(colony.code, name_kk=colony.name_kk, name_ru=colony.name_ru, name_en=colony.name_en,
                     design_capacity=colony.design_capacity, operational_capacity=450),
        facility_row(other.code, name_kk=other.name_kk, name_ru=other.name_ru, name_en=other.name_en,
                     type=other.type, region="KZ-35", design_capacity=other.design_capacity,
                     operational_capacity=other.operational_capacity),
    ]
    before = RegistryChange.objects.count()

    report = import_file(data=csv_bytes(rows), filename="f.csv", by=personas.npm_monitor)

    assert report.ok, report.problems
    assert (report.outcomes["facilities"].updated, report.outcomes["facilities"].unchanged) == (1, 1)
    colony.refresh_from_db()
    assert colony.operational_capacity == 450
    change = RegistryChange.objects.get(action=ChangeAction.UPDATE)
    assert (change.before["operational_capacity"], change.after["operational_capacity"]) == (500, 450)
    assert RegistryChange.objects.count() == before + 1


def test_columns_left_out_of_the_header_are_left_unchanged(personas):
    data = csv_bytes([["code", "operational_capacity"], [personas.colony.code, 410]])

    report = import_file(data=data, filename="f.csv", by=personas.npm_monitor)

    assert report.ok, report.problems
    personas.colony.refresh_from_db()
    assert (personas.colony.operational_capacity, personas.colony.design_capacity) == (410, 500)


def test_an_xlsx_workbook_creates_a_facility_its_units_and_its_population_together(personas):
    data = xlsx_bytes({
        "facilities": [FACILITY_HEADER, facility_row("NEW-1")],
        "units": [UNIT_HEADER, ["NEW-1", "B-1", "Barracks 1", "barracks", 60, 240.5],
                  ["NEW-1", "MC-1", "Mother and child", "mother_child", 10, 80]],
        "population": [POPULATION_HEADER, ["NEW-1", dt.datetime(2026, 9, 1), 250, 40, 0],
                       ["NEW-1", "2026-10-01", 260, 41, 0]],
    })

    report = import_file(data=data, filename="registry.xlsx", by=personas.npm_monitor)

    assert report.ok, report.problems
    assert {name: outcome.created for name, outcome in report.outcomes.items()} == {
        "facilities": 1, "units": 2, "population": 2,
    }
    facility = Facility.objects.get(code="NEW-1")
    assert facility.units.get(code="B-1").living_space_m2 == Decimal("240.5")
    assert facility.latest_snapshot.date == dt.date(2026, 10, 1)
    assert facility.latest_snapshot.women == 41


def test_an_xlsx_workbook_may_hold_only_some_of_the_datasets(personas):
    data = xlsx_bytes({"population": [POPULATION_HEADER, [personas.colony.code, "2026-10-01", 480, 0, 0]]})

    report = import_file(data=data, filename="population.xlsx", by=personas.npm_monitor)

    assert report.ok, report.problems
    assert personas.colony.snapshots.get().total == 480


def test_a_population_correction_keeps_the_counts_and_unit_occupancy_not_in_the_file(personas):
    unit = UnitFactory(facility=personas.colony, code="B-1")
    services.record_population_snapshot(
        facility=personas.colony, by=personas.npm_monitor, date=dt.date(2026, 10, 1), total=400, women=0,
        disabled=12, minors=4, occupancy={unit: 55}, unit_minors={unit: 4}, source=ReportSource.SELF_REPORTED,
    )
    data = csv_bytes([["facility_code", "date", "total"], [personas.colony.code, "2026-10-01", 390]])

    report = import_file(data=data, filename="p.csv", by=personas.npm_monitor)

    assert report.ok, report.problems
    snapshot = PopulationSnapshot.objects.get(facility=personas.colony)
    assert (snapshot.total, snapshot.disabled) == (390, 12)
    occupancy = UnitOccupancy.objects.get(snapshot=snapshot)
    assert (occupancy.occupants, occupancy.minors) == (55, 4)


def test_a_unit_row_for_an_existing_unit_updates_it(personas):
    UnitFactory(facility=personas.colony, code="B-1", capacity=60)
    data = csv_bytes([UNIT_HEADER, [personas.colony.code, "B-1", "Barracks 1", "barracks", 50, "240.0"]])

    report = import_file(data=data, filename="u.csv", by=personas.npm_monitor)

    assert report.ok, report.problems
    assert report.outcomes["units"].updated == 1
    assert Unit.objects.get(code="B-1").capacity == 50


def test_a_dry_run_checks_everything_and_changes_nothing(npm_client, personas):
    before = registry_counts()

    response = upload(npm_client, csv_bytes([FACILITY_HEADER, facility_row("NEW-1")]), dry_run="on")

    assert "Nothing was changed (check only)" in response.content.decode()
    assert registry_counts() == before


# --- problems ----------------------------------------------------------------------------------

def test_every_bad_row_is_reported_with_line_column_value_and_reason_and_nothing_is_written(npm_client, personas):
    rows = [
        FACILITY_HEADER,
        facility_row("OK-1"),
        facility_row("BAD-1", type="colony_luxury"),
        facility_row("BAD-2", region="KZ-99", design_capacity="many"),
        facility_row("BAD-3", operational_capacity=400, maximum_capacity=300),
        facility_row("BAD-4", name_en=""),
        facility_row("OK-1"),
    ]
    before = registry_counts()

    report = import_file(data=csv_bytes(rows), filename="f.csv", by=personas.npm_monitor)

    where = {(p.line, p.column, p.value) for p in report.problems}
    assert where == {
        (3, "type", "colony_luxury"),
        (4, "region", "KZ-99"),
        (4, "design_capacity", "many"),
        (5, "operational_capacity", "400"),
        (6, "name_en", ""),
        (7, "code", "OK-1"),
    }
    assert all(p.reason for p in report.problems)
    assert registry_counts() == before
    assert not report.applied


def test_the_import_page_shows_the_problems_as_a_table(npm_client, personas):
    before = registry_counts()

    response = upload(npm_client, csv_bytes([FACILITY_HEADER, facility_row("BAD-1", region="KZ-99")]))

    html = response.content.decode()
    assert response.status_code == 200
    assert "The file was not imported: 1 problem. Nothing was changed." in html
    assert "<td><code>region</code></td>" in html
    assert "<td><code>KZ-99</code></td>" in html
    assert gettext("No region has this code.") in html
    assert registry_counts() == before


def test_references_to_unknown_facilities_are_reported(personas):
    data = xlsx_bytes({
        "units": [UNIT_HEADER, ["NOWHERE", "B-1", "Barracks", "barracks", 60, 240]],
        "population": [POPULATION_HEADER, ["NOWHERE", "2026-10-01", 10, 0, 0],
                       [personas.colony.code, "10/01/2026", 10, 0, 0]],
    })

    report = import_file(data=data, filename="r.xlsx", by=personas.npm_monitor)

    assert {(p.sheet, p.line, p.column) for p in report.problems} == {
        ("units", 2, "facility_code"), ("population", 2, "facility_code"), ("population", 3, "date"),
    }


def test_model_invariants_of_snapshots_are_checked_for_every_row(personas):
    data = csv_bytes([
        ["facility_code", "date", "total", "women", "pregnant_women", "mothers_with_children",
         "children_with_mothers"],
        [personas.colony.code, "2026-10-01", 10, 20, 0, 0, 0],
        [personas.colony.code, "2026-10-02", 10, 5, 6, 0, 0],
        [personas.colony.code, "2026-10-03", 10, 5, 0, 0, 2],
    ])

    report = import_file(data=data, filename="p.csv", by=personas.npm_monitor)

    assert {(p.line, p.column) for p in report.problems} == {
        (2, "women"), (3, "pregnant_women"), (4, "children_with_mothers"),
    }
    assert not PopulationSnapshot.objects.exists()


def test_a_corrected_total_below_the_people_in_units_is_refused(personas):
    unit = UnitFactory(facility=personas.colony, code="B-1")
    SnapshotFactory(facility=personas.colony, date=dt.date(2026, 10, 1), total=100)
    UnitOccupancy.objects.create(snapshot=personas.colony.snapshots.get(), unit=unit, occupants=80)
    data = csv_bytes([["facility_code", "date", "total"], [personas.colony.code, "2026-10-01", 50]])

    report = import_file(data=data, filename="p.csv", by=personas.npm_monitor)

    assert [(p.line, p.column) for p in report.problems] == [(2, "total")]


def test_unknown_and_missing_columns_are_reported_on_the_header_line(personas):
    data = csv_bytes([["code", "name_en", "colour"], ["X", "Y", "red"]])

    report = import_file(data=data, filename="f.csv", dataset="facilities", by=personas.npm_monitor)

    assert [(p.line, p.column) for p in report.problems] == [(1, "colour")]
    report = import_file(data=csv_bytes([["name_en"], ["Y"]]), filename="f.csv", dataset="facilities",
                         by=personas.npm_monitor)
    assert [(p.line, p.column) for p in report.problems] == [(1, "code")]


def test_a_new_record_needs_every_required_column(personas):
    data = csv_bytes([["code", "name_en"], ["NEW-1", "New"]])

    report = import_file(data=data, filename="f.csv", by=personas.npm_monitor)

    assert {p.column for p in report.problems} == {
        "name_kk", "name_ru", "type", "region", "operator", "design_capacity", "operational_capacity",
    }


def test_duplicate_units_in_one_file_are_reported(personas):
    rows = [UNIT_HEADER] + [[personas.colony.code, "B-1", "Barracks", "barracks", 60, 240]] * 2

    report = import_file(data=csv_bytes(rows), filename="u.csv", by=personas.npm_monitor)

    assert [(p.line, p.column) for p in report.problems] == [(3, "unit_code")]
    assert "line 2" in report.problems[0].reason


def test_a_sheet_that_is_not_a_dataset_is_reported(personas):
    data = xlsx_bytes({"facilities": [FACILITY_HEADER, facility_row("NEW-1")], "Notes": [["hello"]]})

    report = import_file(data=data, filename="r.xlsx", by=personas.npm_monitor)

    assert [(p.sheet, p.line) for p in report.problems] == [("Notes", None)]
    assert not Facility.objects.filter(code="NEW-1").exists()


def test_problems_are_reported_in_the_users_language(personas):
    data = csv_bytes([FACILITY_HEADER, facility_row("BAD-1", region="KZ-99")])

    with translation.override("ru"):
        report = import_file(data=data, filename="f.csv", by=personas.npm_monitor)
        expected = gettext("No region has this code.")

    assert [p.reason for p in report.problems] == [expected]


def test_the_models_own_messages_follow_the_users_language_too(personas):
    # Django's messages are translated already: a Russian reason proves the language reaches validation.
    data = csv_bytes([UNIT_HEADER, [personas.colony.code, "B-1", "Barracks", "barracks", 60, "240.55"]])

    with translation.override("en"):
        english = import_file(data=data, filename="u.csv", by=personas.npm_monitor).problems
    with translation.override("ru"):
        russian = import_file(data=data, filename="u.csv", by=personas.npm_monitor).problems

    assert [p.column for p in english] == [p.column for p in russian] == ["living_space_m2"]
    assert "decimal point" in english[0].reason
    assert russian[0].reason != english[0].reason


def test_the_import_page_answers_in_the_language_of_the_request(npm_client, personas):
    npm_client.cookies["django_language"] = "ru"

    response = upload(npm_client, csv_bytes([FACILITY_HEADER, facility_row("BAD-1", region="KZ-99")]))

    with translation.override("ru"):
        assert gettext("No region has this code.") in response.content.decode()
    assert response.headers["Content-Language"] == "ru"


# --- the page and who may use it ---------------------------------------------------------------

def test_the_import_page_documents_every_column(npm_client):
    html = npm_client.get(reverse("facilities:import")).content.decode()

    for column in [*FACILITY_HEADER, *UNIT_HEADER, "in_vocational_training"]:
        assert f"<code>{column}</code>" in html


def test_an_htmx_upload_gets_only_the_result(npm_client, personas):
    response = npm_client.post(
        reverse("facilities:import"),
        {"file": SimpleUploadedFile("f.csv", csv_bytes([FACILITY_HEADER, facility_row("NEW-1")]))},
        headers={"HX-Request": "true"},
    )

    html = response.content.decode()
    assert "The file was imported." in html
    assert "<form" not in html
    assert "<html" not in html


def test_an_upload_without_a_file_is_refused_with_a_message(npm_client):
    response = npm_client.post(reverse("facilities:import"), {"dataset": "facilities"})

    assert response.status_code == 200
    assert "This field is required." in response.content.decode()


@pytest.mark.parametrize("persona", ["npm_monitor", "analyst"])
def test_npm_staff_may_import(client, personas, persona):
    client.force_login(getattr(personas, persona), backend=MODEL_BACKEND)

    response = upload(client, csv_bytes([FACILITY_HEADER, facility_row("NEW-1")]))

    assert response.status_code == 200
    assert Facility.objects.filter(code="NEW-1").exists()


@pytest.mark.parametrize("persona", ["facility_officer", "prosecutor", "ombudsman_monitor", "pmc_member", "outsider"])
def test_others_are_forbidden_to_import(client, personas, persona):
    client.force_login(getattr(personas, persona), backend=MODEL_BACKEND)
    before = registry_counts()

    assert client.get(reverse("facilities:import")).status_code == 403
    assert upload(client, csv_bytes([FACILITY_HEADER, facility_row("NEW-1")])).status_code == 403
    assert registry_counts() == before


def test_an_anonymous_visitor_is_sent_to_log_in(client, personas):
    response = upload(client, csv_bytes([FACILITY_HEADER, facility_row("NEW-1")]))

    assert response.status_code == 302
    assert not Facility.objects.filter(code="NEW-1").exists()


def test_the_import_page_checks_the_csrf_token(personas):
    from django.test import Client

    client = Client(enforce_csrf_checks=True)
    client.force_login(personas.npm_monitor, backend=MODEL_BACKEND)

    response = upload(client, csv_bytes([FACILITY_HEADER, facility_row("NEW-1")]))

    assert response.status_code == 403
    assert not Facility.objects.filter(code="NEW-1").exists()


# --- the management command --------------------------------------------------------------------

def test_the_import_command_applies_a_file_as_the_given_user(tmp_path, personas, capsys):
    path = tmp_path / "registry.xlsx"
    path.write_bytes(xlsx_bytes({"facilities": [FACILITY_HEADER, facility_row("NEW-1")]}))

    call_command("import_registry", str(path), user="aigerim.npm")

    assert "facilities: 1 created, 0 updated, 0 unchanged" in capsys.readouterr().out
    assert RegistryChange.objects.get(facility__code="NEW-1").actor == personas.npm_monitor


def test_the_import_command_prints_every_problem_and_changes_nothing(tmp_path, personas, capsys):
    path = tmp_path / "facilities.csv"
    path.write_bytes(csv_bytes([FACILITY_HEADER, facility_row("A", region="KZ-99"), facility_row("B", type="x")]))
    before = registry_counts()

    with pytest.raises(CommandError, match="2 problem"):
        call_command("import_registry", str(path), dataset="facilities")

    out = capsys.readouterr().out.splitlines()
    assert out[0] == "Read as CSV in UTF-8."
    assert out[2:] == [
        f"facilities\t2\tregion\tKZ-99\t{gettext('No region has this code.')}",
        f"facilities\t3\ttype\tx\t{out[3].split(chr(9))[4]}",
    ]
    assert registry_counts() == before


def test_the_import_command_refuses_a_user_who_may_not_import(tmp_path, personas):
    path = tmp_path / "facilities.csv"
    path.write_bytes(csv_bytes([FACILITY_HEADER, facility_row("NEW-1")]))

    with pytest.raises(CommandError, match="may not import"):
        call_command("import_registry", str(path), user="yerlan.prosecutor")


def test_a_csv_saved_by_excel_in_russian_is_imported(personas):
    """Excel with Russian regional settings writes `;` between cells and a byte order mark."""
    data = (DATA / "facilities_excel_ru.csv").read_bytes()

    report = import_file(data=data, filename="facilities_excel_ru.csv", by=personas.npm_monitor)

    assert report.ok, report.problems
    facility = Facility.objects.get(code="LA-155/11")
    assert (facility.name_kk, facility.address, facility.maximum_capacity) == (
        "Алматы қаласы, 11 колония", "ул. Ташкентская, 1", 1300,
    )


def test_a_blank_count_cell_is_imported_as_not_reported_not_zero(personas):
    data = csv_bytes([["facility_code", "date", "total", "women", "minors"],
                      [personas.colony.code, "2026-10-01", 450, "", ""]])

    report = import_file(data=data, filename="p.csv", by=personas.npm_monitor)

    assert report.ok, report.problems
    snapshot = personas.colony.snapshots.get()
    assert (snapshot.total, snapshot.women, snapshot.minors, snapshot.disabled) == (450, None, None, None)


# --- a file larger than a web request's time ---------------------------------------------------

ROWS = 120  # more than one chunk (APPLY_CHUNK rows at most)

def _population_rows(facility, days: int) -> bytes:
    first = dt.date.today() - dt.timedelta(days=days + 1)
    return csv_bytes([["facility_code", "date", "total"]]
                     + [[facility.code, (first + dt.timedelta(days=i)).isoformat(), 100 + i % 7] for i in range(days)])


def test_an_import_past_the_web_time_limit_says_what_it_saved_and_the_same_file_saves_the_rest(
        npm_client, personas, settings):
    """The server would cut a longer request off mid-file (a 502, and no word of what was saved);
    the page stops between chunks in time and says how far it got."""
    settings.IMPORT_WEB_SECONDS = 0  # past the limit after the first chunk
    personas.colony.opened_on = None
    personas.colony.save()
    data = _population_rows(personas.colony, ROWS)
    counts: list[int] = []
    for _attempt in range(ROWS):
        page = upload(npm_client, data, dataset="population").content.decode()
        counts.append(PopulationSnapshot.objects.filter(facility=personas.colony).count())
        if "The file was imported." in page:
            break
        saved = counts[-1] - (counts[-2] if len(counts) > 1 else 0)
        assert "The file was imported in part" in page
        assert f"{saved} of {ROWS - (counts[-1] - saved)} rows were saved" in page
        assert "Nothing was changed" not in page
    assert len(counts) > 1
    assert counts[0] < ROWS
    assert counts == sorted(counts)
    assert counts[-1] == ROWS
    created = RegistryChange.objects.filter(model="facilities.populationsnapshot", action=ChangeAction.CREATE,
                                            facility=personas.colony)
    assert created.count() == ROWS  # each row once: none saved twice, none lost between requests
    assert not PopulationSnapshot.objects.filter(facility=personas.colony, version__gt=1).exists()


def test_without_a_time_limit_the_same_file_is_imported_at_once(personas):
    personas.colony.opened_on = None
    personas.colony.save()

    report = import_file(data=_population_rows(personas.colony, ROWS), filename="p.csv", by=personas.npm_monitor)

    assert report.applied
    assert not report.problems
    assert report.saved == 0
    assert PopulationSnapshot.objects.filter(facility=personas.colony).count() == ROWS


def test_the_import_command_says_how_many_rows_a_failed_import_saved(tmp_path, personas, capsys, monkeypatch):
    from facilities.transfer import importer

    real = importer._apply_step
    applied: list[object] = []

    def fail_at_the_110th_row(plan, step, occupancy):
        if len(applied) == 110:
            raise importer.DatabaseError("the disk is full")
        real(plan, step, occupancy)
        applied.append(step)

    monkeypatch.setattr(importer, "_apply_step", fail_at_the_110th_row)
    personas.colony.opened_on = None
    personas.colony.save()
    path = tmp_path / "population.csv"
    path.write_bytes(_population_rows(personas.colony, ROWS))

    with pytest.raises(CommandError, match=rf"problem\(s\); (\d+) of {ROWS} rows were saved") as refusal:
        call_command("import_registry", str(path), "--dataset", "population")

    saved = int(re.search(rf"(\d+) of {ROWS}", str(refusal.value)).group(1))
    assert 0 < saved <= 110  # whole chunks before the failure; the failed one was undone
    assert PopulationSnapshot.objects.filter(facility=personas.colony).count() == saved
