from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.testing import ApiClient, error_fields
from custodywatch.api import api
from facilities import services
from facilities.factories import FacilityFactory, SnapshotFactory, UnitFactory
from facilities.models import Facility, PopulationSnapshot, RegistryChange, Unit
from lib.api import integrity_field

pytestmark = pytest.mark.django_db


def new_facility(**overrides):
    data = {
        "code": "PT-01", "name_kk": "№1 тергеу изоляторы", "name_ru": "СИЗО № 1", "name_en": "Pre-trial centre No. 1",
        "type": "pretrial", "region": "KZ-75", "operator": "penal-committee", "address": "Almaty, Zharokov St. 1",
        "design_capacity": 300, "operational_capacity": 280, "maximum_capacity": 320,
    }
    return {**data, **overrides}


def codes(response):
    return [item["code"] for item in response.json()["items"]]


# --- Reading -----------------------------------------------------------------------------------


def test_monitor_lists_every_facility_in_the_mandate(personas):
    response = ApiClient(personas.npm_monitor).get("/facilities")
    assert response.status_code == 200
    assert response.json()["count"] == 3
    assert codes(response) == ["AK-159/2", "LA-155/1", "SEI-01"]


def test_regional_commission_lists_only_its_region(personas):
    assert codes(ApiClient(personas.pmc_member).get("/facilities")) == ["LA-155/1"]


def test_childrens_ombudsman_lists_only_institutions_holding_children(personas):
    assert codes(ApiClient(personas.ombudsman_monitor).get("/facilities")) == ["SEI-01"]


def test_list_filters_by_type_region_operator_and_text(personas):
    api = ApiClient(personas.npm_monitor)
    assert codes(api.get("/facilities", {"type": "special_school"})) == ["SEI-01"]
    assert codes(api.get("/facilities", {"region": "KZ-35"})) == ["AK-159/2", "SEI-01"]
    assert codes(api.get("/facilities", {"operator": "penal-committee"})) == ["AK-159/2", "LA-155/1", "SEI-01"]
    assert codes(api.get("/facilities", {"operator": "nobody"})) == []
    assert codes(api.get("/facilities", {"q": "la-155"})) == ["LA-155/1"]


def test_list_filters_overcrowded_facilities(personas):
    services.record_population_snapshot(facility=personas.colony, by=None, date=dt.date(2026, 1, 1), total=600)
    services.record_population_snapshot(facility=personas.other_colony, by=None, date=dt.date(2026, 1, 1), total=100)
    api = ApiClient(personas.npm_monitor)
    overcrowded = api.get("/facilities", {"overcrowded": "true"})
    assert codes(overcrowded) == ["LA-155/1"]
    assert overcrowded.json()["items"][0]["occupancy_rate"] == 1.2
    assert overcrowded.json()["items"][0]["overcrowded"] is True
    assert codes(api.get("/facilities", {"overcrowded": "false"})) == ["AK-159/2", "SEI-01"]


def test_list_is_paginated(personas):
    api = ApiClient(personas.npm_monitor)
    first = api.get("/facilities", {"page_size": 2}).json()
    second = api.get("/facilities", {"page_size": 2, "page": 2}).json()
    assert (first["count"], len(first["items"]), len(second["items"])) == (3, 2, 1)
    assert api.get("/facilities", {"page_size": 1000}).status_code == 422


def test_list_costs_the_same_few_queries_however_many_facilities(personas, django_assert_max_num_queries):
    for n in range(30):
        facility = FacilityFactory(region=personas.region)
        SnapshotFactory(facility=facility, total=n)
        Facility.objects.filter(pk=facility.pk).update(latest_snapshot=facility.snapshots.get())
    api = ApiClient(personas.npm_monitor)
    with django_assert_max_num_queries(4):
        response = api.get("/facilities", {"page_size": 200})
    assert response.json()["count"] == 33


def test_facility_officer_cannot_list_facilities(personas):
    response = ApiClient(personas.facility_officer).get("/facilities")
    assert response.status_code == 403
    assert personas.colony.code not in response.content.decode()


