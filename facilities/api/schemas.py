"""What the registry API accepts and returns.

Input schemas are strict: unknown fields are refused, numbers must be JSON numbers (not "5",
not true), counts have a sane ceiling. Text is checked by the services against
facilities.text_rules, as it is for the forms and the import, so every edge gives the same
answer; the schema states those rules (pattern, maxLength) for clients and fuzzers.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt, create_model

from facilities import population, text_rules
from facilities.models import Facility, FacilityType, ReportSource, Unit, UnitKind
from facilities.text_rules import MAX_AREA_M2, MAX_PEOPLE

MAX_UNITS_PER_SNAPSHOT = 2_000
# The largest primary key any of our databases can hold.
MAX_ID = 2**63 - 1


def _iso_date(value: Any) -> Any:
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError(_("Enter a date as YYYY-MM-DD."))
    if not isinstance(value, str | dt.date):
        raise ValueError(_("Enter a date as YYYY-MM-DD."))
    return value


def _max_length(model: type, name: str) -> int:
    return model._meta.get_field(name).max_length


def _stated(kind: str, max_length: int, *, required: bool = True) -> Any:
    """Text whose rules (facilities.text_rules) the services enforce; the schema states them."""
    return Annotated[str, Field(strict=True, json_schema_extra=text_rules.json_schema(
        kind, max_length=max_length, required=required))]


def _reference(max_length: int) -> Any:
    """The code of an existing record (region, operator): of a code's form, and then looked up."""
    return Annotated[str, Field(strict=True, json_schema_extra=text_rules.json_schema("code", max_length=max_length)),
                     AfterValidator(lambda value: text_rules.code(value, max_length=max_length))]


Name = _stated("text", _max_length(Facility, "name_en"))
UnitName = _stated("text", _max_length(Unit, "name"))
FacilityCode = _stated("code", _max_length(Facility, "code"))
UnitCode = _stated("code", _max_length(Unit, "code"))
Address = _stated("text", _max_length(Facility, "address"), required=False)
RegionCode = _reference(16)
OrganisationCode = _reference(64)
Count = Annotated[StrictInt, Field(ge=0, le=MAX_PEOPLE)]
Area = Annotated[Decimal, Field(
    ge=0, le=MAX_AREA_M2, max_digits=8, decimal_places=1, allow_inf_nan=False,
    # What pydantic would state leaves out the one decimal place; the rule is text_rules.area.
    json_schema_extra={"anyOf": [
        {"type": "number", "minimum": 0, "maximum": float(MAX_AREA_M2), "multipleOf": 0.1},
        {"type": "string", "pattern": r"^[0-9]{1,7}(?:\.[0-9])?$"},
    ]},
)]
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
CountDate = Annotated[dt.date, BeforeValidator(_iso_date), Field(
    description="Not in the future, and not before the facility's opened_on.")]
Search = Annotated[str, Field(max_length=100), AfterValidator(text_rules.search)]
# Names an existing unit, whatever rules its code was created under (e.g. by a spreadsheet import).
UnitKey = Annotated[str, Field(min_length=1, max_length=32)]


class InputSchema(Schema):
    model_config = ConfigDict(extra="forbid")

    def changes(self) -> dict[str, Any]:
        """The fields the client sent, for a partial update."""
        return self.model_dump(exclude_unset=True)


# --- Facilities --------------------------------------------------------------------------------


class FacilityIn(InputSchema):
    code: FacilityCode
    name_kk: Name
    name_ru: Name
    name_en: Name
    type: FacilityType
    region: RegionCode = Field(description="Region code, e.g. KZ-75.")
    operator: OrganisationCode = Field(description="Code of the operating organisation.")
    address: Address = ""
    design_capacity: Count
    operational_capacity: Count
    maximum_capacity: Count | None = None
    opened_on: IsoDate | None = Field(None, description="Since when it holds people; no count may be older.")
    is_active: StrictBool = True


class FacilityPatch(InputSchema):
    """Only the fields sent are changed. `null` is accepted only for maximum_capacity and opened_on."""

    code: FacilityCode = None
    name_kk: Name = None
    name_ru: Name = None
    name_en: Name = None
    type: FacilityType = None
    region: RegionCode = None
    operator: OrganisationCode = None
    address: Address = None
    design_capacity: Count = None
    operational_capacity: Count = None
    maximum_capacity: Count | None = None
    opened_on: IsoDate | None = None
    is_active: StrictBool = None


class FacilityFilters(Schema):
    type: FacilityType | None = None
    region: RegionCode | None = None
    operator: OrganisationCode | None = None
    overcrowded: bool | None = None
    q: Search | None = None
    page: int = Field(1, ge=1, le=100_000)
    page_size: int = Field(50, ge=1, le=200)


