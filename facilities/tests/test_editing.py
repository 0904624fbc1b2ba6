"""Changing the registry on its pages: registering and editing facilities and units, recording population."""

from __future__ import annotations

import datetime as dt
import re
import zoneinfo
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from django.test import Client
from django.urls import reverse

from facilities import services
from facilities.audit import attach_ledger_indices
from facilities.factories import FacilityFactory, UnitFactory
from facilities.models import Facility, PopulationSnapshot, RegistryChange, ReportSource, Unit, UnitKind, UnitOccupancy

pytestmark = pytest.mark.django_db

ALMATY = zoneinfo.ZoneInfo("Asia/Almaty")
TODAY = dt.date(2026, 11, 17)
FIRST_OF_MONTH = dt.date(2026, 11, 1)


@pytest.fixture(autouse=True)
def _today(time_machine):
    time_machine.move_to(dt.datetime(2026, 11, 17, 10, 0, tzinfo=ALMATY), tick=False)


@pytest.fixture
def units(personas):
    barracks = UnitFactory(facility=personas.colony, code="B1", name="Barracks 1", kind=UnitKind.BARRACKS,
                           capacity=60, living_space_m2=Decimal("240.0"))
    cell = UnitFactory(facility=personas.colony, code="S1", name="Single cell 1", kind=UnitKind.SINGLE_CELL,
                       capacity=1, living_space_m2=Decimal("6.0"))
    return barracks, cell


def logged_in(user, *, csrf: bool = False) -> Client:
    client = Client(enforce_csrf_checks=csrf)
    client.force_login(user)
    return client


