"""Findings and recommendations in the JSON API (under /api/v1/visits/).

Reads go through the same selectors as the pages (`visits.reports.selectors`: the facility mandate;
`recommendations.addressed_to`: a facility officer's own facility), the addressee's answer through
the same services (`respond`, `report_progress`) with their one set of rules: the API only turns
their refusals into `{"field", "error"}` items with a 4xx code. Interview notes are never part of it.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied
from django.db.models import Prefetch, QuerySet
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import Field, StrictStr

from accounts.permissions import Capability, can
from lib.api import COMMON_ERRORS
from visits.models import Finding, PlannedAction, Recommendation, Statement, Visit
from visits.reports import selectors
from visits.services import recommendations as services

router = Router()
MAX_ID = 2**63 - 1


def _require(user: Any, capability: Capability) -> None:
    if not can(user, capability):
        raise PermissionDenied(_("Your role does not allow this."))


def _one(queryset: QuerySet[Any], pk: int) -> Any:
    found = queryset.filter(pk=pk).first() if 1 <= pk <= MAX_ID else None
    if found is None:
        raise Http404
    return found


# --- Schemas -------------------------------------------------------------------------------------


class FindingOut(Schema):
    id: int
    code: str
    visit: int
    facility: int
    origin: str
    theme: str
    indicator: str | None
    severity: str
    critical_kind: str
    summary: str
    status: str
    merged_into: int | None
    evidence: list[str]  # SHA-256 of each evidence file
    created_at: dt.datetime
    decided_at: dt.datetime | None


class ActionOut(Schema):
    description: str
    due_on: dt.date


class StatementOut(Schema):
    id: int
    kind: str  # response, progress, check
    status: str
    text: str
    organisation: str
    at: dt.datetime
    visit: int | None
    actions: list[ActionOut]


class RecommendationOut(Schema):
    id: int
    finding: int
    finding_summary: str
    visit: int
    facility: int
    addressee: str
    text: str
    response_due: dt.date
    status: str
    response: str
    issued_at: dt.datetime
    responded_at: dt.datetime | None
    closed_at: dt.datetime | None
    statements: list[StatementOut]


class ActionIn(Schema):
    description: Annotated[StrictStr, Field(max_length=services.ACTION_MAX)]
    due_on: dt.date


class ResponseIn(Schema):
    status: Annotated[StrictStr, Field(max_length=32)]  # accepted, partly_accepted, rejected
    text: Annotated[StrictStr, Field(max_length=services.TEXT_MAX)] = ""
    actions: list[ActionIn] = Field(default_factory=list, max_length=services.MAX_ACTIONS)


class ProgressIn(Schema):
    text: Annotated[StrictStr, Field(max_length=services.TEXT_MAX)]
    actions: list[ActionIn] = Field(default_factory=list, max_length=services.MAX_ACTIONS)


def _finding_out(finding: Finding) -> dict[str, Any]:
    return {"id": finding.pk, "code": finding.code, "visit": finding.visit_id, "facility": finding.facility_id,
            "origin": finding.origin, "theme": finding.theme.key,
            "indicator": finding.indicator.code if finding.indicator_id else None, "severity": finding.severity,
            "critical_kind": finding.critical_kind, "summary": finding.summary, "status": finding.status,
            "merged_into": finding.merged_into_id, "evidence": sorted(e.sha256 for e in finding.evidence.all()),
            "created_at": finding.created_at, "decided_at": finding.decided_at}


STATEMENTS = Prefetch("statements", queryset=Statement.objects.select_related("organisation").prefetch_related(
    Prefetch("actions", queryset=PlannedAction.objects.order_by("pk"))).order_by("at", "pk"))


def _recommendations(queryset: QuerySet[Recommendation]) -> QuerySet[Recommendation]:
    return queryset.select_related("finding").prefetch_related(STATEMENTS).order_by("issued_at", "pk")


def _recommendation_out(item: Recommendation) -> dict[str, Any]:
    return {"id": item.pk, "finding": item.finding_id, "finding_summary": item.finding.summary, "visit": item.visit_id,
            "facility": item.facility_id, "addressee": item.addressee, "text": item.text,
            "response_due": item.response_due, "status": item.status, "response": item.response,
            "issued_at": item.issued_at, "responded_at": item.responded_at, "closed_at": item.closed_at,
            "statements": [{"id": s.pk, "kind": s.kind, "status": s.status, "text": s.text,
                            "organisation": s.organisation.code, "at": s.at, "visit": s.visit_id,
                            "actions": [{"description": a.description, "due_on": a.due_on} for a in s.actions.all()]}
                           for s in item.statements.all()]}


def _readable(user: Any) -> QuerySet[Recommendation]:
    """The recommendations a user reads: within the mandate (oversight) or addressed to their facility."""
    if can(user, Capability.VIEW_FINDINGS):
        return selectors.recommendations_for(user)
    if can(user, Capability.ANSWER_RECOMMENDATIONS):
        return services.addressed_to(user)
    raise PermissionDenied(_("Your role does not allow this."))


def _visit_in_mandate(user: Any, pk: int) -> Visit:
    _require(user, Capability.VIEW_FINDINGS)
    return _one(selectors.visits_in_mandate(user), pk)


# --- Operations ----------------------------------------------------------------------------------


@router.get("/{int:pk}/findings", response={200: list[FindingOut], **COMMON_ERRORS},
            summary="The findings of a visit (proposed, confirmed, merged, dismissed)")
def visit_findings(request: HttpRequest, pk: int) -> Any:
    visit = _visit_in_mandate(request.auth, pk)
    findings = (selectors.findings_for(request.auth).filter(visit=visit)
                .select_related("theme", "indicator").prefetch_related("evidence").order_by("pk"))
    return [_finding_out(f) for f in findings]


@router.get("/findings/{int:pk}", response={200: FindingOut, **COMMON_ERRORS}, summary="One finding")
def finding(request: HttpRequest, pk: int) -> Any:
    _require(request.auth, Capability.VIEW_FINDINGS)
    queryset = selectors.findings_for(request.auth).select_related("theme", "indicator").prefetch_related("evidence")
    return _finding_out(_one(queryset, pk))


@router.get("/{int:pk}/recommendations", response={200: list[RecommendationOut], **COMMON_ERRORS},
            summary="The recommendations of a visit, with every statement on them")
def visit_recommendations(request: HttpRequest, pk: int) -> Any:
    visit = _visit_in_mandate(request.auth, pk)
    items = _recommendations(selectors.recommendations_for(request.auth).filter(visit=visit))
    return [_recommendation_out(r) for r in items]


@router.get("/recommendations", response={200: list[RecommendationOut], **COMMON_ERRORS},
            summary="Recommendations you read: in your mandate, or addressed to your facility")
def recommendations(request: HttpRequest) -> Any:
    return [_recommendation_out(r) for r in _recommendations(_readable(request.auth))[:500]]


@router.get("/recommendations/{int:pk}", response={200: RecommendationOut, **COMMON_ERRORS},
            summary="One recommendation, with every statement on it")
def recommendation(request: HttpRequest, pk: int) -> Any:
    return _recommendation_out(_one(_recommendations(_readable(request.auth)), pk))


def _addressed(user: Any, pk: int) -> Recommendation:
    _require(user, Capability.ANSWER_RECOMMENDATIONS)
    return _one(services.addressed_to(user), pk)


@router.post("/recommendations/{int:pk}/response", response={201: RecommendationOut, **COMMON_ERRORS},
             summary="The addressee's answer: accepted or partly accepted with dated actions, or rejected with a "
                     "reason")
def respond(request: HttpRequest, pk: int, payload: ResponseIn) -> Any:
    item = _addressed(request.auth, pk)
    services.respond(recommendation=item, by=request.auth, status=payload.status, text=payload.text,
                     actions=[(a.description, a.due_on) for a in payload.actions])
    return Status(201, _recommendation_out(_one(_recommendations(services.addressed_to(request.auth)), pk)))


@router.post("/recommendations/{int:pk}/progress", response={201: RecommendationOut, **COMMON_ERRORS},
             summary="The addressee reports what has been done (and may plan further dated actions)")
def progress(request: HttpRequest, pk: int, payload: ProgressIn) -> Any:
    item = _addressed(request.auth, pk)
    services.report_progress(recommendation=item, by=request.auth, text=payload.text,
                             actions=[(a.description, a.due_on) for a in payload.actions])
    return Status(201, _recommendation_out(_one(_recommendations(services.addressed_to(request.auth)), pk)))
