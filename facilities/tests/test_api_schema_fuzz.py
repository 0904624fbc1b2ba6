"""A client that follows the OpenAPI document is never refused for the form of what it sends.

Requests are generated from the published document itself (/api/v1/openapi.json), as a
schema-driven fuzzer makes them. The only refusals allowed are the rules that no JSON Schema can
state: a code another facility already has (or one that looks the same), and an operational
capacity above the maximum.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from accounts.testing import ApiClient
from facilities import text_rules
from lib.testing.schema_strategies import from_schema

pytestmark = pytest.mark.django_db

fuzz = settings(
    max_examples=60, deadline=None, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)


def _document() -> dict:
    from django.test import Client

    from custodywatch.api import api

    # The document as clients read it, not as the code builds it.
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    document = response.json()
    assert document == json.loads(json.dumps(api.get_openapi_schema()))
    return document


DOCUMENT = None


def document() -> dict:
    global DOCUMENT
    if DOCUMENT is None:
        DOCUMENT = _document()
    return DOCUMENT


def body_schema(path: str, method: str) -> dict:
    return document()["paths"][path][method]["requestBody"]["content"]["application/json"]["schema"]


STRATEGIES: dict[tuple[str, str], st.SearchStrategy] = {}


def bodies(path: str, method: str) -> st.SearchStrategy:
    """Request bodies valid by the document, the strategy built once: building it (its patterns'
    automata) costs far more than drawing from it."""
    if (path, method) not in STRATEGIES:
        STRATEGIES[path, method] = from_schema(body_schema(path, method), document())
    return STRATEGIES[path, method]


def allowed_refusal(field: str | None, error: str) -> bool:
    """A rule about other records or several fields at once, which JSON Schema cannot state."""
    return (field == "code" and ("already exists" in error or "looks the same" in error)) or (
        field in ("operational_capacity", "maximum_capacity") and "maximum capacity" in error
    )


def assert_accepted(response, expected_status: int) -> None:
    if response.status_code == 422:
        refused = [(item["field"], item["error"]) for item in response.json()["errors"]]
        assert all(allowed_refusal(field, error) for field, error in refused), refused
    else:
        assert response.status_code == expected_status, response.content[:500]


@pytest.fixture
def api(personas):
    return ApiClient(personas.npm_monitor)


@fuzz
@given(data=st.data())
def test_every_facility_valid_by_the_schema_is_registered(api, personas, data):
    payload = data.draw(bodies("/api/v1/facilities", "post"))
    # Region and operator must name records that exist; their form is fuzzed by the other fields' rules.
    payload.update(region=personas.region.code, operator=personas.colony.operator.code)

    response = api.post("/facilities", payload)

    assert_accepted(response, 201)
    if response.status_code == 201:
        # Stored as the rules normalise it, which the client can predict from the document.
        assert response.json()["code"] == text_rules.code(payload["code"])


@fuzz
@given(data=st.data())
def test_every_change_valid_by_the_schema_is_made(api, personas, data):
    path = "/api/v1/facilities/{facility_id}"
    payload = data.draw(bodies(path, "patch"))
    for reference, value in (("region", personas.region.code), ("operator", personas.colony.operator.code)):
        if reference in payload:
            payload[reference] = value

    response = api.patch(f"/facilities/{personas.colony.pk}", payload)

    assert_accepted(response, 200)


def test_the_document_states_the_text_rules_of_every_registry_input():
    schemas = document()["components"]["schemas"]
    for name in ("FacilityIn", "FacilityPatch", "UnitIn", "UnitPatch"):
        for field, schema in schemas[name]["properties"].items():
            if schema.get("type") == "string":
                assert {"pattern", "maxLength"} <= set(schema), (name, field)
            if schema.get("type") == "integer":
                assert {"minimum", "maximum"} <= set(schema), (name, field)
