"""The three registry datasets a spreadsheet can carry, and their columns.

The header row names the columns exactly as here (English snake_case; case, surrounding spaces
and spaces instead of underscores are forgiven). Columns may come in any order. On import a
column left out of the header leaves that field of existing records unchanged; the key columns
must always be there, except a key column with a meaning for an empty cell (the source of a
count), which then holds that meaning in every row. Export writes every column, in this order.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from facilities import population
from facilities.models import FacilityType, ReportSource, UnitKind


class Kind(StrEnum):
    TEXT = "text"
    INTEGER = "integer"
    DECIMAL = "decimal"
    DATE = "date"
    CHOICE = "choice"
    REFERENCE = "reference"


@dataclass(frozen=True)
class Column:
    name: str
    kind: Kind
    help: Promise
    # The model field the value lands in; the column name when empty.
    field: str = ""
    required: bool = True
    # What an empty cell means in a column that is not required.
    empty: object = None
    max_length: int | None = None
    choices: tuple[str, ...] = ()

    @property
    def model_field(self) -> str:
        return self.field or self.name


@dataclass(frozen=True)
class Dataset:
    name: str
    label: Promise
    columns: tuple[Column, ...]
    key: tuple[str, ...]

    def column(self, name: str) -> Column:
        return self.by_name[name]

    @property
    def by_name(self) -> dict[str, Column]:
        return {column.name: column for column in self.columns}

    @property
    def required_key(self) -> tuple[str, ...]:
        """The key columns every header must name (the others mean their empty value when left out)."""
        return tuple(name for name in self.key if self.column(name).required)

    @property
    def header(self) -> list[str]:
        return [column.name for column in self.columns]

    def column_for_field(self, field: str) -> str:
        """The column that carries a model field, for naming the column in an error."""
        for column in self.columns:
            if column.model_field == field:
                return column.name
        return ""


def _count(spec: population.CountField) -> Column:
    """A count column, from the one list of counts; an empty cell is "not reported" (None), never 0."""
    if spec.required:
        return Column(spec.name, Kind.INTEGER, spec.help)
    return Column(spec.name, Kind.INTEGER, spec.help, required=False, empty=None)


FACILITIES = Dataset(
    name="facilities",
    label=_("Facilities"),
    key=("code",),
    columns=(
        Column("code", Kind.TEXT, _("Institution code, unique in the registry (the key)."), max_length=32),
        Column("name_kk", Kind.TEXT, _("Name in Kazakh."), max_length=255),
        Column("name_ru", Kind.TEXT, _("Name in Russian."), max_length=255),
        Column("name_en", Kind.TEXT, _("Name in English."), max_length=255),
        Column("type", Kind.CHOICE, _("Facility type, one of the codes listed."), choices=tuple(FacilityType.values)),
        Column("region", Kind.REFERENCE, _("Region code, e.g. KZ-75.")),
        Column("operator", Kind.REFERENCE, _("Code of the operating organisation.")),
        Column("address", Kind.TEXT, _("Postal address; may be empty."), required=False, empty="",
               max_length=255),
        Column("design_capacity", Kind.INTEGER, _("Places by design.")),
        Column("operational_capacity", Kind.INTEGER, _("Places currently in use.")),
        Column("maximum_capacity", Kind.INTEGER, _("Legal maximum; may be empty."), required=False),
        Column("opened_on", Kind.DATE, _("In use since (DD.MM.YYYY or YYYY-MM-DD); no count may be older. "
                                         "May be empty."), required=False),
    ),
)

UNITS = Dataset(
    name="units",
    label=_("Living units"),
    key=("facility_code", "unit_code"),
    columns=(
        Column("facility_code", Kind.REFERENCE, _("Code of the facility the unit belongs to."), field="facility"),
        Column("unit_code", Kind.TEXT, _("Unit code, unique within the facility."), field="code", max_length=32),
        Column("name", Kind.TEXT, _("Unit name."), max_length=255),
        Column("kind", Kind.CHOICE, _("Unit kind, one of the codes listed."), choices=tuple(UnitKind.values)),
        Column("capacity", Kind.INTEGER, _("Places.")),
        Column(
            "living_space_m2", Kind.DECIMAL, _("Living space in m², sanitary annex excluded, e.g. 240.5.")
        ),
    ),
)

POPULATION = Dataset(
    name="population",
    label=_("Population snapshots"),
    # A date may have a self-reported and a verified count: the source is part of the key.
    key=("facility_code", "date", "source"),
    columns=(
        Column("facility_code", Kind.REFERENCE, _("Code of the facility."), field="facility"),
        Column("date", Kind.DATE, _("Date of the count, DD.MM.YYYY or YYYY-MM-DD.")),
        Column("source", Kind.CHOICE, _("Who reported the count: self_reported (the facility) or verified (an "
                                        "oversight body on a visit; only an oversight body may import it). "
                                        "An empty cell or no such column: self_reported."),
               required=False, empty=ReportSource.SELF_REPORTED.value, choices=tuple(ReportSource.values)),
        *(_count(spec) for spec in population.COUNT_FIELDS),
    ),
)

DATASETS: dict[str, Dataset] = {d.name: d for d in (FACILITIES, UNITS, POPULATION)}
# Facilities first: units and snapshots may refer to facilities created by the same file.
APPLY_ORDER = ("facilities", "units", "population")
