"""Tokens expire, record their last use at most once a minute, and every issue and revocation is audited."""

from __future__ import annotations

import datetime as dt

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts import services
from accounts.models import AccountAuditRecord, ApiToken, AuditAction

START = dt.datetime(2026, 11, 30, 4, 0, tzinfo=dt.UTC)


def call(raw: str) -> int:
    return Client().get("/api/v1/facilities", headers={"Authorization": f"Bearer {raw}"}).status_code


@pytest.mark.django_db
def test_an_expired_token_is_refused(personas):
    with time_machine.travel(START, tick=False):
        token, raw = services.issue_api_token(user=personas.npm_monitor, label="weekly", days=7, by=None)
    assert token.expires_at == START + dt.timedelta(days=7)
    with time_machine.travel(START + dt.timedelta(days=6, hours=23), tick=False):
        assert call(raw) == 200
    with time_machine.travel(START + dt.timedelta(days=7, seconds=1), tick=False):
        assert call(raw) == 401


@pytest.mark.django_db
def test_the_default_lifetime_and_its_limit_come_from_settings(personas, settings):
    settings.API_TOKEN_DEFAULT_DAYS = 30
    settings.API_TOKEN_MAX_DAYS = 60
    with time_machine.travel(START, tick=False):
        token, _raw = services.issue_api_token(user=personas.npm_monitor, label="default", by=None)
    assert token.expires_at == START + dt.timedelta(days=30)
    for days in (0, 61, -1, True, "30"):
        with pytest.raises(ValidationError) as refused:
            services.issue_api_token(user=personas.npm_monitor, label="too long", days=days, by=None)
        assert "days" in refused.value.message_dict


@pytest.mark.django_db
def test_last_use_is_written_at_most_once_a_minute(personas):
    token, raw = services.issue_api_token(user=personas.npm_monitor, label="poller", by=None)
    assert token.last_used_at is None
    with time_machine.travel(START, tick=False):
        assert call(raw) == 200
    token.refresh_from_db()
    assert token.last_used_at == START
    with time_machine.travel(START + dt.timedelta(seconds=59), tick=False), \
            CaptureQueriesContext(connection) as queries:
        assert call(raw) == 200
    assert not [q for q in queries.captured_queries if q["sql"].startswith("UPDATE")]
    token.refresh_from_db()
    assert token.last_used_at == START
    with time_machine.travel(START + dt.timedelta(seconds=61), tick=False):
        assert call(raw) == 200
    token.refresh_from_db()
    assert token.last_used_at == START + dt.timedelta(seconds=61)


@pytest.mark.django_db
def test_issuing_and_revoking_are_audited_without_the_secret(personas):
    monitor = personas.npm_monitor
    token, raw = services.issue_api_token(user=monitor, label="script", by=monitor)
    services.revoke_api_token(token=token, by=personas.oversight_admin)
    services.revoke_api_token(token=token, by=personas.oversight_admin)  # a second revocation changes nothing
    records = list(AccountAuditRecord.objects.filter(token=token).order_by("id"))
    assert [(r.action, r.actor) for r in records] == [
        (AuditAction.TOKEN_ISSUED, monitor), (AuditAction.TOKEN_REVOKED, personas.oversight_admin)]
    assert all(raw not in str(r.changes) and token.token_hash not in str(r.changes) for r in records)
    assert call(raw) == 401


@pytest.mark.django_db
def test_an_administrator_of_another_body_cannot_revoke(personas):
    token, _raw = services.issue_api_token(user=personas.pmc_member, label="pmc", by=None)
    from django.core.exceptions import PermissionDenied

    with pytest.raises(PermissionDenied):
        services.revoke_api_token(token=token, by=personas.oversight_admin)
    assert ApiToken.objects.get(pk=token.pk).revoked_at is None


@pytest.mark.django_db
def test_the_api_lists_expiry_and_last_use(personas):
    client = Client()
    client.force_login(personas.npm_monitor)
    issued = client.post("/api/v1/tokens", {"label": "cli", "days": 10}, content_type="application/json")
    assert issued.status_code == 201
    body = issued.json()
    assert body["expires_at"]
    assert body["last_used_at"] is None
    listed = client.get("/api/v1/tokens").json()
    assert listed[0]["expires_at"] == body["expires_at"]
    too_long = client.post("/api/v1/tokens", {"label": "cli", "days": 400}, content_type="application/json")
    assert too_long.status_code in (400, 422)


@pytest.mark.django_db
def test_a_person_issues_a_token_on_their_account_page_and_sees_it_once(personas):
    client = Client()
    client.force_login(personas.analyst)
    issued = client.post("/account/", {"label": "spreadsheet macro", "days": "30"})
    assert issued.status_code == 200
    token = ApiToken.objects.get(user=personas.analyst, label="spreadsheet macro")
    raw = issued.context["issued"]["raw"]
    assert raw in issued.content.decode()
    assert issued["Cache-Control"] == "no-store"
    assert raw not in client.get("/account/").content.decode()
    assert call(raw) == 200
    too_long = client.post("/account/", {"label": "forever", "days": "100000"})
    assert too_long.status_code == 400
    assert not ApiToken.objects.filter(label="forever").exists()
    client.post(f"/account/tokens/{token.pk}/revoke/")
    assert call(raw) == 401
    assert AccountAuditRecord.objects.filter(token=token, action=AuditAction.TOKEN_REVOKED,
                                             actor=personas.analyst).exists()
