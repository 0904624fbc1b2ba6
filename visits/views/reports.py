"""Reports: the visit report (HTML and PDF, three languages), the national view, its lists, the export."""

from __future__ import annotations

import io

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.permissions import Capability, require
from visits.models import Addressee, FindingStatus, RecommendationStatus, Severity
from visits.reports import export, national, selectors, visit_report
from visits.reports.selectors import FindingFilter, RecommendationFilter
from visits.views.findings import visit_or_404

PAGE_SIZE = 50


def _language(request: HttpRequest) -> str:
    language = request.GET.get("language") or translation.get_language() or "en"
    language = language[:2]
    if language not in visit_report.LANGUAGES:
        raise Http404(_("No such language."))
    return language


@login_required
def report(request: HttpRequest, pk: int) -> HttpResponse:
    visit = visit_or_404(request, pk)
    language = _language(request)
    with translation.override(language):
        context = {**visit_report.report_context(visit), "language": language,
                   "languages": visit_report.LANGUAGES}
        response = render(request, "visits/reports/visit_report.html", context)
    return response


@login_required
def report_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    visit = visit_or_404(request, pk)
    language = _language(request)
    pdf = visit_report.render_pdf(visit, language=language)
    response = HttpResponse(pdf, content_type="application/pdf")
    name = f"visit-{visit.pk}-{visit.planned_on.isoformat()}-{language}.pdf"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response


@login_required
def national_view(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.VIEW_FINDINGS)
    return render(request, "visits/reports/national.html", national.national_view(request.user))


@login_required
def finding_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.VIEW_FINDINGS)
    f = FindingFilter.from_query(request.GET)
    rows = (selectors.findings_for(request.user).filter(f.condition())
            .select_related("visit", "facility__region", "theme", "indicator").order_by("-visit__planned_on", "-pk"))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "visits/reports/finding_list.html", {
        "page": page, "total": page.paginator.count, "filter": f, "query": f.query(),
        "severities": Severity.choices, "statuses": FindingStatus.choices,
    })


@login_required
def recommendation_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.VIEW_FINDINGS)
    f = RecommendationFilter.from_query(request.GET)
    rows = (selectors.recommendations_for(request.user).filter(f.condition())
            .select_related("facility", "finding__theme", "visit").order_by("-issued_at", "-pk"))
    page = Paginator(rows, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "visits/reports/recommendation_list.html", {
        "page": page, "total": page.paginator.count, "filter": f, "query": f.query(),
        "statuses": RecommendationStatus.choices, "addressees": Addressee.choices, "today": timezone.localdate(),
    })


@login_required
def export_view(request: HttpRequest, what: str, fmt: str) -> HttpResponse:
    """findings.csv, recommendations.csv (open data) or followup.xlsx (both, for people), following the filters."""
    require(request.user, Capability.VIEW_FINDINGS)
    findings = selectors.findings_for(request.user).filter(FindingFilter.from_query(request.GET).condition())
    recommendations = selectors.recommendations_for(request.user).filter(
        RecommendationFilter.from_query(request.GET).condition())
    stamp = timezone.localdate().isoformat()
    if fmt == "csv" and what in ("findings", "recommendations"):
        body = export.findings_csv(findings) if what == "findings" else export.recommendations_csv(recommendations)
        response = HttpResponse(body.encode("utf-8-sig"), content_type="text/csv; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="{what}-{stamp}.csv"'
        return response
    if fmt == "xlsx" and what == "followup":
        stream = io.BytesIO()
        filters = [(k, v) for k, v in request.GET.items() if k != "page"]
        export.write_workbook(stream, findings=findings, recommendations=recommendations, by=request.user,
                              filters=filters)
        response = HttpResponse(stream.getvalue(),
                                content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
        response["Content-Disposition"] = f'attachment; filename="findings-recommendations-{stamp}.xlsx"'
        return response
    raise Http404(_("No such export."))
