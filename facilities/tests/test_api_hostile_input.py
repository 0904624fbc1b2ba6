"""Whatever is thrown at the write endpoints, the answer is a clean 4xx and nothing is half-written."""

from __future__ import annotations

import json

import pytest
from django.db import connection
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.testing import ApiClient, error_fields
from facilities.factories import UnitFactory
from facilities.models import Facility, PopulationSnapshot, RegistryChange, Unit, UnitOccupancy

pytestmark = pytest.mark.django_db

hostile = settings(
    max_examples=60,
    deadline=None,
    database=None,  # no example database in the working tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

FACILITY = {
    "code": "PT-01", "name_kk": "Tergeu izolyatory", "name_ru": "SIZO", "name_en": "Pre-trial centre",
    "type": "pretrial", "region": "KZ-75", "operator": "penal-committee",
    "design_capacity": 300, "operational_capacity": 280,
}
UNIT = {"code": "B1", "name": "Barracks 1", "kind": "barracks", "capacity": 60, "living_space_m2": "240.0"}
SNAPSHOT = {"date": "2026-10-01", "total": 480, "women": 0, "minors": 0}

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=True, allow_infinity=True) | st.text(max_size=50),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=20), children, max_size=4),
    max_leaves=12,
)

HOSTILE_STRINGS = [
    "'; DROP TABLE facilities_facility; --",
    "\" OR 1=1 --",
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "=HYPERLINK(\"http://evil.example\",\"x\")",
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3",
    "nul\x00byte",
    "\x1b[31mred",
    "right\u202eto-left",
    "zero\u200bwidth",
    "x" * 100_000,
    "",
    " ",
    "\ufeff",
]


@pytest.fixture
def api(personas):
    return ApiClient(personas.npm_monitor)


def registry_state():
    """Everything the write endpoints could touch, to compare before and after a refused request."""
    return (
        list(Facility.objects.order_by("pk").values()),
        list(Unit.objects.order_by("pk").values()),
        list(PopulationSnapshot.objects.order_by("pk").values()),
        list(UnitOccupancy.objects.order_by("pk").values()),
        RegistryChange.objects.count(),
    )


def targets(personas):
    colony = personas.colony.pk
    unit = Unit.objects.filter(facility=personas.colony).first() or UnitFactory(facility=personas.colony, code="U1")
    return [
        ("post", "/facilities", FACILITY),
        ("patch", f"/facilities/{colony}", FACILITY),
        ("post", f"/facilities/{colony}/units", UNIT),
        ("patch", f"/facilities/{colony}/units/{unit.pk}", UNIT),
        ("post", f"/facilities/{colony}/snapshots", SNAPSHOT),
    ]


def assert_clean_refusal_or_success(response, before):
    assert response.status_code < 500, response.content[:500]
    if response.status_code >= 400:
        assert response["Content-Type"].startswith("application/json")
        assert response.json()["errors"]
        assert registry_state() == before


@hostile
@given(body=json_values, target=st.integers(min_value=0, max_value=4))
def test_any_json_value_as_the_body(api, personas, body, target):
    method, path, _ = targets(personas)[target]
    before = registry_state()
    response = api.send(method, path, json.dumps(body))
    assert_clean_refusal_or_success(response, before)


@hostile
@given(data=st.data(), target=st.integers(min_value=0, max_value=4))
def test_real_field_names_with_any_values(api, personas, data, target):
    method, path, valid = targets(personas)[target]
    names = [*sorted(valid), "occupancy", "id", "latest_snapshot", "facility", "__proto__"]
    wrong = data.draw(st.dictionaries(st.sampled_from(names), json_values, min_size=1, max_size=4))
    before = registry_state()
    response = api.send(method, path, json.dumps({**valid, **wrong}))
    assert_clean_refusal_or_success(response, before)


@hostile
@given(
    body=st.binary(max_size=300),
    content_type=st.sampled_from([
        "application/json", "application/json; charset=latin-1", "text/plain", "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=xyz", "application/xml", "",
    ]),
    target=st.integers(min_value=0, max_value=4),
)
def test_any_bytes_with_any_content_type(api, personas, body, content_type, target):
    method, path, _ = targets(personas)[target]
    before = registry_state()
    response = api.send(method, path, body, content_type=content_type)
    assert_clean_refusal_or_success(response, before)
    assert response.status_code >= 400 or content_type == "application/json"


