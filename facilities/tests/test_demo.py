"""The demo country: deterministic, faithful to the published national figures, loaded once and only once."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from io import StringIO

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import transaction

from accounts.models import Organisation, OrganisationKind, Role, User
from facilities import selectors
from facilities.audit import attach_ledger_indices, audit_registry_history
from facilities.demo.generator import (
    BELOW_AGE_CHILDREN,
    BELOW_AGE_UNIT_CODE,
    MONTHS,
    apportion,
    generate,
    month_starts,
)
from facilities.demo.geography import REGIONS
from facilities.demo.loader import Outcome, load_demo_country
from facilities.demo.organisations import NPM_CODE
from facilities.indicators import Status
from facilities.models import (
    Facility,
    FacilityType,
    PopulationSnapshot,
    RegionKind,
    RegistryChange,
    Unit,
    UnitKind,
    UnitOccupancy,
)
from ledger import selectors as ledger_selectors

TODAY = dt.date(2026, 11, 22)
FIRST_OF_MONTH = dt.date(2026, 11, 1)


def _near(value: float, target: float, tolerance: float) -> bool:
    return abs(value - target) <= target * tolerance


@pytest.fixture(scope="module")
def country():
    return generate(today=TODAY)


def _penal(country):
    return country.of_type(*FacilityType.penal())


# The generator, in memory -----------------------------------------------------------------------


def test_the_same_seed_and_date_give_the_same_country(country):
    assert generate(today=TODAY).digest() == country.digest()


def test_another_seed_gives_another_country(country):
    assert generate(seed=7, today=TODAY).digest() != country.digest()


def test_the_country_has_17_regions_and_3_cities_with_iso_codes(country):
    kinds = Counter(r.kind for r in country.regions)
    assert kinds == {RegionKind.REGION: 17, RegionKind.CITY: 3}
    assert len({r.code for r in country.regions}) == 20
    assert all(r.code.startswith("KZ-") and r.name_kk and r.name_ru and r.name_en for r in country.regions)


def test_oversight_bodies_include_a_public_monitoring_commission_per_region(country):
    kinds = Counter(o.kind for o in country.organisations)
    assert kinds[OrganisationKind.NPM] == 1
    assert kinds[OrganisationKind.CHILDRENS_OMBUDSMAN] == 1
    assert kinds[OrganisationKind.PROSECUTOR] == 1
    pmc_regions = {o.region_code for o in country.organisations
                   if o.kind == OrganisationKind.PUBLIC_MONITORING_COMMISSION}
    assert pmc_regions == {r.code for r in REGIONS}
    assert all(o.name_kk and o.name_ru and o.name_en for o in country.organisations)


def test_there_are_78_penal_institutions_62_colonies_and_16_pretrial_centres(country):
    assert len(country.of_type(*FacilityType.colonies())) == 62
    assert len(country.of_type(FacilityType.PRETRIAL)) == 16
    assert len(_penal(country)) == 78
    assert len(country.of_type(FacilityType.COLONY_JUVENILE)) == 1
    assert len(country.of_type(FacilityType.COLONY_WOMEN)) == 6


def test_about_36000_convicts_are_held_in_colonies_and_remand_prisoners_on_top(country):
    assert _near(sum(f.latest.total for f in country.of_type(*FacilityType.colonies())), 36_000, 0.02)
    assert _near(sum(f.latest.total for f in country.of_type(FacilityType.PRETRIAL)), 6_150, 0.05)


def test_six_womens_colonies_hold_about_2500_women_about_500_of_them_mothers(country):
    womens = country.of_type(FacilityType.COLONY_WOMEN)
    assert _near(sum(f.latest.women for f in womens), 2_500, 0.10)
    assert _near(sum(f.latest.mothers_with_children for f in womens), 500, 0.10)
    assert all(f.latest.mothers_with_children and f.latest.children_with_mothers for f in womens)


def test_exactly_one_colony_has_a_mother_and_child_unit(country):
    with_unit = [f for f in country.of_type(*FacilityType.colonies())
                 if any(u.kind == UnitKind.MOTHER_CHILD for u in f.units)]
    assert [f.type for f in with_unit] == [FacilityType.COLONY_WOMEN]


def test_minors_are_about_three_in_a_thousand_mostly_in_the_juvenile_colony(country):
    penal = _penal(country)
    minors = sum(f.latest.minors or 0 for f in penal)
    assert 0.002 <= minors / sum(f.latest.total for f in penal) <= 0.004
    (juvenile,) = country.of_type(FacilityType.COLONY_JUVENILE)
    assert juvenile.latest.minors == juvenile.latest.total > minors / 2
    # A few are held with adults, in pre-trial centres and police cells.
    with_adults = {f.type for f in penal + country.of_type(FacilityType.POLICE_TDC)
                   if 0 < (f.latest.minors or 0) < f.latest.total}
    assert FacilityType.PRETRIAL in with_adults
    # Per unit, most pre-trial centres keep minors apart; a few put one in a cell with adults.
    mixed = [f for f in country.of_type(FacilityType.PRETRIAL)
             if any(n and f.latest_occupancy[code] > n for code, n in f.latest_minors.items())]
    assert len(mixed) == 2


def test_seven_special_schools_hold_176_children_8_of_them_below_the_age_of_responsibility(country):
    schools = country.of_type(FacilityType.SPECIAL_SCHOOL)
    assert len(schools) == 7
    assert sum(f.latest.total for f in schools) == 176
    assert all(f.latest.minors == f.latest.total for f in schools)
    below_age = [f for f in schools if BELOW_AGE_UNIT_CODE in f.latest_occupancy]
    assert len(below_age) == 1
    assert below_age[0].latest_occupancy[BELOW_AGE_UNIT_CODE] == BELOW_AGE_CHILDREN == 8
    (unit,) = [u for u in below_age[0].units if u.code == BELOW_AGE_UNIT_CODE]
    assert "below the age of criminal responsibility" in unit.name
    assert below_age[0].latest.below_age_of_responsibility == BELOW_AGE_CHILDREN
    assert sum(f.latest.below_age_of_responsibility or 0 for f in country.facilities) == BELOW_AGE_CHILDREN


def test_about_2500_people_are_in_education_or_vocational_training(country):
    enrolled = sum((f.latest.in_education or 0) + (f.latest.in_vocational_training or 0) for f in _penal(country))
    assert _near(enrolled, 2_500, 0.2)  # some colonies did not report it


def test_every_region_and_city_has_a_police_temporary_detention_centre(country):
    tdcs = Counter(f.region_code for f in country.of_type(FacilityType.POLICE_TDC))
    assert set(tdcs) == {r.code for r in REGIONS}
    assert max(tdcs.values()) > 1
    assert country.of_type(FacilityType.SPECIAL_RECEPTION)


def test_there_are_69_crisis_centres(country):
    assert len(country.of_type(FacilityType.CRISIS_CENTRE)) == 69


def test_some_facilities_have_been_overcrowded_in_recent_months(country):
    crowded = [f for f in country.facilities if all(s.total > f.capacity for s in f.snapshots[-3:])]
    assert len(crowded) >= 3
    assert any(f.type in FacilityType.penal() for f in crowded)
    assert len(crowded) < len(country.facilities) / 5


def test_every_facility_reports_monthly_a_few_stopped_some_months_ago(country):
    expected = month_starts(TODAY, MONTHS)
    assert len(expected) == 60
    assert (expected[0], expected[-1]) == (dt.date(2021, 12, 1), FIRST_OF_MONTH)
    assert all([s.date for s in f.snapshots] == expected[:len(f.snapshots)] for f in country.facilities)
    stale = [f for f in country.facilities if f.snapshots[-1].date != FIRST_OF_MONTH]
    assert len(stale) == 6
    assert all(56 <= len(f.snapshots) <= 58 for f in stale)


def test_some_counts_are_verified_and_some_self_reports_incomplete(country):
    verified = [f for f in country.facilities if f.latest.verified]
    assert 0.15 < len(verified) / len(country.facilities) < 0.25
    assert all(f.latest.total >= f.self_reported.total for f in verified)
    incomplete = [f for f in country.facilities if None in f.latest.counts().values()]
    assert len(incomplete) == 14
    assert all(f.latest.total is not None for f in incomplete)


def test_the_penal_population_declines_slowly(country):
    penal = _penal(country)
    five_years_ago = sum(f.snapshots[0].total for f in penal)
    now = sum(f.latest.total for f in penal)
    assert 1.05 < five_years_ago / now < 1.25


def test_no_snapshot_breaks_the_models_validation(country):
    refused = []
    for facility in country.facilities:
        for spec in [*facility.snapshots, *facility.verified]:
            try:
                PopulationSnapshot(date=spec.date, **spec.counts()).clean()
            except ValidationError as error:
                refused.append((facility.code, spec.date, error.messages))
    assert refused == []


def test_facilities_and_units_are_consistent(country):
    assert len({f.code for f in country.facilities}) == len(country.facilities)
    for facility in country.facilities:
        assert facility.maximum_capacity is None or facility.operational_capacity <= facility.maximum_capacity
        assert len({u.code for u in facility.units}) == len(facility.units)
        assert set(facility.latest_occupancy) <= {u.code for u in facility.units}
        if facility.occupancy_reported:
            assert sum(facility.latest_occupancy.values()) <= facility.latest.total
        assert all(n <= facility.latest_occupancy[code] for code, n in facility.latest_minors.items())


def test_colonies_live_in_barracks_of_40_to_80_some_below_the_cpt_minimum(country):
    ordinary = country.of_type(FacilityType.COLONY_MEDIUM, FacilityType.COLONY_MINIMUM,
                               FacilityType.COLONY_MAXIMUM, FacilityType.COLONY_WOMEN)
    barracks = [u for f in ordinary for u in f.units if u.kind == UnitKind.BARRACKS]
    assert all(40 <= u.capacity <= 80 for u in barracks)
    per_place = [u.living_space_m2 / u.capacity for u in barracks]
    assert min(per_place) < 4 < max(per_place)


def test_the_demo_passwords_pass_the_password_validators(country):
    refused = []
    for persona in country.personas:
        try:
            validate_password(persona.password, User(username=persona.username, email=persona.email))
        except ValidationError as error:
            refused.append((persona.username, error.messages))
    assert refused == []


def test_apportion_splits_a_total_exactly():
    assert apportion(10, [1, 1, 1]) == [4, 3, 3]
    assert sum(apportion(176, [0.3, 1.7, 2.2, 0.9])) == 176
    assert apportion(0, [1, 2]) == [0, 0]


def test_months_run_across_the_new_year():
    assert month_starts(dt.date(2026, 1, 31), 3) == [dt.date(2025, 11, 1), dt.date(2025, 12, 1),
                                                    dt.date(2026, 1, 1)]


# The load, once for the module ------------------------------------------------------------------


@pytest.fixture(scope="module")
def first_run(django_db_setup, django_db_blocker):
    """The command's output on an empty registry; everything it wrote is rolled back after the module."""
    with django_db_blocker.unblock(), transaction.atomic():
        out = StringIO()
        call_command("load_demo_country", today=TODAY, stdout=out)
        yield out.getvalue()
        transaction.set_rollback(True)