def messages_of(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def field_errors(response, name: str) -> str:
    """The error list rendered beside one field (Django gives it the id id_<name>_error)."""
    html = response.content.decode()
    found = re.search(rf'<ul class="errorlist" id="id_{name}_error">(.*?)</ul>', html, re.S)
    return found.group(1) if found else ""


def input_value(response, name: str) -> str | None:
    html = response.content.decode()
    tag = re.search(rf'<input[^>]*name="{name}"[^>]*>', html)
    if tag is None:
        return None
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return value.group(1) if value else ""


def facility_data(personas, **overrides) -> dict[str, object]:
    data = {
        "code": "NEW-1", "name_kk": "Жаңа мекеме", "name_ru": "Новое учреждение", "name_en": "New centre",
        "type": "pretrial", "region": personas.region.code, "operator": personas.colony.operator.code,
        "address": "1 Abay Avenue", "design_capacity": "120", "operational_capacity": "100",
        "maximum_capacity": "", "is_active": "on",
    }
    data.update(overrides)
    return data


def edit_data(facility: Facility, **overrides) -> dict[str, object]:
    data = {
        "code": facility.code, "name_kk": facility.name_kk, "name_ru": facility.name_ru, "name_en": facility.name_en,
        "type": facility.type, "region": facility.region.code, "operator": facility.operator.code,
        "address": facility.address, "design_capacity": facility.design_capacity,
        "operational_capacity": facility.operational_capacity,
        "maximum_capacity": facility.maximum_capacity or "", "is_active": "on" if facility.is_active else "",
    }
    data.update(overrides)
    return data


def unit_data(**overrides) -> dict[str, object]:
    data = {"code": "M1", "name": "Mother and child unit", "kind": "mother_child", "capacity": "10",
            "living_space_m2": "80.5"}
    data.update(overrides)
    return data


def population_data(units=(), **overrides) -> dict[str, object]:
    data: dict[str, object] = {name: "" for name in services.SNAPSHOT_COUNT_FIELDS}
    data.update({"date": FIRST_OF_MONTH.isoformat(), "total": "400", "source": "self_reported"})
    for unit in units:
        data[f"occupancy_{unit.pk}"] = ""
    data.update(overrides)
    return data


def registry_state() -> tuple[int, int, int, int, int]:
    return (Facility.objects.count(), Unit.objects.count(), PopulationSnapshot.objects.count(),
            UnitOccupancy.objects.count(), RegistryChange.objects.count())


# --- Who sees the buttons ---------------------------------------------------------------------


def test_registry_editors_see_the_editing_buttons_on_the_list_and_the_profile(personas, units):
    client = logged_in(personas.npm_monitor)

    listing = client.get(reverse("facilities:list")).content.decode()
    profile = client.get(reverse("facilities:detail", args=[personas.colony.pk])).content.decode()

    assert reverse("facilities:create") in listing
    assert reverse("facilities:edit", args=[personas.colony.pk]) in profile
    assert reverse("facilities:unit-add", args=[personas.colony.pk]) in profile
    assert reverse("facilities:unit-edit", args=[personas.colony.pk, units[0].pk]) in profile
    assert reverse("facilities:population", args=[personas.colony.pk]) in profile


def test_a_facility_officer_sees_only_the_record_population_button(personas, units):
    profile = logged_in(personas.facility_officer).get(reverse("facilities:detail", args=[personas.colony.pk]))
    html = profile.content.decode()

    assert reverse("facilities:population", args=[personas.colony.pk]) in html
    assert reverse("facilities:edit", args=[personas.colony.pk]) not in html
    assert reverse("facilities:unit-add", args=[personas.colony.pk]) not in html
    assert reverse("facilities:unit-edit", args=[personas.colony.pk, units[0].pk]) not in html


def test_readers_without_editing_rights_see_no_editing_button(personas, units):
    client = logged_in(personas.prosecutor)

    listing = client.get(reverse("facilities:list")).content.decode()
    profile = client.get(reverse("facilities:detail", args=[personas.colony.pk])).content.decode()

    assert reverse("facilities:create") not in listing
    for name in ("facilities:edit", "facilities:unit-add", "facilities:population"):
        assert reverse(name, args=[personas.colony.pk]) not in profile


# --- Who may open the forms -------------------------------------------------------------------


def form_urls(personas, units) -> dict[str, str]:
    colony = personas.colony.pk
    return {
        "create": reverse("facilities:create"),
        "edit": reverse("facilities:edit", args=[colony]),
        "unit-add": reverse("facilities:unit-add", args=[colony]),
        "unit-edit": reverse("facilities:unit-edit", args=[colony, units[0].pk]),
        "population": reverse("facilities:population", args=[colony]),
    }


@pytest.mark.parametrize(("persona", "expected"), [
    ("npm_monitor", {"create": 200, "edit": 200, "unit-add": 200, "unit-edit": 200, "population": 200}),
    ("analyst", {"create": 200, "edit": 200, "unit-add": 200, "unit-edit": 200, "population": 200}),
    ("prosecutor", {"create": 403, "edit": 403, "unit-add": 403, "unit-edit": 403, "population": 403}),
    ("ombudsman_monitor", {"create": 403, "edit": 403, "unit-add": 403, "unit-edit": 403, "population": 403}),
    ("pmc_member", {"create": 403, "edit": 403, "unit-add": 403, "unit-edit": 403, "population": 403}),
    ("facility_officer", {"create": 403, "edit": 403, "unit-add": 403, "unit-edit": 403, "population": 200}),
    ("outsider", {"create": 403, "edit": 403, "unit-add": 403, "unit-edit": 403, "population": 403}),
])
def test_each_persona_may_open_the_forms_its_capabilities_allow(personas, units, persona, expected):
    client = logged_in(getattr(personas, persona))

    statuses = {name: client.get(url).status_code for name, url in form_urls(personas, units).items()}

    assert statuses == expected


def test_refused_posts_write_nothing(personas, units):
    before = registry_state()
    client = logged_in(personas.prosecutor)
    urls = form_urls(personas, units)

    responses = [
        client.post(urls["create"], facility_data(personas)),
        client.post(urls["edit"], edit_data(personas.colony, address="Elsewhere")),
        client.post(urls["unit-add"], unit_data()),
        client.post(urls["unit-edit"], unit_data(code="B1")),
        client.post(urls["population"], population_data(units)),
    ]

    assert [r.status_code for r in responses] == [403] * 5
    assert registry_state() == before


def test_anonymous_visitors_are_sent_to_log_in(client, personas, units):
    for url in form_urls(personas, units).values():
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("accounts:login"))


def test_a_facility_officer_cannot_record_another_facilitys_population(personas):
    client = logged_in(personas.facility_officer)
    url = reverse("facilities:population", args=[personas.other_colony.pk])

    assert client.get(url).status_code == 404
    assert client.post(url, population_data()).status_code == 404
    assert not PopulationSnapshot.objects.exists()


def test_a_facility_outside_the_mandate_is_answered_as_missing(personas):
    # The Almaty commission has no editing rights; the officer's mandate is their own facility.
    client = logged_in(personas.facility_officer)

    for pk in (personas.other_colony.pk, personas.special_school.pk, 999_999, 2**70):
        assert client.get(f"/facilities/{pk}/population/").status_code == 404