@pytest.mark.parametrize("text", HOSTILE_STRINGS, ids=range(len(HOSTILE_STRINGS)))
@pytest.mark.parametrize("field", ["code", "name_en", "address", "region"])
def test_hostile_strings_in_text_fields(api, personas, field, text):
    before = registry_state()
    response = api.post("/facilities", {**FACILITY, field: text})
    assert_clean_refusal_or_success(response, before)
    if response.status_code == 201:
        # Plain text (quotes and all) is stored inert, as sent: the ORM never builds SQL from it.
        assert field in ("name_en", "address")
        assert getattr(Facility.objects.get(pk=response.json()["id"]), field) == text.strip()
    else:
        assert (response.status_code, error_fields(response)) == (422, {field})


def test_sql_injection_in_a_name_is_stored_as_plain_text(api, personas):
    name = "Colony'); DROP TABLE facilities_facility; --"
    response = api.post("/facilities", {**FACILITY, "name_en": name})
    assert response.status_code == 201
    assert Facility.objects.get(code="PT-01").name_en == name
    assert "facilities_facility" in connection.introspection.table_names()
    assert ApiClient(personas.npm_monitor).get("/facilities", {"q": "'; DROP TABLE x; --"}).json()["count"] == 0


@pytest.mark.parametrize("raw", [
    '"\\ud800"', '"\\u0000"', '"nul\\u0000"', '"<b>bold</b>"', '"=1+1"',
])
def test_escaped_surrogates_nulls_and_markup_are_refused(api, personas, raw):
    before = registry_state()
    body = json.dumps(FACILITY)[:-1] + f', "address": {raw}' + "}"
    response = api.send("post", "/facilities", body)
    assert (response.status_code, error_fields(response)) == (422, {"address"})
    assert registry_state() == before


@pytest.mark.parametrize("value", [
    "-1", "1000001", "10000000000000000000000000000000", "1e999", "-1e999", "NaN", "Infinity", "-Infinity",
    "1.5", "1.0", '"12"', "true", "null", "[]", "{}", "1" + "0" * 5000,
])
@pytest.mark.parametrize("field", ["total", "women"])
def test_impossible_counts_are_refused(api, personas, field, value):
    before = registry_state()
    body = json.dumps(SNAPSHOT)[:-1] + f', "{field}": {value}' + "}"
    body = body.replace(f'"{field}": {SNAPSHOT[field]}, ', "")
    response = api.send("post", f"/facilities/{personas.colony.pk}/snapshots", body)
    if field != "total" and value == "null":  # how a client says a count was not reported
        assert (response.status_code, response.json()[field]) == (201, None)
        return
    assert 400 <= response.status_code < 500
    assert registry_state() == before


def test_repeated_keys_are_refused_rather_than_guessed(api, personas):
    before = registry_state()
    body = '{"date": "2026-10-01", "total": 1, "total": 900000}'
    response = api.send("post", f"/facilities/{personas.colony.pk}/snapshots", body)
    assert response.status_code == 400
    assert registry_state() == before


def test_deeply_nested_json_is_refused(api, personas):
    before = registry_state()
    response = api.send("post", "/facilities", "[" * 100_000 + "]" * 100_000)
    assert response.status_code == 400
    assert registry_state() == before


@pytest.mark.parametrize("limit", ["default", 2_000])
def test_an_oversized_body_is_refused_with_413(api, personas, settings, limit):
    if limit != "default":
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = limit
    size = settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 1
    body = json.dumps({**FACILITY, "address": ""})
    body = body[:-1] + ', "x": "' + "a" * (size - len(body) - 7) + '"}'
    assert len(body.encode()) > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    before = registry_state()
    response = api.send("post", "/facilities", body)
    assert response.status_code == 413
    assert response.json()["errors"][0]["field"] is None
    assert registry_state() == before


def test_hostile_query_strings_are_refused_or_harmless(api, personas):
    for params in ({"q": "\x00"}, {"q": "x" * 10_000}, {"page": "-1"}, {"page": "99999999999999999999"},
                   {"page_size": "NaN"}, {"type": "'; --"}, {"region": "<b>"}, {"overcrowded": "maybe"}):
        response = api.get("/facilities", params)
        assert 400 <= response.status_code < 500, params