def test_profile_has_capacities_units_latest_snapshot_and_indicators(personas):
    colony = personas.colony
    barracks = UnitFactory(facility=colony, code="B1", capacity=100, living_space_m2=Decimal("200.0"))
    services.record_population_snapshot(
        facility=colony, by=None, date=dt.date(2026, 3, 1), total=550, occupancy={barracks: 100}
    )
    body = ApiClient(personas.npm_monitor).get(f"/facilities/{colony.pk}").json()
    assert (body["design_capacity"], body["operational_capacity"], body["capacity"]) == (500, 500, 500)
    assert body["units"][0]["code"] == "B1"
    assert body["latest_snapshot"]["total"] == 550
    assert body["latest_snapshot"]["occupancy"] == {"B1": 100}
    indicators = {i["key"]: i for i in body["indicators"]}
    assert indicators["occupancy"]["compliant"] is False
    assert indicators["living_space"]["compliant"] is False  # 2 m² each, CPT asks for 4
    assert indicators["mothers_without_unit"]["status"] == "unknown"  # not reported, so not "compliant"
    assert indicators["mothers_without_unit"]["compliant"] is None
    assert body["unit_space"] == [
        {"unit": "B1", "occupants": 100, "minors": None, "per_person_m2": "2.0", "minimum_m2": "4",
         "status": "not_met"}
    ]
    assert body["latest_snapshot"]["women"] is None


def test_profile_name_follows_the_requested_language(personas):
    api = ApiClient(personas.npm_monitor)
    response = api.client.get(f"/api/v1/facilities/{personas.colony.pk}", headers={
        "Authorization": f"Bearer {api.token}", "Accept-Language": "ru"})
    assert response.json()["name"] == personas.colony.name_ru


def test_facility_outside_the_mandate_is_not_found(personas):
    response = ApiClient(personas.pmc_member).get(f"/facilities/{personas.other_colony.pk}")
    assert response.status_code == 404
    assert personas.other_colony.name_en not in response.content.decode()


def test_facility_officer_reads_only_their_own_facility(personas):
    api = ApiClient(personas.facility_officer)
    assert api.get(f"/facilities/{personas.colony.pk}").status_code == 200
    assert api.get(f"/facilities/{personas.other_colony.pk}").status_code == 404
    assert api.get(f"/facilities/{personas.other_colony.pk}/snapshots").status_code == 404


def test_user_without_a_role_is_forbidden(personas):
    response = ApiClient(personas.outsider).get(f"/facilities/{personas.colony.pk}")
    assert response.status_code == 403
    assert personas.colony.name_en not in response.content.decode()


def test_absurd_ids_are_simply_not_found(personas):
    api = ApiClient(personas.npm_monitor)
    assert api.get("/facilities/99999999999999999999999999").status_code == 404
    assert api.patch(f"/facilities/{personas.colony.pk}/units/99999999999999999999", {}).status_code == 404


# --- Writing facilities ------------------------------------------------------------------------


def test_npm_monitor_registers_a_facility_with_an_audit_record(personas):
    response = ApiClient(personas.npm_monitor).post("/facilities", new_facility())
    assert response.status_code == 201
    facility = Facility.objects.get(code="PT-01")
    assert response.json()["id"] == facility.pk
    assert (facility.region, facility.maximum_capacity) == (personas.region, 320)
    change = RegistryChange.objects.get(facility=facility)
    assert (change.actor, change.action, change.after["name_en"]) == (
        personas.npm_monitor, "create", "Pre-trial centre No. 1")


def test_unknown_region_and_operator_are_named(personas):
    response = ApiClient(personas.npm_monitor).post("/facilities", new_facility(region="KZ-99", operator="npm"))
    assert response.status_code == 422
    assert error_fields(response) == {"region", "operator"}
    assert not Facility.objects.filter(code="PT-01").exists()


def test_model_rules_come_back_naming_the_field(personas):
    api = ApiClient(personas.npm_monitor)
    response = api.post("/facilities", new_facility(operational_capacity=400, maximum_capacity=320))
    assert response.status_code == 422
    assert response.json() == {"errors": [
        {"field": "operational_capacity", "error": "cannot exceed the maximum capacity"}]}
    duplicate = api.post("/facilities", new_facility(code=personas.colony.code))
    assert (duplicate.status_code, error_fields(duplicate)) == (422, {"code"})


