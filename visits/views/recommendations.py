"""Recommendations: issued on a visit's findings, checked at the next visit, answered by the addressee.

The addressee's pages (`addressee_list`, `addressee_detail`) show a recommendation, the finding it
is about and its statements: never the visit's other findings, its interviews or other facilities.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, Count, Prefetch, Value, When
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from accounts.permissions import Capability, can, require
from visits.models import (
    Addressee,
    Evidence,
    Finding,
    FindingStatus,
    Interview,
    Recommendation,
    RecommendationStatus,
    ReprisalCheck,
    ReprisalOutcome,
    Statement,
)
from visits.reports import selectors
from visits.services import recommendations as services
from visits.views.findings import error_text, visit_or_404

MAX_ACTION_ROWS = services.MAX_ACTIONS
FOLLOW_UP_PAGE_SIZE = 50
# A recommendation's statements with what the page shows of them, in three queries whatever their number.
STATEMENTS = Prefetch("statements",
                      queryset=Statement.objects.select_related("organisation").prefetch_related("actions"))


class IssueForm(forms.Form):
    addressee = forms.ChoiceField(label=gettext_lazy("Addressed to"), choices=Addressee.choices)
    text = forms.CharField(label=gettext_lazy("Recommendation"), widget=forms.Textarea(attrs={"rows": 3}))
    response_due = forms.DateField(label=gettext_lazy("Response due by"),
                                   widget=forms.DateInput(attrs={"type": "date"}))


class ResponseForm(forms.Form):
    status = forms.ChoiceField(label=gettext_lazy("Your answer"), widget=forms.RadioSelect, choices=[
        (value, RecommendationStatus(value).label) for value in RecommendationStatus.responses()])
    text = forms.CharField(label=gettext_lazy("Reason or comment"), required=False,
                           widget=forms.Textarea(attrs={"rows": 3}))


class ProgressForm(forms.Form):
    text = forms.CharField(label=gettext_lazy("What has been done"), widget=forms.Textarea(attrs={"rows": 3}))


def parse_actions(data: Any) -> tuple[list[tuple[str, dt.date]], list[str]]:
    """The action rows of a posted plan (action_1, due_1 ...); empty rows are skipped, a bad date named."""
    actions, errors = [], []
    for n in range(1, MAX_ACTION_ROWS + 2):
        description, due = data.get(f"action_{n}", ""), data.get(f"due_{n}", "")
        if not description.strip() and not due.strip():
            continue
        field = forms.DateField()
        try:
            actions.append((description, field.clean(due)))
        except ValidationError:
            errors.append(_("Action %(n)d: enter the date it will be done by.") % {"n": n})
    return actions, errors


@login_required
@require_POST
def issue(request: HttpRequest, pk: int, finding: int) -> HttpResponse:
    visit = visit_or_404(request, pk)
    require(request.user, Capability.MANAGE_FINDINGS)
    target = Finding.objects.filter(visit=visit, pk=finding).first()
    if target is None:
        raise Http404(_("No such finding."))
    form = IssueForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(f"{form.fields[name].label}: {' '.join(errs)}"
                                         for name, errs in form.errors.items()))
    else:
        try:
            services.issue_recommendation(finding=target, by=request.user, **form.cleaned_data)
            messages.success(request, _("Recommendation issued."))
        except ValidationError as error:
            messages.error(request, error_text(error))
    return redirect(f"{_findings_url(visit.pk)}#finding-{target.pk}")


def _findings_url(visit_pk: int) -> str:
    from django.urls import reverse

    return reverse("visits:findings", args=[visit_pk])


@login_required
@require_http_methods(["GET", "POST"])
def follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    """At a visit: the open recommendations of earlier visits to check, and the people to check on."""
    visit = visit_or_404(request, pk)
    status = 200
    if request.method == "POST":
        require(request.user, Capability.MANAGE_FINDINGS)
        try:
            if request.POST.get("action") == "reprisal":
                interview = Interview.objects.filter(pk=_id(request.POST.get("interview"))).first()
                if interview is None:
                    raise ValidationError({"interview": [_("Choose a person to check on.")]})
                services.check_interviewee(visit=visit, interview=interview, by=request.user,
                                           outcome=request.POST.get("outcome", ""))
                messages.success(request, _("Check on %(label)s recorded.") % {"label": interview.label})
            else:
                recommendation = Recommendation.objects.filter(pk=_id(request.POST.get("recommendation"))).first()
                if recommendation is None:
                    raise ValidationError({"recommendation": [_("Choose a recommendation to check.")]})
                evidence = list(Evidence.objects.filter(visit=visit, pk__in=[
                    v for v in map(_id, request.POST.getlist("evidence")) if v is not None]))
                services.check_recommendation(recommendation=recommendation, visit=visit, by=request.user,
                                              status=request.POST.get("status", ""),
                                              text=request.POST.get("text", ""), evidence=evidence)
                messages.success(request, _("Check of %(code)s recorded.") % {"code": recommendation.code})
            return redirect("visits:follow-up", pk=visit.pk)
        except ValidationError as error:
            messages.error(request, error_text(error))
            status = 400
    checked = {c.interview_id: c for c in ReprisalCheck.objects.filter(visit=visit)}
    return render(request, "visits/recommendations/follow_up.html", {
        "visit": visit,
        "open": list(services.open_before(visit).prefetch_related(STATEMENTS)),
        "interviews": [(i, checked.get(i.pk)) for i in services.interviews_to_check(visit)],
        "verdicts": [(v, RecommendationStatus(v).label) for v in RecommendationStatus.verdicts()],
        "outcomes": ReprisalOutcome.choices,
        "evidence": list(visit.evidence.all()),
        "may_manage": can(request.user, Capability.MANAGE_FINDINGS),
    }, status=status)


def _id(value: Any) -> int | None:
    return int(value) if isinstance(value, str) and value.isdigit() and len(value) < 12 else None


@login_required
def facility_follow_up(request: HttpRequest, pk: int) -> HttpResponse:
    """A facility's recommendations over all its visits, with their statements and status."""
    require(request.user, Capability.VIEW_FINDINGS)
    facility = selectors.facilities_for_follow_up(request.user).filter(pk=pk).first()
    if facility is None:
        raise Http404(_("No such facility."))
    all_of_it = Recommendation.objects.filter(facility=facility)
    # Open ones first (what the next visit checks), newest first; a page at a time.
    ordered = (all_of_it.select_related("finding__theme", "visit").prefetch_related(STATEMENTS)
               .annotate(closed=Case(When(status=RecommendationStatus.IMPLEMENTED, then=Value(1)), default=Value(0)))
               .order_by("closed", "-issued_at", "-pk"))
    page = Paginator(ordered, FOLLOW_UP_PAGE_SIZE).get_page(request.GET.get("page"))
    open_critical = selectors.findings_for(request.user).filter(
        selectors.FindingFilter(open=True, severity="critical", facility=facility.pk).condition()).count()
    counts = dict(all_of_it.order_by().values_list("status").annotate(n=Count("id")))
    return render(request, "visits/recommendations/facility_follow_up.html", {
        "facility": facility, "recommendations": page.object_list, "page": page, "query": "",
        "open_critical": open_critical,
        "counts": [(RecommendationStatus(s).label, counts.get(s, 0)) for s in RecommendationStatus.values],
        "visits": list(facility.visits.order_by("-planned_on")[:50]),
    })


