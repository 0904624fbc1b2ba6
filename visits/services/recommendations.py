"""Recommendations: issued by monitors, answered by their addressee, checked at the next visit.

The rules live here and nowhere else: the forms and the API only translate their errors. Every
statement is added, never edited; the recommendation's status moves only along `TRANSITIONS`.
Each change is logged to the ledger (`visit:recommendation`) in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.permissions import Capability, can
from ledger import interface as ledger
from visits.models import (
    TRANSITIONS,
    Addressee,
    CriticalKind,
    Evidence,
    Finding,
    FindingOrigin,
    FindingStatus,
    Interview,
    PlannedAction,
    Recommendation,
    RecommendationStatus,
    ReprisalCheck,
    ReprisalOutcome,
    Severity,
    Statement,
    StatementKind,
    Visit,
    VisitAction,
)
from visits.services import findings as finding_services
from visits.services.common import audit, plain_text

ENTRY_KIND = "visit:recommendation"
TEXT_MAX = 4000
ACTION_MAX = 1000
MAX_ACTIONS = 20
# A response is asked for within a reasonable time: not in the past, not more than a year ahead.
LONGEST_RESPONSE_DAYS = 366
# An action plan reaches at most five years ahead.
LONGEST_PLAN_DAYS = 5 * 366


def addressed_to(user: Any) -> QuerySet[Recommendation]:
    """The recommendations a user answers: a facility officer's facility's, addressed to the facility.

    Fails closed: anyone else, or an officer without a facility, answers none.
    """
    if not can(user, Capability.ANSWER_RECOMMENDATIONS) or not getattr(user, "facility_id", None):
        return Recommendation.objects.none()
    return Recommendation.objects.filter(addressee=Addressee.FACILITY, facility_id=user.facility_id)


def _text(value: Any, *, field: str, required: bool, max_length: int = TEXT_MAX) -> str:
    return plain_text(value, field=field, max_length=max_length, required=required)


def _date(value: Any, *, field: str, earliest: dt.date, latest: dt.date) -> dt.date:
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise ValidationError({field: [_("Enter a date.")]})
    if value < earliest:
        raise ValidationError({field: [_("The date may not be before %(day)s.") % {
            "day": date_format(earliest, "SHORT_DATE_FORMAT")}]})
    if value > latest:
        raise ValidationError({field: [_("The date may not be after %(day)s.") % {
            "day": date_format(latest, "SHORT_DATE_FORMAT")}]})
    return value


def _record(recommendation: Recommendation, statement: Statement | None = None) -> dict[str, Any]:
    record: dict[str, Any] = {
        "id": recommendation.pk,
        "finding": recommendation.finding_id,
        "visit": recommendation.visit_id,
        "facility": recommendation.facility_id,
        "addressee": recommendation.addressee,
        "text": recommendation.text,
        "response_due": recommendation.response_due.isoformat(),
        "status": recommendation.status,
        "response": recommendation.response,
    }
    if statement is not None:
        record["statement"] = {
            "id": statement.pk, "kind": statement.kind, "status": statement.status, "text": statement.text,
            "by": statement.author_id, "organisation": statement.organisation_id, "at": statement.at.isoformat(),
            "visit": statement.visit_id,
            "actions": [[a.description, a.due_on.isoformat()] for a in statement.actions.order_by("pk")],
            "evidence": sorted(statement.evidence.values_list("sha256", flat=True)),
        }
    return record


def _log(recommendation: Recommendation, statement: Statement | None = None) -> None:
    ledger.record(kind=ENTRY_KIND, record=_record(recommendation, statement), scope=recommendation.facility_id,
                  subject=f"visits.recommendation:{recommendation.pk}")


def issue_recommendation(*, finding: Finding, by: Any, addressee: str, text: str,
                         response_due: dt.date) -> Recommendation:
    """Address a recommendation about a confirmed finding to an authority, with a response deadline."""
    finding_services.ensure_may_manage(by=by, visit=finding.visit)
    today = timezone.localdate()
    errors: dict[str, list[str]] = {}
    if finding.status != FindingStatus.CONFIRMED:
        errors["finding"] = [_("Only a confirmed finding leads to recommendations.")]
    if addressee not in Addressee.values:
        errors["addressee"] = [_("Choose an addressee from the list.")]
    for _field, check in (("text", lambda: _text(text, field="text", required=True)),
                         ("response_due", lambda: _date(response_due, field="response_due",
                                                        earliest=today + dt.timedelta(days=1),
                                                        latest=today + dt.timedelta(days=LONGEST_RESPONSE_DAYS)))):
        try:
            check()
        except ValidationError as error:
            errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        recommendation = Recommendation.objects.create(
            finding=finding, visit_id=finding.visit_id, facility_id=finding.facility_id, addressee=addressee,
            text=_text(text, field="text", required=True), response_due=response_due, issued_at=timezone.now(),
            issued_by=by,
        )
        _log(recommendation)
        audit(visit=finding.visit, by=by, action=VisitAction.RECOMMENDATION_ISSUED,
              recommendation=recommendation.pk, finding=finding.pk, addressee=addressee)
    return recommendation


def _clean_actions(actions: Sequence[tuple[Any, Any]], *, field: str = "actions") -> list[tuple[str, dt.date]]:
    if len(actions) > MAX_ACTIONS:
        raise ValidationError({field: [_("At most %(max)d actions at a time.") % {"max": MAX_ACTIONS}]})
    today = timezone.localdate()
    cleaned = []
    for position, (description, due_on) in enumerate(actions, start=1):
        try:
            cleaned.append((_text(description, field=field, required=True, max_length=ACTION_MAX),
                            _date(due_on, field=field, earliest=today,
                                  latest=today + dt.timedelta(days=LONGEST_PLAN_DAYS))))
        except ValidationError as error:
            message = "; ".join(error.message_dict[field])
            raise ValidationError({field: [_("Action %(n)d: %(error)s") % {"n": position, "error": message}]}) \
                from None
    return cleaned


def _locked(recommendation: Recommendation) -> Recommendation:
    return Recommendation.objects.select_for_update().get(pk=recommendation.pk)


def _ensure_addressee(by: Any, recommendation: Recommendation) -> None:
    if not addressed_to(by).filter(pk=recommendation.pk).exists():
        raise PermissionDenied(_("This recommendation is not addressed to you."))


def respond(*, recommendation: Recommendation, by: Any, status: str, text: str = "",
            actions: Sequence[tuple[Any, Any]] = ()) -> Statement:
    """The addressee's answer: accepted or partly accepted with an action plan, or rejected with a reason."""
    _ensure_addressee(by, recommendation)
    errors: dict[str, list[str]] = {}
    if status not in RecommendationStatus.responses():
        errors["status"] = [_("Choose accepted, partly accepted or rejected.")]
    try:
        text = _text(text, field="text", required=status in (RecommendationStatus.REJECTED,
                                                              RecommendationStatus.PARTLY_ACCEPTED))
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        cleaned = _clean_actions(actions)
        if status in (RecommendationStatus.ACCEPTED, RecommendationStatus.PARTLY_ACCEPTED) and not cleaned:
            errors["actions"] = [_("Give at least one action with the date it will be done by.")]
    except ValidationError as error:
        errors.update(error.message_dict)
        cleaned = []
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        recommendation = _locked(recommendation)
        if status not in TRANSITIONS[recommendation.status] or recommendation.status != \
                RecommendationStatus.AWAITING_RESPONSE:
            raise ValidationError({"status": [_("This recommendation has already been answered.")]})
        now = timezone.now()
        statement = Statement.objects.create(recommendation=recommendation, kind=StatementKind.RESPONSE,
                                             status=status, text=text, author=by, organisation_id=by.organisation_id,
                                             at=now)
        _add_actions(recommendation, statement, cleaned)
        recommendation.status = recommendation.response = status
        recommendation.responded_at = now
        recommendation.save(update_fields=["status", "response", "responded_at"])
        _log(recommendation, statement)
        audit(visit=recommendation.visit, by=by, action=VisitAction.RECOMMENDATION_ANSWERED,
              recommendation=recommendation.pk, status=status, actions=len(cleaned))
    return statement


