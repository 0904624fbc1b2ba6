"""Every change to registry data: one function per change, each leaving an audit record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from facilities import search
from facilities.audit import commit_changes
from facilities.models import (
    ChangeAction,
    Facility,
    PopulationSnapshot,
    RegistryChange,
    Unit,
    UnitOccupancy,
)

FACILITY_FIELDS = (
    "code", "name_kk", "name_ru", "name_en", "type", "region", "operator", "address",
    "design_capacity", "operational_capacity", "maximum_capacity", "is_active",
)
UNIT_FIELDS = ("code", "name", "kind", "capacity", "living_space_m2")
SNAPSHOT_COUNT_FIELDS = (
    "total", "women", "pregnant_women", "mothers_with_children", "children_with_mothers", "minors",
    "below_age_of_responsibility", "disabled", "foreigners", "in_education", "in_vocational_training",
)


def _plain(value: Any) -> Any:
    if hasattr(value, "pk"):
        return value.pk
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def _snapshot_of(instance: Any, fields: tuple[str, ...]) -> dict[str, Any]:
    return {name: _plain(getattr(instance, name)) for name in fields}


def _record_change(
    *, actor: Any, action: str, instance: Any, facility: Facility | None, before: dict | None, after: dict
) -> RegistryChange:
    change = RegistryChange.objects.create(
        actor=actor,
        action=action,
        model=instance._meta.label_lower,
        object_id=str(instance.pk),
        facility=facility,
        before=before,
        after=after,
    )
    commit_changes([change])
    return change


def _validate(instance: Any, *, exclude: list[str] | None = None, constraints: bool = True) -> None:
    instance.full_clean(exclude=exclude, validate_constraints=constraints)


@transaction.atomic
def create_facility(*, by: Any, **fields: Any) -> Facility:
    """Register a facility; raises ValidationError naming each bad field."""
    return _create(Facility(), fields, allowed=FACILITY_FIELDS, by=by, exclude=["latest_snapshot"])


@transaction.atomic
def update_facility(*, facility: Facility, by: Any, **changes: Any) -> Facility:
    """Change a facility's registry fields; a no-op change leaves no record."""
    locked = Facility.objects.select_for_update().get(pk=facility.pk)
    return _update(locked, changes, allowed=FACILITY_FIELDS, by=by, exclude=["latest_snapshot"])


@transaction.atomic
def add_unit(*, facility: Facility, by: Any, **fields: Any) -> Unit:
    """Add a living unit to a facility; its code must be new within the facility."""
    return _create(Unit(facility=facility), fields, allowed=UNIT_FIELDS, by=by)


@transaction.atomic
def update_unit(*, unit: Unit, by: Any, **changes: Any) -> Unit:
    """Change a unit's places, living space or description; a no-op change leaves no record."""
    locked = Unit.objects.select_related("facility").select_for_update(of=("self",)).get(pk=unit.pk)
    return _update(locked, changes, allowed=UNIT_FIELDS, by=by)


def _facility_of(instance: Facility | Unit) -> Facility:
    return instance if isinstance(instance, Facility) else instance.facility


def _derive(instance: Any, changed: Mapping[str, Any]) -> None:
    """Fields that follow from others: a facility's search and sort keys from its code; a
    translation of a unit's name or a facility's address is dropped when the original changes,
    so a reader never sees an outdated one."""
    if isinstance(instance, Facility):
        for name, value in search.keys_for(instance.code).items():
            setattr(instance, name, value)
    original = "address" if isinstance(instance, Facility) else "name" if isinstance(instance, Unit) else None
    if original in changed:
        for language in ("kk", "ru"):
            setattr(instance, f"{original}_{language}", "")


def _create(instance: Any, fields: Mapping[str, Any], *, allowed: tuple[str, ...], by: Any,
            exclude: list[str] | None = None) -> Any:
    _reject_unknown(fields, allowed)
    for name, value in fields.items():
        setattr(instance, name, value)
    _derive(instance, {})
    _validate(instance, exclude=exclude)
    instance.save()
    _record_change(actor=by, action=ChangeAction.CREATE, instance=instance, facility=_facility_of(instance),
                   before=None, after=_snapshot_of(instance, allowed))
    return instance


