"""What every visit service shares: who may act on a visit, and the audit trail."""

from __future__ import annotations

import uuid
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import Capability, can
from visits.models import Visit, VisitEvent, VisitStatus


class NotOnTheTeam(PermissionDenied):
    """The actor may not record this visit (not on its team, or not allowed to record visits)."""


def audit(*, visit: Visit, by: Any, action: str, **details: Any) -> VisitEvent:
    return VisitEvent.objects.create(visit=visit, at=timezone.now(), actor=by, action=action, details=details)


def ensure_can_record(*, visit: Visit, by: Any) -> None:
    """Refuse an actor who may not record `visit`, and any change to a closed visit."""
    from visits.selectors import visits_for

    if not can(by, Capability.RECORD_VISIT) or not visits_for(by).filter(pk=visit.pk).exists():
        raise NotOnTheTeam(_("You are not on this visit's team."))
    if not (by.is_superuser or visit.organisation_id == by.organisation_id or visit.team.filter(user=by).exists()):
        raise NotOnTheTeam(_("You are not on this visit's team."))
    if visit.status in (VisitStatus.COMPLETED, VisitStatus.CANCELLED):
        raise ValidationError(_("This visit is %(status)s: it can no longer be changed.") % {
            "status": VisitStatus(visit.status).label})


def device_uuid(value: Any, field: str = "device_id") -> uuid.UUID:
    """A device id as a UUID; a missing one is made here (records created on the server)."""
    if value is None or value == "":
        return uuid.uuid4()
    if isinstance(value, uuid.UUID):
        return value
    try:
        return uuid.UUID(str(value))
    except (ValueError, AttributeError, TypeError):
        raise ValidationError({field: _("is not a valid device id (a UUID).")}) from None


def plain_text(value: Any, *, field: str, max_length: int, required: bool = False) -> str:
    """Text as stored: stripped, without control characters except line breaks, within its length."""
    if value is None:
        value = ""
    if not isinstance(value, str):
        raise ValidationError({field: _("Enter text.")})
    text = value.replace("\r\n", "\n").strip()
    if any((ord(c) < 32 and c not in "\n\t") or c == "\x7f" for c in text):
        raise ValidationError({field: _("Remove the control characters from this text.")})
    if required and not text:
        raise ValidationError({field: _("This field is required.")})
    if len(text) > max_length:
        raise ValidationError({field: _("Keep this to %(max)s characters (it has %(n)s).") % {
            "max": max_length, "n": len(text)}})
    return text