def report_progress(*, recommendation: Recommendation, by: Any, text: str,
                    actions: Sequence[tuple[Any, Any]] = ()) -> Statement:
    """The addressee says what has been done (and may plan further actions); the status stays."""
    _ensure_addressee(by, recommendation)
    text = _text(text, field="text", required=True)
    cleaned = _clean_actions(actions)
    with transaction.atomic():
        recommendation = _locked(recommendation)
        if recommendation.status == RecommendationStatus.AWAITING_RESPONSE:
            raise ValidationError({"text": [_("Answer the recommendation first.")]})
        if not recommendation.is_open:
            raise ValidationError({"text": [_("The recommendation was found implemented and is closed.")]})
        statement = Statement.objects.create(recommendation=recommendation, kind=StatementKind.PROGRESS, text=text,
                                             author=by, organisation_id=by.organisation_id, at=timezone.now())
        _add_actions(recommendation, statement, cleaned)
        _log(recommendation, statement)
        audit(visit=recommendation.visit, by=by, action=VisitAction.RECOMMENDATION_PROGRESS,
              recommendation=recommendation.pk, actions=len(cleaned))
    return statement


def _add_actions(recommendation: Recommendation, statement: Statement, actions: list[tuple[str, dt.date]]) -> None:
    PlannedAction.objects.bulk_create([
        PlannedAction(recommendation=recommendation, statement=statement, description=d, due_on=due)
        for d, due in actions
    ])


