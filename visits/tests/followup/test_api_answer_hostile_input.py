"""Hostile input on the API's answer to a recommendation: 201 with the whole statement, or a 4xx that
names the field and says why, with nothing written. The rules are the service's, the same as the form's."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from django.db import transaction
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from accounts.testing import ApiClient
from visits.models import PlannedAction, RecommendationStatus, Statement
from visits.tests.followup.world import Rollback

pytestmark = [pytest.mark.django_db, pytest.mark.sqlite_only]

JSON_ANY = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=20))
TEXT = st.one_of(st.text(max_size=60), st.just(""), st.just("x" * 4001), st.just("a\x00b"), JSON_ANY)
DATE = st.one_of(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 1, 1)).map(dt.date.isoformat),
                 st.just("2026-02-31"), st.just("31.12.2026"), JSON_ANY)
STATUS = st.one_of(st.sampled_from(RecommendationStatus.values), JSON_ANY)
ACTION = st.one_of(st.fixed_dictionaries({"description": TEXT, "due_on": DATE}), JSON_ANY,
                   st.dictionaries(st.text(max_size=8), JSON_ANY, max_size=3))
FUTURE = (dt.date.today() + dt.timedelta(days=30)).isoformat()


@pytest.fixture
def answering(world, awaiting_recommendation):
    return ApiClient(world.personas.facility_officer), awaiting_recommendation


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(status=STATUS, text=TEXT, actions=st.one_of(st.lists(ACTION, max_size=3), JSON_ANY))
@example(status="accepted", text="", actions=[{"description": "Repair block 3", "due_on": FUTURE}])
@example(status="rejected", text="No budget", actions=[])
@example(status=float("inf"), text="", actions=None)
@example(status="rejected", text="  ", actions=[])
@example(status="accepted", text="", actions=[])
@example(status="partly_accepted", text="Block 3", actions=[{"description": "Repair", "due_on": "2026-02-31"}])
@example(status="accepted", text="", actions=[{"description": "Repair", "due_on": "1999-01-01"}])
@example(status="accepted", text="", actions=[{"description": "a\x00b", "due_on": FUTURE}])
def test_any_api_answer_is_refused_with_field_and_reason_or_stored_whole(answering, status, text, actions):
    api, recommendation = answering
    try:
        with transaction.atomic():
            response = api.post(f"/visits/recommendations/{recommendation.pk}/response",
                                {"status": status, "text": text, "actions": actions})
            assert response.status_code in (201, 400, 422), (response.status_code, response.content)
            recommendation.refresh_from_db()
            if response.status_code == 201:
                statement = Statement.objects.get()
                assert statement.status == recommendation.status == status
                assert "\x00" not in statement.text
                assert statement.text if status == RecommendationStatus.REJECTED else statement.actions.exists()
            else:
                errors = response.json()["errors"]
                assert errors
                assert all(e["error"] for e in errors), errors
                # Each refusal names its field, except a body that is not JSON at all (NaN or
                # Infinity, which the client's encoder writes): that one has no field to name.
                not_json = response.status_code == 400 and any("JSON" in e["error"] for e in errors)
                assert not_json or all(e["field"] for e in errors), errors
                assert not Statement.objects.exists()
                assert not PlannedAction.objects.exists()
                assert recommendation.status == RecommendationStatus.AWAITING_RESPONSE
            raise Rollback
    except Rollback:
        pass


def test_a_body_that_is_not_json_is_refused_with_a_reason(answering):
    api, recommendation = answering
    response = api.send("post", f"/visits/recommendations/{recommendation.pk}/response", b"{status: accepted")
    assert response.status_code == 400
    assert response.json()["errors"][0]["error"]
    assert not Statement.objects.exists()
    assert json.loads(api.get(f"/visits/recommendations/{recommendation.pk}").content)["statements"] == []


def test_the_openapi_document_describes_findings_recommendations_and_the_answer(client):
    paths = client.get("/api/v1/openapi.json").json()["paths"]
    for path in ("/api/v1/visits/{pk}/findings", "/api/v1/visits/findings/{pk}", "/api/v1/visits/recommendations",
                 "/api/v1/visits/recommendations/{pk}", "/api/v1/visits/{pk}/recommendations",
                 "/api/v1/visits/recommendations/{pk}/response", "/api/v1/visits/recommendations/{pk}/progress"):
        assert path in paths, path
    answer = paths["/api/v1/visits/recommendations/{pk}/response"]["post"]
    assert {"201", "400", "403", "404", "422"} <= set(answer["responses"])
    assert "requestBody" in answer