def _update(instance: Any, changes: Mapping[str, Any], *, allowed: tuple[str, ...], by: Any,
            exclude: list[str] | None = None) -> Any:
    _reject_unknown(changes, allowed)
    before = _snapshot_of(instance, allowed)
    for name, value in changes.items():
        setattr(instance, name, value)
    after = _snapshot_of(instance, allowed)
    if after == before:
        return instance
    _derive(instance, {name: value for name, value in after.items() if before.get(name) != value})
    _validate(instance, exclude=exclude)
    instance.save()
    _record_change(actor=by, action=ChangeAction.UPDATE, instance=instance, facility=_facility_of(instance),
                   before=before, after=after)
    return instance


@transaction.atomic
def record_population_snapshot(
    *,
    facility: Facility,
    by: Any,
    date: dt.date,
    occupancy: Mapping[Unit, int] | None = None,
    **counts: int,
) -> PopulationSnapshot:
    """Record who was held on `date`; a second snapshot for the same date is a correction.

    A correction keeps its before and after values in the audit record.
    """
    _reject_unknown(counts, SNAPSHOT_COUNT_FIELDS)
    existing = PopulationSnapshot.objects.select_for_update().filter(facility=facility, date=date).first()
    before = _snapshot_of(existing, ("date", *SNAPSHOT_COUNT_FIELDS)) if existing else None
    snapshot = existing or PopulationSnapshot(facility=facility, date=date)
    for name in SNAPSHOT_COUNT_FIELDS:
        setattr(snapshot, name, counts.get(name, 0))
    # The snapshot's check constraints cost a query each; clean() says the same per field and
    # the one-per-date constraint is honoured above by correcting the existing snapshot.
    _validate(snapshot, exclude=["facility"], constraints=False)
    occupancy = dict(occupancy or {})
    _validate_occupancy(facility, occupancy, total=snapshot.total)
    after = _snapshot_of(snapshot, ("date", *SNAPSHOT_COUNT_FIELDS))
    after["occupancy"] = {unit.code: n for unit, n in sorted(occupancy.items(), key=lambda kv: kv[0].code)}
    if existing:
        before["occupancy"] = {
            o.unit.code: o.occupants for o in existing.occupancies.select_related("unit").order_by("unit__code")
        }
        if before == after:
            return existing
    snapshot.save()
    if existing:
        existing.occupancies.all().delete()
    UnitOccupancy.objects.bulk_create(
        UnitOccupancy(snapshot=snapshot, unit=unit, occupants=n) for unit, n in occupancy.items()
    )
    _refresh_latest_snapshot(facility)
    _record_change(
        actor=by, action=ChangeAction.UPDATE if existing else ChangeAction.CREATE, instance=snapshot,
        facility=facility, before=before, after=after,
    )
    return snapshot


def _validate_occupancy(facility: Facility, occupancy: Mapping[Unit, int], *, total: int) -> None:
    errors = []
    for unit, occupants in occupancy.items():
        if unit.facility_id != facility.pk:
            errors.append(_("Unit %(unit)s belongs to another facility.") % {"unit": unit.code})
        if occupants < 0:
            errors.append(_("Unit %(unit)s: occupants cannot be negative.") % {"unit": unit.code})
    if sum(occupancy.values()) > total:
        errors.append(_("The units hold more people than the total held."))
    if errors:
        raise ValidationError({"occupancy": errors})


def _refresh_latest_snapshot(facility: Facility) -> None:
    latest = PopulationSnapshot.objects.filter(facility=facility).order_by("-date").values_list("pk", flat=True)[:1]
    Facility.objects.filter(pk=facility.pk).update(latest_snapshot_id=latest[0] if latest else None)
    facility.latest_snapshot_id = latest[0] if latest else None


def _reject_unknown(given: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise ValidationError({name: _("is not a field of this record") for name in unknown})
