"""The visit pages: the list, the suggestion of where to go next, planning, and one visit's record."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.permissions import Capability, require
from facilities.forms import PopulationForm
from facilities.selectors import facilities_for, units_of
from visits import risk, selectors, services
from visits.forms import AccessForm, EvidenceForm, InterviewForm, MomentForm, ObservationForm, PlanForm
from visits.models import Compliance
from visits.services.interviews import live_key
from visits.standards import current_catalogue
from visits.views.access import attempt, recordable_or_403, visit_or_404


@login_required
def visit_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.VIEW_VISITS)
    visits = selectors.visits_for(request.user).order_by("-planned_on", "-id")[:200]
    return render(request, "visits/visit_list.html", {"visits": visits})


@login_required
def suggestions(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.PLAN_VISIT)
    ranked = risk.suggest(facilities_for(request.user))
    return render(request, "visits/suggestions.html", {"suggestions": ranked, "factors": risk.factors()})


@login_required
@require_http_methods(["GET", "POST"])
def plan(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.PLAN_VISIT)
    catalogue = current_catalogue()
    themes = catalogue.themes.all() if catalogue else []
    facilities = facilities_for(request.user).filter(is_active=True)
    people = selectors.team_candidates(request.user).exclude(pk=request.user.pk)
    initial = {"facility": request.GET.get("facility")} if request.GET.get("facility", "").isdigit() else {}
    form = PlanForm(request.POST or None, initial=initial, facilities=facilities, people=people, themes=themes)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        visit = attempt(form, lambda: services.plan_visit(
            by=request.user, facility=data["facility"], planned_on=data["planned_on"], kind=data["kind"],
            timing=data["timing"], team=list(data["team"]), focus_themes=data["focus_themes"],
            device_id=request.POST.get("device_id") or None))
        if visit is not None:
            messages.success(request, _("Visit planned."))
            return redirect("visits:detail", pk=visit.pk)
    return render(request, "visits/plan.html", {"form": form, "catalogue": catalogue})


def _summary(visit: Any) -> dict[str, int]:
    counts = {c: 0 for c in Compliance.values}
    for compliance in visit.answers.values_list("compliance", flat=True):
        counts[compliance] += 1
    return counts


@login_required
def detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Capability.VIEW_VISITS)
    visit = visit_or_404(request, pk)
    return _render_detail(request, visit)


def _render_detail(request: HttpRequest, visit: Any, **forms: Any) -> HttpResponse:
    themes = visit.catalogue.themes.all()
    recordable = selectors.can_record(request.user, visit)
    context = {
        "visit": visit, "recordable": recordable, "summary": _summary(visit),
        "interviews": visit.interviews.all(), "observations": visit.observation_notes.select_related("theme", "by"),
        "evidence": visit.evidence.select_related("indicator"), "events": visit.events.select_related("actor"),
        "sealing_key": live_key(visit.organisation_id),
        "access_form": forms.get("access_form") or AccessForm(initial={
            "access": visit.access, "access_delay_minutes": visit.access_delay_minutes,
            "access_details": visit.access_details}),
        "arrival_form": forms.get("arrival_form") or MomentForm(initial=MomentForm.now(), prefix="arrival"),
        "departure_form": forms.get("departure_form") or MomentForm(initial=MomentForm.now(), prefix="departure"),
        "interview_form": forms.get("interview_form") or InterviewForm(),
        "observation_form": forms.get("observation_form") or ObservationForm(themes=themes),
        "evidence_form": forms.get("evidence_form") or EvidenceForm(),
    }
    status = 400 if forms else 200
    return render(request, "visits/visit_detail.html", context, status=status)


def _done(request: HttpRequest, visit: Any, message: str) -> HttpResponse:
    messages.success(request, message)
    return redirect("visits:detail", pk=visit.pk)


@login_required
@require_POST
def record_moment(request: HttpRequest, pk: int, moment: str) -> HttpResponse:
    visit = recordable_or_403(request, pk)
    form = MomentForm(request.POST, prefix=moment)
    service = services.record_arrival if moment == "arrival" else services.record_departure
    if form.is_valid() and attempt(form, lambda: service(visit=visit, by=request.user, at=form.cleaned_data["at"])):
        return _done(request, visit, _("Arrival recorded.") if moment == "arrival" else _("Departure recorded."))
    return _render_detail(request, visit, **{f"{moment}_form": form})


@login_required
@require_POST
def record_access(request: HttpRequest, pk: int) -> HttpResponse:
    visit = recordable_or_403(request, pk)
    form = AccessForm(request.POST)
    if form.is_valid() and attempt(form, lambda: services.record_access(
            visit=visit, by=request.user, outcome=form.cleaned_data["access"],
            delay_minutes=form.cleaned_data["access_delay_minutes"], details=form.cleaned_data["access_details"])):
        return _done(request, visit, _("Access recorded."))
    return _render_detail(request, visit, access_form=form)


@login_required
@require_POST
def record_interview(request: HttpRequest, pk: int) -> HttpResponse:
    visit = recordable_or_403(request, pk)
    form = InterviewForm(request.POST)
    if form.is_valid() and attempt(form, lambda: services.record_interview(
            visit=visit, by=request.user, label=form.cleaned_data["label"], notes=form.cleaned_data["notes"],
            in_private=form.cleaned_data["in_private"], follow_up=form.cleaned_data["follow_up"],
            device_id=request.POST.get("device_id") or None)):
        return _done(request, visit, _("Interview recorded."))
    return _render_detail(request, visit, interview_form=form)


@login_required
@require_POST
def add_observation(request: HttpRequest, pk: int) -> HttpResponse:
    visit = recordable_or_403(request, pk)
    form = ObservationForm(request.POST, themes=visit.catalogue.themes.all())
    if form.is_valid() and attempt(form, lambda: services.add_observation(
            visit=visit, by=request.user, text=form.cleaned_data["text"], theme=form.cleaned_data["theme"] or None,
            device_id=request.POST.get("device_id") or None)):
        return _done(request, visit, _("Observation added."))
    return _render_detail(request, visit, observation_form=form)


@login_required
@require_POST
def add_evidence(request: HttpRequest, pk: int) -> HttpResponse:
    visit = recordable_or_403(request, pk)
    form = EvidenceForm(request.POST, request.FILES)
    if form.is_valid() and attempt(form, lambda: services.add_evidence(
            visit=visit, by=request.user, upload=form.cleaned_data["file"],
            description=form.cleaned_data["description"], keep_location=form.cleaned_data["keep_location"],
            device_id=request.POST.get("device_id") or None)):
        return _done(request, visit, _("Evidence added; its fingerprint goes to the ledger."))
    return _render_detail(request, visit, evidence_form=form)


@login_required
@require_POST
def complete(request: HttpRequest, pk: int) -> HttpResponse:
    visit = recordable_or_403(request, pk)
    form = AccessForm()
    if attempt(form, lambda: services.complete_visit(visit=visit, by=request.user)):
        return _done(request, visit, _("Visit completed."))
    messages.error(request, " ".join(str(e) for errors in form.errors.values() for e in errors))
    return redirect("visits:detail", pk=visit.pk)


@login_required
@require_http_methods(["GET", "POST"])
def counts(request: HttpRequest, pk: int) -> HttpResponse:
    """Population and cell occupancy counted on the spot: the registry's verified count."""
    visit = recordable_or_403(request, pk)
    units = units_of(visit.facility)
    initial = {"date": visit.arrived_at.date() if visit.arrived_at else visit.planned_on, "source": "verified"}
    form = PopulationForm(request.POST or None, initial=initial, units=units)
    form.fields.pop("source")
    if request.method == "POST" and form.is_valid():
        existing = visit.facility.snapshots.filter(date=form.cleaned_data["date"], source="verified").first()
        saved = attempt(form, lambda: services.record_verified_counts(
            visit=visit, by=request.user, date=form.cleaned_data["date"], counts=form.counts(),
            occupancy=form.unit_occupancy(), unit_minors=form.unit_minors(),
            corrects=existing.version if existing else None))
        if saved is not None:
            return _done(request, visit, _("Population verified on the spot recorded in the registry."))
    return render(request, "visits/counts.html", {"visit": visit, "form": form}, status=400 if form.errors else 200)


