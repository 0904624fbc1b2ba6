"""The planner's factors from the other modules: camera outages, custody register alerts, complaints and
silent complaint terminals, each explained on the suggestion, each read through its module's selector."""

from __future__ import annotations

import datetime as dt
import hashlib

import pytest
from django.urls import reverse
from django.utils import timezone

from complaints.models import AlarmKind, Complaint, TerminalAlarm
from facilities.selectors import facilities_for
from video.models import Camera, Outage, Recorder, Severity
from visits import risk

pytestmark = pytest.mark.django_db


def factors_of(user, facility):
    [suggestion] = [s for s in risk.suggest(facilities_for(user), limit=1000) if s.facility == facility]
    return {f.key: c for f, c in suggestion.factors}


def test_the_other_modules_factors_are_registered_and_labelled():
    keys = {f.key: str(f.label) for f in risk.factors()}
    assert keys["camera_outages"] == "Camera outages"
    assert keys["custody_alerts"] == "Custody register alerts"
    assert keys["complaints"] == "Complaints and silent complaint terminals"


def test_a_week_of_critical_camera_outages_counts_in_full_and_is_explained(personas):
    colony = personas.colony
    recorder = Recorder.objects.create(facility=colony, code="NVR-1", public_key="00" * 32)
    camera = Camera.objects.create(facility=colony, recorder=recorder, code="C1", zone=Camera._meta.get_field(
        "zone").choices[0][0])
    now = timezone.now()
    for day in range(1, 8):
        start = now - dt.timedelta(days=day, hours=12)
        Outage.objects.create(camera=camera, facility=colony, kind="gap", start=start,
                              end=start + dt.timedelta(hours=30), severity=Severity.CRITICAL, detected_at=now)
    found = factors_of(personas.npm_monitor, colony)["camera_outages"]
    assert found.points == 30
    assert found.reason == "Cameras were out in the last 90 days for 100% of a week of critical outages."
    assert "camera_outages" not in factors_of(personas.npm_monitor, personas.other_colony)


def test_a_facility_that_sent_no_custody_register_is_unknown_not_safe(personas):
    found = factors_of(personas.npm_monitor, personas.colony)["custody_alerts"]
    assert found.points == 5
    assert "unknown" in found.reason


def test_silent_complaint_terminals_and_complaints_raise_the_score_with_counts_only(personas):
    colony = personas.colony
    now = timezone.now()
    TerminalAlarm.objects.create(kind=AlarmKind.FACILITY_SILENT, facility=colony, raised_at=now)
    TerminalAlarm.objects.create(kind=AlarmKind.SEQUENCE_GAP, facility=colony, raised_at=now)
    TerminalAlarm.objects.create(kind=AlarmKind.TERMINAL_SILENT, facility=colony, raised_at=now,
                                 resolved_at=now)  # resolved: no longer counts
    for days in (1, 30, 200):  # the last is outside the 90 days
        Complaint.objects.create(facility=colony, sealed=b"x", sealed_sha256=hashlib.sha256(b"x").hexdigest(),
                                 size_bucket=4096, received_at=now - dt.timedelta(days=days))
    found = factors_of(personas.npm_monitor, colony)["complaints"]
    assert found.points == 25 + 10 + 2 * 2
    assert found.reason == ("1 open alarm that complaints have gone silent; 1 open alarm of a gap or forgery in "
                            "the terminals' records; 2 complaints in 90 days.")
    assert "complaints" not in factors_of(personas.npm_monitor, personas.other_colony)


def test_the_planner_page_explains_each_factor(personas, client):
    TerminalAlarm.objects.create(kind=AlarmKind.FACILITY_SILENT, facility=personas.colony, raised_at=timezone.now())
    client.force_login(personas.npm_monitor)
    page = client.get(reverse("visits:suggestions")).content.decode()
    assert "Complaints and silent complaint terminals" in page
    assert "1 open alarm that complaints have gone silent." in page
    assert "Camera outages" in page
    assert "Custody register alerts" in page


def test_open_custody_alerts_count_by_severity_and_say_when_minors_are_concerned(personas):
    from custody.models import Alert, Detention, RegisterImport

    colony, now = personas.colony, timezone.now()
    source = RegisterImport.objects.create(channel="file", sha256="0" * 64)
    held = Detention.objects.create(facility=colony, source=source, record_id="R-1", person="p1",
                                    legal_basis="criminal")
    for n, (severity, minor) in enumerate([("critical", True), ("high", False), ("medium", False)]):
        Alert.objects.create(key=f"k{n}", facility=colony, rule="r", rule_version=1, severity=severity,
                             detention=held, involves_minor=minor, first_found_at=now, last_found_at=now)
    found = factors_of(personas.npm_monitor, colony)["custody_alerts"]
    assert found.points == (3 + 2 + 1) * 5
    assert found.reason == ("3 open custody alerts in 90 days (critical 1, high 1, medium 1); "
                            "1 concerns a minor.")