def test_unknown_fields_are_refused_and_nothing_is_written(personas):
    response = ApiClient(personas.npm_monitor).post("/facilities", new_facility(latest_snapshot=1, id=99))
    assert response.status_code == 422
    assert error_fields(response) == {"latest_snapshot", "id"}
    assert not Facility.objects.filter(code="PT-01").exists()
    assert not RegistryChange.objects.exists()


@pytest.mark.parametrize("persona", ["ombudsman_monitor", "prosecutor", "pmc_member", "facility_officer", "outsider"])
def test_only_registry_editors_create_or_change_facilities(personas, persona):
    api = ApiClient(getattr(personas, persona))
    assert api.post("/facilities", new_facility()).status_code == 403
    assert api.patch(f"/facilities/{personas.colony.pk}", {"address": "x"}).status_code in (403, 404)
    assert not RegistryChange.objects.exists()


def test_partial_update_changes_only_the_fields_sent(personas):
    colony = personas.colony
    response = ApiClient(personas.analyst).patch(f"/facilities/{colony.pk}", {"operational_capacity": 450})
    assert response.status_code == 200
    colony.refresh_from_db()
    assert (colony.operational_capacity, colony.design_capacity) == (450, 500)
    change = RegistryChange.objects.get(facility=colony)
    assert (change.before["operational_capacity"], change.after["operational_capacity"]) == (500, 450)


def test_partial_update_refuses_null_for_required_fields_but_clears_the_maximum(personas):
    api = ApiClient(personas.npm_monitor)
    assert error_fields(api.patch(f"/facilities/{personas.colony.pk}", {"design_capacity": None})) == {
        "design_capacity"}
    Facility.objects.filter(pk=personas.colony.pk).update(maximum_capacity=600)
    assert api.patch(f"/facilities/{personas.colony.pk}", {"maximum_capacity": None}).json()[
        "maximum_capacity"] is None


def test_a_facility_moved_to_another_region_keeps_its_audit_trail(personas):
    api = ApiClient(personas.npm_monitor)
    response = api.patch(f"/facilities/{personas.colony.pk}", {"region": "KZ-35"})
    assert response.json()["region"] == "KZ-35"
    change = RegistryChange.objects.get(facility=personas.colony)
    assert (change.before["region"], change.after["region"]) == (personas.region.pk, personas.other_region.pk)


# --- Units -------------------------------------------------------------------------------------


def test_units_are_listed_added_and_changed(personas):
    colony = personas.colony
    api = ApiClient(personas.npm_monitor)
    created = api.post(f"/facilities/{colony.pk}/units", {
        "code": "MC-1", "name": "Mother-and-child unit", "kind": "mother_child", "capacity": 10,
        "living_space_m2": 84.5})
    assert created.status_code == 201
    assert created.json()["living_space_m2"] == "84.5"
    unit_id = created.json()["id"]
    changed = api.patch(f"/facilities/{colony.pk}/units/{unit_id}", {"capacity": 12})
    assert (changed.status_code, changed.json()["capacity"]) == (200, 12)
    assert [u["code"] for u in api.get(f"/facilities/{colony.pk}/units").json()] == ["MC-1"]
    assert RegistryChange.objects.filter(model="facilities.unit").count() == 2


def test_a_unit_is_reached_only_through_its_own_facility(personas):
    unit = UnitFactory(facility=personas.other_colony)
    api = ApiClient(personas.npm_monitor)
    assert api.patch(f"/facilities/{personas.colony.pk}/units/{unit.pk}", {"capacity": 1}).status_code == 404


def test_unit_rules_come_back_naming_the_field(personas):
    UnitFactory(facility=personas.colony, code="B1")
    api = ApiClient(personas.npm_monitor)
    unit = {"code": "B1", "name": "Barracks", "kind": "barracks", "capacity": 10, "living_space_m2": "40.0"}
    duplicate = api.post(f"/facilities/{personas.colony.pk}/units", unit)
    assert (duplicate.status_code, error_fields(duplicate)) == (422, {"code"})
    response = api.post(f"/facilities/{personas.colony.pk}/units", {**unit, "living_space_m2": 1.25, "kind": "hall"})
    assert error_fields(response) == {"living_space_m2", "kind"}
    assert Unit.objects.count() == 1