def _counts() -> dict[str, int]:
    return {model.__name__: model.objects.count()
            for model in (Organisation, Facility, Unit, PopulationSnapshot, UnitOccupancy, RegistryChange, User)}


def test_the_command_loads_the_country_and_prints_the_logins(first_run, country, db):
    assert "Loaded the demo country" in first_run
    for persona in country.personas:
        assert f"{persona.username} " in first_run
        assert f"{persona.password} " in first_run
    assert "\x1b[" not in first_run  # plain output when not a terminal


def test_the_registry_holds_what_the_generator_made(first_run, country, db):
    counts = _counts()
    assert counts["Facility"] == len(country.facilities)
    assert counts["PopulationSnapshot"] == sum(len(f.snapshots) + len(f.verified) for f in country.facilities)
    assert counts["RegistryChange"] == counts["Facility"] + counts["PopulationSnapshot"]
    assert counts["Unit"] == sum(len(f.units) for f in country.facilities)
    assert not Facility.objects.filter(latest_snapshot__isnull=True).exists()
    assert Facility.objects.filter(latest_snapshot__date=FIRST_OF_MONTH).count() == len(country.facilities) - 6
    totals = selectors.overview(Facility.objects.filter(type__in=FacilityType.penal())).people
    assert totals["total"] == sum(f.latest.total for f in _penal(country))
    assert Facility.objects.filter(latest_snapshot__source="verified").count() == sum(
        f.latest.verified for f in country.facilities)


