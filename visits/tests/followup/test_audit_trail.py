"""Every decision on a finding or a recommendation leaves its row on the visit's audit trail,
written in the same transaction as the change: a refused change leaves none."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from visits.models import Addressee, RecommendationStatus, Severity, VisitAction, VisitEvent
from visits.services import findings as finding_services
from visits.services import recommendations as services

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _after_the_first_visit(time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 3, 9, tzinfo=dt.UTC), tick=False)


def actions(visit):
    return list(VisitEvent.objects.filter(visit=visit).order_by("id").values_list("action", "actor__username"))


def test_each_decision_on_findings_and_recommendations_is_on_the_visits_audit_trail(world):
    monitor, officer = world.personas.npm_monitor, world.personas.facility_officer
    made = finding_services.propose_findings(visit=world.first, by=monitor)
    space = next(f for f in made if f.indicator and f.indicator.code == "SPACE-01")
    child = next(f for f in made if f.indicator and f.indicator.code == "CHD-01")
    access = next(f for f in made if f.origin == "access")
    space = finding_services.confirm_finding(finding=space, by=monitor)
    finding_services.dismiss_finding(finding=access, by=monitor)
    added = finding_services.add_finding(visit=world.first, by=monitor, theme=world.themes["children"],
                                         severity=Severity.HIGH, summary="No school lessons.")
    finding_services.merge_findings(findings=[added], into=child, by=monitor)
    recommendation = services.issue_recommendation(
        finding=space, by=monitor, addressee=Addressee.FACILITY, text="4 m2 each.", response_due=dt.date(2026, 7, 3))
    services.respond(recommendation=recommendation, by=officer, status=RecommendationStatus.ACCEPTED,
                     actions=[("Open block 3", dt.date(2026, 9, 1))])
    services.report_progress(recommendation=recommendation, by=officer, text="Block 3 opened.")
    services.check_recommendation(recommendation=recommendation, visit=world.second, by=monitor,
                                  status=RecommendationStatus.IMPLEMENTED)

    m, o = monitor.username, officer.username
    assert actions(world.first) == [
        (VisitAction.FINDING_PROPOSED, m), (VisitAction.FINDING_CONFIRMED, m), (VisitAction.FINDING_DISMISSED, m),
        (VisitAction.FINDING_ADDED, m), (VisitAction.FINDING_MERGED, m), (VisitAction.RECOMMENDATION_ISSUED, m),
        (VisitAction.RECOMMENDATION_ANSWERED, o), (VisitAction.RECOMMENDATION_PROGRESS, o)]
    assert actions(world.second) == [(VisitAction.RECOMMENDATION_CHECKED, m)]
    merged = VisitEvent.objects.get(visit=world.first, action=VisitAction.FINDING_MERGED)
    assert merged.details == {"finding": child.pk, "merged": [added.pk]}
    answered = VisitEvent.objects.get(action=VisitAction.RECOMMENDATION_ANSWERED)
    assert answered.details == {"recommendation": recommendation.pk, "status": "accepted", "actions": 1}


def test_a_refused_decision_leaves_no_audit_row(world):
    monitor = world.personas.npm_monitor
    made = finding_services.propose_findings(visit=world.first, by=monitor)
    dismissed = finding_services.dismiss_finding(finding=made[0], by=monitor)
    before = VisitEvent.objects.count()
    with pytest.raises(ValidationError):
        finding_services.confirm_finding(finding=dismissed, by=monitor)
    with pytest.raises(ValidationError):
        services.issue_recommendation(finding=dismissed, by=monitor, addressee=Addressee.FACILITY, text="x",
                                      response_due=dt.date(2026, 7, 3))
    assert VisitEvent.objects.count() == before