# --- Population snapshots ----------------------------------------------------------------------


def test_facility_officer_records_the_population_of_their_own_facility_only(personas):
    api = ApiClient(personas.facility_officer)
    snapshot = {"date": "2026-10-01", "total": 480, "women": 0, "minors": 0}
    response = api.post(f"/facilities/{personas.colony.pk}/snapshots", snapshot)
    assert response.status_code == 201
    assert api.post(f"/facilities/{personas.other_colony.pk}/snapshots", snapshot).status_code == 404
    assert api.post("/facilities", new_facility()).status_code == 403
    assert api.patch(f"/facilities/{personas.colony.pk}", {"design_capacity": 1}).status_code == 403
    change = RegistryChange.objects.get()
    assert (change.actor, change.model) == (personas.facility_officer, "facilities.populationsnapshot")


def test_a_second_snapshot_for_the_same_date_is_an_audited_correction(personas):
    api = ApiClient(personas.npm_monitor)
    path = f"/facilities/{personas.colony.pk}/snapshots"
    first = api.post(path, {"date": "2026-10-01", "total": 480, "women": 20})
    assert (first.status_code, first.json()["version"], first.json()["source"]) == (201, 1, "verified")
    refused = api.post(path, {"date": "2026-10-01", "total": 470})
    assert (refused.status_code, error_fields(refused)) == (409, {"date"})
    stale = api.post(path, {"date": "2026-10-01", "total": 470, "corrects": 7})
    assert (stale.status_code, error_fields(stale)) == (409, {"corrects"})
    assert PopulationSnapshot.objects.get(facility=personas.colony).total == 480
    corrected = api.post(path, {"date": "2026-10-01", "total": 470, "women": 20, "corrects": 1})
    assert (corrected.status_code, corrected.json()["total"], corrected.json()["version"]) == (200, 470, 2)
    assert PopulationSnapshot.objects.get(facility=personas.colony).total == 470
    correction = RegistryChange.objects.filter(action="update").get()
    assert (correction.before["total"], correction.after["total"]) == (480, 470)


def test_fields_left_out_of_a_snapshot_are_not_reported_never_zero(personas):
    api = ApiClient(personas.facility_officer)
    response = api.post(f"/facilities/{personas.colony.pk}/snapshots", {"date": "2026-10-01", "total": 450})
    body = response.json()
    assert (response.status_code, body["source"]) == (201, "self_reported")
    assert (body["women"], body["mothers_with_children"], body["minors"]) == (None, None, None)
    profile = api.get(f"/facilities/{personas.colony.pk}").json()
    assert {i["status"] for i in profile["indicators"] if i["key"] != "occupancy"} == {"unknown"}


def test_snapshot_with_unit_occupancy(personas):
    UnitFactory(facility=personas.colony, code="B1")
    UnitFactory(facility=personas.other_colony, code="B9")
    api = ApiClient(personas.npm_monitor)
    path = f"/facilities/{personas.colony.pk}/snapshots"
    response = api.post(path, {"date": "2026-10-01", "total": 100, "occupancy": {"B1": 60}})
    assert response.json()["occupancy"] == {"B1": 60}
    foreign = api.post(path, {"date": "2026-10-02", "total": 100, "occupancy": {"B9": 60}})
    assert (foreign.status_code, error_fields(foreign)) == (422, {"occupancy"})
    too_many = api.post(path, {"date": "2026-10-02", "total": 10, "occupancy": {"B1": 60}})
    assert (too_many.status_code, error_fields(too_many)) == (422, {"occupancy"})


def test_snapshot_counts_must_add_up(personas):
    response = ApiClient(personas.npm_monitor).post(
        f"/facilities/{personas.colony.pk}/snapshots",
        {"date": "2026-10-01", "total": 10, "women": 20, "minors": 11, "pregnant_women": 21})
    assert response.status_code == 422
    assert error_fields(response) == {"women", "minors", "pregnant_women"}
    assert not PopulationSnapshot.objects.exists()


