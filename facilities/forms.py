"""Forms for changing the registry on its pages.

The forms only parse what a person typed; facilities.services validates against the models and
writes. Its ValidationError is put back on the form by `show_service_errors`, next to the field
it names, so the person keeps their entries and sees what to correct.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.utils import timezone
from django.utils.translation import get_language, ngettext
from django.utils.translation import gettext_lazy as _

from accounts.models import Organisation, OrganisationKind
from facilities import population
from facilities.models import Facility, FacilityType, PopulationSnapshot, Region, ReportSource, Unit, UnitKind
from facilities.services import FACILITY_RULES, UNIT_RULES, apply_rules
from facilities.text_rules import MAX_AREA_M2, MAX_PEOPLE
from lib.charts import format_number


def _capitalised(text: Any) -> str:
    text = str(text)
    return text[:1].upper() + text[1:]


def _model_label(model: type, name: str) -> str:
    return _capitalised(model._meta.get_field(name).verbose_name)


def _text_input(max_length: int, *, required: bool = False) -> forms.TextInput:
    # The length and whether the text may be empty are the services' rules (text_rules); the
    # browser is only told them, so the message a person reads is the rules' own.
    attrs: dict[str, Any] = {"maxlength": max_length}
    if required:
        attrs["required"] = True
    return forms.TextInput(attrs=attrs)


def _number_input() -> forms.NumberInput:
    # The bounds are the services' rule (text_rules.people); the browser is only told them.
    return forms.NumberInput(attrs={"min": 0, "max": MAX_PEOPLE})


def _localised_order() -> str:
    return f"name_{(get_language() or 'en')[:2]}"


class RegistryForm(forms.Form):
    """A form of registry fields, judged by the services' own rules (facilities.services, built on
    text_rules) as soon as it is sent, so every problem shows at once; the service applies them
    again when it writes. A value left as it was passes even if it breaks today's rules, so a
    record imported earlier stays editable in its other fields."""

    rules: dict[str, Any] = {}
    # The record being edited (None: a new one); a value equal to its own is not judged again.
    current: Any = None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        given = {name: cleaned[name] for name in self.rules if name in cleaned}
        try:
            cleaned.update(apply_rules(given, self.rules, current=self.current))
        except ValidationError as error:
            for name, messages in error.message_dict.items():
                self.add_error(name, messages)
        return cleaned

    def changed_labels(self) -> list[str]:
        """The labels of the fields the person changed, in the order of the form."""
        return [str(self[name].label) for name in self.changed_data if not name.startswith("confirm_")]


def show_service_errors(form: forms.Form, error: ValidationError, *, aliases: dict[str, str] | None = None) -> None:
    """Put a service's ValidationError on the form: each message beside the field it names.

    `aliases` maps a name the service uses to a form field (e.g. "occupancy"); a uniqueness
    error about several fields goes to the form's "code" field when it has one.
    """
    aliases = aliases or {}
    if not hasattr(error, "error_dict"):
        form.add_error(None, error.messages)
        return
    for name, errors in error.error_dict.items():
        target = aliases.get(name, name)
        if target == NON_FIELD_ERRORS:
            for item in errors:
                code_field = "code" in form.fields and getattr(item, "code", None) in ("unique", "unique_together")
                form.add_error("code" if code_field else None, item.messages)
            continue
        form.add_error(target if target in form.fields else None, [m for item in errors for m in item.messages])


# --- Facilities --------------------------------------------------------------------------------


class FacilityForm(RegistryForm):
    """Every registry field of a facility (facilities.services.FACILITY_FIELDS)."""

    code = forms.CharField(label=_("Institution code"), required=False, widget=_text_input(32, required=True))
    confirm_code_change = forms.BooleanField(
        label=_("Yes, change the institution code"), required=False,
        help_text=_("Needed only when the code above differs from the current one."),
    )
    name_kk = forms.CharField(label=_("Name in Kazakh"), required=False, widget=_text_input(255, required=True))
    name_ru = forms.CharField(label=_("Name in Russian"), required=False, widget=_text_input(255, required=True))
    name_en = forms.CharField(label=_("Name in English"), required=False, widget=_text_input(255, required=True))
    type = forms.ChoiceField(label=_("Type"), choices=FacilityType.choices)
    region = forms.ModelChoiceField(label=_("Region"), queryset=Region.objects.none(), to_field_name="code")
    operator = forms.ModelChoiceField(
        label=_("Operator"), queryset=Organisation.objects.none(), to_field_name="code",
        help_text=_("The organisation that runs the facility."),
    )
    address = forms.CharField(label=_("Address"), required=False, widget=_text_input(255))
    design_capacity = forms.IntegerField(label=_("Design capacity"), widget=_number_input())
    operational_capacity = forms.IntegerField(
        label=_("Operational capacity"), widget=_number_input(),
        help_text=_("The places in use; occupancy is measured against this figure."),
    )
    maximum_capacity = forms.IntegerField(
        label=_("Maximum capacity"), required=False, widget=_number_input(),
        help_text=_("Leave empty if none is set."),
    )
    opened_on = forms.DateField(
        label=_("In use since"), required=False,
        widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"), input_formats=["%Y-%m-%d"],
        help_text=_("No population count may be older. Leave empty if not known."),
    )
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    rules = FACILITY_RULES

    def __init__(self, *args: Any, facility: Facility | None = None, **kwargs: Any) -> None:
        self.facility = self.current = facility
        if facility is not None:
            kwargs.setdefault("initial", {
                "code": facility.code, "name_kk": facility.name_kk, "name_ru": facility.name_ru,
                "name_en": facility.name_en, "type": facility.type, "region": facility.region,
                "operator": facility.operator, "address": facility.address,
                "design_capacity": facility.design_capacity, "operational_capacity": facility.operational_capacity,
                "maximum_capacity": facility.maximum_capacity, "opened_on": facility.opened_on,
                "is_active": facility.is_active,
            })
        super().__init__(*args, **kwargs)
        order = _localised_order()
        self.fields["region"].queryset = Region.objects.order_by(order, "code")
        self.fields["operator"].queryset = Organisation.objects.filter(kind=OrganisationKind.OPERATOR).order_by(
            order, "code"
        )
        if facility is None:
            del self.fields["confirm_code_change"]
        else:
            self.fields["code"].help_text = _(
                "Changing the code changes the facility's institution code everywhere: spreadsheets, "
                "the API and other systems find the facility by it."
            )

    @property
    def changes_code(self) -> bool:
        return self.facility is not None and "code" in self.changed_data

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        if self.changes_code and "code" in cleaned and not cleaned.get("confirm_code_change"):
            self.add_error("confirm_code_change", _(
                "You are changing the institution code from %(old)s to %(new)s. Tick this box to confirm."
            ) % {"old": self.facility.code, "new": cleaned["code"]})
        return cleaned

    def service_fields(self) -> dict[str, Any]:
        """The cleaned values as facilities.services.create_facility / update_facility take them."""
        return {name: value for name, value in self.cleaned_data.items() if name != "confirm_code_change"}


# --- Units -------------------------------------------------------------------------------------


class UnitForm(RegistryForm):
    """Every field of a living unit (facilities.services.UNIT_FIELDS)."""

    code = forms.CharField(label=_("Unit code"), required=False, widget=_text_input(32, required=True),
                           help_text=_("Unique within the facility."))
    name = forms.CharField(label=_("Unit name"), required=False, widget=_text_input(255, required=True))
    kind = forms.ChoiceField(label=_("Kind"), choices=UnitKind.choices)
    capacity = forms.IntegerField(label=_("Places"), widget=_number_input())
    living_space_m2 = forms.DecimalField(
        label=_("Living space, m²"), min_value=Decimal(0), max_value=MAX_AREA_M2, max_digits=8, decimal_places=1,
        help_text=_("Without the sanitary annex, as the CPT measures it."),
    )

    rules = UNIT_RULES

    def __init__(self, *args: Any, unit: Unit | None = None, **kwargs: Any) -> None:
        self.unit = self.current = unit
        if unit is not None:
            kwargs.setdefault("initial", {
                "code": unit.code, "name": unit.name, "kind": unit.kind, "capacity": unit.capacity,
                "living_space_m2": unit.living_space_m2,
            })
        super().__init__(*args, **kwargs)
        self.fields["living_space_m2"].widget.attrs["step"] = "0.1"

    def clean_living_space_m2(self) -> Decimal | None:
        value = self.cleaned_data.get("living_space_m2")
        # Stored with one decimal place: "240" and "240.0" are the same area.
        return value.quantize(Decimal("0.1")) if value is not None else None

    def service_fields(self) -> dict[str, Any]:
        return dict(self.cleaned_data)


# --- Population --------------------------------------------------------------------------------

OCCUPANCY_PREFIX = "occupancy_"
MINORS_PREFIX = "occupancy_minors_"
_OCCUPANCY_NAME = re.compile(rf"^{OCCUPANCY_PREFIX}")


def first_of_this_month() -> dt.date:
    return timezone.localdate().replace(day=1)


class PopulationForm(RegistryForm):
    """Who was held on a date: every count of a snapshot and the people in each living unit."""

    date = forms.DateField(
        label=_("Date of the count"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d"),
        input_formats=["%Y-%m-%d"], help_text=_("Reports are usually made for the first day of the month."),
    )
    # The date of the recorded snapshot this form was shown as a correction of; saving over a
    # recorded date without having been told so first asks again.
    correcting = forms.CharField(required=False, widget=forms.HiddenInput, max_length=10)
    # Holds the service's errors about the units as a whole; it has no input of its own.
    occupancy = forms.CharField(label=_("People in each living unit"), required=False, widget=forms.HiddenInput)

    def __init__(self, *args: Any, units: Iterable[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["source"] = forms.ChoiceField(
            label=_("Who reports these figures"), choices=ReportSource.choices, required=False,
            help_text=_("Verified: counted by an oversight body on a visit. "
                        "Self-reported: the facility's own figures."),
        )
        for spec in population.COUNT_FIELDS:
            self.fields[spec.name] = forms.IntegerField(
                label=population.label(spec.name), min_value=0, max_value=MAX_PEOPLE, required=spec.required,
                help_text=None if spec.required else _("Leave empty if not reported: empty is not zero."),
            )
        self.fields["total"].help_text = _("Everyone held on that date; each group below is part of it.")
        self.fields["children_with_mothers"].help_text = _("Not counted in the total held.")
        self.units = list(units)
        for unit in self.units:
            field = forms.IntegerField(
                label=f"{unit.code} {unit.local_name}", min_value=0, max_value=MAX_PEOPLE, required=False,
                help_text=ngettext("%(places)s place, %(space)s m²", "%(places)s places, %(space)s m²", unit.capacity)
                % {"places": format_number(unit.capacity), "space": format_number(unit.living_space_m2)},
            )
            field.unit = unit
            self.fields[self.unit_field_name(unit)] = field
            minors = forms.IntegerField(
                label=_("%(unit)s: of whom minors") % {"unit": unit.code}, min_value=0, max_value=MAX_PEOPLE,
                required=False,
            )
            minors.unit = unit
            self.fields[self.unit_minors_name(unit)] = minors
        self.fields["date"].widget.attrs["max"] = timezone.localdate().isoformat()

    @staticmethod
    def unit_field_name(unit: Unit) -> str:
        return f"{OCCUPANCY_PREFIX}{unit.pk}"

    @staticmethod
    def unit_minors_name(unit: Unit) -> str:
        return f"{MINORS_PREFIX}{unit.pk}"

    @classmethod
    def initial_for(cls, snapshot: PopulationSnapshot | None, date: dt.date,
                    occupancy: dict[int, int] | None = None, minors: dict[int, int] | None = None,
                    source: str | None = None) -> dict[str, Any]:
        """The form's starting values: the recorded snapshot of `date` if there is one."""
        if snapshot is None:
            return {"date": date, "source": source or ReportSource.SELF_REPORTED}
        initial: dict[str, Any] = {"date": snapshot.date, "correcting": snapshot.date, "source": snapshot.source}
        initial.update(population.values_of(snapshot))
        initial.update({f"{OCCUPANCY_PREFIX}{unit_id}": n for unit_id, n in (occupancy or {}).items()})
        initial.update({f"{MINORS_PREFIX}{unit_id}": n for unit_id, n in (minors or {}).items()})
        return initial

    @property
    def count_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in population.NAMES]

    @property
    def unit_fields(self) -> list[forms.BoundField]:
        return [bound for unit in self.units
                for bound in (self[self.unit_field_name(unit)], self[self.unit_minors_name(unit)])]

    def clean_correcting(self) -> dt.date | None:
        # Only ever written by this page; anything else means "not told yet", never an error.
        try:
            return dt.date.fromisoformat(self.cleaned_data.get("correcting") or "")
        except ValueError:
            return None

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean()
        known = {name for unit in self.units for name in (self.unit_field_name(unit), self.unit_minors_name(unit))}
        if self.data and any(_OCCUPANCY_NAME.match(key) and key not in known for key in self.data):
            # Not this facility's unit: a stale or tampered form. Which unit it is is not said.
            self.add_error("occupancy", _(
                "The form named a living unit that is not part of this facility. "
                "Reload the page and enter the figures again."
            ))
        return cleaned

    def counts(self) -> dict[str, int | None]:
        """Every count; an empty field is None (not reported), never 0."""
        return {name: self.cleaned_data.get(name) for name in population.NAMES}

    def unit_minors(self) -> dict[Unit, int]:
        """Minors per unit, for the units whose minors were given."""
        minors = {}
        for unit in self.units:
            value = self.cleaned_data.get(self.unit_minors_name(unit))
            if value is not None:
                minors[unit] = value
        return minors

    def unit_occupancy(self) -> dict[Unit, int]:
        """People per unit; a unit left empty is not reported (its occupancy is unknown, not zero)."""
        occupancy = {}
        for unit in self.units:
            value = self.cleaned_data.get(self.unit_field_name(unit))
            if value is not None:
                occupancy[unit] = value
        return occupancy
