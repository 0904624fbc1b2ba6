from __future__ import annotations

import json
from io import StringIO

import pytest
from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils.crypto import get_random_string

from accounts.models import ApiToken, hash_token
from accounts.services import issue_api_token, revoke_api_token
from accounts.testing import ApiClient
from facilities.factories import UserFactory
from facilities.models import Facility

pytestmark = pytest.mark.django_db

FACILITIES = "/api/v1/facilities"


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def new_facility():
    return {"code": "PT-09", "name_kk": "Изолятор", "name_ru": "Изолятор", "name_en": "Isolator", "type": "pretrial",
            "region": "KZ-75", "operator": "penal-committee", "design_capacity": 10, "operational_capacity": 10}


# --- The service -------------------------------------------------------------------------------


def test_only_the_hash_of_an_issued_token_is_stored(personas):
    token, raw = issue_api_token(user=personas.npm_monitor, label="statistics office", by=personas.npm_monitor)
    assert raw.startswith("cw_")
    assert len(raw) > 40
    assert token.token_hash == hash_token(raw)
    assert raw not in json.dumps(list(ApiToken.objects.values()), default=str)


def test_nobody_issues_or_revokes_tokens_for_someone_else(personas):
    with pytest.raises(PermissionDenied):
        issue_api_token(user=personas.npm_monitor, label="x", by=personas.prosecutor)
    token, _ = issue_api_token(user=personas.npm_monitor, label="x", by=None)
    with pytest.raises(PermissionDenied):
        revoke_api_token(token=token, by=personas.prosecutor)


def test_a_token_needs_a_plain_label(personas):
    for label in ("", "   ", "x" * 101, "tab\there"):
        with pytest.raises(ValidationError) as error:
            issue_api_token(user=personas.npm_monitor, label=label, by=None)
        assert "label" in error.value.message_dict
    assert not ApiToken.objects.exists()


# --- Bearer authentication ---------------------------------------------------------------------


def test_a_bearer_token_authenticates_its_user(client, personas):
    _, raw = issue_api_token(user=personas.pmc_member, label="x", by=None)
    response = client.get(FACILITIES, headers=bearer(raw))
    assert response.status_code == 200
    assert [item["code"] for item in response.json()["items"]] == ["LA-155/1"]


@pytest.mark.parametrize("header", [
    "Bearer cw_not-a-real-token", "Bearer ", "Bearer " + "cw_" + "a" * 5000, "Basic YWlnZXJpbTpwdw==", "cw_x",
    "Bearer cw_é",
])
def test_anything_but_a_live_token_is_unauthorised(client, personas, header):
    response = client.get(FACILITIES, headers={"Authorization": header})
    assert response.status_code == 401
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert response.json()["errors"][0]["field"] is None


def test_no_credentials_at_all_is_unauthorised(client, personas):
    response = client.get(FACILITIES)
    assert response.status_code == 401
    assert personas.colony.code not in response.content.decode()


def test_a_revoked_token_stops_working_at_once(client, personas):
    token, raw = issue_api_token(user=personas.npm_monitor, label="x", by=None)
    assert client.get(FACILITIES, headers=bearer(raw)).status_code == 200
    revoke_api_token(token=token, by=personas.npm_monitor)
    assert client.get(FACILITIES, headers=bearer(raw)).status_code == 401


def test_a_deactivated_users_token_stops_working(client, personas):
    _, raw = issue_api_token(user=personas.npm_monitor, label="x", by=None)
    personas.npm_monitor.is_active = False
    personas.npm_monitor.save()
    assert client.get(FACILITIES, headers=bearer(raw)).status_code == 401


def test_a_bad_token_is_not_rescued_by_a_session_cookie(client, personas):
    client.force_login(personas.npm_monitor)
    assert client.get(FACILITIES, headers=bearer("cw_wrong")).status_code == 401


def test_the_token_decides_whose_request_it_is_whatever_the_session(client, personas):
    client.force_login(personas.npm_monitor)
    _, raw = issue_api_token(user=personas.pmc_member, label="x", by=None)
    response = client.get(FACILITIES, headers=bearer(raw))
    assert [item["code"] for item in response.json()["items"]] == ["LA-155/1"]


def test_token_clients_need_no_csrf_token(personas):
    api = ApiClient(personas.npm_monitor)
    api.client = Client(enforce_csrf_checks=True)
    assert api.post("/facilities", new_facility()).status_code == 201


