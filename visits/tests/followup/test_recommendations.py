"""Recommendations: issued, answered by the addressee only, checked at the next visit; reminders, escalation."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from visits.models import (
    Addressee,
    FindingOrigin,
    Notification,
    NotificationKind,
    RecommendationStatus,
    ReprisalOutcome,
    Statement,
)
from visits.services import findings as finding_services
from visits.services import recommendations as services
from visits.tasks import remind_recommendations
from visits.tests.followup.world import officer_of

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _two_days_after_the_first_visit(time_machine):
    time_machine.move_to(dt.datetime(2026, 6, 3, 9, tzinfo=dt.UTC), tick=False)


@pytest.fixture
def space(world):
    made = finding_services.propose_findings(visit=world.first, by=world.personas.npm_monitor)
    finding = next(f for f in made if f.indicator and f.indicator.code == "SPACE-01")
    return finding_services.confirm_finding(finding=finding, by=world.personas.npm_monitor)


def issue(world, finding, **kwargs):
    return services.issue_recommendation(**{
        "finding": finding, "by": world.personas.npm_monitor, "addressee": Addressee.FACILITY,
        "text": "Bring every shared cell to at least 4 m2 per person.", "response_due": dt.date(2026, 7, 3),
        **kwargs})


def test_a_recommendation_needs_a_confirmed_finding_an_addressee_and_a_future_deadline(world, space):
    proposed = finding_services.propose_findings(visit=world.elsewhere, by=world.personas.npm_monitor)[0]
    with pytest.raises(ValidationError) as refused:
        issue(world, proposed, addressee="the moon", text=" ", response_due=dt.date(2026, 6, 3))
    assert set(refused.value.message_dict) == {"finding", "addressee", "text", "response_due"}
    with pytest.raises(ValidationError, match="response_due"):
        issue(world, space, response_due=dt.date(2028, 1, 1))
    with pytest.raises(PermissionDenied):
        issue(world, space, by=world.personas.prosecutor)


def test_the_addressee_accepts_with_a_dated_plan_and_cannot_answer_twice(world, space):
    recommendation = issue(world, space)
    officer = world.personas.facility_officer

    with pytest.raises(ValidationError, match="at least one action"):
        services.respond(recommendation=recommendation, by=officer, status=RecommendationStatus.ACCEPTED)
    statement = services.respond(recommendation=recommendation, by=officer, status=RecommendationStatus.ACCEPTED,
                                 actions=[("Move 40 people to block 3", dt.date(2026, 9, 1))])

    recommendation.refresh_from_db()
    assert (recommendation.status, recommendation.response) == (RecommendationStatus.ACCEPTED,) * 2
    assert [a.description for a in statement.actions.all()] == ["Move 40 people to block 3"]
    with pytest.raises(ValidationError, match="already been answered"):
        services.respond(recommendation=recommendation, by=officer, status=RecommendationStatus.REJECTED,
                         text="Changed our mind")
    services.report_progress(recommendation=recommendation, by=officer, text="Block 3 repaired.")
    assert list(Statement.objects.values_list("kind", flat=True)) == ["response", "progress"]


def test_a_rejection_needs_a_reason(world, space):
    recommendation = issue(world, space)
    with pytest.raises(ValidationError, match="required"):
        services.respond(recommendation=recommendation, by=world.personas.facility_officer,
                         status=RecommendationStatus.REJECTED, text="  ")
    services.respond(recommendation=recommendation, by=world.personas.facility_officer,
                     status=RecommendationStatus.REJECTED, text="No budget this year.")
    recommendation.refresh_from_db()
    assert recommendation.status == RecommendationStatus.REJECTED


def test_nobody_but_the_facilitys_own_officer_answers(world, space):
    recommendation = issue(world, space)
    ministry = issue(world, space, addressee=Addressee.MINISTRY)
    stranger = officer_of(world.personas.other_colony)
    for user in (stranger, world.personas.npm_monitor, world.personas.outsider):
        with pytest.raises(PermissionDenied):
            services.respond(recommendation=recommendation, by=user, status=RecommendationStatus.REJECTED, text="x")
    with pytest.raises(PermissionDenied):  # addressed to the ministry, not to the facility
        services.respond(recommendation=ministry, by=world.personas.facility_officer,
                         status=RecommendationStatus.REJECTED, text="x")
    assert list(services.addressed_to(world.personas.facility_officer)) == [recommendation]
    assert not services.addressed_to(stranger).exists()


def test_the_next_visit_carries_forward_open_recommendations_and_closes_what_was_done(world, space):
    done = issue(world, space)
    partly = issue(world, space, text="Repair the ventilation.")
    assert list(services.open_before(world.second)) == [done, partly]
    assert not services.open_before(world.first).exists()  # not its own visit's

    services.check_recommendation(recommendation=done, visit=world.second, by=world.personas.npm_monitor,
                                  status=RecommendationStatus.IMPLEMENTED, text="4.2 m2 measured.")
    services.check_recommendation(recommendation=partly, visit=world.second, by=world.personas.npm_monitor,
                                  status=RecommendationStatus.PARTLY_IMPLEMENTED)

    done.refresh_from_db()
    assert done.status == RecommendationStatus.IMPLEMENTED
    assert done.closed_at is not None
    assert list(services.open_before(world.second)) == [partly]
    with pytest.raises(ValidationError):
        services.check_recommendation(recommendation=done, visit=world.second, by=world.personas.npm_monitor,
                                      status=RecommendationStatus.NOT_IMPLEMENTED)
    with pytest.raises(ValidationError, match="earlier visit"):
        services.check_recommendation(recommendation=partly, visit=world.elsewhere, by=world.personas.npm_monitor,
                                      status=RecommendationStatus.IMPLEMENTED)


def test_a_reprisal_found_at_the_next_visit_is_a_critical_finding(world):
    assert list(services.interviews_to_check(world.second)) == [world.interview]

    check = services.check_interviewee(visit=world.second, interview=world.interview, by=world.personas.npm_monitor,
                                       outcome=ReprisalOutcome.REPRISAL)

    assert check.finding.origin == FindingOrigin.REPRISAL_CHECK
    assert check.finding.critical_kind == "reprisals"
    assert check.finding.visit == world.second
    assert "P-01" not in check.finding.summary
    with pytest.raises(ValidationError):
        services.check_interviewee(visit=world.second, interview=world.interview, by=world.personas.npm_monitor,
                                   outcome=ReprisalOutcome.NO_SIGN)


def test_reminders_before_the_deadline_and_escalation_after_it_are_sent_once(world, space):
    recommendation = issue(world, space)
    officer = world.personas.facility_officer

    assert remind_recommendations.call(today="2026-06-20") == {"reminded": 0, "escalated": 0}
    assert remind_recommendations.call(today="2026-06-28") == {"reminded": 1, "escalated": 0}
    assert remind_recommendations.call(today="2026-06-29") == {"reminded": 0, "escalated": 0}
    assert remind_recommendations.call(today="2026-07-04") == {"reminded": 0, "escalated": 2}
    assert remind_recommendations.call(today="2026-07-05") == {"reminded": 0, "escalated": 0}
    kinds = sorted(Notification.objects.values_list("recipient__username", "kind"))
    assert kinds == [("aigerim.npm", NotificationKind.RESPONSE_OVERDUE),
                     (officer.username, NotificationKind.RESPONSE_DUE),
                     (officer.username, NotificationKind.RESPONSE_OVERDUE)]
    services.respond(recommendation=recommendation, by=officer, status=RecommendationStatus.REJECTED, text="No.")
    assert remind_recommendations.call(today="2026-07-10") == {"reminded": 0, "escalated": 0}


def test_the_reminders_run_every_hour_from_the_product_schedule():
    from jobs.schedule import default_schedule

    reminders = next(p for p in default_schedule() if p.name == "visits:recommendations:remind")
    assert reminders.resolve() is remind_recommendations
    assert reminders.every == dt.timedelta(hours=1)
