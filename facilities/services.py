"""Every change to registry data: one function per change, each leaving an audit record."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import Min, QuerySet
from django.db.models.functions import Length
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import facility_scope
from facilities import population, search, text_rules
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
    "design_capacity", "operational_capacity", "maximum_capacity", "opened_on", "is_active",
)
UNIT_FIELDS = ("code", "name", "kind", "capacity", "living_space_m2")
# Kept for the callers that name it; the list itself is facilities.population.NAMES.
SNAPSHOT_COUNT_FIELDS = population.NAMES


def _text_rule(model: type, name: str, *, required: bool = True) -> Any:
    max_length = model._meta.get_field(name).max_length
    return lambda value: text_rules.text(value, max_length=max_length, required=required)


def _code_rule(model: type, name: str) -> Any:
    max_length = model._meta.get_field(name).max_length
    return lambda value: text_rules.code(value, max_length=max_length)


def _optional(rule: Any) -> Any:
    return lambda value: None if value is None else rule(value)


# The rules of text_rules, field by field: applied to every value a change brings.
FACILITY_RULES = {
    "code": _code_rule(Facility, "code"),
    "name_kk": _text_rule(Facility, "name_kk"),
    "name_ru": _text_rule(Facility, "name_ru"),
    "name_en": _text_rule(Facility, "name_en"),
    "address": _text_rule(Facility, "address", required=False),
    "design_capacity": text_rules.people,
    "operational_capacity": text_rules.people,
    "maximum_capacity": _optional(text_rules.people),
}
UNIT_RULES = {
    "code": _code_rule(Unit, "code"),
    "name": _text_rule(Unit, "name"),
    "capacity": text_rules.people,
    "living_space_m2": text_rules.area,
}


def apply_rules(
    fields: Mapping[str, Any], rules: Mapping[str, Any], *, current: Any = None
) -> dict[str, Any]:
    """The fields as they are stored once the rules have cleaned them; raises ValidationError
    naming every field that breaks one. A value equal to `current`'s is left as it is, so a
    record made under older rules stays editable in its other fields."""
    cleaned, errors = dict(fields), {}
    for name, value in fields.items():
        rule = rules.get(name)
        if rule is None or (current is not None and getattr(current, name) == value):
            continue
        try:
            cleaned[name] = rule(value)
        except text_rules.RuleError as error:
            errors[name] = str(error)
    if errors:
        raise ValidationError(errors)
    return cleaned


# --- the editor's mandate ----------------------------------------------------------------------


class OutsideMandate(PermissionDenied):
    """The change concerns, or would leave, a facility outside the editor's mandate."""


def within_mandate(by: Any, facilities: QuerySet[Facility]) -> QuerySet[Facility]:
    """The facilities of `facilities` in the mandate of `by` (None: the system, every facility)."""
    if by is None:
        return facilities
    scope = facility_scope(by)
    return facilities.none() if scope is None else facilities.filter(scope)


def ensure_within_mandate(*, by: Any, facility: Facility) -> None:
    """Refuse a change of, or leaving, a facility outside the editor's mandate: every service asks this."""
    if by is not None and not within_mandate(by, Facility.objects.filter(pk=facility.pk)).exists():
        raise OutsideMandate(_("The facility would be outside your mandate."))


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
    """Register a facility; raises ValidationError naming each bad field, OutsideMandate if the
    editor could not see it."""
    _reject_unknown(fields, FACILITY_FIELDS)
    fields = apply_rules(fields, FACILITY_RULES)
    if isinstance(fields.get("code"), str):
        _check_lookalike_code(fields["code"], exclude_pk=None)
    facility = _create(Facility(), fields, allowed=FACILITY_FIELDS, by=by, exclude=["latest_snapshot"])
    ensure_within_mandate(by=by, facility=facility)
    return facility


@transaction.atomic
def update_facility(*, facility: Facility, by: Any, **changes: Any) -> Facility:
    """Change a facility's registry fields; a no-op change leaves no record."""
    _reject_unknown(changes, FACILITY_FIELDS)
    ensure_within_mandate(by=by, facility=facility)
    locked = Facility.objects.select_for_update().get(pk=facility.pk)
    changes = apply_rules(changes, FACILITY_RULES, current=locked)
    if isinstance(changes.get("code"), str) and changes["code"] != locked.code:
        _check_lookalike_code(changes["code"], exclude_pk=locked.pk)
    if "opened_on" in changes:
        _check_opened_on(locked, changes["opened_on"])
    updated = _update(locked, changes, allowed=FACILITY_FIELDS, by=by, exclude=["latest_snapshot"])
    ensure_within_mandate(by=by, facility=updated)
    return updated


def lookalike_problem(code: str, others: Iterable[str]) -> str | None:
    """Why `code` cannot be registered beside `others`: one of them looks the same but is not."""
    skeleton = text_rules.code_skeleton(code)
    for other in others:
        if other != code and text_rules.code_skeleton(other) == skeleton:
            return _("Facility %(code)s has a code that looks the same; use that facility's code, or one that "
                     "cannot be mistaken for it.") % {"code": other}
    return None


def _check_lookalike_code(code: str, *, exclude_pk: int | None) -> None:
    # Codes that look alike have the same length; that narrows the look to a few rows.
    others = Facility.objects.exclude(pk=exclude_pk).annotate(n=Length("code")).filter(n=len(code))
    if problem := lookalike_problem(code, others.values_list("code", flat=True)):
        raise ValidationError({"code": problem})


def opened_on_problem(opened_on: dt.date | None, first_count: dt.date | None) -> str | None:
    """Why a facility cannot have been in use only since `opened_on`, given its oldest count."""
    if opened_on is not None and first_count is not None and first_count < opened_on:
        return _("A population count of %(date)s is recorded; the facility was in use by then.") % {
            "date": first_count.isoformat()}
    return None


def _check_opened_on(facility: Facility, opened_on: dt.date | None) -> None:
    first = facility.snapshots.aggregate(first=Min("date"))["first"] if opened_on is not None else None
    if problem := opened_on_problem(opened_on, first):
        raise ValidationError({"opened_on": problem})


@transaction.atomic
def add_unit(*, facility: Facility, by: Any, **fields: Any) -> Unit:
    """Add a living unit to a facility; its code must be new within the facility."""
    _reject_unknown(fields, UNIT_FIELDS)
    ensure_within_mandate(by=by, facility=facility)
    return _create(Unit(facility=facility), apply_rules(fields, UNIT_RULES), allowed=UNIT_FIELDS, by=by)


@transaction.atomic
def update_unit(*, unit: Unit, by: Any, **changes: Any) -> Unit:
    """Change a unit's places, living space or description; a no-op change leaves no record."""
    _reject_unknown(changes, UNIT_FIELDS)
    ensure_within_mandate(by=by, facility=unit.facility)
    locked = Unit.objects.select_related("facility").select_for_update(of=("self",)).get(pk=unit.pk)
    return _update(locked, apply_rules(changes, UNIT_RULES, current=locked), allowed=UNIT_FIELDS, by=by)


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
    ensure_within_mandate(by=by, facility=facility)
    check_count_date(facility, date)
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


def check_count_date(facility: Facility, date: Any) -> None:
    """The date rules of a population count (text_rules.count_date), as a ValidationError on `date`."""
    if not isinstance(date, dt.date) or isinstance(date, dt.datetime):
        raise ValidationError({"date": _("Enter a date as YYYY-MM-DD.")})
    try:
        text_rules.count_date(date, opened_on=facility.opened_on, today=timezone.localdate())
    except text_rules.RuleError as error:
        raise ValidationError({"date": str(error)}) from None


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