# --- Session authentication --------------------------------------------------------------------


def test_a_logged_in_browser_reads_the_api_with_its_session(client, personas):
    client.force_login(personas.prosecutor)
    assert client.get(FACILITIES).status_code == 200


def test_session_writes_need_the_csrf_token(personas):
    browser = Client(enforce_csrf_checks=True)
    browser.force_login(personas.npm_monitor)
    refused = browser.post(FACILITIES, json.dumps(new_facility()), content_type="application/json")
    assert refused.status_code == 403
    assert "CSRF" in refused.json()["errors"][0]["error"]
    assert not Facility.objects.filter(code="PT-09").exists()

    secret = get_random_string(32)
    browser.cookies[settings.CSRF_COOKIE_NAME] = secret
    accepted = browser.post(FACILITIES, json.dumps(new_facility()), content_type="application/json",
                            headers={"X-CSRFToken": secret})
    assert accepted.status_code == 201


def test_a_deactivated_session_user_is_unauthorised(client, personas):
    client.force_login(personas.npm_monitor)
    personas.npm_monitor.is_active = False
    personas.npm_monitor.save()
    assert client.get(FACILITIES).status_code == 401


# --- Managing tokens over the API --------------------------------------------------------------


def test_a_person_issues_a_token_and_sees_it_only_once(client, personas):
    client.force_login(personas.facility_officer)
    issued = client.post("/api/v1/tokens", json.dumps({"label": "population upload"}), content_type="application/json")
    assert issued.status_code == 201
    raw = issued.json()["token"]
    assert client.get(f"{FACILITIES}/{personas.colony.pk}", headers=bearer(raw)).status_code == 200
    listed = client.get("/api/v1/tokens")
    assert [t["label"] for t in listed.json()] == ["population upload"]
    assert raw not in listed.content.decode()


def test_a_person_revokes_their_own_token_but_not_anothers(client, personas):
    own, raw = issue_api_token(user=personas.npm_monitor, label="mine", by=None)
    others, _ = issue_api_token(user=personas.prosecutor, label="theirs", by=None)
    client.force_login(personas.npm_monitor)
    assert client.delete(f"/api/v1/tokens/{others.pk}").status_code == 404
    revoked = client.delete(f"/api/v1/tokens/{own.pk}")
    assert revoked.status_code == 200
    assert revoked.json()["revoked_at"] is not None
    assert client.get(FACILITIES, headers=bearer(raw)).status_code == 401
    others.refresh_from_db()
    assert others.revoked_at is None


def test_a_token_cannot_mint_more_tokens(client, personas):
    _, raw = issue_api_token(user=personas.npm_monitor, label="x", by=None)
    response = client.post("/api/v1/tokens", json.dumps({"label": "y"}), content_type="application/json",
                           headers=bearer(raw))
    assert response.status_code == 401
    assert ApiToken.objects.count() == 1


def test_a_user_without_a_role_gets_no_tokens(client, personas):
    client.force_login(personas.outsider)
    assert client.post("/api/v1/tokens", json.dumps({"label": "y"}), content_type="application/json").status_code == 403
    assert client.get("/api/v1/tokens").status_code == 403
    assert not ApiToken.objects.exists()


# --- The management command --------------------------------------------------------------------


def test_create_api_token_prints_a_working_token(client, personas):
    out = StringIO()
    call_command("create_api_token", "aigerim.npm", "--label", "nightly export", stdout=out, stderr=StringIO())
    raw = out.getvalue().strip()
    assert ApiToken.objects.get(token_hash=hash_token(raw)).label == "nightly export"
    assert client.get(FACILITIES, headers=bearer(raw)).status_code == 200


def test_create_api_token_refuses_unknown_users_and_users_without_a_role(personas):
    with pytest.raises(CommandError):
        call_command("create_api_token", "nobody", "--label", "x", stdout=StringIO(), stderr=StringIO())
    with pytest.raises(CommandError):
        call_command("create_api_token", "outsider", "--label", "x", stdout=StringIO(), stderr=StringIO())
    inactive = UserFactory(username="gone", organisation=personas.npm_monitor.organisation, is_active=False)
    with pytest.raises(CommandError):
        call_command("create_api_token", inactive.username, "--label", "x", stdout=StringIO(), stderr=StringIO())
    assert not ApiToken.objects.exists()
