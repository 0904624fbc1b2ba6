"""The visits part of the JSON API (mounted at /api/v1/visits/): what the offline app synchronises.

Every record an offline device creates carries the device's id for it (`device_id`, a UUID), so
uploading the same batch twice changes nothing. An answer edited from an older version than the
one saved is kept beside it as a conflict (`outcome: "conflict"`) and shown to the team. Each item
of a batch succeeds or is refused on its own, with the field and the reason.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import uuid
from typing import Annotated, Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import File, Form, Router, Schema
from ninja.files import UploadedFile
from ninja.responses import Status
from pydantic import Field, StrictBool, StrictInt, StrictStr

from accounts.permissions import Capability, can
from facilities.selectors import facilities_for
from lib import faultpoints
from lib.api import COMMON_ERRORS, django_validation_items
from visits import selectors, services
from visits.api_followup import router as followup_router
from visits.models import Evidence, Interview, Observation, Visit

router = Router()
# Findings and recommendations (visits.api_followup), under the same prefix.
router.add_router("", followup_router)
MAX_ID = 2**63 - 1
MAX_ITEMS = 500


def _require(user: Any, capability: Capability) -> None:
    if not can(user, capability):
        raise PermissionDenied(_("Your role does not allow this."))


def _visit(user: Any, pk: int) -> Visit:
    if not 1 <= pk <= MAX_ID:
        raise Http404
    visit = selectors.visits_for(user).filter(pk=pk).first()
    if visit is None:
        raise Http404
    return visit


# --- Schemas -------------------------------------------------------------------------------------


class VisitIn(Schema):
    facility: Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
    planned_on: dt.date
    kind: StrictStr = "unannounced"
    timing: StrictStr = "day"
    team: list[Annotated[StrictInt, Field(ge=1, le=MAX_ID)]] = Field(default_factory=list, max_length=50)
    focus_themes: list[StrictStr] = Field(default_factory=list, max_length=50)
    device_id: uuid.UUID


class VisitOut(Schema):
    id: int
    facility: int
    facility_code: str
    planned_on: dt.date
    kind: str
    timing: str
    status: str
    access: str
    catalogue: str
    version: int
    device_id: uuid.UUID


class AnswerOut(Schema):
    indicator: str
    value: Any = None
    not_applicable: bool
    compliance: str
    reason: str
    note: str
    version: int


class IndicatorOut(Schema):
    code: str
    theme: str
    question: str
    answer_type: str
    unit: str
    options: list[str]
    severity: str
    unconfirmed_reference: bool


class ChecklistOut(Schema):
    visit: VisitOut
    indicators: list[IndicatorOut]
    answers: list[AnswerOut]


Value = StrictBool | StrictInt | float | StrictStr | None


class AnswerIn(Schema):
    device_id: uuid.UUID
    indicator: Annotated[StrictStr, Field(max_length=32)]
    value: Value = None
    not_applicable: StrictBool = False
    note: Annotated[StrictStr, Field(max_length=5000)] = ""
    base_version: Annotated[StrictInt, Field(ge=0, le=1_000_000)] = 0


class ObservationIn(Schema):
    device_id: uuid.UUID
    text: Annotated[StrictStr, Field(max_length=20_000)]
    theme: StrictStr | None = None


class InterviewIn(Schema):
    device_id: uuid.UUID
    label: Annotated[StrictStr, Field(max_length=32)]
    notes: Annotated[StrictStr, Field(max_length=50_000)] = ""
    # The notes sealed by the device to the visiting body's key (an age file, base64): the offline page
    # sends these, so the notes are never in clear on the device.
    sealed_notes: Annotated[StrictStr, Field(max_length=270_000)] | None = None
    in_private: StrictBool = True
    follow_up: StrictBool = True


class AccessIn(Schema):
    outcome: StrictStr
    delay_minutes: StrictInt | None = None
    details: Annotated[StrictStr, Field(max_length=20_000)] = ""


class SyncIn(Schema):
    arrived_at: dt.datetime | None = None
    departed_at: dt.datetime | None = None
    access: AccessIn | None = None
    answers: list[AnswerIn] = Field(default_factory=list, max_length=MAX_ITEMS)
    observations: list[ObservationIn] = Field(default_factory=list, max_length=MAX_ITEMS)
    interviews: list[InterviewIn] = Field(default_factory=list, max_length=MAX_ITEMS)


class ItemError(Schema):
    field: str | None
    error: str


class ItemResult(Schema):
    device_id: str | None
    kind: str
    outcome: str  # saved, unchanged, duplicate, conflict, refused
    indicator: str | None = None
    version: int | None = None
    compliance: str | None = None
    reason: str | None = None
    errors: list[ItemError] = Field(default_factory=list)


class SyncOut(Schema):
    visit: VisitOut
    results: list[ItemResult]


class EvidenceOut(Schema):
    id: int
    device_id: uuid.UUID
    sha256: str
    content_type: str
    size: int
    kept_location: bool


def _visit_out(visit: Visit) -> dict[str, Any]:
    return {"id": visit.pk, "facility": visit.facility_id, "facility_code": visit.facility.code,
            "planned_on": visit.planned_on, "kind": visit.kind, "timing": visit.timing, "status": visit.status,
            "access": visit.access, "catalogue": visit.catalogue.version, "version": visit.version,
            "device_id": visit.device_id}


def _answer_out(answer: Any) -> dict[str, Any]:
    return {"indicator": answer.indicator.code, "value": answer.value, "not_applicable": answer.not_applicable,
            "compliance": answer.compliance, "reason": answer.reason, "note": answer.note, "version": answer.version}


# --- Operations ----------------------------------------------------------------------------------


@router.get("", response={200: list[VisitOut], **COMMON_ERRORS}, summary="The visits you may see")
def list_visits(request: HttpRequest) -> Any:
    _require(request.auth, Capability.VIEW_VISITS)
    return [_visit_out(v) for v in selectors.visits_for(request.auth).order_by("-planned_on", "-id")[:500]]


@router.post("", response={201: VisitOut, 200: VisitOut, **COMMON_ERRORS}, summary="Plan a visit")
def create_visit(request: HttpRequest, payload: VisitIn) -> Any:
    _require(request.auth, Capability.PLAN_VISIT)
    facility = facilities_for(request.auth).filter(pk=payload.facility).first()
    if facility is None:
        raise Http404
    from accounts.models import User

    team = list(User.objects.filter(pk__in=payload.team))
    if len(team) != len(set(payload.team)):
        raise ValidationError({"team": _("Choose monitors who exist.")})
    existed = Visit.objects.filter(device_id=payload.device_id).exists()
    visit = services.plan_visit(by=request.auth, facility=facility, planned_on=payload.planned_on, kind=payload.kind,
                                timing=payload.timing, team=team, focus_themes=payload.focus_themes,
                                device_id=payload.device_id)
    return Status(200 if existed else 201, _visit_out(visit))


@router.get("/{int:pk}", response={200: ChecklistOut, **COMMON_ERRORS}, summary="A visit and its checklist")
def get_visit(request: HttpRequest, pk: int) -> Any:
    _require(request.auth, Capability.VIEW_VISITS)
    visit = _visit(request.auth, pk)
    rows = selectors.checklist_of(visit)
    return {
        "visit": _visit_out(visit),
        "indicators": [{"code": i.code, "theme": i.theme.key, "question": i.question, "answer_type": i.answer_type,
                        "unit": i.unit, "options": [o["value"] for o in i.options], "severity": i.severity,
                        "unconfirmed_reference": i.has_unconfirmed_reference} for i, _a in rows],
        "answers": [_answer_out(a) for _i, a in rows if a is not None],
    }


def _refused(kind: str, device_id: Any, error: Exception, indicator: str | None = None) -> dict[str, Any]:
    if isinstance(error, ValidationError):
        items = django_validation_items(error)
    else:
        items = [(None, str(error) or _("Not allowed."))]
    return {"device_id": str(device_id) if device_id else None, "kind": kind, "outcome": "refused",
            "indicator": indicator, "errors": [{"field": f, "error": str(m)} for f, m in items]}


def _one(kind: str, device_id: Any, write: Any, indicator: str | None = None) -> dict[str, Any]:
    """One item of a batch in its own transaction: its result, or why it was refused."""
    try:
        with transaction.atomic():
            result = write()
    except (ValidationError, PermissionDenied) as error:
        return _refused(kind, device_id, error, indicator)
    except IntegrityError:
        # Another member's upload created the same record at the same moment: sending again
        # turns this edit into a conflict or a duplicate, never a second record.
        return _refused(kind, device_id, ValidationError(
            _("Another change was saved at the same time. Check the entries and save again.")), indicator)
    # Each item is committed on its own: a crash from here on loses none that was saved, and
    # sending the batch again answers `duplicate` for them (visits/tests/test_sync_kill.py).
    faultpoints.reached("visits:sync:item_committed")
    if isinstance(result, dict):
        return result
    return {"device_id": str(device_id) if device_id else None, "kind": kind, "outcome": "saved"}


def _base64(text: str | None) -> bytes | None:
    if text is None:
        return None
    try:
        return base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValidationError({"sealed_notes": _("is not base64.")}) from None


def _once(kind: str, model: Any, device_id: uuid.UUID, write: Any) -> dict[str, Any]:
    """A record the device sent before (the server may have saved it and crashed before answering) is
    answered `duplicate`: the service returns the stored one and changes nothing."""
    existed = model.objects.filter(device_id=device_id).exists()
    write()
    return {"device_id": str(device_id), "kind": kind, "outcome": "duplicate" if existed else "saved"}


@router.post("/{int:pk}/sync", response={200: SyncOut, **COMMON_ERRORS},
             summary="Upload what a device recorded; safe to repeat")
def sync(request: HttpRequest, pk: int, payload: SyncIn) -> Any:
    _require(request.auth, Capability.RECORD_VISIT)
    visit = _visit(request.auth, pk)
    by = request.auth
    results: list[dict[str, Any]] = []
    if payload.arrived_at is not None:
        results.append(_one("arrival", None, lambda: services.record_arrival(visit=visit, by=by,
                                                                             at=payload.arrived_at)))
    if payload.access is not None:
        access = payload.access
        results.append(_one("access", None, lambda: services.record_access(
            visit=visit, by=by, outcome=access.outcome, delay_minutes=access.delay_minutes, details=access.details)))
    for item in payload.answers:
        def write_answer(item: AnswerIn = item) -> dict[str, Any]:
            saved = services.save_answer(visit=visit, by=by, indicator=item.indicator, value=item.value,
                                         not_applicable=item.not_applicable, note=item.note,
                                         base_version=item.base_version, device_id=item.device_id)
            return {"device_id": str(item.device_id), "kind": "answer", "outcome": saved.outcome,
                    "indicator": item.indicator, "version": saved.answer.version,
                    "compliance": saved.answer.compliance, "reason": saved.answer.reason}
        results.append(_one("answer", item.device_id, write_answer, item.indicator))
    for item in payload.observations:
        results.append(_one("observation", item.device_id, lambda item=item: _once(
            "observation", Observation, item.device_id, lambda: services.add_observation(
                visit=visit, by=by, text=item.text, theme=item.theme, device_id=item.device_id))))
    for item in payload.interviews:
        results.append(_one("interview", item.device_id, lambda item=item: _once(
            "interview", Interview, item.device_id, lambda: services.record_interview(
                visit=visit, by=by, label=item.label, notes=item.notes, in_private=item.in_private,
                follow_up=item.follow_up, device_id=item.device_id, sealed_notes=_base64(item.sealed_notes)))))
    if payload.departed_at is not None:
        results.append(_one("departure", None, lambda: services.record_departure(visit=visit, by=by,
                                                                                 at=payload.departed_at)))
    visit.refresh_from_db()
    return {"visit": _visit_out(visit), "results": results}


@router.post("/{int:pk}/evidence", response={201: EvidenceOut, 200: EvidenceOut, **COMMON_ERRORS},
             summary="Upload an evidence file (photo or PDF); safe to repeat")
def upload_evidence(request: HttpRequest, pk: int, file: File[UploadedFile], device_id: Form[uuid.UUID],
                    description: Form[str] = "", keep_location: Form[bool] = False) -> Any:
    _require(request.auth, Capability.RECORD_VISIT)
    visit = _visit(request.auth, pk)
    existed = Evidence.objects.filter(device_id=device_id).exists()
    evidence = services.add_evidence(visit=visit, by=request.auth, upload=file, description=description,
                                     keep_location=keep_location, device_id=device_id)
    return Status(200 if existed else 201, {"id": evidence.pk, "device_id": evidence.device_id,
                                            "sha256": evidence.sha256, "content_type": evidence.content_type,
                                            "size": evidence.size, "kept_location": evidence.kept_location})
