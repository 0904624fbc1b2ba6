"""What the registry API accepts and returns.

Input schemas are strict: unknown fields are refused, numbers must be JSON numbers (not "5",
not true), counts have a sane ceiling, and text may not carry control characters, markup or a
leading spreadsheet-formula sign. The services validate again against the models; these
checks only make sure that nothing odd reaches them.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Annotated, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import AfterValidator, BeforeValidator, ConfigDict, Field, StrictBool, StrictInt

from facilities.models import FacilityType, UnitKind
from facilities.text_rules import (
    MAX_AREA_M2,
    MAX_PEOPLE,
    institution_code,
    plain_text,
    required_text,
    visible_text,
)

MAX_UNITS_PER_SNAPSHOT = 2_000
# The largest primary key any of our databases can hold.
MAX_ID = 2**63 - 1


def _iso_date(value: Any) -> Any:
    if isinstance(value, str) and not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise ValueError(_("Enter a date as YYYY-MM-DD."))
    if not isinstance(value, str | dt.date):
        raise ValueError(_("Enter a date as YYYY-MM-DD."))
    return value


def _not_future(value: dt.date) -> dt.date:
    if value > timezone.localdate():
        raise ValueError(_("The date cannot be in the future."))
    if value.year < 1900:
        raise ValueError(_("The date is too far in the past."))
    return value


def _text(max_length: int) -> Any:
    return Annotated[str, Field(min_length=1, max_length=max_length, strict=True), AfterValidator(required_text)]


def _code_of(max_length: int) -> Any:
    return Annotated[str, Field(min_length=1, max_length=max_length, strict=True), AfterValidator(institution_code)]


Name = _text(255)
FacilityCode = _code_of(32)
UnitCode = _code_of(32)
RegionCode = _code_of(16)
OrganisationCode = _code_of(64)
Count = Annotated[StrictInt, Field(ge=0, le=MAX_PEOPLE)]
Area = Annotated[Decimal, Field(ge=0, le=MAX_AREA_M2, max_digits=8, decimal_places=1, allow_inf_nan=False)]
IsoDate = Annotated[dt.date, BeforeValidator(_iso_date)]
PastDate = Annotated[dt.date, BeforeValidator(_iso_date), AfterValidator(_not_future)]
Address = Annotated[str, Field(max_length=255, strict=True), AfterValidator(plain_text)]
Search = Annotated[str, Field(max_length=100), AfterValidator(visible_text)]
# Names an existing unit, whatever rules its code was created under (e.g. by a spreadsheet import).
UnitKey = Annotated[str, Field(min_length=1, max_length=32), AfterValidator(visible_text)]


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
    is_active: StrictBool = True


class FacilityPatch(InputSchema):
    """Only the fields sent are changed. `null` is accepted only for maximum_capacity."""

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


class SnapshotOut(Schema):
    id: int
    date: dt.date
    total: int
    women: int
    pregnant_women: int
    mothers_with_children: int
    children_with_mothers: int
    minors: int
    below_age_of_responsibility: int
    disabled: int
    foreigners: int
    in_education: int
    in_vocational_training: int
    occupancy: dict[str, int] = Field(description="People held per unit code on this date.")
    recorded_at: dt.datetime


class IndicatorOut(Schema):
    key: str
    label: str
    value: str
    compliant: bool | None = Field(description="null: not applicable or no data.")
    reason: str


class UnitSpaceOut(Schema):
    unit: str
    occupants: int
    per_person_m2: Decimal | None
    minimum_m2: Decimal
    compliant: bool | None


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
    name: Name
    kind: UnitKind
    capacity: Count
    living_space_m2: Area


class UnitPatch(InputSchema):
    code: UnitCode = None
    name: Name = None
    kind: UnitKind = None
    capacity: Count = None
    living_space_m2: Area = None


# --- Population snapshots ----------------------------------------------------------------------


class SnapshotIn(InputSchema):
    """Who was held on `date`. Sending a date that already has a snapshot corrects it."""

    date: PastDate
    total: Count
    women: Count = 0
    pregnant_women: Count = 0
    mothers_with_children: Count = 0
    children_with_mothers: Count = 0
    minors: Count = 0
    below_age_of_responsibility: Count = 0
    disabled: Count = 0
    foreigners: Count = 0
    in_education: Count = 0
    in_vocational_training: Count = 0
    occupancy: dict[UnitKey, Count] = Field(
        default_factory=dict, max_length=MAX_UNITS_PER_SNAPSHOT,
        description="People held per unit code; units not named held nobody.",
    )


class SnapshotFilters(Schema):
    date_from: IsoDate | None = Field(None, alias="from")
    date_to: IsoDate | None = Field(None, alias="to")