def test_a_unit_of_another_facility_is_not_found_under_this_one(personas):
    other = UnitFactory(facility=personas.other_colony, code="X1")
    client = logged_in(personas.npm_monitor)
    url = reverse("facilities:unit-edit", args=[personas.colony.pk, other.pk])

    assert client.get(url).status_code == 404
    assert client.post(url, unit_data(code="X1")).status_code == 404
    assert client.get(f"/facilities/{personas.colony.pk}/units/{2**70}/edit/").status_code == 404
    assert Unit.objects.get(pk=other.pk).name == other.name


@pytest.mark.parametrize("name", ["create", "edit", "unit-add", "unit-edit", "population"])
def test_a_post_without_the_csrf_token_is_refused(personas, units, name):
    before = registry_state()
    client = logged_in(personas.npm_monitor, csrf=True)
    data = {
        "create": facility_data(personas), "edit": edit_data(personas.colony, address="Elsewhere"),
        "unit-add": unit_data(), "unit-edit": unit_data(code="B1"), "population": population_data(units),
    }[name]

    response = client.post(form_urls(personas, units)[name], data)

    assert response.status_code == 403
    assert registry_state() == before


# --- Registering and editing a facility --------------------------------------------------------


def test_a_monitor_registers_a_facility_and_lands_on_its_profile(personas):
    client = logged_in(personas.npm_monitor)

    response = client.post(reverse("facilities:create"), facility_data(personas))

    facility = Facility.objects.get(code="NEW-1")
    assert response.status_code == 302
    assert response["Location"] == reverse("facilities:detail", args=[facility.pk])
    assert messages_of(response) == ["Facility NEW-1, New centre, was registered."]
    assert (facility.name_ru, facility.operational_capacity, facility.maximum_capacity) == (
        "Новое учреждение", 100, None)
    change = RegistryChange.objects.get(model="facilities.facility", object_id=str(facility.pk))
    assert (change.action, change.actor, change.before) == ("create", personas.npm_monitor, None)
    attach_ledger_indices([change])
    assert change.ledger_index is not None


def test_a_taken_code_is_named_beside_the_code_field_and_the_entries_are_kept(personas):
    client = logged_in(personas.npm_monitor)
    before = registry_state()

    response = client.post(reverse("facilities:create"), facility_data(personas, code=personas.colony.code))

    assert response.status_code == 200
    assert "already exists" in field_errors(response, "code")
    assert input_value(response, "name_en") == "New centre"
    assert input_value(response, "address") == "1 Abay Avenue"
    assert registry_state() == before


def test_a_service_refusal_is_shown_beside_its_field(personas):
    client = logged_in(personas.npm_monitor)
    before = registry_state()

    response = client.post(reverse("facilities:create"),
                           facility_data(personas, operational_capacity="150", maximum_capacity="120"))

    assert response.status_code == 200
    assert "cannot exceed the maximum capacity" in field_errors(response, "operational_capacity")
    assert input_value(response, "operational_capacity") == "150"
    assert 'role="alert"' in response.content.decode()
    assert registry_state() == before


def test_editing_the_registry_record_names_what_changed(personas):
    client = logged_in(personas.npm_monitor)
    colony = personas.colony

    response = client.post(reverse("facilities:edit", args=[colony.pk]),
                           edit_data(colony, address="5 Steppe Road", operational_capacity="480"))

    assert response.status_code == 302
    assert response["Location"] == reverse("facilities:detail", args=[colony.pk])
    assert messages_of(response) == [
        "The registry record of LA-155/1 was saved. Changed: address, operational capacity."]
    colony.refresh_from_db()
    assert (colony.address, colony.operational_capacity) == ("5 Steppe Road", 480)
    change = RegistryChange.objects.get(model="facilities.facility", action="update")
    assert change.before["address"] == ""
    assert change.after["address"] == "5 Steppe Road"


def test_saving_an_unchanged_record_changes_nothing_and_says_so(personas):
    client = logged_in(personas.npm_monitor)
    before = registry_state()

    response = client.post(reverse("facilities:edit", args=[personas.colony.pk]), edit_data(personas.colony))

    assert response.status_code == 302
    assert messages_of(response) == ["Nothing was changed in the registry record of LA-155/1."]
    assert registry_state() == before


