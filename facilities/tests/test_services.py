from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from facilities import population
from facilities.factories import UnitFactory
from facilities.models import PopulationSnapshot, RegistryChange, ReportSource
from facilities.services import (
    CorrectionRequired,
    add_unit,
    create_facility,
    record_population_snapshot,
    update_facility,
)

OCTOBER = dt.date(2026, 10, 1)
NOVEMBER = dt.date(2026, 11, 1)


@pytest.mark.django_db
def test_registering_a_facility_records_who_did_it_and_the_values(personas):
    facility = create_facility(
        by=personas.npm_monitor, code="EC-166/11", name_kk="EC-166/11 мекеме", name_ru="Учреждение EC-166/11",
        name_en="Colony EC-166/11", type="colony_medium", region=personas.region, operator=personas.colony.operator,
        design_capacity=800, operational_capacity=750,
    )

    change = RegistryChange.objects.get(model="facilities.facility", object_id=str(facility.pk))
    assert change.actor == personas.npm_monitor
    assert change.action == "create"
    assert change.before is None
    assert change.after["operational_capacity"] == 750


@pytest.mark.django_db
def test_a_change_keeps_the_values_before_and_after(personas):
    update_facility(facility=personas.colony, by=personas.analyst, operational_capacity=450)

    change = RegistryChange.objects.filter(facility=personas.colony, action="update").get()
    assert change.before["operational_capacity"] == 500
    assert change.after["operational_capacity"] == 450


@pytest.mark.django_db
def test_a_change_that_changes_nothing_leaves_no_record(personas):
    update_facility(facility=personas.colony, by=personas.analyst, operational_capacity=500)

    assert not RegistryChange.objects.filter(facility=personas.colony).exists()


@pytest.mark.django_db
def test_an_unknown_field_is_refused_by_name(personas):
    with pytest.raises(ValidationError) as caught:
        update_facility(facility=personas.colony, by=personas.analyst, population=3)

    assert "population" in caught.value.message_dict


@pytest.mark.django_db
def test_operational_capacity_above_the_maximum_is_refused_and_nothing_is_written(personas):
    with pytest.raises(ValidationError) as caught:
        update_facility(facility=personas.colony, by=personas.analyst, maximum_capacity=400)

    assert "operational_capacity" in caught.value.message_dict
    personas.colony.refresh_from_db()
    assert personas.colony.maximum_capacity is None
    assert not RegistryChange.objects.exists()


@pytest.mark.django_db
def test_a_unit_code_is_unique_within_its_facility(personas):
    add_unit(facility=personas.colony, by=personas.analyst, code="B1", name="Barracks 1", kind="barracks",
             capacity=60, living_space_m2="240.0")

    with pytest.raises(ValidationError):
        add_unit(facility=personas.colony, by=personas.analyst, code="B1", name="Again", kind="cell",
                 capacity=4, living_space_m2="16.0")


@pytest.mark.django_db
def test_the_latest_snapshot_follows_the_most_recent_date_not_the_last_recorded(personas):
    record_population_snapshot(facility=personas.colony, by=None, date=NOVEMBER, total=420)
    record_population_snapshot(facility=personas.colony, by=None, date=OCTOBER, total=400)

    personas.colony.refresh_from_db()
    assert personas.colony.latest_snapshot.date == NOVEMBER


@pytest.mark.django_db
def test_correcting_a_snapshot_keeps_the_old_figures_in_the_audit_trail(personas):
    unit = UnitFactory(facility=personas.colony, code="B1")
    record_population_snapshot(facility=personas.colony, by=None, date=OCTOBER, total=400, occupancy={unit: 60})
    with pytest.raises(CorrectionRequired):  # saying it is a correction is required
        record_population_snapshot(facility=personas.colony, by=personas.analyst, date=OCTOBER, total=410,
                                   source=ReportSource.SELF_REPORTED, occupancy={unit: 70})
    with pytest.raises(CorrectionRequired):  # and naming the version it corrects
        record_population_snapshot(facility=personas.colony, by=personas.analyst, date=OCTOBER, total=410,
                                   source=ReportSource.SELF_REPORTED, corrects=2, occupancy={unit: 70})
    corrected = record_population_snapshot(facility=personas.colony, by=personas.analyst, date=OCTOBER,
                                           total=410, source=ReportSource.SELF_REPORTED, corrects=1,
                                           occupancy={unit: 70})

    assert PopulationSnapshot.objects.filter(facility=personas.colony).count() == 1
    assert corrected.version == 2
    correction = RegistryChange.objects.get(model="facilities.populationsnapshot", action="update")
    assert correction.before["total"] == 400
    assert correction.before["occupancy"] == {"B1": 60}
    assert correction.after["total"] == 410
    assert correction.after["occupancy"] == {"B1": 70}


@pytest.mark.parametrize(
    ("counts", "field"),
    [
        ({"total": 10, "women": 11}, "women"),
        ({"total": 10, "women": 2, "pregnant_women": 3}, "pregnant_women"),
        ({"total": 10, "minors": 2, "below_age_of_responsibility": 3}, "below_age_of_responsibility"),
        ({"total": 10, "mothers_with_children": 0, "children_with_mothers": 2}, "children_with_mothers"),
    ],
)
@pytest.mark.django_db
def test_an_impossible_breakdown_is_refused_naming_the_field(personas, counts, field):
    with pytest.raises(ValidationError) as caught:
        record_population_snapshot(facility=personas.colony, by=None, date=OCTOBER, **counts)

    assert field in caught.value.message_dict
    assert not PopulationSnapshot.objects.exists()


@pytest.mark.django_db
def test_units_cannot_hold_more_people_than_the_facility(personas):
    unit = UnitFactory(facility=personas.colony)

    with pytest.raises(ValidationError) as caught:
        record_population_snapshot(facility=personas.colony, by=None, date=OCTOBER, total=10, occupancy={unit: 11})

    assert "occupancy" in caught.value.message_dict


@pytest.mark.django_db
def test_a_unit_of_another_facility_cannot_be_counted(personas):
    stranger = UnitFactory(facility=personas.other_colony)

    with pytest.raises(ValidationError):
        record_population_snapshot(facility=personas.colony, by=None, date=OCTOBER, total=10, occupancy={stranger: 1})


@pytest.mark.django_db
def test_a_count_left_out_is_not_reported_never_zero(personas):
    snapshot = record_population_snapshot(facility=personas.colony, by=None, date=OCTOBER, total=450)

    snapshot.refresh_from_db()
    assert snapshot.total == 450
    assert all(getattr(snapshot, name) is None for name in population.NAMES if name != "total")


@pytest.mark.django_db
def test_a_verified_count_wins_for_its_month_and_the_self_reported_one_is_kept(personas):
    record_population_snapshot(facility=personas.colony, by=personas.npm_monitor, date=OCTOBER, total=430)
    own = record_population_snapshot(facility=personas.colony, by=personas.facility_officer,
                                     date=OCTOBER.replace(day=15), total=380)

    personas.colony.refresh_from_db()
    assert own.source == ReportSource.SELF_REPORTED
    assert personas.colony.latest_snapshot.source == ReportSource.VERIFIED
    assert personas.colony.latest_snapshot.total == 430
    assert PopulationSnapshot.objects.filter(facility=personas.colony).count() == 2


@pytest.mark.django_db
def test_a_facility_officer_cannot_record_a_verified_count(personas):
    with pytest.raises(ValidationError) as caught:
        record_population_snapshot(facility=personas.colony, by=personas.facility_officer, date=OCTOBER,
                                   total=430, source=ReportSource.VERIFIED)

    assert "source" in caught.value.message_dict
