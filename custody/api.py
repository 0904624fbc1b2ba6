"""The custody part of the JSON API (mounted at /api/v1/custody/).

``PUT /facilities/{id}/records/{record_id}`` is how a police system sends one detention: idempotent
by record id (the same body twice changes nothing and logs nothing), validated by the same rules as
the file import, answered with the outcome and the ledger index of the submission. The IIN is
accepted and never returned or stored. ``GET /alerts`` lists the alerts in the reader's mandate.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.responses import Status
from pydantic import ConfigDict, Field

from accounts.permissions import Capability, can
from custody.models import AlertStatus
from custody.selectors import AlertFilter, filtered
from custody.services.register import record_event, submit_record
from facilities.selectors import facilities_for
from lib.api import COMMON_ERRORS, error_body

router = Router()

Text = str | int | bool | None


class PlacementIn(Schema):
    model_config = ConfigDict(extra="forbid")
    cell: str = Field(max_length=64)
    from_: str = Field(alias="from", max_length=40)
    until: str | None = Field(default=None, max_length=40)


class RecordIn(Schema):
    """One detention; times in ISO 8601 (an offset is kept; none means Kazakhstan time, UTC+5)."""

    model_config = ConfigDict(extra="forbid")
    iin: str = Field(max_length=20)
    legal_basis: str = Field(max_length=20)
    birth_date: str | None = Field(default=None, max_length=10)
    sex: str | None = Field(default=None, max_length=10)
    citizenship: str | None = Field(default=None, max_length=3)
    offence_category: str | None = Field(default=None, max_length=20)
    state_of_emergency: bool | None = None
    term_ground: str | None = Field(default=None, max_length=32)
    cell_exception: str | None = Field(default=None, max_length=32)
    related_group: str | None = Field(default=None, max_length=64)
    infectious: bool | None = None
    lawyer_kind: str | None = Field(default=None, max_length=12)
    court_decision: str | None = Field(default=None, max_length=12)
    medical_result: str | None = Field(default=None, max_length=12)
    detained_at: str | None = Field(default=None, max_length=40)
    delivered_at: str | None = Field(default=None, max_length=40)
    protocol_at: str | None = Field(default=None, max_length=40)
    prosecutor_notified_at: str | None = Field(default=None, max_length=40)
    family_notified_at: str | None = Field(default=None, max_length=40)
    consulate_notified_at: str | None = Field(default=None, max_length=40)
    lawyer_requested_at: str | None = Field(default=None, max_length=40)
    lawyer_arrived_at: str | None = Field(default=None, max_length=40)
    lawyer_replacement_offered_at: str | None = Field(default=None, max_length=40)
    first_interview_at: str | None = Field(default=None, max_length=40)
    medical_exam_at: str | None = Field(default=None, max_length=40)
    injuries_reported_at: str | None = Field(default=None, max_length=40)
    court_sanction_at: str | None = Field(default=None, max_length=40)
    transferred_at: str | None = Field(default=None, max_length=40)
    released_at: str | None = Field(default=None, max_length=40)
    placements: list[PlacementIn] | None = Field(default=None, max_length=200)


class EventIn(Schema):
    """One moment of a stored detention (MOMENTS: detained_at, ..., released_at) and when it happened."""

    model_config = ConfigDict(extra="forbid")
    moment: str = Field(max_length=40)
    at: str = Field(max_length=40)


class RecordOut(Schema):
    record_id: str
    outcome: str
    submission: int | None
    ledger_index: int | None


class AlertOut(Schema):
    id: int
    facility: str
    rule: str
    rule_version: int
    severity: str
    status: str
    involves_minor: bool
    missing: str
    detail: dict[str, Any]
    evidence: list[dict[str, Any]]
    first_found_at: str
    last_found_at: str


@router.put("/facilities/{int:facility_id}/records/{record_id}",
            response={200: RecordOut, 201: RecordOut, **COMMON_ERRORS},
            summary="Create or update one detention by its record id (idempotent)")
def put_record(request: HttpRequest, facility_id: int, record_id: str, payload: RecordIn) -> Status:
    if not can(request.auth, Capability.IMPORT_CUSTODY_REGISTER):
        raise PermissionDenied(_("Your role does not allow this."))
    facility = facilities_for(request.auth).filter(pk=facility_id).first() if 0 < facility_id < 2**62 else None
    if facility is None:
        raise Http404
    data = payload.model_dump(exclude={"placements"}, exclude_none=True)
    placements = None if payload.placements is None else [
        {k: v for k, v in p.model_dump(by_alias=True).items() if v is not None} for p in payload.placements]
    outcome = submit_record(by=request.auth, facility_code=facility.code, record_id=record_id, data=data,
                            placements=placements)
    if not outcome.ok:
        return Status(422, error_body(*((p.column or None, p.reason) for p in outcome.problems)))
    kind = "created" if outcome.created else "updated" if outcome.updated else "unchanged"
    submission = outcome.submission
    return Status(201 if outcome.created else 200, {
        "record_id": record_id, "outcome": kind, "submission": submission.pk if submission else None,
        "ledger_index": submission.ledger_index if submission else None})


@router.post("/facilities/{int:facility_id}/records/{record_id}/events",
             response={200: RecordOut, **COMMON_ERRORS}, summary="Record one moment of a stored detention")
def post_event(request: HttpRequest, facility_id: int, record_id: str, payload: EventIn) -> Status:
    if not can(request.auth, Capability.IMPORT_CUSTODY_REGISTER):
        raise PermissionDenied(_("Your role does not allow this."))
    facility = facilities_for(request.auth).filter(pk=facility_id).first() if 0 < facility_id < 2**62 else None
    if facility is None:
        raise Http404
    outcome = record_event(by=request.auth, facility=facility, record_id=record_id, moment=payload.moment,
                           at=payload.at)
    if not outcome.ok:
        status = 404 if any(p.column == "record_id" for p in outcome.problems) else 422
        return Status(status, error_body(*((p.column or None, p.reason) for p in outcome.problems)))
    submission = outcome.submission
    return Status(200, {"record_id": record_id, "outcome": "updated" if outcome.updated else "unchanged",
                        "submission": submission.pk if submission else None,
                        "ledger_index": submission.ledger_index if submission else None})


@router.get("/alerts", response={200: list[AlertOut], **COMMON_ERRORS}, summary="Alerts in your mandate")
def list_alerts(request: HttpRequest, rule: str = "", severity: str = "", status: str = AlertStatus.OPEN,
                limit: int = 100) -> list[dict[str, Any]]:
    if not can(request.auth, Capability.VIEW_CUSTODY_ALERTS):
        raise PermissionDenied(_("Your role does not allow this."))
    limit = max(1, min(limit, 1000))
    f = AlertFilter(rule=rule[:64], severity=severity[:10], status="" if status == "all" else status[:16])
    return [
        {"id": a.pk, "facility": a.facility.code, "rule": a.rule, "rule_version": a.rule_version,
         "severity": a.severity, "status": a.status, "involves_minor": a.involves_minor, "missing": a.missing,
         "detail": a.detail, "evidence": a.evidence, "first_found_at": a.first_found_at.isoformat(),
         "last_found_at": a.last_found_at.isoformat()}
        for a in filtered(request.auth, f)[:limit]
    ]