def test_the_edit_form_warns_that_the_code_is_the_institution_code(personas):
    response = logged_in(personas.npm_monitor).get(reverse("facilities:edit", args=[personas.colony.pk]))

    html = response.content.decode()
    assert "Changing the code changes the facility&#x27;s institution code everywhere" in html
    assert input_value(response, "code") == "LA-155/1"
    assert input_value(response, "confirm_code_change") == ""


def test_changing_the_institution_code_must_be_confirmed(personas):
    client = logged_in(personas.npm_monitor)
    url = reverse("facilities:edit", args=[personas.colony.pk])
    before = registry_state()

    unconfirmed = client.post(url, edit_data(personas.colony, code="LA-155/9"))

    assert unconfirmed.status_code == 200
    assert "from LA-155/1 to LA-155/9" in field_errors(unconfirmed, "confirm_code_change")
    assert input_value(unconfirmed, "code") == "LA-155/9"
    assert registry_state() == before

    confirmed = client.post(url, edit_data(personas.colony, code="LA-155/9", confirm_code_change="on"))

    assert confirmed.status_code == 302
    assert messages_of(confirmed) == ["The registry record of LA-155/9 was saved. Changed: institution code."]
    assert Facility.objects.get(pk=personas.colony.pk).code == "LA-155/9"


def test_a_facility_can_be_marked_as_no_longer_in_use(personas):
    client = logged_in(personas.npm_monitor)

    response = client.post(reverse("facilities:edit", args=[personas.colony.pk]),
                           edit_data(personas.colony, is_active=""))

    assert messages_of(response) == ["The registry record of LA-155/1 was saved. Changed: in use."]
    assert Facility.objects.get(pk=personas.colony.pk).is_active is False


def test_a_value_imported_earlier_may_stay_as_it_is_while_other_fields_change(personas):
    Facility.objects.filter(pk=personas.colony.pk).update(address="<Old> address")
    colony = Facility.objects.get(pk=personas.colony.pk)
    client = logged_in(personas.npm_monitor)

    kept = client.post(reverse("facilities:edit", args=[colony.pk]), edit_data(colony, design_capacity="510"))
    typed = client.post(reverse("facilities:edit", args=[colony.pk]), edit_data(colony, address="<New> address"))

    assert kept.status_code == 302
    assert typed.status_code == 200
    assert "Angle brackets" in field_errors(typed, "address")
    assert Facility.objects.get(pk=colony.pk).address == "<Old> address"


@pytest.mark.parametrize(("field", "value", "message"), [
    ("design_capacity", "-5", "Must be at least 0."),
    ("design_capacity", "99999999999999999999999999", "Must be at most 1000000."),
    ("operational_capacity", "a hundred", "Enter a whole number"),
    ("maximum_capacity", "1e9", "Enter a whole number"),
    ("operational_capacity", "", "This field is required"),
    ("name_en", "<script>alert(1)</script>", "Angle brackets"),
    ("name_ru", "=HYPERLINK(\"http://x\")", "formula"),
    ("name_kk", "Bidi\u202eoverride", "invisible"),
    ("name_en", "x" * 300, "At most 255 characters"),
    ("code", "-1", "starting with a letter or digit"),
    ("type", "dungeon", "Select a valid choice"),
    ("region", "KZ-99", "Select a valid choice"),
    ("operator", "npm", "Select a valid choice"),
    ("address", "nul\x00byte", "Null characters are not allowed"),
])
def test_hostile_facility_input_is_named_beside_its_field_and_writes_nothing(personas, field, value, message):
    client = logged_in(personas.npm_monitor)
    before = registry_state()

    created = client.post(reverse("facilities:create"), facility_data(personas, **{field: value}))
    edited = client.post(reverse("facilities:edit", args=[personas.colony.pk]),
                         edit_data(personas.colony, **{field: value}))

    for response in (created, edited):
        assert response.status_code == 200
        assert message in field_errors(response, field)
    assert registry_state() == before


# --- Units -------------------------------------------------------------------------------------


def test_a_monitor_adds_a_unit_from_the_profile(personas):
    client = logged_in(personas.npm_monitor)

    response = client.post(reverse("facilities:unit-add", args=[personas.colony.pk]), unit_data())

    assert response.status_code == 302
    assert response["Location"] == reverse("facilities:detail", args=[personas.colony.pk]) + "#units-title"
    assert messages_of(response) == ["Unit M1, Mother and child unit, was added."]
    unit = personas.colony.units.get(code="M1")
    assert (unit.kind, unit.capacity, unit.living_space_m2) == ("mother_child", 10, Decimal("80.5"))
    assert RegistryChange.objects.filter(model="facilities.unit", action="create", facility=personas.colony).exists()


