"""Recording a visit on the spot: arrival, access at the gate, departure, observations and the
population counted there (which becomes the registry's verified count)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from facilities import services as registry
from facilities.models import PopulationSnapshot, ReportSource, Unit
from visits.models import AccessOutcome, Observation, Theme, Visit, VisitAction, VisitStatus
from visits.services.common import audit, device_uuid, ensure_can_record, plain_text

MAX_TEXT = 20_000
MAX_DELAY_MINUTES = 24 * 60


def _locked(visit: Visit) -> Visit:
    return Visit.objects.select_for_update().get(pk=visit.pk)


def _aware(value: Any, field: str) -> dt.datetime:
    if not isinstance(value, dt.datetime) or timezone.is_naive(value):
        raise ValidationError({field: _("Enter a date and time.")})
    if value > timezone.now() + dt.timedelta(minutes=10):
        raise ValidationError({field: _("This time is in the future.")})
    return value


@transaction.atomic
def record_arrival(*, visit: Visit, by: Any, at: dt.datetime) -> Visit:
    """The team arrived at the gate: the visit is in progress."""
    ensure_can_record(visit=visit, by=by)
    at = _aware(at, "arrived_at")
    locked = _locked(visit)
    if locked.departed_at is not None and at > locked.departed_at:
        raise ValidationError({"arrived_at": _("Arrival cannot be after departure.")})
    if locked.arrived_at == at:
        return locked
    locked.arrived_at = at
    if locked.status == VisitStatus.PLANNED:
        locked.status = VisitStatus.IN_PROGRESS
    locked.version += 1
    locked.save(update_fields=["arrived_at", "status", "version"])
    audit(visit=locked, by=by, action=VisitAction.ARRIVED, at=at.isoformat())
    return locked


@transaction.atomic
def record_access(*, visit: Visit, by: Any, outcome: str, delay_minutes: int | None = None,
                  details: str = "") -> Visit:
    """How the team was let in. A delay needs its length, a refusal what was refused and by whom:
    both are obstruction under OPCAT art. 20, which the findings turn into a critical finding."""
    ensure_can_record(visit=visit, by=by)
    errors: dict[str, str] = {}
    if outcome not in AccessOutcome.values or outcome == AccessOutcome.NOT_RECORDED:
        errors["access"] = _("Choose how the team was let in.")
    if delay_minutes is not None and (isinstance(delay_minutes, bool) or not isinstance(delay_minutes, int)
                                      or not 0 <= delay_minutes <= MAX_DELAY_MINUTES):
        errors["access_delay_minutes"] = _("Enter the delay in whole minutes, from 0 to %(max)s.") % {
            "max": MAX_DELAY_MINUTES}
    elif outcome == AccessOutcome.DELAYED and not delay_minutes:
        errors["access_delay_minutes"] = _("Give how many minutes the team was kept waiting.")
    try:
        details = plain_text(details, field="access_details", max_length=MAX_TEXT)
    except ValidationError as error:
        errors.update({k: v[0] for k, v in error.message_dict.items()})
        details = ""
    if outcome in (AccessOutcome.REFUSED, AccessOutcome.PARTLY_REFUSED) and not details and not errors:
        errors["access_details"] = _("Say what was refused, by whom and with what reason given.")
    if errors:
        raise ValidationError(errors)
    locked = _locked(visit)
    locked.access = outcome
    locked.access_delay_minutes = delay_minutes
    locked.access_details = details
    locked.access_recorded_at = timezone.now()
    if locked.status == VisitStatus.PLANNED:
        locked.status = VisitStatus.IN_PROGRESS
    locked.version += 1
    locked.save(update_fields=["access", "access_delay_minutes", "access_details", "access_recorded_at", "status",
                               "version"])
    audit(visit=locked, by=by, action=VisitAction.ACCESS, outcome=outcome, delay_minutes=delay_minutes)
    return locked


@transaction.atomic
def record_departure(*, visit: Visit, by: Any, at: dt.datetime) -> Visit:
    ensure_can_record(visit=visit, by=by)
    at = _aware(at, "departed_at")
    locked = _locked(visit)
    if locked.arrived_at is None:
        raise ValidationError({"departed_at": _("Record the arrival first.")})
    if at < locked.arrived_at:
        raise ValidationError({"departed_at": _("Departure cannot be before arrival.")})
    locked.departed_at = at
    locked.version += 1
    locked.save(update_fields=["departed_at", "version"])
    audit(visit=locked, by=by, action=VisitAction.DEPARTED, at=at.isoformat())
    return locked


@transaction.atomic
def complete_visit(*, visit: Visit, by: Any) -> Visit:
    """Close the record: nothing changes after this (findings and follow-up build on it)."""
    ensure_can_record(visit=visit, by=by)
    locked = _locked(visit)
    errors = {}
    if locked.arrived_at is None:
        errors["arrived_at"] = _("Record the arrival before completing the visit.")
    if locked.departed_at is None:
        errors["departed_at"] = _("Record the departure before completing the visit.")
    if locked.access == AccessOutcome.NOT_RECORDED:
        errors["access"] = _("Record how the team was let in before completing the visit.")
    if errors:
        raise ValidationError(errors)
    locked.status = VisitStatus.COMPLETED
    locked.version += 1
    locked.save(update_fields=["status", "version"])
    audit(visit=locked, by=by, action=VisitAction.COMPLETED)
    return locked


@transaction.atomic
def add_observation(*, visit: Visit, by: Any, text: str, theme: str | None = None,
                    device_id: Any = None) -> Observation:
    """Something the team saw; the same device id twice is one observation."""
    device_id = device_uuid(device_id)
    existing = Observation.objects.filter(device_id=device_id).first()
    if existing is not None:
        if existing.visit_id != visit.pk:
            raise ValidationError({"device_id": _("This device id belongs to another record.")})
        return existing
    ensure_can_record(visit=visit, by=by)
    text = plain_text(text, field="text", max_length=MAX_TEXT, required=True)
    theme_row = None
    if theme:
        theme_row = Theme.objects.filter(catalogue_id=visit.catalogue_id, key=theme).first()
        if theme_row is None:
            raise ValidationError({"theme": _("Choose a theme of the catalogue.")})
    observation = Observation.objects.create(visit=visit, theme=theme_row, text=text, device_id=device_id, by=by)
    audit(visit=visit, by=by, action=VisitAction.OBSERVATION, observation=observation.pk)
    return observation


@transaction.atomic
def record_verified_counts(*, visit: Visit, by: Any, date: dt.date, counts: Mapping[str, int | None],
                           occupancy: Mapping[Unit, int] | None = None, unit_minors: Mapping[Unit, int] | None = None,
                           corrects: int | None = None) -> PopulationSnapshot:
    """Population and cell occupancy counted on the spot, recorded through the registry's own service
    as a count verified by the visiting body (it wins over the facility's own for that month)."""
    ensure_can_record(visit=visit, by=by)
    snapshot = registry.record_population_snapshot(
        facility=visit.facility, by=by, date=date, source=ReportSource.VERIFIED, corrects=corrects,
        occupancy=occupancy, unit_minors=unit_minors, **dict(counts),
    )
    Visit.objects.filter(pk=visit.pk).update(verified_snapshot=snapshot)
    visit.verified_snapshot = snapshot
    audit(visit=visit, by=by, action=VisitAction.COUNTS, snapshot=snapshot.pk, version=snapshot.version)
    return snapshot
