"""The derived indicators: each status, its reason, and that "not reported" is never "met".

Statuses are computed in SQL (facilities.indicators); the profile, the lists and the overview
read the same annotation. The hypothesis test at the end checks that annotation against a plain
reading of the rules on random facilities, blanks included.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import transaction
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from facilities import indicators, selectors
from facilities.factories import FacilityFactory
from facilities.indicators import Status
from facilities.models import Facility, FacilityType, PopulationSnapshot, Unit, UnitKind, UnitOccupancy

pytestmark = pytest.mark.django_db


def _snapshot(facility: Facility, total: int, **counts) -> PopulationSnapshot:
    snapshot = PopulationSnapshot.objects.create(facility=facility, date=dt.date(2026, 10, 1), total=total, **counts)
    Facility.objects.filter(pk=facility.pk).update(latest_snapshot=snapshot)
    facility.refresh_from_db()
    return snapshot


def _unit(facility: Facility, code: str, kind: str = UnitKind.BARRACKS, capacity: int = 60, m2: str = "240") -> Unit:
    return Unit.objects.create(facility=facility, code=code, name=f"Block {code}", kind=kind, capacity=capacity,
                               living_space_m2=Decimal(m2))


def _occupy(snapshot: PopulationSnapshot, unit: Unit, occupants: int, minors: int | None = None) -> None:
    UnitOccupancy.objects.create(snapshot=snapshot, unit=unit, occupants=occupants, minors=minors)


def _indicators(facility: Facility) -> dict[str, indicators.Indicator]:
    facility.refresh_from_db()
    _annotated, described, _spaces = selectors.facility_indicators(facility)
    return {i.key: i for i in described}


def test_a_facility_without_any_count_has_every_indicator_unknown_not_met():
    facility = FacilityFactory()

    result = _indicators(facility)

    assert {i.status for i in result.values()} == {Status.UNKNOWN}
    assert indicators.Summary.of(list(result.values())).judged == 0


def test_occupancy_over_capacity_is_not_met_and_says_so():
    facility = FacilityFactory(operational_capacity=500)
    _snapshot(facility, 540)

    occupancy = _indicators(facility)["occupancy"]

    assert occupancy.status == Status.NOT_MET
    assert occupancy.value == "108%"
    assert "540 held for 500 places: overcrowded." in occupancy.reason


def test_three_and_a_half_square_metres_per_person_in_a_shared_barracks_is_not_met():
    facility = FacilityFactory()
    barracks = _unit(facility, "B1", capacity=40, m2="140")
    _occupy(_snapshot(facility, 40), barracks, 40)

    _annotated, described, spaces = selectors.facility_indicators(facility)

    assert (spaces[0].per_person_m2, spaces[0].status) == (Decimal("3.5"), Status.NOT_MET)
    assert {i.key: i.status for i in described}["living_space"] == Status.NOT_MET


def test_a_unit_left_blank_makes_living_space_unknown_not_not_applicable():
    facility = FacilityFactory()
    first, _second = _unit(facility, "B1", m2="400"), _unit(facility, "B2", m2="100")
    _occupy(_snapshot(facility, 80), first, 40)  # B2's occupancy not reported

    living_space = _indicators(facility)["living_space"]

    assert living_space.status == Status.UNKNOWN
    assert "1 of 2" in living_space.reason


def test_a_count_with_only_the_total_leaves_women_and_mothers_unknown():
    facility = FacilityFactory(type=FacilityType.COLONY_WOMEN)
    _snapshot(facility, 450)

    result = _indicators(facility)

    assert result["mothers_without_unit"].status == Status.UNKNOWN
    assert result["minors_with_adults"].status == Status.UNKNOWN
    assert "not reported" in result["mothers_without_unit"].reason


def test_minors_in_their_own_unit_are_not_held_with_adults_though_the_facility_holds_both():
    facility = FacilityFactory(type=FacilityType.PRETRIAL)
    juvenile, adults = _unit(facility, "J1", UnitKind.CELL, 4), _unit(facility, "C1", UnitKind.CELL, 6)
    snapshot = _snapshot(facility, 10, minors=3)
    _occupy(snapshot, juvenile, 3, minors=3)
    _occupy(snapshot, adults, 6, minors=0)

    assert _indicators(facility)["minors_with_adults"].status == Status.MET
    at_facility_level = Facility.objects.filter(selectors.GROUP_CONDITIONS["minors_and_adults"])
    assert list(at_facility_level) == [facility]


def test_a_minor_in_a_cell_with_adults_is_not_met():
    facility = FacilityFactory(type=FacilityType.PRETRIAL)
    cell = _unit(facility, "C1", UnitKind.CELL, 6)
    _occupy(_snapshot(facility, 6, minors=1), cell, 6, minors=1)

    minors = _indicators(facility)["minors_with_adults"]

    assert minors.status == Status.NOT_MET
    assert "share the unit with adults" in minors.reason


def test_minors_whose_units_were_not_reported_are_unknown():
    facility = FacilityFactory(type=FacilityType.PRETRIAL)
    cell = _unit(facility, "C1", UnitKind.CELL, 6)
    _occupy(_snapshot(facility, 6, minors=1), cell, 6)  # minors per unit not given

    assert _indicators(facility)["minors_with_adults"].status == Status.UNKNOWN


def test_mothers_with_a_mother_and_child_unit_are_met_and_without_one_not_met():
    with_unit, without = FacilityFactory(), FacilityFactory()
    _unit(with_unit, "MCU", UnitKind.MOTHER_CHILD, 20)
    _snapshot(with_unit, 100, women=100, mothers_with_children=10, children_with_mothers=10)
    _snapshot(without, 100, women=100, mothers_with_children=10, children_with_mothers=10)

    assert _indicators(with_unit)["mothers_without_unit"].status == Status.MET
    assert _indicators(without)["mothers_without_unit"].status == Status.NOT_MET


# --- The SQL statuses against the rules read plainly, on random facilities -----------------------

counts = st.one_of(st.none(), st.integers(0, 30))
unit_strategy = st.fixed_dictionaries({
    "kind": st.sampled_from([UnitKind.BARRACKS, UnitKind.CELL, UnitKind.SINGLE_CELL, UnitKind.MOTHER_CHILD]),
    "capacity": st.integers(1, 10),
    "m2": st.integers(0, 60),
    "occupants": st.one_of(st.none(), st.integers(0, 10)),
    "minors": st.one_of(st.none(), st.integers(0, 10)),
})
facility_strategy = st.fixed_dictionaries({
    "type": st.sampled_from([FacilityType.COLONY_MEDIUM, FacilityType.PRETRIAL, FacilityType.SPECIAL_SCHOOL]),
    "capacity": st.integers(0, 60),
    "snapshot": st.one_of(st.none(), st.fixed_dictionaries({
        "total": st.integers(0, 60), "minors": counts, "mothers": counts})),
    "units": st.lists(unit_strategy, max_size=4),
})


def _expected(spec: dict) -> dict[str, str]:
    """The indicator rules, read plainly from the raw inputs."""
    s = spec["snapshot"]
    if s is None:
        return {d.key: Status.UNKNOWN for d in indicators.DEFINITIONS}
    units = spec["units"]
    reported = [u for u in units if u["occupants"] is not None]
    below = [u for u in reported if u["occupants"] > 0 and Decimal(u["m2"]) < (
        6 if u["kind"] == UnitKind.SINGLE_CELL or u["capacity"] == 1 else 4) * u["occupants"]]
    barracks = [u for u in units if u["kind"] == UnitKind.BARRACKS]
    in_barracks = sum(u["occupants"] or 0 for u in barracks)
    mixed = [u for u in reported if u["minors"] and u["occupants"] > u["minors"]]
    expected = {
        "occupancy": Status.NOT_MET if s["total"] > spec["capacity"] else Status.MET,
        "living_space": Status.NOT_MET if below else (
            Status.UNKNOWN if not units or len(reported) < len(units) else Status.MET),
        "barracks": Status.NOT_MET if in_barracks else (
            Status.UNKNOWN if not units or any(u["occupants"] is None for u in barracks) else Status.MET),
    }
    minors = s["minors"]
    adults_among_children = spec["type"] == FacilityType.SPECIAL_SCHOOL and minors is not None and s["total"] > minors
    if mixed or adults_among_children:
        expected["minors_with_adults"] = Status.NOT_MET
    elif minors is None:
        expected["minors_with_adults"] = Status.UNKNOWN
    elif minors == 0:
        expected["minors_with_adults"] = Status.MET
    elif (not units or len(reported) < len(units)
          or any(u["occupants"] > 0 and u["minors"] is None for u in reported)):
        expected["minors_with_adults"] = Status.UNKNOWN
    else:
        expected["minors_with_adults"] = Status.MET
    mothers = s["mothers"]
    if mothers is None:
        expected["mothers_without_unit"] = Status.UNKNOWN
    elif mothers == 0:
        expected["mothers_without_unit"] = Status.NOT_APPLICABLE
    else:
        has_unit = any(u["kind"] == UnitKind.MOTHER_CHILD for u in units)
        expected["mothers_without_unit"] = Status.MET if has_unit else Status.NOT_MET
    return expected


def _create(spec: dict) -> Facility:
    facility = FacilityFactory(type=spec["type"], design_capacity=spec["capacity"],
                               operational_capacity=spec["capacity"])
    if spec["snapshot"] is None:
        return facility
    s = spec["snapshot"]
    s["total"] = max(s["total"], s["minors"] or 0, s["mothers"] or 0)
    snapshot = _snapshot(facility, s["total"], minors=s["minors"], women=s["mothers"],
                         mothers_with_children=s["mothers"])
    for i, u in enumerate(spec["units"]):
        unit = _unit(facility, f"U{i}", u["kind"], u["capacity"], str(u["m2"]))
        if u["occupants"] is not None:
            minors = None if u["minors"] is None else min(u["minors"], u["occupants"])
            u["minors"] = minors
            _occupy(snapshot, unit, u["occupants"], minors)
    return facility


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(specs=st.lists(facility_strategy, min_size=1, max_size=4))
def test_every_indicator_in_sql_agrees_with_the_rules_and_with_the_profile(specs):
    with transaction.atomic():
        created = [(_create(spec), spec) for spec in specs]
        listed = {f.pk: f for f in indicators.with_indicators(Facility.objects.all())}
        for facility, spec in created:
            expected = _expected(spec)
            in_list = {d.key: getattr(listed[facility.pk], d.annotation) for d in indicators.DEFINITIONS}
            on_profile = {key: i.status for key, i in _indicators(facility).items()}
            assert in_list == expected == on_profile, spec
            for d in indicators.DEFINITIONS:  # the list filter finds exactly the facilities with that status
                filtered = selectors.filter_facilities(
                    Facility.objects.all(), selectors.FacilityFilter(indicator=d.key, status=expected[d.key]))
                assert filtered.filter(pk=facility.pk).exists()
        transaction.set_rollback(True)