def test_a_unit_code_already_used_in_the_facility_is_named_beside_the_code(personas, units):
    client = logged_in(personas.npm_monitor)
    before = registry_state()

    response = client.post(reverse("facilities:unit-add", args=[personas.colony.pk]), unit_data(code="B1"))

    assert response.status_code == 200
    assert "already exists" in field_errors(response, "code")
    assert input_value(response, "name") == "Mother and child unit"
    assert registry_state() == before


def test_the_same_unit_code_may_be_used_in_another_facility(personas, units):
    response = logged_in(personas.npm_monitor).post(
        reverse("facilities:unit-add", args=[personas.other_colony.pk]), unit_data(code="B1"))

    assert response.status_code == 302


def test_editing_a_unit_names_what_changed(personas, units):
    barracks, _ = units
    client = logged_in(personas.npm_monitor)

    response = client.post(reverse("facilities:unit-edit", args=[personas.colony.pk, barracks.pk]),
                           unit_data(code="B1", name="Barracks 1", kind="barracks", capacity="50",
                                     living_space_m2="200"))

    assert response.status_code == 302
    assert messages_of(response) == ["Unit B1 was saved. Changed: places, living space, m²."]
    barracks.refresh_from_db()
    assert (barracks.capacity, barracks.living_space_m2) == (50, Decimal("200.0"))


def test_a_living_space_typed_without_its_decimal_is_not_a_change(personas, units):
    barracks, _ = units
    before = registry_state()

    response = logged_in(personas.npm_monitor).post(
        reverse("facilities:unit-edit", args=[personas.colony.pk, barracks.pk]),
        unit_data(code="B1", name="Barracks 1", kind="barracks", capacity="60", living_space_m2="240"))

    assert messages_of(response) == ["Nothing was changed in unit B1."]
    assert registry_state() == before


@pytest.mark.parametrize(("field", "value", "message"), [
    ("capacity", "-1", "Must be at least 0."),
    ("capacity", "10000000000000000000000", "Must be at most 1000000."),
    ("capacity", "ten", "Enter a whole number"),
    ("living_space_m2", "-3", "greater than or equal to 0"),
    ("living_space_m2", "1e400", "no more than 8 digits"),
    ("living_space_m2", "NaN", "Enter a number"),
    ("living_space_m2", "12.345", "no more than 1 decimal place"),
    ("kind", "dungeon", "Select a valid choice"),
    ("name", "", "This field cannot be empty"),
    ("code", "<b>", "starting with a letter or digit"),
])
def test_hostile_unit_input_is_named_beside_its_field_and_writes_nothing(personas, units, field, value, message):
    client = logged_in(personas.npm_monitor)
    before = registry_state()

    added = client.post(reverse("facilities:unit-add", args=[personas.colony.pk]), unit_data(**{field: value}))
    edited = client.post(reverse("facilities:unit-edit", args=[personas.colony.pk, units[0].pk]),
                         unit_data(code="B1", **{field: value}) if field != "code" else unit_data(code=value))

    for response in (added, edited):
        assert response.status_code == 200
        assert message in field_errors(response, field)
    assert registry_state() == before


# --- Population --------------------------------------------------------------------------------


def test_the_population_form_starts_at_the_first_of_this_month_with_every_count_and_unit(personas, units):
    response = logged_in(personas.facility_officer).get(reverse("facilities:population", args=[personas.colony.pk]))

    html = response.content.decode()
    assert response.status_code == 200
    assert input_value(response, "date") == "2026-11-01"
    for name in services.SNAPSHOT_COUNT_FIELDS:
        assert f'<label for="id_{name}">' in html
    for unit in units:
        assert f'<label for="id_occupancy_{unit.pk}">{unit.code} {unit.name}</label>' in html
    assert "Correction" not in html


