"""The counts a population snapshot holds: defined once, here.

The model's fields and constraints, the forms, the API schemas, the import and export columns,
the overview's sums and the profile's breakdown all derive from `COUNT_FIELDS`. A count that was
not reported is NULL ("not reported"), never zero: only `total` is required.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db import models
from django.db.models import F, Q
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


class CountKind(models.TextChoices):
    HELD = "held", _("people held")  # part of the people held (its share of the total is shown)
    ACCOMPANYING = "accompanying", _("living with the people held")  # not among the people held


@dataclass(frozen=True)
class CountField:
    name: str
    label: Promise
    help: Promise  # one sentence, for import templates and the API schema
    kind: CountKind = CountKind.HELD
    # The count this one is part of ("women" within "total"); None for the total itself.
    within: str | None = "total"
    required: bool = False
    # Shown among the groups in a situation of vulnerability on the overview.
    vulnerable: bool = False

    @property
    def has_share(self) -> bool:
        return self.kind == CountKind.HELD

    def model_field(self) -> models.PositiveIntegerField:
        if self.required:
            return models.PositiveIntegerField(self.label)
        return models.PositiveIntegerField(self.label, null=True, blank=True)


COUNT_FIELDS: tuple[CountField, ...] = (
    CountField("total", _("total held"), _("Total held."), within=None, required=True),
    CountField("women", _("women"), _("Women."), vulnerable=True),
    CountField("pregnant_women", _("pregnant women"), _("Pregnant women."), within="women", vulnerable=True),
    CountField("mothers_with_children", _("mothers with children living with them"),
               _("Mothers with children living with them."), within="women", vulnerable=True),
    CountField("children_with_mothers", _("children living with their mothers"),
               _("Children living with their mothers."), kind=CountKind.ACCOMPANYING, within=None,
               vulnerable=True),
    CountField("minors", _("minors"), _("Minors."), vulnerable=True),
    CountField("below_age_of_responsibility", _("children below the age of criminal responsibility"),
               _("Children below the age of criminal responsibility."), within="minors"),
    CountField("disabled", _("people with disabilities"), _("People with disabilities."), vulnerable=True),
    CountField("foreigners", _("foreigners"), _("Foreigners."), vulnerable=True),
    CountField("in_education", _("in general education"), _("In general education.")),
    CountField("in_vocational_training", _("in vocational training"), _("In vocational training.")),
)

NAMES: tuple[str, ...] = tuple(f.name for f in COUNT_FIELDS)
BY_NAME: dict[str, CountField] = {f.name: f for f in COUNT_FIELDS}
BREAKDOWN: tuple[CountField, ...] = tuple(f for f in COUNT_FIELDS if f.name != "total")
VULNERABLE: tuple[CountField, ...] = tuple(f for f in COUNT_FIELDS if f.vulnerable)

# Database constraints kept from before this list existed, under their original names.
_CONSTRAINT_NAMES = {
    "pregnant_women": "pregnant_within_women",
    "mothers_with_children": "mothers_within_women",
    "below_age_of_responsibility": "below_age_within_minors",
}
# Counts whose bound the database does not check (the services do).
_UNCONSTRAINED = {"in_education", "in_vocational_training"}


def model_fields() -> dict[str, models.Field]:
    return {f.name: f.model_field() for f in COUNT_FIELDS}


def constraints() -> list[models.CheckConstraint]:
    """`part <= whole` for every count within another; NULL on either side is not checked."""
    return [
        models.CheckConstraint(
            condition=Q(**{f"{f.name}__lte": F(f.within)}),
            name=_CONSTRAINT_NAMES.get(f.name, f"{f.name}_within_{f.within}"),
        )
        for f in COUNT_FIELDS
        if f.within and f.name not in _UNCONSTRAINED
    ]


def bound_errors(values: dict[str, int | None]) -> dict[str, Promise]:
    """Per field, why a count breaks its bound (a part larger than its whole)."""
    messages = {
        "total": _("cannot exceed the total held"),
        "women": _("cannot exceed the number of women"),
        "minors": _("cannot exceed the number of minors"),
    }
    errors: dict[str, Promise] = {}
    for f in COUNT_FIELDS:
        value, whole = values.get(f.name), values.get(f.within) if f.within else None
        if value is not None and whole is not None and value > whole:
            errors[f.name] = messages[f.within]
    if values.get("children_with_mothers") and values.get("mothers_with_children") == 0:
        errors["children_with_mothers"] = _("children can live here only with their mothers")
    return errors


def label(name: str) -> str:
    text = str(BY_NAME[name].label)
    return text[:1].upper() + text[1:]


@dataclass(frozen=True)
class Completeness:
    reported: int
    of: int

    @property
    def complete(self) -> bool:
        return self.reported == self.of

    @property
    def share(self) -> float:
        return self.reported / self.of if self.of else 0.0


def completeness(snapshot: Any) -> Completeness | None:
    """How many of the counts the snapshot reports; None without a snapshot."""
    if snapshot is None:
        return None
    return Completeness(sum(getattr(snapshot, name) is not None for name in NAMES), len(NAMES))


def incomplete_q(prefix: str = "") -> Q:
    """Rows whose snapshot (reached through `prefix`, e.g. "latest_snapshot__") leaves a count out."""
    condition = Q()
    for f in BREAKDOWN:
        condition |= Q(**{f"{prefix}{f.name}__isnull": True})
    return condition


def values_of(snapshot: Any, names: Iterable[str] = NAMES) -> dict[str, int | None]:
    return {name: getattr(snapshot, name) for name in names}
