"""A mandate that cannot be told is no mandate: such accounts see nothing, and cannot be stored."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from accounts.models import Organisation, OrganisationKind, Role, User
from accounts.permissions import facility_scope
from facilities import services
from facilities.models import Facility, PopulationSnapshot, RegistryChange
from facilities.selectors import facilities_for

pytestmark = pytest.mark.django_db


def test_a_commission_without_a_region_cannot_be_stored(personas):
    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.create(code="pmc-nowhere", kind=OrganisationKind.PUBLIC_MONITORING_COMMISSION)


def test_a_commission_cannot_lose_its_region(personas):
    commission = personas.pmc_member.organisation

    with pytest.raises(IntegrityError), transaction.atomic():
        Organisation.objects.filter(pk=commission.pk).update(region=None)


def test_a_facility_officer_without_a_facility_cannot_be_stored(personas):
    with pytest.raises(IntegrityError), transaction.atomic():
        User.objects.create(username="officer.nowhere", organisation=personas.colony.operator,
                            role=Role.FACILITY_OFFICER)


def test_a_commission_member_whose_commission_has_no_region_sees_no_facility(personas):
    # As it would be read from a database restored from before the constraint.
    commission = Organisation(code="pmc-x", kind=OrganisationKind.PUBLIC_MONITORING_COMMISSION, region=None)
    member = User(username="pmc.x", organisation=commission, role=Role.MONITOR)

    assert facility_scope(member) is None
    assert not facilities_for(member).exists()


def test_a_facility_officer_without_a_facility_sees_no_facility(personas):
    officer = User(username="officer.x", organisation=personas.colony.operator, role=Role.FACILITY_OFFICER)

    assert facility_scope(officer) is None
    assert not facilities_for(officer).exists()


def test_an_organisation_of_a_kind_the_matrix_does_not_know_sees_no_facility(personas):
    stranger = User(username="x", organisation=Organisation(code="x", kind="ministry"), role=Role.MONITOR)

    assert facility_scope(stranger) is None


def test_every_persona_sees_exactly_their_mandate(personas):
    seen = {name: set(facilities_for(user).values_list("code", flat=True)) for name, user in personas.all().items()}

    assert seen["pmc_member"] == {"LA-155/1"}
    assert seen["facility_officer"] == {"LA-155/1"}
    assert seen["ombudsman_monitor"] == {"SEI-01"}
    assert seen["npm_monitor"] == seen["prosecutor"] == {"LA-155/1", "AK-159/2", "SEI-01"}
    assert seen["outsider"] == set()


# --- the rule every change obeys: it stays within the editor's mandate ---------------------------


def test_a_facility_officer_cannot_record_another_facilitys_population(personas):
    before = PopulationSnapshot.objects.count()

    with pytest.raises(services.OutsideMandate):
        services.record_population_snapshot(facility=personas.other_colony, by=personas.facility_officer,
                                            date=dt.date(2026, 10, 1), total=5)

    assert PopulationSnapshot.objects.count() == before


def test_a_facility_registered_outside_the_editors_mandate_is_undone(personas):
    before = (Facility.objects.count(), RegistryChange.objects.count())

    with pytest.raises(services.OutsideMandate):
        services.create_facility(
            by=personas.ombudsman_monitor, code="NEW-1", name_kk="Жаңа", name_ru="Новая", name_en="New",
            type="colony_medium", region=personas.region, operator=personas.colony.operator,
            design_capacity=10, operational_capacity=10,
        )

    assert (Facility.objects.count(), RegistryChange.objects.count()) == before


def test_a_change_that_would_take_a_facility_out_of_the_mandate_is_undone(personas):
    with pytest.raises(services.OutsideMandate):
        services.update_facility(facility=personas.special_school, by=personas.ombudsman_monitor,
                                 type="colony_medium")

    personas.special_school.refresh_from_db()
    assert personas.special_school.type == "special_school"


def test_the_import_obeys_the_same_mandate_rule(personas):
    from facilities.tests.spreadsheets import csv_bytes
    from facilities.transfer.importer import import_file

    rows = [["facility_code", "date", "total"], [personas.other_colony.code, "01.10.2026", 5]]
    report = import_file(data=csv_bytes(rows), filename="p.csv", by=personas.pmc_member)

    assert [(p.column, p.reason) for p in report.problems] == [
        ("facility_code", "This facility is outside your mandate.")]