def test_a_facility_officer_records_their_facilitys_population(personas, units):
    barracks, cell = units
    client = logged_in(personas.facility_officer)

    response = client.post(reverse("facilities:population", args=[personas.colony.pk]), population_data(
        units, total="412", women="0", minors="0", foreigners="7", **{f"occupancy_{barracks.pk}": "55",
                                                                      f"occupancy_{cell.pk}": "1"}))

    assert response.status_code == 302
    assert response["Location"] == reverse("facilities:detail", args=[personas.colony.pk])
    assert messages_of(response) == ["Population on 1 November 2026 recorded: 412 people held."]
    snapshot = PopulationSnapshot.objects.get(facility=personas.colony)
    assert (snapshot.date, snapshot.total, snapshot.foreigners) == (FIRST_OF_MONTH, 412, 7)
    assert dict(snapshot.occupancies.values_list("unit__code", "occupants")) == {"B1": 55, "S1": 1}
    assert Facility.objects.get(pk=personas.colony.pk).latest_snapshot == snapshot
    change = RegistryChange.objects.get(model="facilities.populationsnapshot")
    assert (change.actor, change.action) == (personas.facility_officer, "create")
    profile = client.get(response["Location"]).content.decode()
    assert "Population on 1 November 2026 recorded: 412 people held." in profile


def test_a_unit_left_empty_is_not_reported(personas, units):
    barracks, _ = units

    logged_in(personas.npm_monitor).post(reverse("facilities:population", args=[personas.colony.pk]),
                                         population_data(units, **{f"occupancy_{barracks.pk}": "30"}))

    assert dict(UnitOccupancy.objects.values_list("unit__code", "occupants")) == {"B1": 30}


def test_an_impossible_figure_is_named_beside_its_field_and_nothing_is_written(personas, units):
    client = logged_in(personas.facility_officer)
    before = registry_state()

    response = client.post(reverse("facilities:population", args=[personas.colony.pk]),
                           population_data(units, total="100", women="150", pregnant_women="3"))

    assert response.status_code == 200
    assert "cannot exceed the total held" in field_errors(response, "women")
    assert field_errors(response, "pregnant_women") == ""
    assert input_value(response, "women") == "150"
    assert input_value(response, "total") == "100"
    assert 'aria-invalid="true"' in re.search(r'<input[^>]*name="women"[^>]*>', response.content.decode()).group(0)
    assert registry_state() == before


def test_units_holding_more_than_the_total_are_named_beside_the_units(personas, units):
    barracks, cell = units
    before = registry_state()

    response = logged_in(personas.facility_officer).post(
        reverse("facilities:population", args=[personas.colony.pk]),
        population_data(units, total="10", **{f"occupancy_{barracks.pk}": "10", f"occupancy_{cell.pk}": "1"}))

    assert response.status_code == 200
    assert "The units hold more people than the total held." in field_errors(response, "occupancy")
    assert input_value(response, f"occupancy_{barracks.pk}") == "10"
    assert registry_state() == before


def test_another_facilitys_unit_in_the_occupancy_inputs_is_refused_without_naming_it(personas, units):
    other = UnitFactory(facility=personas.other_colony, code="SECRET-7")
    before = registry_state()

    response = logged_in(personas.facility_officer).post(
        reverse("facilities:population", args=[personas.colony.pk]),
        population_data(units, **{f"occupancy_{other.pk}": "5"}))

    assert response.status_code == 200
    assert "not part of this facility" in field_errors(response, "occupancy")
    assert "SECRET-7" not in response.content.decode()
    assert registry_state() == before


@pytest.mark.parametrize(("field", "value", "message"), [
    ("total", "-1", "greater than or equal to 0"),
    ("women", "-4", "greater than or equal to 0"),
    ("total", "123456789012345678901234567890", "less than or equal to 1000000"),
    ("minors", "many", "Enter a whole number"),
    ("foreigners", "3.5", "Enter a whole number"),
    ("total", "", "This field is required"),
    ("date", "2026-12-01", "cannot be in the future"),
    ("date", "1812-01-01", "too far in the past"),
    ("date", "01/11/2026", "Enter a valid date"),
    ("date", "2026-02-30", "Enter a valid date"),
    ("date", "", "This field is required"),
])
def test_hostile_population_input_is_named_beside_its_field_and_writes_nothing(personas, units, field, value,
                                                                                 message):
    before = registry_state()

    response = logged_in(personas.facility_officer).post(
        reverse("facilities:population", args=[personas.colony.pk]), population_data(units, **{field: value}))

    assert response.status_code == 200
    assert message in field_errors(response, field)
    assert registry_state() == before


@pytest.mark.parametrize("value", ["-3", "9" * 40, "five", "1.5"])
def test_hostile_occupancy_input_is_named_beside_its_unit(personas, units, value):
    barracks, _ = units
    before = registry_state()

    response = logged_in(personas.facility_officer).post(
        reverse("facilities:population", args=[personas.colony.pk]),
        population_data(units, **{f"occupancy_{barracks.pk}": value}))

    assert response.status_code == 200
    assert field_errors(response, f"occupancy_{barracks.pk}") != ""
    assert registry_state() == before