def open_before(visit: Visit) -> QuerySet[Recommendation]:
    """The recommendations of earlier visits to the visit's facility still open: the next visit checks them."""
    return (Recommendation.objects.filter(facility_id=visit.facility_id, status__in=RecommendationStatus.open(),
                                          visit__planned_on__lte=visit.planned_on)
            .exclude(visit=visit).select_related("finding__theme", "visit").order_by("issued_at", "pk"))


def check_recommendation(*, recommendation: Recommendation, visit: Visit, by: Any, status: str, text: str = "",
                         evidence: Sequence[Evidence] = ()) -> Statement:
    """At a later visit, the monitors' verdict: implemented, partly or not, with their evidence."""
    finding_services.ensure_may_manage(by=by, visit=visit)
    errors: dict[str, list[str]] = {}
    if status not in RecommendationStatus.verdicts():
        errors["status"] = [_("Choose implemented, partly implemented or not implemented.")]
    if not open_before(visit).filter(pk=recommendation.pk).exists():
        errors["recommendation"] = [_("Only an open recommendation of an earlier visit to this facility is checked.")]
    if any(item.visit_id != visit.pk for item in evidence):
        errors["evidence"] = [_("Evidence must come from this visit.")]
    try:
        text = _text(text, field="text", required=False)
    except ValidationError as error:
        errors.update(error.message_dict)
    if errors:
        raise ValidationError(errors)
    with transaction.atomic():
        recommendation = _locked(recommendation)
        if status not in TRANSITIONS[recommendation.status]:
            raise ValidationError({"status": [_("This recommendation is closed.")]})
        now = timezone.now()
        statement = Statement.objects.create(recommendation=recommendation, kind=StatementKind.CHECK, status=status,
                                             text=text, author=by, organisation_id=by.organisation_id, at=now,
                                             visit=visit)
        statement.evidence.set(evidence)
        recommendation.status = status
        recommendation.closed_at = now if status == RecommendationStatus.IMPLEMENTED else None
        recommendation.save(update_fields=["status", "closed_at"])
        _log(recommendation, statement)
        # On the checking visit's trail: that is where the verdict was reached.
        audit(visit=visit, by=by, action=VisitAction.RECOMMENDATION_CHECKED, recommendation=recommendation.pk,
              status=status, of_visit=recommendation.visit_id)
    return statement


def interviews_to_check(visit: Visit) -> QuerySet[Interview]:
    """The people interviewed at earlier visits to the facility who asked, or were marked, to be checked on."""
    return (Interview.objects.filter(visit__facility_id=visit.facility_id, follow_up=True,
                                     visit__planned_on__lte=visit.planned_on)
            .exclude(visit=visit).select_related("visit").order_by("visit__planned_on", "label"))


def check_interviewee(*, visit: Visit, interview: Interview, by: Any, outcome: str) -> ReprisalCheck:
    """Record whether a person interviewed earlier suffered reprisals; a reprisal, or a refusal to
    let the monitors see the person, is a critical finding of this visit (and notifies at once)."""
    finding_services.ensure_may_manage(by=by, visit=visit)
    if outcome not in ReprisalOutcome.values:
        raise ValidationError({"outcome": [_("Choose an outcome from the list.")]})
    if not interviews_to_check(visit).filter(pk=interview.pk).exists():
        raise ValidationError({"interview": [_("Only a person interviewed at an earlier visit here is checked on.")]})
    with transaction.atomic():
        if ReprisalCheck.objects.filter(visit=visit, interview=interview).exists():
            raise ValidationError({"interview": [_("This person has already been checked on at this visit.")]})
        finding = None
        if outcome in (ReprisalOutcome.REPRISAL, ReprisalOutcome.REFUSED):
            kind = CriticalKind.REPRISALS if outcome == ReprisalOutcome.REPRISAL else CriticalKind.ACCESS_OBSTRUCTED
            summary = (_("Reprisals against a person interviewed at the visit of %(day)s.")
                       if outcome == ReprisalOutcome.REPRISAL else
                       _("The monitors were not allowed to see a person interviewed at the visit of %(day)s.")) % {
                "day": date_format(interview.visit.planned_on, "SHORT_DATE_FORMAT")}
            finding = finding_services.add_finding(
                visit=visit, by=by, theme=finding_services.theme_of(visit, "torture_prevention"),
                severity=Severity.CRITICAL, critical_kind=kind, summary=summary, origin=FindingOrigin.REPRISAL_CHECK)
        return ReprisalCheck.objects.create(visit=visit, interview=interview, outcome=outcome, checked_by=by,
                                            at=timezone.now(), finding=finding)
