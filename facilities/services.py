"""Every change to registry data: one function per change, each leaving an audit record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from facilities import population
from facilities.audit import commit_changes
from facilities.models import (
    ChangeAction,
    Facility,
    PopulationSnapshot,
    RegistryChange,
    ReportSource,
    Unit,
    UnitOccupancy,
)

FACILITY_FIELDS = (
    "code", "name_kk", "name_ru", "name_en", "type", "region", "operator", "address",
    "design_capacity", "operational_capacity", "maximum_capacity", "is_active",
)
UNIT_FIELDS = ("code", "name", "kind", "capacity", "living_space_m2")
# Kept for the callers that name it; the list itself is facilities.population.NAMES.
SNAPSHOT_COUNT_FIELDS = population.NAMES


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


def _create(instance: Any, fields: Mapping[str, Any], *, allowed: tuple[str, ...], by: Any,
            exclude: list[str] | None = None) -> Any:
    _reject_unknown(fields, allowed)
    for name, value in fields.items():
        setattr(instance, name, value)
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
    _validate(instance, exclude=exclude)
    instance.save()
    _record_change(actor=by, action=ChangeAction.UPDATE, instance=instance, facility=_facility_of(instance),
                   before=before, after=after)
    return instance


class CorrectionRequired(ValidationError):
    """A count for this date and source exists: a correction must name the version it corrects."""


def source_for(by: Any, source: str | None) -> str:
    """Who reports: a facility's own staff only ever self-report; oversight bodies verify by default."""
    organisation = getattr(by, "organisation", None)
    oversight = bool(getattr(by, "is_oversight", False)) and organisation is not None
    if source is None:
        return ReportSource.VERIFIED if oversight else ReportSource.SELF_REPORTED
    if source not in ReportSource.values:
        raise ValidationError({"source": _("is not a known source of a count")})
    if source == ReportSource.VERIFIED and not oversight:
        raise ValidationError({"source": _("Only an oversight body can record a verified count.")})
    return source


@transaction.atomic
def record_population_snapshot(
    *,
    facility: Facility,
    by: Any,
    date: dt.date,
    source: str | None = None,
    corrects: int | None = None,
    occupancy: Mapping[Unit, int] | None = None,
    unit_minors: Mapping[Unit, int] | None = None,
    **counts: int | None,
) -> PopulationSnapshot:
    """Record who was held on `date` as `source` reported it.

    A count left out or None is "not reported", never zero. If the facility already has a count
    for this date from the same source, the call must say which version it corrects
    (`corrects`), else CorrectionRequired is raised; the correction replaces every count and keeps
    the old figures in the audit record. A verified and a self-reported count of one date are both
    kept; the verified one is the facility's figure for that month.
    """
    _reject_unknown(counts, population.NAMES)
    source = source_for(by, source)
    existing = (PopulationSnapshot.objects.select_for_update()
                .filter(facility=facility, date=date, source=source).first())
    if existing is not None and corrects is None:
        raise CorrectionRequired({"date": ValidationError(
            _("A count from this source is already recorded for this date (version %(version)s). "
              "Send it as a correction of that version."), code="correction_required",
            params={"version": existing.version})})
    if existing is not None and corrects != existing.version:
        raise CorrectionRequired({"corrects": ValidationError(
            _("This corrects version %(given)s, but the recorded count is version %(version)s: "
              "someone corrected it since. Reload it and try again."), code="stale_version",
            params={"given": corrects, "version": existing.version})})
    if existing is None and corrects is not None:
        raise ValidationError({"corrects": _("There is no recorded count for this date to correct.")})
    fields = ("date", "source", *population.NAMES)
    before = _snapshot_of(existing, fields) if existing else None
    snapshot = existing or PopulationSnapshot(facility=facility, date=date, source=source)
    for name in population.NAMES:
        setattr(snapshot, name, counts.get(name))
    # The snapshot's check constraints cost a query each; clean() says the same per field and
    # the one-per-date-and-source constraint is honoured above.
    _validate(snapshot, exclude=["facility"], constraints=False)
    occupancy = dict(occupancy or {})
    unit_minors = dict(unit_minors or {})
    _validate_occupancy(facility, occupancy, unit_minors, snapshot=snapshot)
    after = _snapshot_of(snapshot, fields)
    after["occupancy"] = {unit.code: n for unit, n in sorted(occupancy.items(), key=lambda kv: kv[0].code)}
    after["unit_minors"] = {unit.code: n for unit, n in sorted(unit_minors.items(), key=lambda kv: kv[0].code)}
    if existing:
        rows = list(existing.occupancies.select_related("unit").order_by("unit__code"))
        before["occupancy"] = {o.unit.code: o.occupants for o in rows}
        before["unit_minors"] = {o.unit.code: o.minors for o in rows if o.minors is not None}
        if before == after:
            return existing
        snapshot.version = existing.version + 1
    after["version"] = snapshot.version
    snapshot.reporter = getattr(by, "organisation", None)
    snapshot.save()
    if existing:
        existing.occupancies.all().delete()
    UnitOccupancy.objects.bulk_create(
        UnitOccupancy(snapshot=snapshot, unit=unit, occupants=n, minors=unit_minors.get(unit))
        for unit, n in occupancy.items()
    )
    _refresh_latest_snapshot(facility)
    _record_change(
        actor=by, action=ChangeAction.UPDATE if existing else ChangeAction.CREATE, instance=snapshot,
        facility=facility, before=before, after=after,
    )
    return snapshot


