"""A fictional but realistic national picture of places of detention, generated deterministically.

Nothing here touches the database: `generate()` returns plain records that the loader writes and
the tests inspect. The same seed and `today` always give the same country (see
`DemoCountry.digest`). The latest month matches published national figures (the constants
below); the 59 months before it follow a slow decline with seasonal noise, while the facilities
picked to be overcrowded have been filling up.
"""

# Kazakh and Russian names are Cyrillic by design; some of their words look like Latin ones.
# ruff: noqa: RUF001

from __future__ import annotations

import datetime as dt
import hashlib
import math
import random
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from facilities import population
from facilities.demo import names
from facilities.demo import organisations as orgs
from facilities.demo.geography import REGIONS, REGIONS_BY_CODE, RegionSpec
from facilities.demo.organisations import OrganisationSpec
from facilities.demo.personas import PersonaSpec, personas
from facilities.models import FacilityType, UnitKind

DEMO_SEED = 2026
MONTHS = 60

# Published national figures the latest month reproduces.
COLONIES = {
    FacilityType.COLONY_MINIMUM: 10,
    FacilityType.COLONY_MEDIUM: 20,
    FacilityType.COLONY_MAXIMUM: 11,
    FacilityType.COLONY_SPECIAL: 2,
    FacilityType.COLONY_SETTLEMENT: 12,
    FacilityType.COLONY_JUVENILE: 1,
    FacilityType.COLONY_WOMEN: 6,
}
PRETRIAL_CENTRES = 16
CONVICTS_IN_COLONIES = 36_000  # the published "about 36,000 convicts"; remand prisoners come on top
WOMEN_IN_WOMENS_COLONIES = 2_500
MOTHERS_WITH_CHILDREN = 500
JUVENILE_COLONY_MINORS = 78
MINORS_IN_PRETRIAL = 30
IN_EDUCATION_OR_TRAINING = 2_500  # in penal institutions: general education plus vocational training
SPECIAL_SCHOOL_CHILDREN = (31, 28, 22, 19, 34, 24, 18)  # 176 children in 7 institutions
BELOW_AGE_SCHOOL = 1  # index into SPECIAL_SCHOOL_CHILDREN
BELOW_AGE_CHILDREN = 8
BELOW_AGE_UNIT_CODE = "U14"
CRISIS_CENTRES = 69

# How the penal population splits between kinds of institution; special-regime colonies get the rest.
GROUP_POPULATION = {
    FacilityType.PRETRIAL: 6_150,
    FacilityType.COLONY_MEDIUM: 18_300,
    FacilityType.COLONY_MINIMUM: 6_400,
    FacilityType.COLONY_MAXIMUM: 5_600,
    FacilityType.COLONY_SETTLEMENT: 2_300,
    FacilityType.COLONY_WOMEN: WOMEN_IN_WOMENS_COLONIES,
    FacilityType.COLONY_JUVENILE: JUVENILE_COLONY_MINORS,
}
GROUP_POPULATION[FacilityType.COLONY_SPECIAL] = CONVICTS_IN_COLONIES - sum(
    n for kind, n in GROUP_POPULATION.items() if kind != FacilityType.PRETRIAL)
PENAL_POPULATION = CONVICTS_IN_COLONIES + GROUP_POPULATION[FacilityType.PRETRIAL]
# How the facilities report (see _Builder._reporting).
VERIFIED_SHARE = 0.2  # facilities an oversight body visited in the latest month
STALE_FACILITIES = 6  # their latest count is two to four months old
INCOMPLETE_FACILITIES = 14  # their latest count gives the total and little else
MIXED_PRETRIAL_CENTRES = 2  # hold a minor in a cell with adults

WOMENS_COLONY_REGIONS = ("KZ-35", "KZ-19", "KZ-63", "KZ-11", "KZ-31", "KZ-55", "KZ-39", "KZ-15")
JUVENILE_COLONY_REGIONS = ("KZ-19", "KZ-35", "KZ-55")

COUNT_FIELDS = population.NAMES

