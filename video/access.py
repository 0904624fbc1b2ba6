"""Access to footage: a request with its purpose, approval by oversight officers, logged use.

- ``request_footage``: an oversight user with REQUEST_FOOTAGE asks for one camera's footage over
  a period (at most ``VIDEO_MAX_REQUEST_DAYS``, default 7), to view or to export, saying why.
- ``approve_footage_access``: an oversight officer with APPROVE_FOOTAGE, never the requester and
  never a facility's staff, approves; a viewing needs one approval, an export two different ones.
- ``open_footage``: the requester uses an approved request; the ``footage:access`` ledger entry
  is written and sequenced *before* anything is served (the caller serves only after it returns).
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import Role
from accounts.permissions import Capability, can
from facilities.services import ensure_within_mandate
from ledger import interface as ledger
from video.models import (
    Camera,
    FootageAccess,
    FootageApproval,
    FootageRequest,
    FootageRequestKind,
    FootageRequestStatus,
    Segment,
)


def _oversight_officer(by: Any, capability: Capability) -> None:
    """Fails closed: only an active oversight body's member with the capability, never facility staff."""
    organisation = getattr(by, "organisation", None)
    if (by is None or not can(by, capability) or by.role == Role.FACILITY_OFFICER or organisation is None
            or not organisation.is_oversight):
        raise PermissionDenied(_("Only an oversight body's officer may do this."))


def request_footage(*, camera: Camera, start: datetime, end: datetime, kind: str, purpose: str,
                    by: Any) -> FootageRequest:
    _oversight_officer(by, Capability.REQUEST_FOOTAGE)
    ensure_within_mandate(by=by, facility=camera.facility)
    errors: dict[str, str] = {}
    purpose = (purpose or "").strip()
    if len(purpose) < 10:
        errors["purpose"] = _("Say what the footage is needed for (at least 10 characters).")
    elif len(purpose) > 2000:
        errors["purpose"] = _("At most 2,000 characters.")
    if kind not in FootageRequestKind.values:
        errors["kind"] = _("View or export.")
    if start is None or end is None or timezone.is_naive(start) or timezone.is_naive(end):
        errors["start"] = _("Give the period as dates and times.")
    elif end <= start:
        errors["end"] = _("The end must be after the start.")
    elif end - start > timedelta(days=int(getattr(settings, "VIDEO_MAX_REQUEST_DAYS", 7))):
        errors["end"] = _("At most %(days)s days at once.") % {"days": getattr(settings, "VIDEO_MAX_REQUEST_DAYS", 7)}
    if errors:
        raise ValidationError(errors)
    return FootageRequest.objects.create(facility=camera.facility, camera=camera, start=start, end=end, kind=kind,
                                         purpose=purpose, requested_by=by, requested_at=timezone.now())


def approve_footage_access(*, request: FootageRequest, by: Any) -> FootageRequest:
    _oversight_officer(by, Capability.APPROVE_FOOTAGE)
    ensure_within_mandate(by=by, facility=request.facility)
    with transaction.atomic():
        request = FootageRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != FootageRequestStatus.PENDING:
            raise ValidationError({"status": _("The request was already decided.")})
        if request.requested_by_id == by.pk:
            raise ValidationError({"by": _("The person who asked cannot approve their own request.")})
        if request.approvals.filter(by=by).exists():
            raise ValidationError({"by": _("You approved this request already; an export needs another officer.")})
        FootageApproval.objects.create(request=request, by=by, at=timezone.now())
        if request.approvals.count() >= request.approvals_needed:
            request.status, request.decided_at = FootageRequestStatus.APPROVED, timezone.now()
            request.save(update_fields=["status", "decided_at"])
    return request


def refuse_footage_access(*, request: FootageRequest, by: Any, reason: str) -> FootageRequest:
    _oversight_officer(by, Capability.APPROVE_FOOTAGE)
    ensure_within_mandate(by=by, facility=request.facility)
    if not (reason or "").strip():
        raise ValidationError({"reason": _("Say why the request is refused.")})
    with transaction.atomic():
        request = FootageRequest.objects.select_for_update().get(pk=request.pk)
        if request.status != FootageRequestStatus.PENDING:
            raise ValidationError({"status": _("The request was already decided.")})
        request.status, request.decided_at, request.refusal = FootageRequestStatus.REFUSED, timezone.now(), reason
        request.save(update_fields=["status", "decided_at", "refusal"])
    return request


def segments_of(request: FootageRequest) -> list[Segment]:
    return list(Segment.objects.filter(camera=request.camera, start__lt=request.end, end__gt=request.start)
                .select_related("camera__recorder", "camera__facility").order_by("seq"))


def open_footage(*, request: FootageRequest, by: Any, action: str) -> FootageAccess:
    """Log one use of an approved request in the ledger and return once the entry has its index."""
    _oversight_officer(by, Capability.REQUEST_FOOTAGE)
    ensure_within_mandate(by=by, facility=request.facility)
    if request.status != FootageRequestStatus.APPROVED:
        raise PermissionDenied(_("The request is not approved."))
    if request.requested_by_id != by.pk:
        raise PermissionDenied(_("Only the person who asked may use the approved request."))
    if action not in FootageRequestKind.values or (action == FootageRequestKind.EXPORT
                                                   and request.kind != FootageRequestKind.EXPORT):
        raise PermissionDenied(_("The request does not allow an export."))
    segments = segments_of(request)
    with transaction.atomic():
        access = FootageAccess.objects.create(request=request, by=by, action=action, at=timezone.now())
        recorded = ledger.record(kind="footage:access", scope=request.facility_id, subject=access.subject, record={
            "request": request.pk, "action": action, "by": by.pk, "camera": request.camera.code,
            "recorder": request.camera.recorder.code, "start": request.start.isoformat(),
            "end": request.end.isoformat(), "approved_by": sorted(request.approvals.values_list("by_id", flat=True)),
            "manifests": [s.digest for s in segments],
        })
    access.ledger_index = ledger.wait_for_index(recorded, timeout=10)
    FootageAccess.objects.filter(pk=access.pk).update(ledger_index=access.ledger_index)
    return access