def _validate_occupancy(facility: Facility, occupancy: Mapping[Unit, int], unit_minors: Mapping[Unit, int], *,
                        snapshot: PopulationSnapshot) -> None:
    errors = []
    for unit, occupants in occupancy.items():
        if unit.facility_id != facility.pk:
            errors.append(_("Unit %(unit)s belongs to another facility.") % {"unit": unit.code})
        if occupants < 0:
            errors.append(_("Unit %(unit)s: occupants cannot be negative.") % {"unit": unit.code})
    for unit, minors in unit_minors.items():
        if unit not in occupancy:
            errors.append(_("Unit %(unit)s: minors given without its occupants.") % {"unit": unit.code})
        elif minors < 0 or minors > occupancy[unit]:
            errors.append(_("Unit %(unit)s: minors must be between 0 and its occupants.") % {"unit": unit.code})
    if snapshot.total is not None and sum(occupancy.values()) > snapshot.total:
        errors.append(_("The units hold more people than the total held."))
    if snapshot.minors is not None and sum(unit_minors.values()) > snapshot.minors:
        errors.append(_("The units hold more minors than the minors held."))
    if errors:
        raise ValidationError({"occupancy": errors})


def effective_snapshot_id(facility: Facility) -> int | None:
    """The facility's figure: its latest month's count, a verified one winning over its own."""
    latest = PopulationSnapshot.objects.filter(facility=facility).order_by("-date").values_list("date", flat=True)[:1]
    if not latest:
        return None
    start = latest[0].replace(day=1)
    candidates = PopulationSnapshot.objects.filter(facility=facility, date__gte=start, date__lte=latest[0])
    # "verified" sorts after "self_reported": descending puts a verified count of the month first.
    chosen = candidates.order_by("-source", "-date").values_list("pk", flat=True)[:1]
    return chosen[0] if chosen else None


def _refresh_latest_snapshot(facility: Facility) -> None:
    latest_id = effective_snapshot_id(facility)
    Facility.objects.filter(pk=facility.pk).update(latest_snapshot_id=latest_id)
    facility.latest_snapshot_id = latest_id


def _reject_unknown(given: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(given) - set(allowed))
    if unknown:
        raise ValidationError({name: _("is not a field of this record") for name in unknown})