@pytest.fixture
def recorded(personas, units):
    barracks, _ = units
    return services.record_population_snapshot(
        facility=personas.colony, by=personas.npm_monitor, date=FIRST_OF_MONTH, total=400, women=10,
        occupancy={barracks: 50}, source=ReportSource.SELF_REPORTED,
    )


def test_a_recorded_date_opens_prefilled_and_says_saving_corrects_it(personas, units, recorded):
    response = logged_in(personas.facility_officer).get(reverse("facilities:population", args=[personas.colony.pk]))

    html = response.content.decode()
    assert input_value(response, "total") == "400"
    assert input_value(response, "women") == "10"
    assert input_value(response, f"occupancy_{units[0].pk}") == "50"
    assert input_value(response, "correcting") == "2026-11-01"
    assert "Saving this form corrects it." in html
    assert "Correct the population count of 1 November 2026" in html


def test_another_recorded_date_can_be_opened_by_its_date(personas, units):
    services.record_population_snapshot(facility=personas.colony, by=personas.facility_officer,
                                        date=dt.date(2026, 10, 1), total=390)

    response = logged_in(personas.facility_officer).get(
        reverse("facilities:population", args=[personas.colony.pk]), {"date": "2026-10-01"})

    assert input_value(response, "date") == "2026-10-01"
    assert input_value(response, "total") == "390"


@pytest.mark.parametrize("value", ["garbage", "2026-13-01", "2099-01-01", "9" * 100])
def test_a_bad_date_in_the_address_falls_back_to_this_month(personas, value):
    response = logged_in(personas.facility_officer).get(
        reverse("facilities:population", args=[personas.colony.pk]), {"date": value})

    assert response.status_code == 200
    assert input_value(response, "date") == "2026-11-01"


def test_a_correction_keeps_the_values_before_and_names_what_changed(personas, units, recorded):
    barracks, _ = units
    client = logged_in(personas.facility_officer)

    response = client.post(reverse("facilities:population", args=[personas.colony.pk]), population_data(
        units, total="405", women="10", correcting="2026-11-01", **{f"occupancy_{barracks.pk}": "52"}))

    assert response.status_code == 302
    assert messages_of(response) == [
        "Population on 1 November 2026 corrected. Changed: total held, people in each living unit."]
    assert PopulationSnapshot.objects.get(facility=personas.colony).total == 405
    change = RegistryChange.objects.filter(model="facilities.populationsnapshot").order_by("-id").first()
    assert (change.action, change.before["total"], change.after["total"]) == ("update", 400, 405)
    assert change.before["occupancy"] == {"B1": 50}
    assert change.after["occupancy"] == {"B1": 52}


def test_saving_over_a_recorded_date_without_being_told_asks_first(personas, units, recorded):
    client = logged_in(personas.facility_officer)
    url = reverse("facilities:population", args=[personas.colony.pk])
    before = registry_state()

    first = client.post(url, population_data(units, total="405", women="10"))

    html = first.content.decode()
    assert first.status_code == 200
    assert "Nothing was saved yet: a population count is already recorded for 1 November 2026." in html
    assert input_value(first, "total") == "405"
    assert input_value(first, "correcting") == "2026-11-01"
    assert registry_state() == before

    second = client.post(url, population_data(units, total="405", women="10", correcting="2026-11-01"))

    assert second.status_code == 302
    assert PopulationSnapshot.objects.get(facility=personas.colony).total == 405


def test_an_unchanged_correction_writes_nothing_and_says_so(personas, units, recorded):
    barracks, _ = units
    before = registry_state()

    response = logged_in(personas.facility_officer).post(
        reverse("facilities:population", args=[personas.colony.pk]),
        population_data(units, total="400", women="10", correcting="2026-11-01", **{f"occupancy_{barracks.pk}": "50"}))

    assert messages_of(response) == [
        "Nothing was changed: the figures for 1 November 2026 are the ones already recorded."]
    assert registry_state() == before