class UnitOut(Schema):
    id: int
    code: str
    name: str
    kind: str
    capacity: int
    living_space_m2: Decimal


def _count_out(spec: population.CountField) -> Any:
    if spec.required:
        return (int, Field(description=str(spec.help)))
    return (int | None, Field(description=f"{spec.help} null: not reported."))


SnapshotOut = create_model(
    "SnapshotOut",
    __base__=Schema,
    id=(int, ...),
    date=(dt.date, ...),
    source=(ReportSource, Field(description="self_reported by the facility, or verified by an oversight body.")),
    version=(int, Field(description="1 when recorded, one more with each correction.")),
    **{spec.name: _count_out(spec) for spec in population.COUNT_FIELDS},
    occupancy=(dict[str, int], Field(description="People held per unit code on this date.")),
    unit_minors=(dict[str, int], Field(description="Minors among them per unit code, where reported.")),
    recorded_at=(dt.datetime, ...),
)


class IndicatorOut(Schema):
    key: str
    label: str
    value: str
    status: str = Field(description="met, not_met, unknown (a count it needs was not reported) or not_applicable.")
    compliant: bool | None = Field(description="true met, false not met, null unknown or not applicable.")
    reason: str


class UnitSpaceOut(Schema):
    unit: str
    occupants: int | None = Field(description="null: not reported.")
    minors: int | None = Field(description="null: not reported.")
    per_person_m2: Decimal | None
    minimum_m2: Decimal
    status: str


class FacilitySummaryOut(Schema):
    id: int
    code: str
    name: str = Field(description="The name in the language of the request (Accept-Language).")
    type: str
    type_label: str
    region: str
    region_name: str
    operator: str
    operator_name: str
    design_capacity: int
    operational_capacity: int
    maximum_capacity: int | None
    opened_on: dt.date | None
    capacity: int = Field(description="The figure occupancy is measured against.")
    is_active: bool
    population: int | None
    population_date: dt.date | None
    occupancy_rate: float | None
    overcrowded: bool


class FacilityOut(FacilitySummaryOut):
    name_kk: str
    name_ru: str
    name_en: str
    address: str
    units: list[UnitOut]
    latest_snapshot: SnapshotOut | None
    indicators: list[IndicatorOut]
    unit_space: list[UnitSpaceOut]
    created_at: dt.datetime
    updated_at: dt.datetime


class FacilityPage(Schema):
    count: int
    page: int
    page_size: int
    items: list[FacilitySummaryOut]


# --- Units -------------------------------------------------------------------------------------


class UnitIn(InputSchema):
    code: UnitCode
    name: UnitName
    kind: UnitKind
    capacity: Count
    living_space_m2: Area


class UnitPatch(InputSchema):
    code: UnitCode = None
    name: UnitName = None
    kind: UnitKind = None
    capacity: Count = None
    living_space_m2: Area = None


# --- Population snapshots ----------------------------------------------------------------------


def _count_in(spec: population.CountField) -> Any:
    if spec.required:
        return (Count, Field(description=str(spec.help)))
    return (Count | None, Field(None, description=f"{spec.help} Left out or null: not reported (never zero)."))


SnapshotIn = create_model(
    "SnapshotIn",
    __base__=InputSchema,
    __doc__=(
        "Who was held on `date`, as `source` reported it. A count left out is not reported. If this "
        "source already has a count for the date, the request is refused (409) unless `corrects` names "
        "the version it corrects; a correction replaces every count."
    ),
    date=(CountDate, ...),
    source=(ReportSource | None, Field(None, description=(
        "self_reported or verified; by default verified for an oversight body, self_reported otherwise. "
        "Only an oversight body may send verified."))),
    corrects=(Annotated[StrictInt, Field(ge=1, le=MAX_ID)] | None, Field(None, description=(
        "The version of the recorded count of this date and source that this request corrects."))),
    **{spec.name: _count_in(spec) for spec in population.COUNT_FIELDS},
    occupancy=(dict[UnitKey, Count], Field(
        default_factory=dict, max_length=MAX_UNITS_PER_SNAPSHOT,
        description="People held per unit code; a unit not named: occupancy not reported.",
    )),
    unit_minors=(dict[UnitKey, Count], Field(
        default_factory=dict, max_length=MAX_UNITS_PER_SNAPSHOT,
        description="Minors among a unit's occupants, per unit code (each also in `occupancy`).",
    )),
)


class SnapshotFilters(Schema):
    date_from: IsoDate | None = Field(None, alias="from")
    date_to: IsoDate | None = Field(None, alias="to")
