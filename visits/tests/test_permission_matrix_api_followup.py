"""docs/permissions/visits.md, "Findings and recommendations in the API": every cell, with a bearer token."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.testing import ApiClient
from lib.testing.matrix import assert_document_matches, read_matrix
from visits.models import Statement
from visits.tests.test_permission_matrix_followup import DOCUMENT, FACILITIES, MANDATES, World

COLUMNS, MATRIX = read_matrix(DOCUMENT, first_column="API findings of a visit")


def refused(response: Any) -> None:
    assert response.status_code in (401, 403, 404), response.status_code
    assert b"Marker recommendation" not in response.content


def check_visit_findings(world: World, api: ApiClient, value: str) -> None:
    if value == "yes":
        for key in FACILITIES:
            response = api.get(f"/visits/{world.may[key].pk}/findings")
            if key in world.mandate:
                assert response.status_code == 200, (key, response.content)
                assert [f["visit"] for f in response.json()] == [world.may[key].pk]
            else:
                assert response.status_code == 404
    else:
        refused(api.get(f"/visits/{world.may['colony'].pk}/findings"))


def check_finding(world: World, api: ApiClient, value: str) -> None:
    for key in FACILITIES:
        finding = world.recommendations[key].finding
        response = api.get(f"/visits/findings/{finding.pk}")
        if value == "yes" and key in world.mandate:
            assert response.status_code == 200
            assert response.json()["summary"] == finding.summary
        else:
            assert response.status_code in (403, 404), (key, response.status_code)


def check_recommendations(world: World, api: ApiClient, value: str) -> None:
    listing = api.get("/visits/recommendations")
    if value == "no":
        refused(listing)
        refused(api.get(f"/visits/recommendations/{world.recommendations['colony'].pk}"))
        return
    assert listing.status_code == 200
    readable = set(world.mandate) if value == "yes" else {"colony"}  # own facility: the officer's colony
    texts = {r["text"] for r in listing.json()}
    assert texts == {f"Marker recommendation {key}" for key in readable}
    for key in FACILITIES:
        one = api.get(f"/visits/recommendations/{world.recommendations[key].pk}")
        assert one.status_code == (200 if key in readable else 404), (key, one.status_code)
    of_visit = api.get(f"/visits/{world.may['colony'].pk}/recommendations")
    assert of_visit.status_code == (200 if value == "yes" and "colony" in world.mandate else 403
                                    if value != "yes" else 404)


def check_answer(world: World, api: ApiClient, value: str) -> None:
    own, elsewhere = world.recommendations["colony"], world.recommendations["other_colony"]
    body = {"status": "rejected", "text": "No budget."}
    response = api.post(f"/visits/recommendations/{own.pk}/response", body)
    if value == "own facility":
        assert response.status_code == 201, response.content
        assert response.json()["status"] == "rejected"
        assert api.post(f"/visits/recommendations/{elsewhere.pk}/response", body).status_code == 404
    else:
        refused(response)
        assert not Statement.objects.filter(recommendation=own).exists()
    elsewhere.refresh_from_db()
    assert elsewhere.status == "awaiting_response"


CHECKS = {
    "API findings of a visit": check_visit_findings,
    "API a finding": check_finding,
    "API recommendations": check_recommendations,
    "API answer a recommendation": check_answer,
}


def test_the_document_and_the_checks_name_the_same_columns_and_values():
    assert_document_matches(MATRIX, COLUMNS, personas=MANDATES, checks=CHECKS)


@pytest.mark.django_db
@pytest.mark.parametrize("persona", sorted(MANDATES))
def test_every_cell_of_the_api_follow_up_matrix(personas, persona, settings, tmp_path):
    settings.VISITS_EVIDENCE_ROOT = tmp_path / "evidence"
    world = World(personas, persona)
    api = ApiClient(world.user)
    for column in COLUMNS:
        CHECKS[column](world, api, MATRIX[persona][column])
