"""A facility's registry history: every audited change, in words, with its ledger proof."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import FieldDoesNotExist
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.permissions import Capability, can, require
from facilities import selectors
from facilities.audit import attach_ledger_indices
from facilities.models import Facility, FacilityType, PopulationSnapshot, RegistryChange, Unit, UnitKind
from facilities.views.access import facility_or_404
from ledger import interface as ledger_interface
from lib.charts import format_number

HISTORY_PAGE_SIZE = 50


def _label(model: type, name: str) -> str:
    label = str(model._meta.get_field(name).verbose_name)
    return label[:1].upper() + label[1:]


# --- Registry history -------------------------------------------------------------------------

RECORD_MODELS = {
    "facilities.facility": Facility,
    "facilities.unit": Unit,
    "facilities.populationsnapshot": PopulationSnapshot,
}


@dataclass(frozen=True)
class FieldChange:
    label: str
    before: str
    after: str


@dataclass(frozen=True)
class ChangeEntry:
    change: RegistryChange
    record: str
    fields: list[FieldChange]


@login_required
def facility_history(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Capability.VIEW_REGISTRY_HISTORY)
    facility = facility_or_404(request, pk)
    page = Paginator(selectors.registry_changes(facility), HISTORY_PAGE_SIZE).get_page(request.GET.get("page"))
    changes = list(page.object_list)
    attach_ledger_indices(changes)
    region_ids, operator_ids = set(), set()
    for change in changes:
        for values in (change.before or {}, change.after or {}):
            if change.model == "facilities.facility":
                region_ids.add(values.get("region"))
                operator_ids.add(values.get("operator"))
    regions, operators = selectors.registry_value_names(region_ids - {None}, operator_ids - {None})
    names = {"region": regions, "operator": operators}
    entries = [_describe_change(change, names) for change in changes]
    # Changes logged below this ledger size have an offline proof in the published checkpoint.
    published_size = ledger_interface.published_size() if any(c.ledger_index is not None for c in changes) else 0
    return render(request, "facilities/facility_history.html", {
        "facility": facility, "page": page, "entries": entries, "published_size": published_size,
        "proof_links": can(request.user, Capability.VIEW_LEDGER),
    })


def _describe_change(change: RegistryChange, names: dict[str, dict[int, Any]]) -> ChangeEntry:
    model = RECORD_MODELS.get(change.model)
    before, after = change.before or {}, change.after or {}
    if model is Unit:
        record = _("Unit %(code)s") % {"code": after.get("code") or before.get("code", "")}
    elif model is PopulationSnapshot:
        record = _("Population on %(date)s") % {"date": _day(after.get("date") or before.get("date", ""))}
    elif model is Facility:
        record = _("Registry record")
    else:
        record = change.model
    fields = []
    for name in [*after, *(key for key in before if key not in after)]:
        old, new = before.get(name), after.get(name)
        if change.before is not None and old == new:
            continue
        if change.before is None and new in (None, "", 0, {}):
            continue
        fields.append(FieldChange(
            _field_label(model, name),
            _display(name, old, names) if change.before is not None else "—",
            _display(name, new, names),
        ))
    return ChangeEntry(change, record, fields)


# Fields without a verbose name of their own.
FIELD_LABELS = {
    "occupancy": gettext_lazy("Unit occupancy"),
    "name_kk": gettext_lazy("Name in Kazakh"),
    "name_ru": gettext_lazy("Name in Russian"),
    "name_en": gettext_lazy("Name in English"),
    "is_active": gettext_lazy("In use"),
    "region": gettext_lazy("Region"),
    "operator": gettext_lazy("Operator"),
}


def _field_label(model: type | None, name: str) -> str:
    if name in FIELD_LABELS:
        return str(FIELD_LABELS[name])
    if model is None:
        return name
    try:
        return _label(model, name)
    except FieldDoesNotExist:  # a field since removed from the model: show its stored name
        return name


CHOICE_LABELS = {"type": FacilityType, "kind": UnitKind}


def _display(name: str, value: Any, names: dict[str, dict[int, Any]]) -> str:
    if value is None or value == "":
        return "—"
    if name in names:
        found = names[name].get(value)
        return str(found) if found is not None else f"#{value}"
    if name in CHOICE_LABELS and value in CHOICE_LABELS[name].values:
        return str(CHOICE_LABELS[name](value).label)
    if isinstance(value, bool):
        return _("Yes") if value else _("No")
    if isinstance(value, dict):
        return ", ".join(f"{key}: {format_number(n)}" for key, n in value.items()) or "—"
    if isinstance(value, int):
        return format_number(value)
    return str(value)


def _day(iso: str) -> str:
    """An ISO date from a change record in the reader's language; anything else as it was stored."""
    try:
        return date_format(dt.date.fromisoformat(iso), "DATE_FORMAT")
    except (TypeError, ValueError):
        return iso
