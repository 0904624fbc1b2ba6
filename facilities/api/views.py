"""The registry over HTTP: facilities, their units and population snapshots.

Each operation asks two questions before anything else: may this user do this at all (else
403), and is the facility within their mandate (else 404, so its existence is not revealed).
Every write goes through facilities.services, which validates and leaves the audit record.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import Http404, HttpRequest
from django.utils.translation import gettext as _
from ninja import Query, Router
from ninja.responses import Status

from accounts.models import Organisation, OrganisationKind
from accounts.permissions import Capability, can
from facilities import indicators, population, services
from facilities.api.schemas import (
    MAX_ID,
    FacilityFilters,
    FacilityIn,
    FacilityOut,
    FacilityPage,
    FacilityPatch,
    SnapshotFilters,
    SnapshotIn,
    SnapshotOut,
    UnitIn,
    UnitOut,
    UnitPatch,
)
from facilities.models import Facility, FacilityType, PopulationSnapshot, Region, Unit, UnitOccupancy
from facilities.selectors import FacilityFilter, facilities_for, facility_indicators, filter_facilities, units_of
from lib.api import COMMON_ERRORS, ErrorOut, django_validation_items, error_body

router = Router()


# --- Authorisation -----------------------------------------------------------------------------


def _require(user: Any, capability: Capability) -> None:
    if not can(user, capability):
        raise PermissionDenied(_("Your role does not allow this."))


def _facility_in_mandate(user: Any, pk: int) -> Facility:
    if not 1 <= pk <= MAX_ID:
        raise Http404
    facility = facilities_for(user).filter(pk=pk).first()
    if facility is None:
        raise Http404
    return facility


def _unit_of(facility: Facility, pk: int) -> Unit:
    if not 1 <= pk <= MAX_ID:
        raise Http404
    unit = facility.units.filter(pk=pk).first()
    if unit is None:
        raise Http404
    return unit


# --- Output ------------------------------------------------------------------------------------


def _summary(facility: Facility) -> dict[str, Any]:
    snapshot = facility.latest_snapshot
    rate = indicators.occupancy_rate(snapshot.total if snapshot else None, facility.capacity)
    return {
        "id": facility.pk,
        "code": facility.code,
        "name": facility.name,
        "type": facility.type,
        "type_label": str(FacilityType(facility.type).label),
        "region": facility.region.code,
        "region_name": facility.region.name,
        "operator": facility.operator.code,
        "operator_name": facility.operator.name,
        "design_capacity": facility.design_capacity,
        "operational_capacity": facility.operational_capacity,
        "maximum_capacity": facility.maximum_capacity,
        "opened_on": facility.opened_on,
        "capacity": facility.capacity,
        "is_active": facility.is_active,
        "population": snapshot.total if snapshot else None,
        "population_date": snapshot.date if snapshot else None,
        "occupancy_rate": round(rate, 4) if rate is not None else None,
        "overcrowded": rate is not None and rate > 1,
    }


def _snapshot(snapshot: PopulationSnapshot, occupancies: list[UnitOccupancy]) -> dict[str, Any]:
    return {
        "id": snapshot.pk,
        "date": snapshot.date,
        "source": snapshot.source,
        "version": snapshot.version,
        **population.values_of(snapshot),
        "occupancy": {o.unit.code: o.occupants for o in occupancies},
        "unit_minors": {o.unit.code: o.minors for o in occupancies if o.minors is not None},
        "recorded_at": snapshot.recorded_at,
    }


def _detail(facility: Facility) -> dict[str, Any]:
    _annotated, described, spaces = facility_indicators(facility)
    snapshot = facility.latest_snapshot
    occupancies = sorted(snapshot.occupancies.select_related("unit"), key=lambda o: o.unit.code) if snapshot else []
    return {
        **_summary(facility),
        "name_kk": facility.name_kk,
        "name_ru": facility.name_ru,
        "name_en": facility.name_en,
        "address": facility.address,
        "units": [space.unit for space in spaces],
        "latest_snapshot": _snapshot(snapshot, occupancies) if snapshot else None,
        "indicators": [
            {"key": i.key, "label": i.label, "value": str(i.value), "status": i.status, "compliant": i.compliant,
             "reason": str(i.reason)}
            for i in described
        ],
        "unit_space": [
            {"unit": s.unit.code, "occupants": s.occupants, "minors": s.minors, "per_person_m2": s.per_person_m2,
             "minimum_m2": s.minimum_m2, "status": s.status}
            for s in spaces
        ],
        "created_at": facility.created_at,
        "updated_at": facility.updated_at,
    }


def _reloaded_detail(user: Any, pk: int) -> dict[str, Any]:
    return _detail(facilities_for(user).get(pk=pk))


# --- Input -------------------------------------------------------------------------------------


def _registry_fields(data: dict[str, Any]) -> dict[str, Any]:
    """Replace region and operator codes by the records; unknown codes are field errors."""
    fields = dict(data)
    errors = {}
    if "type" in fields and fields["type"] is not None:
        fields["type"] = FacilityType(fields["type"]).value
    if "region" in fields:
        fields["region"] = Region.objects.filter(code=fields["region"]).first()
        if fields["region"] is None:
            errors["region"] = _("No region has this code.")
    if "operator" in fields:
        fields["operator"] = Organisation.objects.filter(
            code=fields["operator"], kind=OrganisationKind.OPERATOR
        ).first()
        if fields["operator"] is None:
            errors["operator"] = _("No facility operator has this code.")
    if errors:
        raise ValidationError(errors)
    return fields


# --- Facilities --------------------------------------------------------------------------------


@router.get("", response={200: FacilityPage, **COMMON_ERRORS}, summary="List facilities in your mandate")
def list_facilities(request: HttpRequest, filters: Query[FacilityFilters]) -> dict[str, Any]:
    user = request.auth
    _require(user, Capability.VIEW_FACILITY_LIST)
    queryset = filter_facilities(
        facilities_for(user),
        FacilityFilter(
            type=filters.type or "", region=filters.region or "", operator=filters.operator or "",
            q=filters.q or "", overcrowded=bool(filters.overcrowded),
        ),
    )
    if filters.overcrowded is False:
        queryset = queryset.exclude(pk__in=filter_facilities(queryset, FacilityFilter(overcrowded=True)))
    count = queryset.count()
    start = (filters.page - 1) * filters.page_size
    page = queryset.order_by("code")[start:start + filters.page_size]
    return {
        "count": count, "page": filters.page, "page_size": filters.page_size,
        "items": [_summary(facility) for facility in page],
    }


@router.get("/{int:facility_id}", response={200: FacilityOut, **COMMON_ERRORS}, summary="One facility")
def get_facility(request: HttpRequest, facility_id: int) -> dict[str, Any]:
    """Capacities, units, the latest population snapshot and the derived indicators."""
    user = request.auth
    _require(user, Capability.VIEW_FACILITY)
    return _detail(_facility_in_mandate(user, facility_id))


@router.post("", response={201: FacilityOut, **COMMON_ERRORS}, summary="Register a facility")
def create_facility(request: HttpRequest, payload: FacilityIn) -> Status:
    user = request.auth
    _require(user, Capability.EDIT_REGISTRY)
    fields = _registry_fields(payload.model_dump())
    facility = services.create_facility(by=user, **fields)
    return Status(201, _reloaded_detail(user, facility.pk))


@router.patch("/{int:facility_id}", response={200: FacilityOut, **COMMON_ERRORS}, summary="Change a facility")
def update_facility(request: HttpRequest, facility_id: int, payload: FacilityPatch) -> dict[str, Any]:
    """Only the fields sent change; the audit trail keeps the values before and after."""
    user = request.auth
    _require(user, Capability.EDIT_REGISTRY)
    facility = _facility_in_mandate(user, facility_id)
    changes = _registry_fields(payload.changes())
    facility = services.update_facility(facility=facility, by=user, **changes)
    return _reloaded_detail(user, facility.pk)


# --- Units -------------------------------------------------------------------------------------


@router.get("/{int:facility_id}/units", response={200: list[UnitOut], **COMMON_ERRORS}, summary="Units of a facility")
def list_units(request: HttpRequest, facility_id: int) -> list[Unit]:
    user = request.auth
    _require(user, Capability.VIEW_FACILITY)
    return units_of(_facility_in_mandate(user, facility_id))


@router.post("/{int:facility_id}/units", response={201: UnitOut, **COMMON_ERRORS}, summary="Add a unit")
def create_unit(request: HttpRequest, facility_id: int, payload: UnitIn) -> Status:
    user = request.auth
    _require(user, Capability.EDIT_REGISTRY)
    facility = _facility_in_mandate(user, facility_id)
    fields = payload.model_dump()
    fields["kind"] = str(fields["kind"].value)
    return Status(201, services.add_unit(facility=facility, by=user, **fields))


@router.patch("/{int:facility_id}/units/{int:unit_id}", response={200: UnitOut, **COMMON_ERRORS},
              summary="Change a unit")
def update_unit(request: HttpRequest, facility_id: int, unit_id: int, payload: UnitPatch) -> Unit:
    user = request.auth
    _require(user, Capability.EDIT_REGISTRY)
    unit = _unit_of(_facility_in_mandate(user, facility_id), unit_id)
    changes = payload.changes()
    if changes.get("kind") is not None:
        changes["kind"] = str(changes["kind"].value)
    return services.update_unit(unit=unit, by=user, **changes)


# --- Population snapshots ----------------------------------------------------------------------


def _snapshots_out(snapshots: list[PopulationSnapshot]) -> list[dict[str, Any]]:
    return [
        _snapshot(s, sorted(s.occupancies.all(), key=lambda o: o.unit.code))
        for s in snapshots
    ]


@router.get("/{int:facility_id}/snapshots", response={200: list[SnapshotOut], **COMMON_ERRORS},
            summary="Population snapshots of a facility")
def list_snapshots(request: HttpRequest, facility_id: int, filters: Query[SnapshotFilters]) -> list[dict[str, Any]]:
    """Oldest first; `from` and `to` (YYYY-MM-DD, inclusive) narrow the range."""
    user = request.auth
    _require(user, Capability.VIEW_FACILITY)
    facility = _facility_in_mandate(user, facility_id)
    snapshots = facility.snapshots.order_by("date").prefetch_related(
        Prefetch("occupancies", queryset=UnitOccupancy.objects.select_related("unit"))
    )
    if filters.date_from:
        snapshots = snapshots.filter(date__gte=filters.date_from)
    if filters.date_to:
        snapshots = snapshots.filter(date__lte=filters.date_to)
    return _snapshots_out(list(snapshots))


@router.post("/{int:facility_id}/snapshots",
             response={200: SnapshotOut, 201: SnapshotOut, 409: ErrorOut, **COMMON_ERRORS},
             summary="Record or correct a population snapshot")
def record_snapshot(request: HttpRequest, facility_id: int, payload: SnapshotIn) -> Status:
    """201 for a new count; 200 for a correction (naming the version it corrects); 409 when the date
    already has a count from this source and the request does not correct its current version."""
    user = request.auth
    _require(user, Capability.RECORD_POPULATION)
    facility = _facility_in_mandate(user, facility_id)
    data = payload.model_dump()
    occupancy_codes, minors_codes = data.pop("occupancy"), data.pop("unit_minors")
    named = set(occupancy_codes) | set(minors_codes)
    units = {unit.code: unit for unit in facility.units.filter(code__in=list(named))}
    unknown = sorted(named - set(units))
    if unknown:
        raise ValidationError({"occupancy": _("No unit with code %(codes)s in this facility.") % {
            "codes": ", ".join(unknown[:10])}})
    try:
        snapshot = services.record_population_snapshot(
            facility=facility, by=user, occupancy={units[code]: n for code, n in occupancy_codes.items()},
            unit_minors={units[code]: n for code, n in minors_codes.items()}, **data,
        )
    except services.CorrectionRequired as error:
        return Status(409, error_body(*django_validation_items(error)))
    snapshot = PopulationSnapshot.objects.prefetch_related(
        Prefetch("occupancies", queryset=UnitOccupancy.objects.select_related("unit"))
    ).get(pk=snapshot.pk)
    return Status(200 if data["corrects"] else 201, _snapshots_out([snapshot])[0])
