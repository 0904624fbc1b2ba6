"""Changing the registry on its pages: facilities, their living units and population counts.

Each view authorises (capability, else 403; facility in the mandate, else 404), parses a form
and calls facilities.services, the one path every registry change takes. When the service
refuses, its messages go back on the form beside the fields they name and nothing is written.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_http_methods

from accounts.permissions import Capability, require
from facilities import population, selectors, services
from facilities.forms import FacilityForm, PopulationForm, UnitForm, first_of_this_month, show_service_errors
from facilities.models import Facility, PopulationSnapshot, ReportSource, Unit
from facilities.views.access import facility_or_404
from lib.charts import format_number

T = TypeVar("T")


def _unit_or_404(facility: Facility, unit_pk: int) -> Unit:
    unit = facility.units.filter(pk=unit_pk).first()
    if unit is None:
        raise Http404(_("No such unit."))
    return unit


def _attempt(form: Any, write: Callable[[], T]) -> T | None:
    """Run one service call; if it refuses, put its reasons on the form and return None.

    The call runs in its own transaction, so a refusal, also one raised after the service
    (such as leaving the mandate), writes nothing.
    """
    try:
        with transaction.atomic():
            return write()
    except ValidationError as error:
        show_service_errors(form, error)
    except services.OutsideMandate as refusal:
        # The change would take the facility out of the editor's mandate (facilities.services).
        show_service_errors(form, ValidationError({NON_FIELD_ERRORS: str(refusal)}))
    except IntegrityError:
        # A concurrent change won the race for a unique code: the database refused ours.
        show_service_errors(form, ValidationError(
            _("Another change was saved at the same time. Check the entries and save again.")))
    return None


def _listed(labels: list[str]) -> str:
    return ", ".join(label[:1].lower() + label[1:] for label in labels)


def _form_data(request: HttpRequest) -> Any:
    return request.POST if request.method == "POST" else None


# --- Facilities --------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def create_facility(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.EDIT_REGISTRY)
    form = FacilityForm(_form_data(request))
    if form.is_bound and form.is_valid():
        def write() -> Facility:
            return services.create_facility(by=request.user, **form.service_fields())

        if (facility := _attempt(form, write)) is not None:
            messages.success(request, _("Facility %(code)s, %(name)s, was registered.") % {
                "code": facility.code, "name": facility.name})
            return redirect("facilities:detail", pk=facility.pk)
    return render(request, "facilities/facility_form.html", {"form": form, "facility": None})


@login_required
@require_http_methods(["GET", "POST"])
def edit_facility(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Capability.EDIT_REGISTRY)
    facility = facility_or_404(request, pk)
    form = FacilityForm(_form_data(request), facility=facility)
    if form.is_bound and form.is_valid():
        def write() -> Facility:
            return services.update_facility(facility=facility, by=request.user, **form.service_fields())

        if (saved := _attempt(form, write)) is not None:
            if changed := form.changed_labels():
                messages.success(request, _("The registry record of %(code)s was saved. Changed: %(fields)s.") % {
                    "code": saved.code, "fields": _listed(changed)})
            else:
                messages.info(request, _("Nothing was changed in the registry record of %(code)s.") % {
                    "code": saved.code})
            return redirect("facilities:detail", pk=saved.pk)
    # The service changed a locked copy: `facility` still holds the values as they are stored.
    return render(request, "facilities/facility_form.html", {"form": form, "facility": facility})


# --- Units -------------------------------------------------------------------------------------


def _units_section(facility: Facility) -> str:
    return reverse("facilities:detail", args=[facility.pk]) + "#units-title"


@login_required
@require_http_methods(["GET", "POST"])
def add_unit(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Capability.EDIT_REGISTRY)
    facility = facility_or_404(request, pk)
    form = UnitForm(_form_data(request))
    if form.is_bound and form.is_valid():
        unit = _attempt(form, lambda: services.add_unit(facility=facility, by=request.user, **form.service_fields()))
        if unit is not None:
            messages.success(request, _("Unit %(code)s, %(name)s, was added.") % {"code": unit.code, "name": unit.name})
            return redirect(_units_section(facility))
    return render(request, "facilities/unit_form.html", {"form": form, "facility": facility, "unit": None})


@login_required
@require_http_methods(["GET", "POST"])
def edit_unit(request: HttpRequest, pk: int, unit_pk: int) -> HttpResponse:
    require(request.user, Capability.EDIT_REGISTRY)
    facility = facility_or_404(request, pk)
    unit = _unit_or_404(facility, unit_pk)
    form = UnitForm(_form_data(request), unit=unit)
    if form.is_bound and form.is_valid():
        saved = _attempt(form, lambda: services.update_unit(unit=unit, by=request.user, **form.service_fields()))
        if saved is not None:
            if changed := form.changed_labels():
                messages.success(request, _("Unit %(code)s was saved. Changed: %(fields)s.") % {
                    "code": saved.code, "fields": _listed(changed)})
            else:
                messages.info(request, _("Nothing was changed in unit %(code)s.") % {"code": saved.code})
            return redirect(_units_section(facility))
    # As above, `unit` still holds the stored values, for the page's title.
    return render(request, "facilities/unit_form.html", {"form": form, "facility": facility, "unit": unit})


# --- Population --------------------------------------------------------------------------------


def _snapshot_on(facility: Facility, date: dt.date | None, source: str | None) -> PopulationSnapshot | None:
    if date is None or not source:
        return None
    return facility.snapshots.filter(date=date, source=source).first()


def _default_source(request: HttpRequest) -> str:
    if request.user.is_oversight:
        return request.GET.get("source") if request.GET.get("source") in ReportSource.values else ReportSource.VERIFIED
    return ReportSource.SELF_REPORTED


def _population_form(request: HttpRequest, *args: Any, **kwargs: Any) -> PopulationForm:
    form = PopulationForm(*args, **kwargs)
    if not request.user.is_oversight:  # a facility's staff only ever self-report
        form.fields["source"].choices = [(ReportSource.SELF_REPORTED, ReportSource.SELF_REPORTED.label)]
    return form


def _requested_date(request: HttpRequest) -> dt.date | None:
    raw = request.GET.get("date", "")
    try:
        date = dt.date.fromisoformat(raw) if len(raw) == 10 else None
    except ValueError:
        return None
    if date is None or date > timezone.localdate() or date.year < 1900:
        return None
    return date


@dataclass
class _PopulationPage:
    form: PopulationForm
    existing: PopulationSnapshot | None  # the snapshot already recorded for the form's date
    confirm: bool = False  # saving was held back to say that the date is already recorded
    prefilled: bool = False  # the form shows the recorded figures of its date


@login_required
@require_http_methods(["GET", "POST"])
def record_population(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Capability.RECORD_POPULATION)
    facility = facility_or_404(request, pk)
    if request.method == "GET" and request.htmx and request.htmx.target == "date-status":
        return _date_status(request, facility)
    units = selectors.units_of(facility)
    if request.method == "GET":
        date = _requested_date(request) or first_of_this_month()
        source = _default_source(request)
        existing = _snapshot_on(facility, date, source)
        initial = PopulationForm.initial_for(existing, date, selectors.unit_occupancy(existing),
                                             selectors.unit_minors(existing), source=source)
        page = _PopulationPage(_population_form(request, initial=initial, units=units), existing,
                               prefilled=existing is not None)
    else:
        page = _save_population(request, facility, units)
        if page is None:
            return redirect("facilities:detail", pk=facility.pk)
    # Choosing another date asks at once whether it already has a count (htmx; a plain POST asks on saving).
    page.form.fields["date"].widget.attrs.update({
        "hx-get": request.path, "hx-trigger": "change", "hx-target": "#date-status", "hx-swap": "outerHTML",
        "hx-include": "[name='source']",
    })
    correcting = page.form["correcting"].value()
    return render(request, "facilities/population_form.html", {
        "facility": facility, "form": page.form, "existing": page.existing, "confirm": page.confirm,
        "prefilled": page.prefilled, "latest": facility.latest_snapshot,
        "correcting": correcting.isoformat() if isinstance(correcting, dt.date) else (correcting or ""),
    })


def _date_status(request: HttpRequest, facility: Facility) -> HttpResponse:
    """Whether the date chosen already has a count, leaving the figures typed in the form alone."""
    existing = _snapshot_on(facility, _requested_date(request), _default_source(request))
    response = render(request, "facilities/population_form.html#date-status", {
        "facility": facility, "existing": existing, "prefilled": False,
        "correcting": existing.date.isoformat() if existing else "",
    })
    patch_vary_headers(response, ("HX-Request",))
    return response


def _save_population(request: HttpRequest, facility: Facility, units: list[Unit]) -> _PopulationPage | None:
    """Record the posted count; None once saved, else the page to show again."""
    form = _population_form(request, request.POST, units=units)
    if not form.is_valid():
        return _PopulationPage(form, _snapshot_on(facility, form.cleaned_data.get("date"),
                                                  form.cleaned_data.get("source")))
    date = form.cleaned_data["date"]
    try:  # left empty: the facility's own staff self-report, an oversight body verifies
        source = services.source_for(request.user, form.cleaned_data["source"] or None)
    except ValidationError as error:
        show_service_errors(form, error)
        return _PopulationPage(form, None)
    existing = _snapshot_on(facility, date, source)
    if existing is not None and form.cleaned_data["correcting"] != date:
        # The date is already recorded and the form did not say so (e.g. no JavaScript): say it now.
        data = request.POST.copy()
        data["correcting"] = date.isoformat()
        form = _population_form(request, data, units=units)
        form.is_valid()
        return _PopulationPage(form, existing, confirm=True)
    before = _snapshot_values(existing)
    recorded = _attempt(form, lambda: services.record_population_snapshot(
        facility=facility, by=request.user, date=date, source=source,
        corrects=existing.version if existing is not None else None,
        occupancy=form.unit_occupancy(), unit_minors=form.unit_minors(), **form.counts(),
    ))
    if recorded is None:
        return _PopulationPage(form, existing)
    _report_population(request, form, before)
    return None


def _snapshot_values(snapshot: PopulationSnapshot | None) -> dict[str, Any] | None:
    if snapshot is None:
        return None
    values: dict[str, Any] = population.values_of(snapshot)
    values["occupancy"] = selectors.unit_occupancy(snapshot)
    return values


def _report_population(request: HttpRequest, form: PopulationForm, before: dict[str, Any] | None) -> None:
    date = date_format(form.cleaned_data["date"], "DATE_FORMAT")
    counts = form.counts()
    if before is None:
        messages.success(request, ngettext(
            "Population on %(date)s recorded: %(total)s person held.",
            "Population on %(date)s recorded: %(total)s people held.", counts["total"],
        ) % {"date": date, "total": format_number(counts["total"])})
        return
    changed = [str(form[name].label) for name in population.NAMES if before[name] != counts[name]]
    if before["occupancy"] != {unit.pk: n for unit, n in form.unit_occupancy().items()}:
        changed.append(str(form["occupancy"].label))
    if changed:
        messages.success(request, _("Population on %(date)s corrected. Changed: %(fields)s.") % {
            "date": date, "fields": _listed(changed)})
    else:
        messages.info(request, _("Nothing was changed: the figures for %(date)s are the ones already recorded.") % {
            "date": date})
