"""Findings: proposed from the record, confirmed, merged, dismissed, added; critical ones notify."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from jobs.worker import JobWorker
from ledger import interface as ledger
from visits.models import CriticalKind, Finding, FindingOrigin, FindingStatus, Notification, Severity
from visits.services import findings as services
from visits.services import notices
from visits.tests.followup.world import prosecutor_in

pytestmark = pytest.mark.django_db


def run_queued_jobs() -> list[DBTaskResult]:
    worker = JobWorker(queue_names=["default"], interval=0, batch=True, backend_name="default",
                       startup_delay=False, max_tasks=None, worker_id="test", excluded_queue_names=[])
    rows = list(DBTaskResult.objects.filter(status="READY").order_by("enqueued_at"))
    for row in rows:
        row.claim("test")
        worker.run_task(row)
        row.refresh_from_db()
    return rows


def test_every_non_compliant_answer_and_the_delayed_entry_propose_a_finding_once(world):
    made = services.propose_findings(visit=world.first, by=world.personas.npm_monitor)

    by_origin = {(f.origin, f.indicator.code if f.indicator else None): f for f in made}
    assert set(by_origin) == {(FindingOrigin.ANSWER, "SPACE-01"), (FindingOrigin.ANSWER, "CHD-01"),
                              (FindingOrigin.ACCESS, None)}
    space = by_origin[(FindingOrigin.ANSWER, "SPACE-01")]
    assert space.severity == Severity.HIGH
    assert list(space.evidence.all()) == [world.photo]
    assert by_origin[(FindingOrigin.ANSWER, "CHD-01")].critical_kind == CriticalKind.CHILDREN_WITH_ADULTS
    access = by_origin[(FindingOrigin.ACCESS, None)]
    assert (access.severity, access.critical_kind) == (Severity.CRITICAL, CriticalKind.ACCESS_OBSTRUCTED)
    assert "95 min" in access.summary
    assert all(f.status == FindingStatus.PROPOSED for f in made)
    assert services.propose_findings(visit=world.first, by=world.personas.npm_monitor) == []
    assert Finding.objects.filter(visit=world.first).count() == 3
    assert ledger.index_of(kind="visit:finding", subject=f"visits.finding:{space.pk}") is not None


def test_only_the_visiting_body_decides_on_its_findings(world):
    with pytest.raises(PermissionDenied):
        services.propose_findings(visit=world.first, by=world.personas.ombudsman_monitor)
    for persona in ("prosecutor", "analyst", "facility_officer", "outsider"):
        with pytest.raises(PermissionDenied):
            services.propose_findings(visit=world.first, by=getattr(world.personas, persona))
    assert not Finding.objects.exists()


def test_confirming_a_critical_finding_notifies_the_prosecutor_and_the_childrens_ombudsman_without_content(
        world, django_capture_on_commit_callbacks):
    regional = prosecutor_in(world.personas.other_region)  # Karaganda: not the colony's region
    world.personas.prosecutor.email = "prosecutor@example.org"
    world.personas.prosecutor.save()
    world.personas.ombudsman_monitor.email = "ombudsman@example.org"
    world.personas.ombudsman_monitor.save()
    made = services.propose_findings(visit=world.first, by=world.personas.npm_monitor)
    children = next(f for f in made if f.critical_kind == CriticalKind.CHILDREN_WITH_ADULTS)

    services.confirm_finding(finding=children, by=world.personas.npm_monitor)
    rows = run_queued_jobs()
    assert len(rows) == 1
    assert rows[0].status == "SUCCESSFUL"

    notified = set(Notification.objects.values_list("recipient__username", flat=True))
    assert notified == {"yerlan.prosecutor", "dana.ombudsman"}
    assert regional.username not in notified
    assert sorted(m.to[0] for m in mail.outbox) == ["ombudsman@example.org", "prosecutor@example.org"]
    for message in mail.outbox:
        text = message.subject + message.body
        for secret in (world.personas.colony.code, world.personas.colony.name_en, "children", "Children",
                       children.summary[:20], "CHD-01"):
            assert secret not in text
        assert "critical finding" in text
    # A second run of the job sends nothing twice.
    from visits.tasks import notify_critical_finding

    notify_critical_finding.enqueue(finding_id=children.pk)
    run_queued_jobs()
    assert Notification.objects.count() == 2
    assert len(mail.outbox) == 2


def test_an_adult_facility_critical_finding_notifies_the_prosecutor_only(world):
    made = services.propose_findings(visit=world.first, by=world.personas.npm_monitor)
    access = next(f for f in made if f.origin == FindingOrigin.ACCESS)

    services.confirm_finding(finding=access, by=world.personas.npm_monitor)
    run_queued_jobs()

    assert list(Notification.objects.values_list("recipient__username", flat=True)) == ["yerlan.prosecutor"]
    assert notices.notice_text(Notification.objects.get())[1].count("critical finding") == 1


def test_a_finding_downgraded_on_confirmation_notifies_nobody(world):
    made = services.propose_findings(visit=world.first, by=world.personas.npm_monitor)
    access = next(f for f in made if f.origin == FindingOrigin.ACCESS)

    confirmed = services.confirm_finding(finding=access, by=world.personas.npm_monitor, severity=Severity.HIGH)

    assert (confirmed.severity, confirmed.critical_kind) == (Severity.HIGH, "")
    assert not DBTaskResult.objects.exists()


def test_merging_keeps_the_gravest_severity_and_all_evidence_and_is_final(world):
    made = services.propose_findings(visit=world.first, by=world.personas.npm_monitor)
    space = next(f for f in made if f.indicator and f.indicator.code == "SPACE-01")
    children = next(f for f in made if f.indicator and f.indicator.code == "CHD-01")

    target = services.merge_findings(findings=[children], into=space, by=world.personas.npm_monitor)

    children.refresh_from_db()
    assert (children.status, children.merged_into_id) == (FindingStatus.MERGED, space.pk)
    assert (target.status, target.severity) == (FindingStatus.CONFIRMED, Severity.CRITICAL)
    assert list(target.evidence.all()) == [world.photo]
    with pytest.raises(ValidationError, match="cannot become"):
        services.confirm_finding(finding=children, by=world.personas.npm_monitor)


def test_a_dismissed_finding_stays_on_record_and_cannot_be_confirmed(world):
    made = services.propose_findings(visit=world.first, by=world.personas.npm_monitor)
    services.dismiss_finding(finding=made[0], by=world.personas.npm_monitor)

    with pytest.raises(ValidationError):
        services.confirm_finding(finding=made[0], by=world.personas.npm_monitor)
    assert Finding.objects.get(pk=made[0].pk).status == FindingStatus.DISMISSED


def test_an_added_finding_is_refused_with_the_field_and_reason(world):
    with pytest.raises(ValidationError) as refused:
        services.add_finding(visit=world.first, by=world.personas.npm_monitor, theme=world.themes["children"],
                             severity="apocalyptic", summary="   ")
    assert set(refused.value.message_dict) == {"summary", "severity"}
    with pytest.raises(ValidationError) as refused:
        services.add_finding(visit=world.first, by=world.personas.npm_monitor, theme=world.themes["children"],
                             severity=Severity.LOW, critical_kind=CriticalKind.TORTURE, summary="Bruises")
    assert "critical_kind" in refused.value.message_dict
    assert not Finding.objects.exists()

    added = services.add_finding(visit=world.first, by=world.personas.npm_monitor,
                                 theme=world.themes["torture_prevention"], severity=Severity.CRITICAL,
                                 critical_kind=CriticalKind.TORTURE, summary="Fresh bruises seen on two people.")
    assert added.status == FindingStatus.CONFIRMED
    assert DBTaskResult.objects.count() == 1  # the same-day notice is queued with the finding


def test_open_critical_findings_raise_a_facility_in_the_visit_planner_until_resolved(world):
    from facilities.models import Facility
    from visits import risk
    from visits.models import Addressee, RecommendationStatus
    from visits.services import recommendations

    monitor = world.personas.npm_monitor
    proposed = services.propose_findings(visit=world.first, by=monitor)
    access = next(f for f in proposed if f.origin == FindingOrigin.ACCESS)
    access = services.confirm_finding(finding=access, by=monitor)
    facilities = Facility.objects.filter(pk=world.personas.colony.pk)

    [suggestion] = risk.suggest(facilities, only=["open_critical_findings"])
    [(factor, contribution)] = suggestion.factors
    assert factor.key == "open_critical_findings"
    assert contribution.points == 15
    assert contribution.reason == "1 critical finding still open."

    recommendation = recommendations.issue_recommendation(
        finding=access, by=monitor, addressee=Addressee.PENAL_COMMITTEE, text="Let monitors in at once.",
        response_due=timezone.localdate() + dt.timedelta(days=9))
    recommendations.check_recommendation(recommendation=recommendation, visit=world.second, by=monitor,
                                         status=RecommendationStatus.IMPLEMENTED)
    [suggestion] = risk.suggest(facilities, only=["open_critical_findings"])
    assert suggestion.factors == []