# Names of facility kinds: (kk, ru, en). Penal institutions are named by code, like the real ones.
PENAL_NAMES = {
    FacilityType.COLONY_MINIMUM: ("қауіпсіздігі барынша төмен мекеме", "Учреждение минимальной безопасности",
                                  "Minimum-security institution"),
    FacilityType.COLONY_MEDIUM: ("қауіпсіздігі орташа мекеме", "Учреждение средней безопасности",
                                 "Medium-security institution"),
    FacilityType.COLONY_MAXIMUM: ("қауіпсіздігі барынша жоғары мекеме", "Учреждение максимальной безопасности",
                                  "Maximum-security institution"),
    FacilityType.COLONY_SPECIAL: ("қауіпсіздігі төтенше мекеме", "Учреждение чрезвычайной безопасности",
                                  "Extraordinary-security institution"),
    FacilityType.COLONY_SETTLEMENT: ("қауіпсіздігі барынша төмен мекеме (бұрынғы колония-қоныс)",
                                     "Учреждение минимальной безопасности (бывшая колония-поселение)",
                                     "Minimum-security institution (former settlement colony)"),
    FacilityType.COLONY_JUVENILE: ("кәмелетке толмағандарды ұстауға арналған қауіпсіздігі орташа мекеме",
                                   "Учреждение средней безопасности для содержания несовершеннолетних",
                                   "Medium-security institution for minors"),
    FacilityType.COLONY_WOMEN: ("әйелдерді ұстауға арналған мекеме", "Учреждение для содержания женщин",
                                "Institution for women"),
    FacilityType.PRETRIAL: ("тергеу изоляторы", "Следственный изолятор", "Pre-trial detention centre"),
}


@dataclass(frozen=True)
class UnitSpec:
    code: str
    name: str
    kind: str
    capacity: int
    living_space_m2: Decimal


@dataclass(frozen=True)
class SnapshotSpec:
    date: dt.date
    total: int
    women: int | None = 0
    pregnant_women: int | None = 0
    mothers_with_children: int | None = 0
    children_with_mothers: int | None = 0
    minors: int | None = 0
    below_age_of_responsibility: int | None = 0
    disabled: int | None = 0
    foreigners: int | None = 0
    in_education: int | None = 0
    in_vocational_training: int | None = 0
    verified: bool = False  # counted by an oversight body on a visit; else self-reported

    def counts(self) -> dict[str, int | None]:
        return {name: getattr(self, name) for name in COUNT_FIELDS}


@dataclass
class FacilitySpec:
    code: str
    type: str
    region_code: str
    operator_code: str
    name_kk: str
    name_ru: str
    name_en: str
    address: str
    design_capacity: int = 0
    operational_capacity: int = 0
    maximum_capacity: int | None = None
    units: list[UnitSpec] = field(default_factory=list)
    address_kk: str = ""
    address_ru: str = ""
    snapshots: list[SnapshotSpec] = field(default_factory=list)  # self-reported, oldest first
    verified: list[SnapshotSpec] = field(default_factory=list)  # counted on visits
    latest_occupancy: dict[str, int] = field(default_factory=dict)  # unit code -> people
    latest_minors: dict[str, int] = field(default_factory=dict)  # unit code -> minors among them
    occupancy_reported: bool = True

    @property
    def latest(self) -> SnapshotSpec:
        """The facility's figure: its latest month's count, a verified one winning."""
        own = self.snapshots[-1]
        visits = [s for s in self.verified if (s.date.year, s.date.month) == (own.date.year, own.date.month)]
        return visits[-1] if visits else own

    @property
    def self_reported(self) -> SnapshotSpec:
        return self.snapshots[-1]

    @property
    def capacity(self) -> int:
        return self.operational_capacity or self.design_capacity

    @property
    def is_overcrowded(self) -> bool:
        return self.latest.total > self.capacity


@dataclass
class DemoCountry:
    seed: int
    today: dt.date
    regions: tuple[RegionSpec, ...]
    organisations: list[OrganisationSpec]
    facilities: list[FacilitySpec]
    personas: list[PersonaSpec]

    def of_type(self, *types: str) -> list[FacilitySpec]:
        return [f for f in self.facilities if f.type in types]

    def digest(self) -> str:
        """SHA-256 of everything generated: equal digests mean equal countries."""
        digest = hashlib.sha256()

        def add(*values: object) -> None:
            digest.update(repr(values).encode())

        for region in self.regions:
            add(*vars(region).values())
        for organisation in self.organisations:
            add(*vars(organisation).values())
        for f in self.facilities:
            add(f.code, f.type, f.region_code, f.operator_code, f.name_kk, f.name_ru, f.name_en, f.address,
                f.design_capacity, f.operational_capacity, f.maximum_capacity, sorted(f.latest_occupancy.items()),
                sorted(f.latest_minors.items()), f.occupancy_reported)
            for unit in f.units:
                add(*vars(unit).values())
            for snapshot in [*f.snapshots, *f.verified]:
                add(*vars(snapshot).values())
        for p in self.personas:
            add(p.username, p.password, p.organisation_code, p.role, p.facility_code, p.is_superuser)
        return digest.hexdigest()


def generate(*, seed: int = DEMO_SEED, today: dt.date | None = None, months: int = MONTHS) -> DemoCountry:
    """The demo country whose monthly snapshots (60 by default) end on the first of `today`'s month."""
    today = today or timezone.localdate()
    builder = _Builder(random.Random(seed), month_starts(today, months))
    builder.build()
    return DemoCountry(
        seed=seed,
        today=today,
        regions=REGIONS,
        organisations=orgs.organisations(),
        facilities=builder.facilities,
        personas=personas(officer_facility_code=builder.officer_colony_code),
    )


