"""The derived indicators a facility profile shows: each verdict and the reason given for it."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from facilities.indicators import compute
from facilities.models import Facility, FacilityType, PopulationSnapshot, Unit, UnitKind


def facility(**fields) -> Facility:
    values = {"code": "LA-155/1", "type": FacilityType.COLONY_MEDIUM, "design_capacity": 500,
              "operational_capacity": 500}
    return Facility(**{**values, **fields})


def unit(pk: int, kind: str = UnitKind.BARRACKS, capacity: int = 60, m2: str = "240", name: str = "") -> Unit:
    return Unit(pk=pk, code=f"U{pk}", name=name or f"Block {pk}", kind=kind, capacity=capacity,
                living_space_m2=Decimal(m2))


def snapshot(total: int, **counts) -> PopulationSnapshot:
    return PopulationSnapshot(date=dt.date(2026, 10, 1), total=total, **counts)


def indicator(result, key: str):
    return next(i for i in result.indicators if i.key == key)


def test_occupancy_over_capacity_is_not_compliant_and_says_so():
    result = compute(facility(operational_capacity=500), snapshot(540), [], {})

    occupancy = indicator(result, "occupancy")
    assert occupancy.compliant is False
    assert occupancy.value == "108%"
    assert "540" in occupancy.reason
    assert "500" in occupancy.reason
    assert "overcrowded" in occupancy.reason
    assert result.is_overcrowded


def test_occupancy_at_capacity_is_compliant():
    result = compute(facility(operational_capacity=500), snapshot(500), [], {})

    assert indicator(result, "occupancy").compliant is True
    assert not result.is_overcrowded


def test_three_and_a_half_square_metres_per_person_in_a_shared_barracks_is_not_compliant():
    barracks = unit(1, UnitKind.BARRACKS, capacity=40, m2="140", name="Barracks 1")

    result = compute(facility(), snapshot(40), [barracks], {barracks.pk: 40})

    space = result.unit_space[0]
    assert space.per_person_m2 == Decimal("3.5")
    assert space.minimum_m2 == Decimal(4)
    assert space.compliant is False
    living_space = indicator(result, "living_space")
    assert living_space.compliant is False
    assert "3.5" in living_space.reason
    assert "Barracks 1" in living_space.reason


def test_six_square_metres_in_a_single_cell_is_compliant():
    cell = unit(1, UnitKind.SINGLE_CELL, capacity=1, m2="6.0")

    result = compute(facility(), snapshot(1), [cell], {cell.pk: 1})

    assert result.unit_space[0].minimum_m2 == Decimal(6)
    assert result.unit_space[0].compliant is True
    assert indicator(result, "living_space").compliant is True


def test_five_square_metres_in_a_single_cell_is_not_compliant():
    cell = unit(1, UnitKind.SINGLE_CELL, capacity=1, m2="5.0")

    result = compute(facility(), snapshot(1), [cell], {cell.pk: 1})

    assert result.unit_space[0].compliant is False


def test_minors_held_with_adults_are_flagged_with_both_counts():
    result = compute(facility(type=FacilityType.PRETRIAL), snapshot(300, minors=4), [], {})

    minors = indicator(result, "minors_with_adults")
    assert minors.compliant is False
    assert "4" in minors.reason
    assert "296" in minors.reason


def test_a_facility_holding_only_minors_is_not_flagged():
    result = compute(facility(type=FacilityType.COLONY_JUVENILE), snapshot(80, minors=80), [], {})

    assert indicator(result, "minors_with_adults").compliant is True


def test_mothers_with_children_without_a_mother_and_child_unit_are_flagged():
    result = compute(
        facility(type=FacilityType.COLONY_WOMEN), snapshot(200, women=200, mothers_with_children=3,
                                                           children_with_mothers=4),
        [unit(1)], {},
    )

    mothers = indicator(result, "mothers_without_unit")
    assert mothers.compliant is False
    assert "3" in mothers.reason
    assert "4" in mothers.reason


def test_mothers_with_children_in_a_facility_with_a_mother_and_child_unit_are_not_flagged():
    result = compute(
        facility(type=FacilityType.COLONY_WOMEN), snapshot(200, women=200, mothers_with_children=3),
        [unit(1), unit(2, UnitKind.MOTHER_CHILD, capacity=10, m2="80")], {},
    )

    assert indicator(result, "mothers_without_unit").compliant is True


def test_without_a_snapshot_every_indicator_is_not_applicable():
    result = compute(facility(), None, [unit(1)], {})

    assert result.occupancy_rate is None
    assert [i.compliant for i in result.indicators] == [None] * len(result.indicators)
    assert all(i.reason for i in result.indicators)
    assert result.failing == []
