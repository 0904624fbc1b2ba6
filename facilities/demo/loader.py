"""Write the demo country into an empty registry, in one transaction, with bulk inserts.

This bypasses the per-record services on purpose: ~300 facilities with 60 snapshots each would
take minutes one audited write at a time. It keeps their guarantees by other means: the
generator's rows satisfy the models' validation (the tests check every snapshot against
`clean()`), the database constraints still apply, and each facility gets the same
`RegistryChange` a creation through `create_facility` leaves (actor None, marked as demo data).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.db import transaction

from accounts.models import Organisation, User
from facilities import search
from facilities.audit import commit_changes
from facilities.demo import names
from facilities.demo.generator import DEMO_SEED, MONTHS, DemoCountry, generate
from facilities.demo.organisations import NPM_CODE
from facilities.demo.personas import PersonaSpec
from facilities.models import (
    ChangeAction,
    Facility,
    PopulationSnapshot,
    Region,
    RegistryChange,
    ReportSource,
    Unit,
    UnitOccupancy,
)
from facilities.services import FACILITY_FIELDS, SNAPSHOT_COUNT_FIELDS
from ledger import interface as ledger

BATCH_SIZE = 1000  # keeps every INSERT well under PostgreSQL's 65,535 bind parameters

# The steps reported to `on_step`, in order; a progress bar can use len(STEPS) as its total.
STEPS = ("regions", "organisations", "facilities", "units", "snapshots", "occupancy", "history", "users")


class Outcome(StrEnum):
    LOADED = "loaded"
    ALREADY_LOADED = "already_loaded"
    REGISTRY_NOT_EMPTY = "registry_not_empty"


@dataclass
class LoadResult:
    outcome: Outcome
    personas: list[PersonaSpec]
    facilities: int = 0
    units: int = 0
    snapshots: int = 0
    # Demo user names that already existed: left as they were, password unchanged.
    existing_users: list[str] = field(default_factory=list)


def is_loaded() -> bool:
    return Organisation.objects.filter(code=NPM_CODE).exists()


def load_demo_country(
    *, seed: int = DEMO_SEED, today: dt.date | None = None, on_step: Callable[[str], None] | None = None,
    months: int = MONTHS,
) -> LoadResult:
    """Load the demo country unless it is there already; never touches a registry holding other data."""
    country = generate(seed=seed, today=today, months=months)
    if is_loaded():
        return LoadResult(Outcome.ALREADY_LOADED, country.personas)
    with transaction.atomic():
        if _clashes(country):
            return LoadResult(Outcome.REGISTRY_NOT_EMPTY, country.personas)
        result = _Loader(country, on_step or (lambda step: None)).load()
    # Append the history to the log now rather than leave it to the web process's sequencer.
    ledger.sequence_pending()
    return result


def _clashes(country: DemoCountry) -> bool:
    return (
        Organisation.objects.filter(code__in=[o.code for o in country.organisations]).exists()
        or Facility.objects.filter(code__in=[f.code for f in country.facilities]).exists()
    )


class _Loader:
    def __init__(self, country: DemoCountry, on_step: Callable[[str], None]) -> None:
        self.country = country
        self.on_step = on_step

    def load(self) -> LoadResult:
        country = self.country
        regions = self._regions()
        self.on_step("regions")
        organisations = self._organisations(regions)
        self.on_step("organisations")

        facilities = Facility.objects.bulk_create(
            [
                Facility(
                    code=f.code, type=f.type, region=regions[f.region_code], operator=organisations[f.operator_code],
                    name_kk=f.name_kk, name_ru=f.name_ru, name_en=f.name_en, address=f.address,
                    address_kk=f.address_kk, address_ru=f.address_ru,
                    design_capacity=f.design_capacity, operational_capacity=f.operational_capacity,
                    maximum_capacity=f.maximum_capacity, **search.keys_for(f.code),
                )
                for f in country.facilities
            ],
            batch_size=BATCH_SIZE,
        )
        self.on_step("facilities")

        units = Unit.objects.bulk_create(
            [
                Unit(facility=facility, code=u.code, name=u.name, name_kk=names.unit_names(u.name).kk,
                     name_ru=names.unit_names(u.name).ru, kind=u.kind, capacity=u.capacity,
                     living_space_m2=u.living_space_m2)
                for facility, spec in zip(facilities, country.facilities, strict=True)
                for u in spec.units
            ],
            batch_size=BATCH_SIZE,
        )
        units_by_key = {(u.facility_id, u.code): u for u in units}
        self.on_step("units")

        npm = organisations.get(NPM_CODE)
        snapshots = PopulationSnapshot.objects.bulk_create(
            [
                PopulationSnapshot(
                    facility=facility, date=s.date, **s.counts(),
                    source=ReportSource.VERIFIED if s.verified else ReportSource.SELF_REPORTED,
                    reporter=npm if s.verified else facility.operator,
                )
                for facility, spec in zip(facilities, country.facilities, strict=True)
                for s in [*spec.snapshots, *spec.verified]
            ],
            batch_size=BATCH_SIZE,
        )
        by_key = {(s.facility_id, s.date, s.source): s for s in snapshots}
        latest = {}
        for facility, spec in zip(facilities, country.facilities, strict=True):
            figure = spec.latest
            source = ReportSource.VERIFIED if figure.verified else ReportSource.SELF_REPORTED
            latest[facility.pk] = facility.latest_snapshot = by_key[facility.pk, figure.date, source]
        Facility.objects.bulk_update(facilities, ["latest_snapshot"], batch_size=BATCH_SIZE)
        self.on_step("snapshots")

        UnitOccupancy.objects.bulk_create(
            [
                UnitOccupancy(snapshot=latest[facility.pk], unit=units_by_key[facility.pk, code], occupants=n,
                              minors=spec.latest_minors.get(code))
                for facility, spec in zip(facilities, country.facilities, strict=True)
                if spec.occupancy_reported
                for code, n in spec.latest_occupancy.items()
            ],
            batch_size=BATCH_SIZE,
        )
        self.on_step("occupancy")

        # Every facility and every population count gets the change record its service leaves,
        # committed to the ledger, so each figure in the demo has a proof.
        occupancy = {facility.pk: (spec.latest_occupancy if spec.occupancy_reported else {},
                                   spec.latest_minors if spec.occupancy_reported else {})
                     for facility, spec in zip(facilities, country.facilities, strict=True)}
        history = [
            RegistryChange(
                actor=None, action=ChangeAction.CREATE, model=facility._meta.label_lower,
                object_id=str(facility.pk), facility=facility, before=None, after=_facility_record(facility),
            )
            for facility in facilities
        ] + [
            RegistryChange(
                actor=None, action=ChangeAction.CREATE, model=snapshot._meta.label_lower,
                object_id=str(snapshot.pk), facility_id=snapshot.facility_id, before=None,
                after=_snapshot_record(snapshot, *(occupancy[snapshot.facility_id]
                                                    if latest[snapshot.facility_id].pk == snapshot.pk else ({}, {}))),
            )
            for snapshot in snapshots
        ]
        for start in range(0, len(history), BATCH_SIZE):
            chunk = RegistryChange.objects.bulk_create(history[start:start + BATCH_SIZE])
            commit_changes(chunk)
        self.on_step("history")

        existing = self._users(organisations, {f.code: f for f in facilities})
        self.on_step("users")
        return LoadResult(
            Outcome.LOADED, country.personas, facilities=len(facilities), units=len(units),
            snapshots=len(snapshots), existing_users=existing,
        )

    def _regions(self) -> dict[str, Region]:
        """The demo's regions by code; regions already in the registry are kept as they are."""
        existing = {r.code: r for r in Region.objects.filter(code__in=[r.code for r in self.country.regions])}
        Region.objects.bulk_create(
            Region(code=r.code, kind=r.kind, name_kk=r.name_kk, name_ru=r.name_ru, name_en=r.name_en)
            for r in self.country.regions
            if r.code not in existing
        )
        return {r.code: r for r in Region.objects.filter(code__in=[r.code for r in self.country.regions])}

    def _organisations(self, regions: dict[str, Region]) -> dict[str, Organisation]:
        created = Organisation.objects.bulk_create(
            Organisation(
                code=o.code, kind=o.kind, name_kk=o.name_kk, name_ru=o.name_ru, name_en=o.name_en,
                region=regions[o.region_code] if o.region_code else None,
            )
            for o in self.country.organisations
        )
        return {o.code: o for o in created}

    def _users(self, organisations: dict[str, Organisation], facilities: dict[str, Facility]) -> list[str]:
        wanted = [p.username for p in self.country.personas]
        existing = set(User.objects.filter(username__in=wanted).values_list("username", flat=True))
        for persona in self.country.personas:
            if persona.username in existing:
                continue
            user = User(
                username=persona.username,
                email=persona.email,
                organisation=organisations.get(persona.organisation_code or ""),
                role=persona.role,
                facility=facilities.get(persona.facility_code or ""),
                is_staff=persona.is_superuser,
                is_superuser=persona.is_superuser,
            )
            user.set_password(persona.password)
            user.save()
        return sorted(existing)


def _snapshot_record(snapshot: PopulationSnapshot, occupancy: dict[str, int],
                     minors: dict[str, int | None]) -> dict[str, Any]:
    """The snapshot as `record_population_snapshot` records it, marked as demo data."""
    record: dict[str, Any] = {"date": snapshot.date.isoformat(), "source": snapshot.source}
    record.update((name, getattr(snapshot, name)) for name in SNAPSHOT_COUNT_FIELDS)
    record["occupancy"] = dict(sorted(occupancy.items()))
    record["unit_minors"] = {code: n for code, n in sorted(minors.items()) if n is not None}
    record["version"] = snapshot.version
    record["demo"] = True
    return record


def _facility_record(facility: Facility) -> dict[str, Any]:
    """The facility's registry fields as `create_facility` records them, marked as demo data."""
    record = {}
    for name in FACILITY_FIELDS:
        field_ = Facility._meta.get_field(name)
        record[name] = getattr(facility, field_.attname)
    record["source"] = "demo"
    return record