def month_starts(today: dt.date, count: int) -> list[dt.date]:
    """The first day of `today`'s month and of the count - 1 months before it, oldest first."""
    index = today.year * 12 + today.month - 1
    return [dt.date(i // 12, i % 12 + 1, 1) for i in range(index - count + 1, index + 1)]


def apportion(total: int, weights: Sequence[float]) -> list[int]:
    """Split `total` into integers proportional to `weights` (largest remainder, ties by position)."""
    if total <= 0 or not weights:
        return [0] * len(weights)
    scale = sum(weights)
    exact = [total * w / scale for w in weights]
    shares = [math.floor(x) for x in exact]
    by_remainder = sorted(range(len(weights)), key=lambda i: (-(exact[i] - shares[i]), i))
    for i in by_remainder[: total - sum(shares)]:
        shares[i] += 1
    return shares


def _space(capacity: int, per_place: float) -> Decimal:
    return Decimal(str(round(capacity * per_place, 1)))


@dataclass
class _Profile:
    """How a facility's population moved over the five years before the latest month."""

    decline_per_year: float  # positive: fewer people now than before
    seasonal: float
    noise: float
    phase: float


class _Builder:
    def __init__(self, rng: random.Random, dates: list[dt.date]) -> None:
        self.rng = rng
        self.dates = dates
        self.facilities: list[FacilitySpec] = []
        self.latest: dict[str, dict[str, int]] = {}  # facility code -> latest counts
        self.profiles: dict[str, _Profile] = {}
        self.overcrowded: set[str] = set()
        self.numbers: dict[str, int] = {}
        self.officer_colony_code = ""
        self.mixed_pretrial: set[str] = set()

    # Orchestration ---------------------------------------------------------------------------

    def build(self) -> None:
        self._penal_institutions()
        self._police()
        self._special_schools()
        self._crisis_centres()
        for facility in self.facilities:
            self._history(facility)
        self._reporting()

    def _reporting(self) -> None:
        """Who reported what: visits' verified counts, stale and incomplete self-reports."""
        rng = self.rng
        facilities = sorted(self.facilities, key=lambda f: f.code)
        special = {self.officer_colony_code}
        others = [f for f in facilities if f.code not in special]
        stale = rng.sample([f for f in others if f.type in (FacilityType.POLICE_TDC, FacilityType.CRISIS_CENTRE,
                                                             FacilityType.SPECIAL_RECEPTION)], STALE_FACILITIES)
        for facility in stale:
            del facility.snapshots[-rng.randint(2, 4):]
            facility.occupancy_reported = False  # the units were counted for the month not reported
        fresh = [f for f in others if f not in stale]
        incomplete = rng.sample([f for f in fresh if f.type in (
            FacilityType.POLICE_TDC, FacilityType.CRISIS_CENTRE, FacilityType.COLONY_MEDIUM,
            FacilityType.COLONY_MINIMUM)], INCOMPLETE_FACILITIES)
        for facility in incomplete:
            latest = facility.snapshots[-1]
            kept = {"date": latest.date, "total": latest.total}
            if rng.random() < 0.5:
                kept["women"] = latest.women
            facility.snapshots[-1] = SnapshotSpec(**kept, **dict.fromkeys(
                (n for n in COUNT_FIELDS if n not in kept), None))
            facility.occupancy_reported = rng.random() < 0.3
        complete = [f for f in fresh if f not in incomplete]
        visited = rng.sample(complete, round(len(complete) * VERIFIED_SHARE))
        for facility in visited:
            own = facility.snapshots[-1]
            counts = own.counts()
            # Visitors count for themselves: the facility's figure is usually close, sometimes low.
            counts["total"] = own.total + (rng.randint(0, max(1, own.total // 25)) if rng.random() < 0.5 else 0)
            facility.verified.append(SnapshotSpec(date=own.date, verified=True, **{**counts}))


    def _add(self, facility: FacilitySpec, counts: dict[str, int], profile: _Profile) -> None:
        self.facilities.append(facility)
        self.latest[facility.code] = counts
        self.profiles[facility.code] = profile

    def _penal_code(self, region: RegionSpec) -> str:
        number = self.numbers.get(region.code, self.rng.randint(1, 4)) + self.rng.randint(1, 3)
        self.numbers[region.code] = number
        return f"{region.penal_prefix}/{number}"

    def _address(self, region: RegionSpec) -> dict[str, str]:
        written = names.address(self.rng.randint(1, 250), region)
        return {"address": written.en, "address_kk": written.kk, "address_ru": written.ru}

    # Penal institutions ----------------------------------------------------------------------

    def _penal_institutions(self) -> None:
        rng = self.rng
        regions: list[tuple[str, RegionSpec]] = []
        for region_code in rng.sample(WOMENS_COLONY_REGIONS, COLONIES[FacilityType.COLONY_WOMEN]):
            regions.append((FacilityType.COLONY_WOMEN, REGIONS_BY_CODE[region_code]))
        regions.append((FacilityType.COLONY_JUVENILE, REGIONS_BY_CODE[rng.choice(JUVENILE_COLONY_REGIONS)]))
        weights = [r.penal_weight for r in REGIONS]
        for kind in (FacilityType.COLONY_MINIMUM, FacilityType.COLONY_MEDIUM, FacilityType.COLONY_MAXIMUM,
                     FacilityType.COLONY_SPECIAL, FacilityType.COLONY_SETTLEMENT):
            regions += [(kind, r) for r in rng.choices(REGIONS, weights=weights, k=COLONIES[kind])]
        regions += [(FacilityType.PRETRIAL, r) for r in REGIONS if r.has_pretrial]

        by_type: dict[str, list[FacilitySpec]] = {}
        for kind, region in regions:
            code = self._penal_code(region)
            kk, ru, en = PENAL_NAMES[kind]
            facility = FacilitySpec(
                code=code, type=kind, region_code=region.code, operator_code=orgs.PENAL_COMMITTEE_CODE,
                name_kk=f"{code} {kk}", name_ru=f"{ru} {code}", name_en=f"{en} {code}",
                **self._address(region),
            )
            by_type.setdefault(kind, []).append(facility)

        totals: dict[str, int] = {}
        for kind, group in by_type.items():
            shares = apportion(GROUP_POPULATION[kind], [rng.uniform(0.6, 1.4) for _ in group])
            totals.update({f.code: n for f, n in zip(group, shares, strict=True)})

        # Overcrowded: three pre-trial centres and two ordinary colonies, filling up lately.
        self.overcrowded |= {f.code for f in rng.sample(by_type[FacilityType.PRETRIAL], 3)}
        crowded_colonies = rng.sample(by_type[FacilityType.COLONY_MEDIUM], 2)
        self.overcrowded |= {f.code for f in crowded_colonies}
        self.officer_colony_code = crowded_colonies[0].code

        # The largest women's colony has the children's home, and most of the mothers.
        women = sorted(by_type[FacilityType.COLONY_WOMEN], key=lambda f: (-totals[f.code], f.code))
        mothers = apportion(MOTHERS_WITH_CHILDREN, [2.5] + [rng.uniform(0.8, 1.3) for _ in women[1:]])
        pretrial = by_type[FacilityType.PRETRIAL]
        with_minors = rng.sample(range(len(pretrial)), 9)
        pretrial_minors = dict(zip(with_minors, apportion(MINORS_IN_PRETRIAL, [rng.uniform(0.5, 1.5)
                                                                               for _ in with_minors]),
                                   strict=True))
        colonies = [f for kind, group in by_type.items() if kind != FacilityType.PRETRIAL for f in group]
        counts = {f.code: self._penal_counts(f, totals[f.code]) for kind in by_type for f in by_type[kind]}
        for i, facility in enumerate(women):
            c = counts[facility.code]
            c["mothers_with_children"] = mothers[i]
            c["children_with_mothers"] = mothers[i] + round(mothers[i] * rng.uniform(0.0, 0.05))
        for i, facility in enumerate(pretrial):
            counts[facility.code]["minors"] = pretrial_minors.get(i, 0)
        self.mixed_pretrial = {pretrial[i].code for i in rng.sample(with_minors, MIXED_PRETRIAL_CENTRES)}
        self._education(colonies, counts)

        for group in by_type.values():
            for facility in group:
                self._penal_capacity_and_units(facility, counts[facility.code],
                                               mother_child_unit=facility is women[0])
                profile = _Profile(
                    decline_per_year=(rng.uniform(-0.06, -0.03) if facility.code in self.overcrowded
                                      else rng.uniform(0.01, 0.05)),
                    seasonal=rng.uniform(0.005, 0.02), noise=0.012, phase=rng.uniform(0, 2 * math.pi),
                )
                self._add(facility, counts[facility.code], profile)

    def _penal_counts(self, facility: FacilitySpec, total: int) -> dict[str, int]:
        rng = self.rng
        c = dict.fromkeys(COUNT_FIELDS, 0)
        c["total"] = total
        c["disabled"] = round(total * rng.uniform(0.02, 0.045))
        c["foreigners"] = round(total * rng.uniform(0.02, 0.08))
        if facility.type == FacilityType.COLONY_WOMEN:
            c["women"] = total
            c["pregnant_women"] = round(total * rng.uniform(0.008, 0.02))
        elif facility.type == FacilityType.COLONY_JUVENILE:
            c["minors"] = total
            c["disabled"] = rng.randint(0, 2)
            c["foreigners"] = rng.randint(0, 2)
        elif facility.type == FacilityType.PRETRIAL:
            c["women"] = round(total * rng.uniform(0.06, 0.1))
            c["pregnant_women"] = min(c["women"], rng.randint(0, 2))
            c["disabled"] = round(total * rng.uniform(0.01, 0.025))
            c["foreigners"] = round(total * rng.uniform(0.04, 0.1))
        return c

    def _education(self, colonies: list[FacilitySpec], counts: dict[str, dict[str, int]]) -> None:
        """Share out the people in general education or vocational training over the colonies."""
        rng = self.rng
        remaining = IN_EDUCATION_OR_TRAINING
        for facility in colonies:
            if facility.type == FacilityType.COLONY_JUVENILE:
                c = counts[facility.code]
                c["in_education"] = c["total"]
                c["in_vocational_training"] = round(c["total"] * 0.5)
                remaining -= c["in_education"] + c["in_vocational_training"]
        adults = [f for f in colonies if f.type != FacilityType.COLONY_JUVENILE]
        weights = [counts[f.code]["total"] * rng.uniform(0.5, 1.5)
                   * (0.5 if f.type == FacilityType.COLONY_SETTLEMENT else 1.0) for f in adults]
        for facility, enrolled in zip(adults, apportion(remaining, weights), strict=True):
            general = round(enrolled * rng.uniform(0.3, 0.5))
            counts[facility.code]["in_education"] = general
            counts[facility.code]["in_vocational_training"] = enrolled - general

    def _penal_capacity_and_units(self, facility: FacilitySpec, c: dict[str, int], *,
                                  mother_child_unit: bool) -> None:
        rng = self.rng
        total = c["total"]
        if facility.code in self.overcrowded:
            rate = rng.uniform(1.05, 1.2)
        elif facility.type == FacilityType.COLONY_JUVENILE:
            rate = rng.uniform(0.35, 0.5)
        else:
            rate = rng.uniform(0.6, 0.95)
        self._set_capacity(facility, total, rate, maximum=True)

        units: list[UnitSpec] = []
        fixed: dict[str, int] = {}
        places = round(facility.design_capacity * rng.uniform(0.88, 0.97))
        if mother_child_unit:
            mothers = c["mothers_with_children"]
            capacity = mothers + rng.randint(5, 20)
            units.append(UnitSpec("MCU", "Children's home (mother-and-child unit)", UnitKind.MOTHER_CHILD,
                                  capacity, _space(capacity, rng.uniform(6.0, 9.0))))
            fixed["MCU"] = mothers
            places -= capacity
        if facility.type == FacilityType.PRETRIAL:
            if c["minors"]:
                # The juvenile wing: minors apart from adults, as the law requires.
                juvenile = self._cells(c["minors"] + rng.randint(2, 6), (2, 3, 4), (4.0, 5.5), prefix="J",
                                       name="Juvenile cell")
                units += juvenile
                fixed.update(zip((u.code for u in juvenile), apportion(c["minors"], [u.capacity for u in juvenile]),
                                 strict=True))
                places -= sum(u.capacity for u in juvenile)
            units += self._cells(places, (2, 4, 4, 6, 6, 8, 10), (2.6, 5.5), prefix="C", name="Cell")
            units += self._single_cells(rng.randint(5, 15))
        elif facility.type == FacilityType.COLONY_SPECIAL:
            units += self._cells(places, (2, 2, 3, 4), (3.0, 5.5), prefix="C", name="Cell")
            units += self._single_cells(rng.randint(10, 30))
        elif facility.type == FacilityType.COLONY_JUVENILE:
            units += self._barracks(places, (12, 20), (4.0, 6.0), name="Dormitory")
        else:
            units += self._barracks(places, (40, 80), (2.5, 5.0), name="Barracks")
            if facility.type == FacilityType.COLONY_MAXIMUM:
                units += self._single_cells(rng.randint(6, 20))
        for i in range(1, rng.randint(3, 8) + 1):
            capacity = rng.randint(1, 4)
            units.append(UnitSpec(f"ISO{i}", f"Disciplinary isolation cell {i}", UnitKind.ISOLATION,
                                  capacity, _space(capacity, rng.uniform(3.5, 7.0))))
        capacity = max(4, round(facility.design_capacity * rng.uniform(0.02, 0.04)))
        units.append(UnitSpec("MED", "Medical unit", UnitKind.MEDICAL, capacity,
                              _space(capacity, rng.uniform(4.0, 7.0))))
        if rng.random() < 0.4:
            capacity = rng.randint(6, 20)
            units.append(UnitSpec("ACC", "Accessible unit", UnitKind.ACCESSIBLE, capacity,
                                  _space(capacity, rng.uniform(4.5, 7.0))))
        facility.units = units
        facility.latest_occupancy = self._occupy(total, units, fixed)
        if facility.type == FacilityType.COLONY_JUVENILE:
            facility.latest_minors = dict(facility.latest_occupancy)
        elif facility.type == FacilityType.PRETRIAL and c["minors"]:
            facility.latest_minors = {code: n for code, n in facility.latest_occupancy.items() if code.startswith("J")}
            facility.latest_minors.update({u.code: 0 for u in units if u.code in facility.latest_occupancy
                                           and not u.code.startswith("J")})
            if facility.code in self.mixed_pretrial:
                # One minor sleeps in an adults' cell: the risk a facility-level count cannot show.
                minors = facility.latest_minors
                wing = max(minors, key=lambda code: (code.startswith("J"), minors[code]))
                adults_cell = next(code for code in sorted(facility.latest_occupancy)
                                   if code.startswith("C") and facility.latest_occupancy[code] > 1)
                facility.latest_minors[wing] -= 1
                facility.latest_occupancy[wing] -= 1
                facility.latest_occupancy[adults_cell] += 1
                facility.latest_minors[adults_cell] = 1

    # Police, special schools, crisis centres -------------------------------------------------

    def _police(self) -> None:
        rng = self.rng
        crowded = set(rng.sample(range(sum(r.police_tdcs for r in REGIONS)), 6))
        index = 0
        for region in REGIONS:
            digits = region.code.removeprefix("KZ-")
            for n in range(1, region.police_tdcs + 1):
                code = f"TDC-{digits}-{n:02d}"
                facility = FacilitySpec(
                    code=code, type=FacilityType.POLICE_TDC, region_code=region.code,
                    operator_code=orgs.police_code(region),
                    name_kk=f"№ {n} уақытша ұстау изоляторы, {region.name_kk}",
                    name_ru=f"Изолятор временного содержания № {n}, {region.name_ru}",
                    name_en=f"Temporary detention centre No. {n}, {region.name_en}",
                    **self._address(region),
                )
                design = rng.randint(10, 60)
                if index in crowded:
                    self.overcrowded.add(code)
                rate = rng.uniform(1.05, 1.3) if code in self.overcrowded else rng.uniform(0.3, 0.9)
                total = max(1, round(design * rate))
                c = dict.fromkeys(COUNT_FIELDS, 0)
                c.update(total=total, women=round(total * rng.uniform(0.0, 0.1)),
                         minors=1 if rng.random() < 0.1 else 0,
                         disabled=1 if rng.random() < 0.15 else 0,
                         foreigners=round(total * rng.uniform(0.0, 0.1)))
                self._set_capacity(facility, total, total / design, maximum=True)
                facility.units = (self._cells(design, (2, 2, 4, 4, 6), (2.5, 5.0), prefix="C", name="Cell")
                                  + self._single_cells(rng.randint(0, 2)))
                facility.latest_occupancy = self._occupy(total, facility.units, {})
                if c["minors"]:
                    # Police cells have no juvenile wing: the minor is placed wherever there is room.
                    cell = min(facility.latest_occupancy)
                    facility.latest_minors = {code: 0 for code in facility.latest_occupancy} | {cell: 1}
                self._add(facility, c, _Profile(rng.uniform(-0.02, 0.04), rng.uniform(0.03, 0.1), 0.15,
                                                rng.uniform(0, 2 * math.pi)))
                index += 1
            if region.has_special_reception:
                self._special_reception(region)

    def _special_reception(self, region: RegionSpec) -> None:
        rng = self.rng
        code = f"SRC-{region.code.removeprefix('KZ-')}"
        facility = FacilitySpec(
            code=code, type=FacilityType.SPECIAL_RECEPTION, region_code=region.code,
            operator_code=orgs.police_code(region),
            name_kk=f"Арнаулы қабылдау орны, {region.name_kk}",
            name_ru=f"Специальный приёмник, {region.name_ru}",
            name_en=f"Special reception centre, {region.name_en}",
            **self._address(region),
        )
        design = rng.randint(30, 80)
        total = round(design * rng.uniform(0.3, 0.85))
        c = dict.fromkeys(COUNT_FIELDS, 0)
        c.update(total=total, women=round(total * rng.uniform(0.0, 0.06)),
                 disabled=round(total * rng.uniform(0.0, 0.03)), foreigners=round(total * rng.uniform(0.03, 0.15)))
        self._set_capacity(facility, total, total / design, maximum=True)
        facility.units = self._cells(design, (4, 6, 8, 10), (3.0, 5.5), prefix="C", name="Cell")
        facility.latest_occupancy = self._occupy(total, facility.units, {})
        self._add(facility, c, _Profile(rng.uniform(0.0, 0.05), rng.uniform(0.03, 0.08), 0.1,
                                        rng.uniform(0, 2 * math.pi)))

    def _special_schools(self) -> None:
        rng = self.rng
        regions = rng.sample(REGIONS, len(SPECIAL_SCHOOL_CHILDREN))
        for i, (region, children) in enumerate(zip(regions, SPECIAL_SCHOOL_CHILDREN, strict=True)):
            n = i + 1
            facility = FacilitySpec(
                code=f"SEI-{n:02d}", type=FacilityType.SPECIAL_SCHOOL, region_code=region.code,
                operator_code=orgs.EDUCATION_MINISTRY_CODE,
                name_kk=f"№ {n} арнаулы білім беру ұйымы, {region.name_kk}",
                name_ru=f"Специальная организация образования № {n}, {region.name_ru}",
                name_en=f"Special educational institution No. {n}, {region.name_en}",
                **self._address(region),
            )
            c = dict.fromkeys(COUNT_FIELDS, 0)
            c.update(total=children, minors=children, in_education=children,
                     disabled=rng.randint(0, 2), foreigners=rng.randint(0, 1))
            self._set_capacity(facility, children, rng.uniform(0.45, 0.8), maximum=False)
            units: list[UnitSpec] = []
            fixed: dict[str, int] = {}
            places = facility.design_capacity
            if i == BELOW_AGE_SCHOOL:
                c["below_age_of_responsibility"] = BELOW_AGE_CHILDREN
                units.append(UnitSpec(
                    BELOW_AGE_UNIT_CODE,
                    "Group of children under 14, below the age of criminal responsibility",
                    UnitKind.CELL, 10, _space(10, rng.uniform(4.5, 6.0)),
                ))
                fixed[BELOW_AGE_UNIT_CODE] = BELOW_AGE_CHILDREN
                places -= 10
            units += self._cells(places, (4, 5, 6), (4.5, 7.0), prefix="R", name="Dormitory room")
            units.append(UnitSpec("MED", "Medical room", UnitKind.MEDICAL, 2, _space(2, rng.uniform(5.0, 8.0))))
            facility.units = units
            facility.latest_occupancy = self._occupy(children, units, fixed)
            facility.latest_minors = dict(facility.latest_occupancy)
            self._add(facility, c, _Profile(rng.uniform(0.03, 0.1), rng.uniform(0.02, 0.06), 0.05,
                                            rng.uniform(0, 2 * math.pi)))

    def _crisis_centres(self) -> None:
        rng = self.rng
        # Every region and city has at least two; the rest follow population (police districts).
        extra = apportion(CRISIS_CENTRES - 2 * len(REGIONS), [r.police_tdcs for r in REGIONS])
        ngos = orgs.CRISIS_NGOS
        for region, more in zip(REGIONS, extra, strict=True):
            digits = region.code.removeprefix("KZ-")
            for n in range(1, 3 + more):
                code = f"CC-{digits}-{n:02d}"
                operator = (orgs.akimat_code(region) if rng.random() < 0.6 else rng.choice(ngos).code)
                facility = FacilitySpec(
                    code=code, type=FacilityType.CRISIS_CENTRE, region_code=region.code, operator_code=operator,
                    name_kk=f"Әйелдер мен балаларға арналған № {n} дағдарыс орталығы, {region.name_kk}",
                    name_ru=f"Кризисный центр для женщин и детей № {n}, {region.name_ru}",
                    name_en=f"Crisis centre for women and children No. {n}, {region.name_en}",
                    **self._address(region),
                )
                design = rng.randint(12, 40)
                crowded = rng.random() < 0.06
                if crowded:
                    self.overcrowded.add(code)
                total = max(1, round(design * (rng.uniform(1.05, 1.2) if crowded else rng.uniform(0.4, 0.95))))
                mothers = round(total * rng.uniform(0.5, 0.85))
                c = dict.fromkeys(COUNT_FIELDS, 0)
                c.update(total=total, women=total, mothers_with_children=mothers,
                         children_with_mothers=round(mothers * rng.uniform(1.3, 2.0)),
                         pregnant_women=min(total, round(total * rng.uniform(0.0, 0.08))),
                         disabled=round(total * rng.uniform(0.0, 0.08)),
                         foreigners=round(total * rng.uniform(0.0, 0.05)))
                self._set_capacity(facility, total, total / design, maximum=False)
                # Residents live with their children in family rooms; occupancy counts the adults.
                facility.units = self._cells(design, (2, 3, 4), (5.0, 8.0), prefix="F", name="Family room",
                                             kind=UnitKind.MOTHER_CHILD)
                facility.latest_occupancy = self._occupy(total, facility.units, {})
                self._add(facility, c, _Profile(rng.uniform(-0.05, 0.0), rng.uniform(0.05, 0.12), 0.08,
                                                math.pi / 2))

    # Capacity, units, occupancy --------------------------------------------------------------

    def _set_capacity(self, facility: FacilitySpec, total: int, rate: float, *, maximum: bool) -> None:
        rng = self.rng
        design = max(1, round(total / rate))
        operational = design
        if facility.code not in self.overcrowded and rng.random() < 0.15:
            # Part of the estate closed for repair; never so much that the facility tips over 100%.
            operational = max(total, round(design * rng.uniform(0.85, 0.97)))
        facility.design_capacity = design
        facility.operational_capacity = operational
        facility.maximum_capacity = round(design * rng.uniform(1.05, 1.2)) if maximum else None

    def _barracks(self, places: int, size: tuple[int, int], space: tuple[float, float], *,
                  name: str) -> list[UnitSpec]:
        units = []
        while places > 0 or not units:
            capacity = self.rng.randint(*size)
            i = len(units) + 1
            units.append(UnitSpec(f"B{i:02d}", f"{name} {i}", UnitKind.BARRACKS, capacity,
                                  _space(capacity, self.rng.uniform(*space))))
            places -= capacity
        return units

    def _cells(self, places: int, sizes: Sequence[int], space: tuple[float, float], *, prefix: str,
               name: str, kind: str = UnitKind.CELL) -> list[UnitSpec]:
        units = []
        while places > 0 or not units:
            capacity = self.rng.choice(sizes)
            i = len(units) + 1
            units.append(UnitSpec(f"{prefix}{i:03d}", f"{name} {i}", kind, capacity,
                                  _space(capacity, self.rng.uniform(*space))))
            places -= capacity
        return units

    def _single_cells(self, count: int) -> list[UnitSpec]:
        return [UnitSpec(f"S{i:02d}", f"Single cell {i}", UnitKind.SINGLE_CELL, 1,
                         _space(1, self.rng.uniform(4.5, 8.0))) for i in range(1, count + 1)]

    def _occupy(self, total: int, units: Iterable[UnitSpec], fixed: dict[str, int]) -> dict[str, int]:
        """Who sleeps where on the latest date; never more people in units than the total held."""
        rng = self.rng
        units = list(units)
        occupancy = dict(fixed)
        remaining = total - sum(fixed.values())
        general: list[UnitSpec] = []
        for unit in units:
            if unit.code in fixed:
                continue
            if unit.kind == UnitKind.MEDICAL:
                n = rng.randint(0, unit.capacity)
            elif unit.kind == UnitKind.ISOLATION:
                n = rng.randint(1, unit.capacity) if rng.random() < 0.4 else 0
            elif unit.kind == UnitKind.ACCESSIBLE:
                n = rng.randint(unit.capacity // 2, unit.capacity)
            elif unit.kind == UnitKind.SINGLE_CELL:
                n = 1 if rng.random() < 0.85 else 0
            else:
                general.append(unit)
                continue
            n = min(n, max(remaining, 0))
            occupancy[unit.code] = n
            remaining -= n
        # A few are away on the day: in court, in an outside hospital, in transit.
        away = round(remaining * rng.uniform(0.0, 0.02))
        shares = apportion(remaining - away, [u.capacity for u in general])
        occupancy.update({u.code: n for u, n in zip(general, shares, strict=True)})
        return {code: n for code, n in occupancy.items() if n}

    # History ---------------------------------------------------------------------------------

    def _history(self, facility: FacilitySpec) -> None:
        latest = self.latest[facility.code]
        profile = self.profiles[facility.code]
        last = len(self.dates) - 1

        def season(date: dt.date) -> float:
            return profile.seasonal * math.sin(2 * math.pi * date.month / 12 + profile.phase)

        snapshots = []
        for i, date in enumerate(self.dates):
            if i == last:
                counts = dict(latest)
            else:
                years_back = (last - i) / 12
                factor = ((1 + profile.decline_per_year * years_back)
                          * (1 + season(date) - season(self.dates[last]))
                          * (1 + self.rng.gauss(0, profile.noise)))
                counts = _scaled(latest, max(0, round(latest["total"] * factor)))
            snapshots.append(SnapshotSpec(date=date, **counts))
        facility.snapshots = snapshots


def _scaled(latest: dict[str, int], total: int) -> dict[str, int]:
    """The latest breakdown scaled to another total, kept within the model's constraints."""
    base = latest["total"]
    counts = {"total": total}
    for name in COUNT_FIELDS[1:]:
        if latest[name] == base and name in ("women", "minors", "in_education"):
            counts[name] = total
        else:
            counts[name] = min(total, round(latest[name] * total / base)) if base else 0
    counts["pregnant_women"] = min(counts["pregnant_women"], counts["women"])
    counts["mothers_with_children"] = min(counts["mothers_with_children"], counts["women"])
    counts["below_age_of_responsibility"] = min(counts["below_age_of_responsibility"], counts["minors"])
    if not counts["mothers_with_children"]:
        counts["children_with_mothers"] = 0
    return counts