def test_choosing_a_date_asks_htmx_whether_it_is_already_recorded(personas, units, recorded):
    client = logged_in(personas.facility_officer)
    url = reverse("facilities:population", args=[personas.colony.pk])

    page = client.get(url).content.decode()
    recorded_date = client.get(url, {"date": "2026-11-01"}, headers={"HX-Request": "true", "HX-Target": "date-status"})
    new_date = client.get(url, {"date": "2026-10-01"}, headers={"HX-Request": "true", "HX-Target": "date-status"})

    assert f'hx-get="{url}"' in page
    assert 'hx-target="#date-status"' in page
    for fragment in (recorded_date, new_date):
        assert fragment.content.decode().lstrip().startswith('<div id="date-status"')
        assert "<form" not in fragment.content.decode()
    assert "Saving this form corrects it." in recorded_date.content.decode()
    assert "Show the figures recorded for this date" in recorded_date.content.decode()
    assert input_value(recorded_date, "correcting") == "2026-11-01"
    assert input_value(new_date, "correcting") == ""
    assert "corrects it" not in new_date.content.decode()


# --- Cost -------------------------------------------------------------------------------------


@pytest.fixture
def crowded_colony(personas):
    facility = FacilityFactory(code="BIG-1", region=personas.region, operator=personas.colony.operator)
    units = [UnitFactory(facility=facility, code=f"U{n:02d}") for n in range(40)]
    services.record_population_snapshot(facility=facility, by=personas.npm_monitor, date=FIRST_OF_MONTH, total=900,
                                        occupancy={unit: 20 for unit in units})
    return facility, units


@pytest.mark.parametrize("name", ["create", "edit", "unit-add", "unit-edit", "population", "population-htmx"])
def test_no_form_page_needs_more_than_fifteen_queries(personas, crowded_colony, name, django_assert_max_num_queries):
    facility, units = crowded_colony
    client = logged_in(personas.npm_monitor)
    url, headers = {
        "create": (reverse("facilities:create"), {}),
        "edit": (reverse("facilities:edit", args=[facility.pk]), {}),
        "unit-add": (reverse("facilities:unit-add", args=[facility.pk]), {}),
        "unit-edit": (reverse("facilities:unit-edit", args=[facility.pk, units[0].pk]), {}),
        "population": (reverse("facilities:population", args=[facility.pk]), {}),
        "population-htmx": (reverse("facilities:population", args=[facility.pk]) + "?date=2026-11-01",
                            {"HX-Request": "true", "HX-Target": "date-status"}),
    }[name]

    with django_assert_max_num_queries(15):
        response = client.get(url, headers=headers)

    assert response.status_code == 200


def test_a_refused_population_form_is_rendered_again_within_fifteen_queries(personas, crowded_colony,
                                                                            django_assert_max_num_queries):
    facility, units = crowded_colony
    client = logged_in(personas.npm_monitor)

    with django_assert_max_num_queries(15):
        response = client.post(reverse("facilities:population", args=[facility.pk]),
                               population_data(units, total="10", women="20"))

    assert response.status_code == 200


def test_a_count_saved_with_only_the_total_shows_not_reported_not_zero(personas, units):
    client = logged_in(personas.facility_officer)
    client.post(reverse("facilities:population", args=[personas.colony.pk]), population_data(units, total="450"))

    snapshot = PopulationSnapshot.objects.get(facility=personas.colony)
    assert (snapshot.total, snapshot.women, snapshot.mothers_with_children) == (450, None, None)
    html = client.get(reverse("facilities:detail", args=[personas.colony.pk])).content.decode()
    assert "not reported" in html
    assert "Men" not in html  # no sex breakdown drawn from a blank women's count


def test_a_monitor_records_a_verified_count_beside_the_facilitys_own(personas, units):
    services.record_population_snapshot(facility=personas.colony, by=personas.facility_officer,
                                        date=FIRST_OF_MONTH, total=380, women=0)
    client = logged_in(personas.npm_monitor)
    response = client.post(reverse("facilities:population", args=[personas.colony.pk]),
                           population_data(units, total="410", women="0", source="verified"))

    assert response.status_code == 302
    assert PopulationSnapshot.objects.filter(facility=personas.colony).count() == 2
    html = client.get(reverse("facilities:detail", args=[personas.colony.pk])).content.decode()
    assert "Verified and self-reported counts of the same month" in html
    assert "-30" in html  # the facility reported 30 fewer
    assert "+-30" not in html


def test_a_facility_officer_cannot_post_a_verified_count(personas, units):
    response = logged_in(personas.facility_officer).post(
        reverse("facilities:population", args=[personas.colony.pk]), population_data(units, source="verified"))

    assert response.status_code == 200
    assert not PopulationSnapshot.objects.exists()