# --- the addressee's restricted view ------------------------------------------------------------


@login_required
def addressee_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.ANSWER_RECOMMENDATIONS)
    items = list(services.addressed_to(request.user).select_related("finding__theme", "visit__organisation")
                 .order_by("status", "response_due", "pk")[:500])
    return render(request, "visits/recommendations/addressee_list.html", {
        "recommendations": items, "today": timezone.localdate(),
        "awaiting": RecommendationStatus.AWAITING_RESPONSE,
    })


@login_required
@require_http_methods(["GET", "POST"])
def addressee_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Capability.ANSWER_RECOMMENDATIONS)
    recommendation = (services.addressed_to(request.user)
                      .select_related("finding__theme", "finding__indicator", "visit__organisation")
                      .filter(pk=pk).first())
    if recommendation is None:
        raise Http404(_("No such recommendation."))
    response_form, progress_form, errors, status = ResponseForm(), ProgressForm(), [], 200
    if request.method == "POST":
        actions, errors = parse_actions(request.POST)
        if request.POST.get("action") == "progress":
            progress_form = ProgressForm(request.POST)
            text = request.POST.get("text", "")
            call = lambda: services.report_progress(recommendation=recommendation, by=request.user, text=text,  # noqa: E731
                                                   actions=actions)
        else:
            response_form = ResponseForm(request.POST)
            call = lambda: services.respond(recommendation=recommendation, by=request.user,  # noqa: E731
                                            status=request.POST.get("status", ""), text=request.POST.get("text", ""),
                                            actions=actions)
        if not errors:
            try:
                call()
                messages.success(request, _("Your answer was recorded."))
                return redirect("visits:answer", pk=recommendation.pk)
            except ValidationError as error:
                errors = [error_text(error)]
        status = 400
    return render(request, "visits/recommendations/addressee_detail.html", {
        "recommendation": recommendation,
        "finding": recommendation.finding,
        "statements": list(Statement.objects.filter(recommendation=recommendation).select_related("organisation")
                           .prefetch_related("actions")),
        "response_form": response_form, "progress_form": progress_form, "errors": errors,
        "awaiting": recommendation.status == RecommendationStatus.AWAITING_RESPONSE,
        "action_rows": range(1, 4), "confirmed": FindingStatus.CONFIRMED,
    }, status=status)
