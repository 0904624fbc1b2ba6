"""A visit's findings: proposed from the record, confirmed, merged, dismissed or added; and one's notices."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_http_methods

from accounts.permissions import Capability, can, require
from visits.models import (
    Addressee,
    CriticalKind,
    Evidence,
    Finding,
    FindingStatus,
    Notification,
    Severity,
    Theme,
    Visit,
)
from visits.reports import selectors
from visits.selectors import visits_for
from visits.services import findings as services
from visits.services import notices


def visit_or_404(request: HttpRequest, pk: int) -> Visit:
    """The visit if the reader may read its findings (403 without the capability, 404 outside the mandate)."""
    require(request.user, Capability.VIEW_FINDINGS)
    try:
        visit = selectors.visits_in_mandate(request.user).get(pk=pk)
    except Visit.DoesNotExist:
        raise Http404(_("No such visit.")) from None
    # The visit's own page is for its body and team (visits_for); others read only what was found.
    visit.page_visible = visits_for(request.user).filter(pk=visit.pk).exists()
    return visit


def error_text(error: ValidationError) -> str:
    """A service's refusal in words, field by field."""
    if hasattr(error, "message_dict"):
        return " ".join(" ".join(messages_) for messages_ in error.message_dict.values())
    return " ".join(error.messages)


class ConfirmForm(forms.Form):
    finding = forms.IntegerField(widget=forms.HiddenInput)
    severity = forms.ChoiceField(label=gettext_lazy("Severity"), choices=Severity.choices)
    critical_kind = forms.ChoiceField(label=gettext_lazy("Kind of critical finding"), required=False,
                                      choices=[("", "—"), *CriticalKind.choices])


class AddFindingForm(forms.Form):
    theme = forms.ModelChoiceField(label=gettext_lazy("Theme"), queryset=Theme.objects.none())
    severity = forms.ChoiceField(label=gettext_lazy("Severity"), choices=Severity.choices)
    critical_kind = forms.ChoiceField(label=gettext_lazy("Kind of critical finding"), required=False,
                                      choices=[("", "—"), *CriticalKind.choices])
    summary = forms.CharField(label=gettext_lazy("What was found"), widget=forms.Textarea(attrs={"rows": 3}),
                              max_length=services.SUMMARY_MAX)

    def __init__(self, *args: Any, visit: Visit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["theme"].queryset = Theme.objects.filter(catalogue_id=visit.catalogue_id)


def _findings_of(visit: Visit) -> list[Finding]:
    return list(visit.findings.select_related("theme", "indicator", "merged_into")
                .prefetch_related("evidence", "recommendations").order_by("status", "pk"))


@login_required
@require_http_methods(["GET", "POST"])
def visit_findings(request: HttpRequest, pk: int) -> HttpResponse:
    visit = visit_or_404(request, pk)
    add_form = AddFindingForm(visit=visit)
    if request.method == "POST":
        require(request.user, Capability.MANAGE_FINDINGS)
        action = request.POST.get("action", "")
        try:
            if action == "propose":
                made = services.propose_findings(visit=visit, by=request.user)
                messages.success(request, ngettext("%(count)d finding proposed from the record.",
                                                    "%(count)d findings proposed from the record.", len(made))
                                 % {"count": len(made)})
            elif action in ("confirm", "dismiss"):
                form = ConfirmForm(request.POST)
                finding = _finding_of(visit, request.POST.get("finding"))
                if action == "dismiss":
                    services.dismiss_finding(finding=finding, by=request.user)
                    messages.success(request, _("Finding %(code)s dismissed.") % {"code": finding.code})
                elif form.is_valid():
                    services.confirm_finding(finding=finding, by=request.user, severity=form.cleaned_data["severity"],
                                             critical_kind=form.cleaned_data["critical_kind"])
                    messages.success(request, _("Finding %(code)s confirmed.") % {"code": finding.code})
                else:
                    messages.error(request, _("Choose a severity from the list."))
            elif action == "merge":
                into = _finding_of(visit, request.POST.get("into"))
                others = [_finding_of(visit, value) for value in request.POST.getlist("merge")]
                services.merge_findings(findings=others, into=into, by=request.user)
                messages.success(request, _("Findings merged into %(code)s.") % {"code": into.code})
            elif action == "add":
                add_form = AddFindingForm(request.POST, visit=visit)
                if add_form.is_valid():
                    data = add_form.cleaned_data
                    services.add_finding(visit=visit, by=request.user, theme=data["theme"], severity=data["severity"],
                                         critical_kind=data["critical_kind"], summary=data["summary"],
                                         evidence=list(Evidence.objects.filter(
                                             visit=visit, pk__in=_ids(request.POST.getlist("evidence")))))
                    messages.success(request, _("Finding added."))
                    return redirect("visits:findings", pk=visit.pk)
                return _render(request, visit, add_form, status=400)
            else:
                messages.error(request, _("Unknown action."))
        except ValidationError as error:
            messages.error(request, error_text(error))
            return _render(request, visit, add_form, status=400)
        return redirect("visits:findings", pk=visit.pk)
    return _render(request, visit, add_form)


def _ids(values: list[str]) -> list[int]:
    return [int(v) for v in values if v.isdigit() and len(v) < 12]


def _finding_of(visit: Visit, value: Any) -> Finding:
    if not isinstance(value, str) or not value.isdigit() or len(value) > 12:
        raise ValidationError({"finding": [_("Choose a finding of this visit.")]})
    finding = visit.findings.filter(pk=int(value)).first()
    if finding is None:
        raise ValidationError({"finding": [_("Choose a finding of this visit.")]})
    return finding


def _render(request: HttpRequest, visit: Visit, add_form: AddFindingForm, *, status: int = 200) -> HttpResponse:
    findings = _findings_of(visit)
    return render(request, "visits/findings/visit_findings.html", {
        "visit": visit,
        "proposed": [f for f in findings if f.status == FindingStatus.PROPOSED],
        "confirmed": [f for f in findings if f.status == FindingStatus.CONFIRMED],
        "closed": [f for f in findings if f.status in (FindingStatus.MERGED, FindingStatus.DISMISSED)],
        "add_form": add_form,
        "evidence": list(visit.evidence.all()),
        "may_manage": can(request.user, Capability.MANAGE_FINDINGS),
        "severities": Severity.choices,
        "critical_kinds": CriticalKind.choices,
        "addressees": Addressee.choices,
    }, status=status)


@login_required
def notice_list(request: HttpRequest) -> HttpResponse:
    items = list(notices.notices_for(request.user)[:100])
    rows = [(item, *notices.notice_text(item)) for item in items]
    return render(request, "visits/findings/notices.html", {"rows": rows})


@login_required
@require_http_methods(["GET", "POST"])
def notice_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Mark one's own notice read and go to what it is about (within the reader's mandate)."""
    notification = get_object_or_404(Notification, pk=pk, recipient_id=request.user.pk)
    notices.mark_read(notification=notification, by=request.user)
    if notification.finding_id is not None:
        finding = Finding.objects.filter(pk=notification.finding_id).values_list("visit_id", flat=True).first()
        if finding is not None and can(request.user, Capability.VIEW_FINDINGS):
            return redirect(reverse("visits:findings", args=[finding]) + f"#finding-{notification.finding_id}")
    if notification.recommendation_id is not None:
        if can(request.user, Capability.ANSWER_RECOMMENDATIONS):
            return redirect("visits:answer", pk=notification.recommendation_id)
        return redirect(reverse("visits:recommendation-list") + "?overdue=on")
    return redirect("visits:notices")