def test_snapshot_dates_cannot_be_in_the_future(personas):
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    response = ApiClient(personas.npm_monitor).post(
        f"/facilities/{personas.colony.pk}/snapshots", {"date": tomorrow.isoformat(), "total": 1})
    assert (response.status_code, error_fields(response)) == (422, {"date"})


def test_snapshots_are_listed_within_a_date_range(personas):
    for month in (1, 2, 3, 4):
        services.record_population_snapshot(
            facility=personas.colony, by=None, date=dt.date(2026, month, 1), total=100 * month)
    api = ApiClient(personas.facility_officer)
    response = api.get(f"/facilities/{personas.colony.pk}/snapshots", {"from": "2026-02-01", "to": "2026-03-01"})
    assert [s["total"] for s in response.json()] == [200, 300]
    assert api.get(f"/facilities/{personas.colony.pk}/snapshots", {"from": "yesterday"}).status_code == 422


def test_officials_without_population_rights_cannot_record(personas):
    for persona in ("ombudsman_monitor", "prosecutor", "pmc_member", "outsider"):
        response = ApiClient(getattr(personas, persona)).post(
            f"/facilities/{personas.colony.pk}/snapshots", {"date": "2026-10-01", "total": 1})
        assert response.status_code == 403, persona
    assert not PopulationSnapshot.objects.exists()


# --- Errors and the document -------------------------------------------------------------------


def test_every_error_is_json_with_a_4xx_code(personas):
    api = ApiClient(personas.npm_monitor)
    for response, status in (
        (api.get("/no-such-thing"), 404),
        (api.send("put", "/facilities", "{}"), 405),
        (api.client.get("/api/v1/facilities"), 401),
        (api.send("post", "/facilities", "{not json"), 400),
        (api.send("post", "/facilities", "code=1", content_type="application/x-www-form-urlencoded"), 415),
    ):
        assert response.status_code == status
        assert response["Content-Type"].startswith("application/json")
        assert response.json()["errors"][0]["error"]


def test_a_missing_trailing_slash_is_pointed_out(personas):
    response = ApiClient(personas.npm_monitor).get("/facilities/")
    assert response.status_code == 404
    assert "/api/v1/facilities?" in response.json()["errors"][0]["error"]


def test_integrity_errors_name_the_field(personas):
    with pytest.raises(IntegrityError) as duplicate, transaction.atomic():
        Facility.objects.create(
            code=personas.colony.code, name_kk="x", name_ru="x", name_en="x", type="pretrial",
            region=personas.region, operator=personas.colony.operator, design_capacity=1, operational_capacity=1)
    assert integrity_field(duplicate.value) == "code"
    with pytest.raises(IntegrityError) as too_many_women, transaction.atomic():
        PopulationSnapshot.objects.create(facility=personas.colony, date=dt.date(2026, 1, 1), total=1, women=5)
    assert integrity_field(too_many_women.value) == "women"


def test_an_integrity_error_reaching_the_api_is_a_422_naming_the_field(personas, rf):
    with pytest.raises(IntegrityError) as duplicate, transaction.atomic():
        Unit.objects.bulk_create([Unit(facility=personas.colony, code="B1", name="x", kind="cell", capacity=1,
                                       living_space_m2=Decimal(4))] * 2)
    response = api.on_exception(rf.post("/api/v1/facilities/1/units"), duplicate.value)
    assert response.status_code == 422
    assert json.loads(response.content) == {
        "errors": [{"field": "code", "error": "A record with this value already exists."}]}


def test_openapi_document_lists_the_paths_and_the_bearer_scheme(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = json.loads(response.content)
    assert document["info"]["version"] == "1"
    for path in ("/api/v1/facilities", "/api/v1/facilities/{facility_id}", "/api/v1/facilities/{facility_id}/units",
                 "/api/v1/facilities/{facility_id}/snapshots", "/api/v1/tokens"):
        assert path in document["paths"]
    schemes = document["components"]["securitySchemes"]
    assert {"type": "http", "scheme": "bearer"} in schemes.values()
    create = document["paths"]["/api/v1/facilities"]["post"]
    assert {"201", "403", "422"} <= set(create["responses"])


def test_api_documentation_page_is_served(client):
    response = client.get("/api/v1/docs")
    assert response.status_code == 200
    assert b"openapi.json" in response.content
