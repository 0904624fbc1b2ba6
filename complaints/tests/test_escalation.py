"""Deadlines and escalation: overdue complaints and suppression alarms alert the next level, without content."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.db import transaction

from accounts.models import Role
from complaints.alarms import raise_alarm
from complaints.models import Alert, AlertKind, ComplaintEvent, EventKind, Priority
from complaints.services import deadlines, escalation, handling
from complaints.workspace_testing import make_complaint
from facilities.factories import UserFactory
from jobs.schedule import default_schedule

pytestmark = pytest.mark.django_db
ALMATY = dt.timezone(dt.timedelta(hours=5))


def test_urgent_complaints_are_due_in_24_hours_others_in_15_working_days(settings):
    received = dt.datetime(2026, 12, 4, 10, 0, tzinfo=ALMATY)  # a Friday
    assert deadlines.acknowledge_by(priority=Priority.URGENT, received_at=received) == received + dt.timedelta(hours=24)
    settings.COMPLAINT_URGENT_ACK_HOURS = 6
    assert deadlines.acknowledge_by(priority=Priority.URGENT, received_at=received) == received + dt.timedelta(hours=6)
    # 15 working days from a Friday: three weeks later, a Friday.
    standard = deadlines.acknowledge_by(priority=Priority.STANDARD, received_at=received)
    assert standard.date() == dt.date(2026, 12, 25)
    assert standard.weekday() == 4


def test_the_deadline_job_is_on_the_schedule():
    assert "complaints.tasks.escalate_overdue_complaints" in {p.task for p in default_schedule()}
    from complaints.tasks import escalate_overdue_complaints

    assert escalate_overdue_complaints is not None


def test_an_overdue_torture_complaint_escalates_level_by_level_with_alerts_that_carry_no_content(
        workspace, time_machine):
    time_machine.move_to("2026-12-01 08:00Z", tick=False)
    npm_admin = workspace.personas.oversight_admin
    npm_admin.email = "admin@npm.example"
    npm_admin.save()
    workspace.personas.npm_monitor.email = "monitor@npm.example"
    workspace.personas.npm_monitor.save()
    complaint, _ = make_complaint(facility=workspace.personas.colony, recipients=[workspace.npm, workspace.prosecutor],
                                  category="torture", text="CanaryBeatenInCell7", name="CanaryName")
    assert complaint.priority == Priority.URGENT

    time_machine.move_to("2026-12-02 07:59Z", tick=False)
    assert escalation.escalate_overdue()["escalated"] == 0

    time_machine.move_to("2026-12-02 08:01Z", tick=False)
    assert escalation.escalate_overdue()["escalated"] == 1
    alerted = set(Alert.objects.values_list("recipient__username", flat=True))
    assert alerted == {npm_admin.username}  # level 1: the organisations' administrators (no assignee yet)
    assert [m.to for m in mail.outbox] == [["admin@npm.example"]]
    for message in mail.outbox:
        assert "Canary" not in message.subject + message.body
        assert "torture" not in (message.subject + message.body).lower()
        assert complaint.facility.code in message.body
    assert escalation.escalate_overdue()["escalated"] == 0  # a re-run alerts nobody twice
    assert len(mail.outbox) == 1

    time_machine.move_to("2026-12-03 08:02Z", tick=False)
    escalation.escalate_overdue()
    level_two = set(Alert.objects.filter(level=2).values_list("recipient__username", flat=True))
    handlers = {workspace.personas.npm_monitor.username, workspace.personas.analyst.username,
                workspace.personas.prosecutor.username}
    assert handlers <= level_two
    complaint.handling.refresh_from_db()
    assert complaint.handling.escalation_level == 2
    assert ComplaintEvent.objects.filter(kind=EventKind.ESCALATED, actor=None).count() == 2


def test_an_acknowledged_complaint_does_not_escalate(workspace, time_machine):
    time_machine.move_to("2026-12-01 08:00Z", tick=False)
    complaint, _ = make_complaint(facility=workspace.personas.colony, recipients=[workspace.npm], category="torture")
    handling.change_status(complaint=complaint, to="acknowledged", by=workspace.personas.npm_monitor)
    time_machine.move_to("2026-12-05 08:00Z", tick=False)
    assert escalation.escalate_overdue()["escalated"] == 0
    assert not Alert.objects.exists()


def test_a_complaint_without_a_deadline_gets_one(workspace, time_machine):
    time_machine.move_to("2026-12-01 08:00Z", tick=False)
    complaint, _ = make_complaint(facility=workspace.personas.colony, recipients=[workspace.npm])
    complaint.acknowledge_by = None
    complaint.save(update_fields=["acknowledge_by"])
    assert escalation.escalate_overdue()["deadlines_filled"] == 1
    complaint.refresh_from_db()
    assert complaint.acknowledge_by is not None


def test_a_suppression_alarm_alerts_the_npm_and_never_the_facility(workspace, django_capture_on_commit_callbacks):
    colleague = UserFactory(username="officer.two", organisation=workspace.personas.facility_officer.organisation,
                            role=Role.FACILITY_OFFICER, facility=workspace.personas.colony, email="f@colony.example")
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        alarm = raise_alarm(kind="sequence_gap", facility=workspace.personas.colony, evidence={"missing": [4, 5]})
    alerted = set(Alert.objects.filter(alarm=alarm).values_list("recipient__username", flat=True))
    assert workspace.personas.npm_monitor.username in alerted
    assert workspace.personas.oversight_admin.username in alerted
    assert workspace.personas.facility_officer.username not in alerted
    assert colleague.username not in alerted
    assert Alert.objects.filter(alarm=alarm, kind=AlertKind.SUPPRESSION).count() == len(alerted)
