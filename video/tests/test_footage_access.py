"""Footage access: a purpose, approval by other oversight officers, and a ledger entry before serving."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from accounts.models import Role
from facilities.factories import UserFactory
from ledger import interface as ledger
from video import access
from video.conftest import NOW
from video.ingest import ingest_submission
from video.models import FootageAccess, FootageRequestStatus
from video.testing import SimulatedRecorder


@pytest.fixture
def recorded(personas, frozen):
    nvr = SimulatedRecorder.create(personas.colony, cameras={"c": "interview_room"})
    ingest_submission(data=nvr.submission(*[nvr.segment("c", NOW - timedelta(seconds=30 - 10 * i)) for i in range(3)]),
                      now=NOW)
    return nvr.cameras["c"]


def ask(camera, by, kind="export"):
    return access.request_footage(camera=camera, start=NOW - timedelta(minutes=5), end=NOW, kind=kind,
                                  purpose="Complaint of ill-treatment during an interview", by=by)


def test_facility_staff_can_neither_ask_nor_approve(personas, recorded):
    with pytest.raises(PermissionDenied):
        ask(recorded, personas.facility_officer)
    made = ask(recorded, personas.npm_monitor)
    with pytest.raises(PermissionDenied):
        access.approve_footage_access(request=made, by=personas.facility_officer)
    with pytest.raises(PermissionDenied):
        access.approve_footage_access(request=made, by=personas.pmc_member)  # may ask, may not approve


def test_an_export_needs_two_officers_other_than_the_requester(personas, recorded):
    made = ask(recorded, personas.npm_monitor)
    with pytest.raises(ValidationError, match="cannot approve their own"):
        access.approve_footage_access(request=made, by=personas.npm_monitor)
    access.approve_footage_access(request=made, by=personas.prosecutor)
    with pytest.raises(ValidationError, match="approved this request already"):
        access.approve_footage_access(request=made, by=personas.prosecutor)
    made.refresh_from_db()
    assert made.status == FootageRequestStatus.PENDING
    with pytest.raises(PermissionDenied):
        access.open_footage(request=made, by=personas.npm_monitor, action="export")
    second = UserFactory(username="second.npm", organisation=personas.npm_monitor.organisation, role=Role.MONITOR)
    access.approve_footage_access(request=made, by=second)
    made.refresh_from_db()
    assert made.status == FootageRequestStatus.APPROVED


def test_a_request_without_a_purpose_or_with_a_reversed_period_is_refused_by_field(personas, recorded):
    with pytest.raises(ValidationError) as caught:
        access.request_footage(camera=recorded, start=NOW, end=NOW - timedelta(minutes=1), kind="view",
                               purpose="x", by=personas.npm_monitor)
    assert set(caught.value.message_dict) == {"purpose", "end"}


def test_each_use_is_a_ledger_entry_written_before_it_is_served(personas, recorded):
    made = ask(recorded, personas.npm_monitor)
    access.approve_footage_access(request=made, by=personas.prosecutor)
    access.approve_footage_access(request=made, by=UserFactory(
        username="third.npm", organisation=personas.npm_monitor.organisation, role=Role.MONITOR))
    client = Client()
    client.force_login(personas.npm_monitor)
    page = client.post(reverse("video:request-view", args=[made.pk]))
    assert page.status_code == 200
    viewing = FootageAccess.objects.get(action="view")
    assert viewing.ledger_index == ledger.index_of(kind="footage:access", subject=viewing.subject)
    assert f'data-access-index="{viewing.ledger_index}"' in page.content.decode()
    assert page.content.decode().count("<tr data-segment>") == 3

    exported = client.post(reverse("video:request-export", args=[made.pk]))
    assert exported["Content-Type"] == "application/zip"
    with zipfile.ZipFile(io.BytesIO(exported.content)) as archive:
        manifest = json.loads(archive.read("manifest.json"))
    export_access = FootageAccess.objects.get(action="export")
    assert manifest["about"]["access_ledger_index"] == export_access.ledger_index is not None
    assert len(manifest["segments"]) == 3

    other = Client()
    other.force_login(personas.prosecutor)  # an approver is not the requester: may not use it
    assert other.post(reverse("video:request-view", args=[made.pk])).status_code == 403
