"""A count is keyed by facility, date and who reported it: a verified and a self-reported count of
one date both travel through export and import, and only an oversight body may import a verified one."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facilities import services
from facilities.models import PopulationSnapshot, ReportSource
from facilities.tests.spreadsheets import csv_bytes, read_xlsx, registry_counts
from facilities.transfer.importer import import_file

pytestmark = pytest.mark.django_db
MODEL_BACKEND = "django.contrib.auth.backends.ModelBackend"
DAY = dt.date(2026, 10, 1)
HEADER = ["facility_code", "date", "source", "total", "women"]


@pytest.fixture
def two_sources(personas):
    """The colony reported 480 on a day; the national preventive mechanism counted 510 on a visit."""
    services.record_population_snapshot(facility=personas.colony, by=personas.facility_officer, date=DAY,
                                        total=480, women=20)
    services.record_population_snapshot(facility=personas.colony, by=personas.npm_monitor, date=DAY,
                                        source=ReportSource.VERIFIED, total=510, women=None)
    return personas


def exported(client, user, **params) -> bytes:
    client.force_login(user, backend=MODEL_BACKEND)
    response = client.get(reverse("facilities:export"), params)
    assert response.status_code == 200
    return b"".join(response.streaming_content) if response.streaming else response.content


def snapshots(facility):
    return {s.source: (s.total, s.women, s.version) for s in PopulationSnapshot.objects.filter(facility=facility)}


def test_both_counts_of_a_date_are_exported_with_their_source(client, two_sources):
    sheets = read_xlsx(exported(client, two_sources.npm_monitor, format="xlsx-import", dataset="population"))

    rows = [row[:5] for row in sheets["population"][1:] if row[0] == two_sources.colony.code]
    assert rows == [(two_sources.colony.code, dt.datetime(2026, 10, 1), "self_reported", 480, 20),
                    (two_sources.colony.code, dt.datetime(2026, 10, 1), "verified", 510, None)]


@pytest.mark.parametrize("fmt", ["csv", "xlsx-import"])
def test_both_counts_of_a_date_import_back_unchanged_and_no_duplicate(client, two_sources, fmt):
    data = exported(client, two_sources.npm_monitor, format=fmt, dataset="population")
    before = registry_counts()

    report = import_file(data=data, filename=f"population.{'csv' if fmt == 'csv' else 'xlsx'}",
                         dataset="population", by=two_sources.npm_monitor)

    assert report.ok, report.problems
    assert (report.outcomes["population"].created, report.outcomes["population"].updated) == (0, 0)
    assert report.outcomes["population"].unchanged == 2
    assert registry_counts() == before


def test_a_correction_of_the_verified_count_leaves_the_self_reported_one(two_sources):
    data = csv_bytes([HEADER, [two_sources.colony.code, "01.10.2026", "verified", 515, ""]])

    report = import_file(data=data, filename="p.csv", by=two_sources.npm_monitor)

    assert report.ok, report.problems
    assert snapshots(two_sources.colony) == {"self_reported": (480, 20, 1), "verified": (515, None, 2)}


def test_the_same_key_twice_in_a_file_is_a_duplicate_but_two_sources_are_not(two_sources):
    code = two_sources.colony.code
    data = csv_bytes([HEADER, [code, "01.10.2026", "verified", 515, ""], [code, "2026-10-01", "verified", 516, ""],
                      [code, "01.10.2026", "self_reported", 480, 20]])
    before = registry_counts()

    report = import_file(data=data, filename="p.csv", by=two_sources.npm_monitor)

    assert [(p.line, p.column) for p in report.problems] == [(3, "source")]
    assert registry_counts() == before


def test_a_file_without_a_source_column_is_self_reported_even_from_an_oversight_body(two_sources):
    """The column left out: the self-reported count is corrected (its women kept), the verified untouched."""
    data = csv_bytes([["facility_code", "date", "total"], [two_sources.colony.code, "01.10.2026", 481]])

    report = import_file(data=data, filename="p.csv", by=two_sources.npm_monitor)

    assert report.ok, report.problems
    assert snapshots(two_sources.colony) == {"self_reported": (481, 20, 2), "verified": (510, None, 1)}


@pytest.mark.parametrize("who", ["facility_officer", None])
def test_only_an_oversight_body_may_import_a_verified_count(two_sources, who):
    """A facility's own staff cannot turn their figure into a verified one, nor overwrite the visit's."""
    actor = getattr(two_sources, who) if who else None
    data = csv_bytes([HEADER, [two_sources.colony.code, "01.10.2026", "verified", 300, ""],
                      [two_sources.colony.code, "02.10.2026", "verified", 300, ""]])
    before = registry_counts()

    report = import_file(data=data, filename="p.csv", by=actor)

    assert not report.applied
    reasons = {(p.line, p.column, p.reason) for p in report.problems}
    assert (2, "source", "Only an oversight body can record a verified count.") in reasons
    assert registry_counts() == before
    assert snapshots(two_sources.colony)["verified"] == (510, None, 1)


def test_a_facility_officer_may_import_its_own_self_reported_count(two_sources):
    data = csv_bytes([HEADER, [two_sources.colony.code, "02.10.2026", "self_reported", 470, ""]])

    report = import_file(data=data, filename="p.csv", by=two_sources.facility_officer)

    assert report.ok, report.problems
    assert PopulationSnapshot.objects.get(facility=two_sources.colony, date=dt.date(2026, 10, 2)).source == (
        ReportSource.SELF_REPORTED)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(source=st.text(max_size=40).filter(lambda s: s.strip() not in {"", *ReportSource.values}))
def test_any_other_source_is_refused_in_the_source_column_and_nothing_is_written(two_sources, source):
    data = csv_bytes([HEADER, [two_sources.colony.code, "01.10.2026", source, 300, ""]])
    before = registry_counts()

    report = import_file(data=data, filename="p.csv", dataset="population", by=two_sources.npm_monitor)

    assert not report.applied
    assert report.problems
    assert {p.column for p in report.problems} <= {"source", ""}
    assert registry_counts() == before