def test_every_facility_has_a_creation_in_its_registry_history(first_run, db):
    changes = RegistryChange.objects.filter(action="create", actor=None, after__source="demo",
                                            model="facilities.facility")
    assert changes.count() == Facility.objects.count()
    change = changes.select_related("facility").first()
    assert (change.after["code"], change.object_id) == (change.facility.code, str(change.facility_id))


def test_every_population_count_is_in_the_ledger_and_matches_its_snapshot(first_run, db):
    snapshots = PopulationSnapshot.objects.count()
    changes = list(RegistryChange.objects.filter(model="facilities.populationsnapshot").order_by("pk"))
    assert len(changes) == snapshots > 15_000
    attach_ledger_indices(changes)
    assert None not in {c.ledger_index for c in changes}
    snapshot = PopulationSnapshot.objects.get(pk=changes[-1].object_id)
    assert changes[-1].after["total"] == snapshot.total
    assert audit_registry_history() == []
    assert ledger_selectors.audit_storage().end == len(changes) + Facility.objects.count()


def test_a_second_run_changes_nothing_and_prints_the_logins_again(first_run, country, db):
    before = _counts()
    out = StringIO()
    call_command("load_demo_country", today=TODAY, stdout=out)
    assert _counts() == before
    assert "already loaded" in out.getvalue()
    assert all(f"{p.username} " in out.getvalue() for p in country.personas)
    assert all(f"{p.password} " in out.getvalue() for p in country.personas)


