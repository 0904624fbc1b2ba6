"""Planning a visit: the facility, whether it is announced, when, who goes and what to focus on."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import Capability, can, facility_scope
from facilities.models import Facility
from visits.models import TeamMember, Visit, VisitAction, VisitKind, VisitStatus, VisitTiming
from visits.services.common import audit, device_uuid, ensure_can_record
from visits.standards import current_catalogue

# How far back a visit may be entered (one recorded on paper, typed in later) and how far ahead planned.
PAST_DAYS = 31
AHEAD_DAYS = 366


def _in_mandate(user: Any, facility: Facility) -> bool:
    scope = facility_scope(user)
    return scope is not None and Facility.objects.filter(scope, pk=facility.pk).exists()


@transaction.atomic
def plan_visit(*, by: Any, facility: Facility, planned_on: dt.date, kind: str = VisitKind.UNANNOUNCED,
               timing: str = VisitTiming.DAY, team: Iterable[Any] = (), focus_themes: Iterable[str] = (),
               device_id: Any = None) -> Visit:
    """Plan a visit led by the actor's body, with the actor on the team.

    A second call with the same `device_id` by the same person returns the visit already planned
    (an offline device uploading twice). Raises ValidationError naming each bad field, and
    PermissionDenied if the actor may not plan visits or the facility is outside their mandate.
    """
    if not can(by, Capability.PLAN_VISIT) or by.organisation_id is None:
        raise PermissionDenied(_("You may not plan visits."))
    device_id = device_uuid(device_id)
    existing = Visit.objects.filter(device_id=device_id).first()
    if existing is not None:
        if existing.created_by_id != by.pk:
            raise ValidationError({"device_id": _("This device id belongs to another record.")})
        return existing
    if not isinstance(facility, Facility) or not _in_mandate(by, facility):
        raise PermissionDenied(_("The facility is outside your mandate."))
    errors: dict[str, str] = {}
    if kind not in VisitKind.values:
        errors["kind"] = _("Choose announced or unannounced.")
    if timing not in VisitTiming.values:
        errors["timing"] = _("Choose day, night or weekend.")
    today = timezone.localdate()
    if not isinstance(planned_on, dt.date) or isinstance(planned_on, dt.datetime):
        errors["planned_on"] = _("Enter a date.")
    elif not today - dt.timedelta(days=PAST_DAYS) <= planned_on <= today + dt.timedelta(days=AHEAD_DAYS):
        errors["planned_on"] = _("Plan the visit between %(start)s and %(end)s.") % {
            "start": (today - dt.timedelta(days=PAST_DAYS)).isoformat(),
            "end": (today + dt.timedelta(days=AHEAD_DAYS)).isoformat()}
    catalogue = current_catalogue()
    if catalogue is None:
        errors["catalogue"] = _("No standards catalogue is loaded yet (manage.py load_standards).")
    members = list(dict.fromkeys([by, *team]))
    for member in members:
        if not (can(member, Capability.RECORD_VISIT) and member.organisation_id and _in_mandate(member, facility)):
            errors["team"] = _("%(name)s cannot join a visit to this facility (no mandate over it).") % {
                "name": member.get_full_name() or member.username}
            break
    themes = []
    if catalogue is not None:
        keys = list(dict.fromkeys(focus_themes))
        themes = list(catalogue.themes.filter(key__in=keys))
        if len(themes) != len(keys):
            errors["focus_themes"] = _("Choose themes of the catalogue.")
    if errors:
        raise ValidationError(errors)
    visit = Visit.objects.create(facility=facility, organisation_id=by.organisation_id, catalogue=catalogue,
                                 kind=kind, timing=timing, planned_on=planned_on, device_id=device_id, created_by=by)
    TeamMember.objects.bulk_create(
        TeamMember(visit=visit, user=member, organisation_id=member.organisation_id, leads=member == by)
        for member in members
    )
    visit.focus_themes.set(themes)
    audit(visit=visit, by=by, action=VisitAction.PLANNED, facility=facility.pk, planned_on=planned_on.isoformat(),
          kind=kind, timing=timing, team=[m.pk for m in members], focus_themes=[t.key for t in themes])
    return visit


@transaction.atomic
def cancel_visit(*, visit: Visit, by: Any, reason: str = "") -> Visit:
    """Cancel a visit that has not started; one that has started is completed instead."""
    ensure_can_record(visit=visit, by=by)
    locked = Visit.objects.select_for_update().get(pk=visit.pk)
    if locked.status != VisitStatus.PLANNED:
        raise ValidationError({"status": _("Only a planned visit can be cancelled.")})
    locked.status = VisitStatus.CANCELLED
    locked.version += 1
    locked.save(update_fields=["status", "version"])
    audit(visit=locked, by=by, action=VisitAction.CANCELLED, reason=reason[:500])
    return locked
