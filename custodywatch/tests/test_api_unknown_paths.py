"""Whatever a client asks of /api/v1/ that does not exist, the answer is JSON: never an HTML page."""

from __future__ import annotations

import pytest
from django.test import Client

from accounts.testing import ApiClient

pytestmark = pytest.mark.django_db

METHODS = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]
PATHS = [
    "/api/v1/anything", "/api/v1/anything/", "/api/v1/facilities/1/nothing", "/api/v1/facilities/abc",
    "/api/v1/", "/api/v1", "/api/v1/%00", "/api/v1/../admin/", "/api/v1/ledger/nothing",
]


def assert_json_error(response, statuses):
    assert response.status_code in statuses, (response.status_code, response.content[:200])
    assert response["Content-Type"].startswith("application/json")
    if response.request["REQUEST_METHOD"] != "HEAD":
        assert response.json()["errors"][0]["error"]


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("method", METHODS)
def test_an_unknown_path_answers_json_for_every_method_without_logging_in(method, path):
    # CSRF checks on, as a browser or a script without a token meets them.
    client = Client(enforce_csrf_checks=True)
    response = client.generic(method, path, b'{"x": 1}', content_type="application/json")
    assert_json_error(response, {404, 401})


@pytest.mark.parametrize("path", PATHS)
@pytest.mark.parametrize("method", METHODS)
def test_an_unknown_path_answers_json_for_every_method_with_a_token(personas, method, path):
    api = ApiClient(personas.npm_monitor)
    response = api.client.generic(method, path, b'{"x": 1}', content_type="application/json",
                                  headers={"Authorization": f"Bearer {api.token}"})
    assert_json_error(response, {404})


@pytest.mark.parametrize("method", ["PUT", "DELETE", "POST"])
def test_a_known_path_with_a_method_it_does_not_take_answers_json_405(personas, method):
    api = ApiClient(personas.npm_monitor)
    response = api.client.generic(method, f"/api/v1/facilities/{personas.colony.pk}", b"{}",
                                  content_type="application/json", headers={"Authorization": f"Bearer {api.token}"})
    assert_json_error(response, {405})
    assert "PATCH" in response["Allow"]


def test_a_post_to_the_api_without_a_slash_is_not_redirected(personas):
    response = Client(enforce_csrf_checks=True).post("/api/v1", b"{}", content_type="application/json")
    assert_json_error(response, {404})


def test_a_facility_id_beyond_any_database_is_simply_not_found(personas):
    response = ApiClient(personas.npm_monitor).get("/facilities/999999999999999999999999")
    assert_json_error(response, {404})