def test_the_demo_users_log_in_with_the_printed_passwords(first_run, country, db):
    for persona in country.personas:
        assert User.objects.get(username=persona.username).check_password(persona.password)
    assert User.objects.get(username="admin").is_superuser
    officer = User.objects.get(role=Role.FACILITY_OFFICER)
    assert officer.facility.type in FacilityType.colonies()
    pmc = User.objects.get(organisation__kind=OrganisationKind.PUBLIC_MONITORING_COMMISSION)
    assert pmc.organisation.region.code == "KZ-35"


def test_the_indicators_flag_the_womens_colonies_without_a_mother_and_child_unit(first_run, db):
    verdicts = []
    for facility in Facility.objects.filter(type=FacilityType.COLONY_WOMEN).select_related("latest_snapshot"):
        _annotated, described, _spaces = selectors.facility_indicators(facility)
        verdicts += [i.status for i in described if i.key == "mothers_without_unit"]
    assert sorted(verdicts) == [Status.MET] + [Status.NOT_MET] * 5


def test_the_overcrowded_facilities_are_found_by_the_selector(first_run, country, db):
    expected = {f.code for f in country.facilities if f.is_overcrowded}
    assert set(selectors.overcrowded(Facility.objects.all()).values_list("code", flat=True)) == expected


def test_a_registry_holding_other_data_is_left_alone(first_run, db):
    Organisation.objects.filter(code=NPM_CODE).update(code="npm-elsewhere")
    before = _counts()
    assert load_demo_country(today=TODAY).outcome == Outcome.REGISTRY_NOT_EMPTY
    assert _counts() == before
