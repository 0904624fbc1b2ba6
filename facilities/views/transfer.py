"""Import and export of the registry as spreadsheets."""

from __future__ import annotations

import io
import time
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.files.uploadhandler import FileUploadHandler, SkipFile
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_http_methods

from accounts.permissions import Capability, can, require
from facilities import selectors
from facilities.selectors import facilities_for
from facilities.transfer import exporter, importer, report
from facilities.transfer.columns import APPLY_ORDER, DATASETS
from facilities.transfer.forms import ImportForm
from facilities.views.pages import FacilityFilterForm

# The error table shows this many problems; the count says how many more there are.
SHOWN_PROBLEMS = 1000


class _UploadLimit(FileUploadHandler):
    """Stops taking an upload once it passes the import limit, instead of spooling it to disk."""

    def __init__(self, request: HttpRequest, limit: int) -> None:
        super().__init__(request)
        self.limit = limit
        self.exceeded = False

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        if start + len(raw_data) > self.limit:
            self.exceeded = True
            raise SkipFile
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


# The upload limit must be in place before anything reads the request body, and the CSRF check
# reads it: so the check runs inside, once the limit is set.
@csrf_exempt
@login_required
@require_http_methods(["GET", "POST"])
def import_registry(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.IMPORT_REGISTRY)
    limit = None
    if request.method == "POST":
        limit = _UploadLimit(request, settings.IMPORT_MAX_BYTES)
        request.upload_handlers.insert(0, limit)
    return _import_page(request, limit)


@csrf_protect
def _import_page(request: HttpRequest, limit: _UploadLimit | None) -> HttpResponse:
    report = None
    if request.method == "POST":
        # Applying stops in time for the answer to reach the user before the server's timeout.
        apply_until = time.monotonic() + settings.IMPORT_WEB_SECONDS
        form = ImportForm(request.POST, request.FILES)
        if limit is not None and limit.exceeded:
            report = importer.ImportReport(problems=[importer.too_large_problem(settings.IMPORT_MAX_BYTES)])
        elif form.is_valid():
            upload = form.cleaned_data["file"]
            report = importer.import_file(
                data=upload.read(settings.IMPORT_MAX_BYTES + 1),
                filename=upload.name or "",
                dataset=form.cleaned_data["dataset"],
                dry_run=form.cleaned_data["dry_run"],
                by=request.user,
                apply_until=apply_until,
            )
        elif request.htmx:
            # The htmx answer replaces only the result, so the form's errors go there.
            report = importer.ImportReport(problems=[
                importer.Problem("", None, str(form[name].label if name in form.fields else ""), "", message)
                for name, messages in form.errors.items() for message in messages
            ])
    else:
        form = ImportForm()
    context: dict[str, Any] = {
        "form": form,
        "report": report,
        "dry_run": bool(form.is_bound and form.is_valid() and form.cleaned_data["dry_run"]),
        "datasets": [DATASETS[name] for name in APPLY_ORDER],
        "can_export": can(request.user, Capability.EXPORT_REGISTRY),
        "list_url": reverse("facilities:list"),
        "max_megabytes": f"{settings.IMPORT_MAX_BYTES / (1024 * 1024):g}",
        "max_rows": settings.IMPORT_MAX_ROWS,
    }
    if report is not None:
        context["problems"] = report.problems[:SHOWN_PROBLEMS]
        context["problems_hidden"] = max(0, len(report.problems) - SHOWN_PROBLEMS)
        context["summary"] = [(DATASETS[name].label, outcome) for name, outcome in report.outcomes.items()]
    template = "facilities/import.html"
    if request.htmx and request.method == "POST":
        template += "#result"
    return render(request, template, context)


@login_required
@require_GET
def export_registry(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.EXPORT_REGISTRY)
    dataset = request.GET.get("dataset", "")
    fmt = request.GET.get("format", exporter.ExportFormat.XLSX)
    names = ", ".join(DATASETS)
    if dataset and dataset not in DATASETS:
        return _bad_request(_("Unknown dataset; choose one of: %(names)s.") % {"names": names})
    try:
        fmt = exporter.ExportFormat(fmt)
    except ValueError:
        return _bad_request(_("Unknown format; choose one of: %(formats)s.") % {
            "formats": ", ".join(exporter.ExportFormat)})
    if fmt == exporter.ExportFormat.CSV and not dataset:
        return _bad_request(_("A CSV file holds one dataset; choose one of: %(names)s.") % {"names": names})
    # The list's own filters, read by the list's own form: the export holds what the list shows.
    facilities = facilities_for(request.user)
    regions, operators = selectors.facility_filter_choices(facilities)
    form = FacilityFilterForm(request.GET or None, regions=regions, operators=operators)
    chosen, _sort = form.chosen()
    if form.is_bound and form.errors:
        return _bad_request(" ".join(f"{form[name].label}: {' '.join(errors)}" for name, errors in form.errors.items()))
    facilities = selectors.filter_facilities(facilities, chosen)
    if fmt == exporter.ExportFormat.CSV:
        response: HttpResponse | StreamingHttpResponse = StreamingHttpResponse(
            exporter.csv_lines(dataset, facilities), content_type=exporter.CONTENT_TYPES[fmt]
        )
    else:
        buffer = io.BytesIO()
        if fmt == exporter.ExportFormat.XLSX_IMPORT:
            exporter.write_xlsx(buffer, [dataset] if dataset else APPLY_ORDER, facilities)
        else:
            report.write_report(buffer, facilities, by=request.user, filters=_described(form))
        response = HttpResponse(buffer.getvalue(), content_type=exporter.CONTENT_TYPES[fmt])
    name = exporter.filename(dataset or None, fmt, timezone.localdate())
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    response["Cache-Control"] = "private, no-store"
    return response


def _described(form: FacilityFilterForm) -> list[tuple[str, str]]:
    """The filters in force, as (label, value) in the reader's language."""
    if not form.is_bound:
        return []
    described = []
    for name in ("q", "type", "region", "operator", "overcrowded", "holds_minors", "holds_mothers"):
        value = form.cleaned_data.get(name)
        if not value:
            continue
        field = form.fields[name]
        if isinstance(value, bool):
            shown = _("Yes")
        elif hasattr(field, "choices"):
            shown = str(dict(field.choices).get(value, value))
        else:
            shown = str(value)
        described.append((str(field.label), shown))
    return described


def _bad_request(message: str) -> HttpResponse:
    return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
