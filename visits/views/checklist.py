"""The checklist of a visit: one page that works without a network (static/visits/offline.js keeps
the answers in the browser and synchronises them through visits.api), answers checked as typed
(htmx asks `check`, which answers with the reason), and a plain form post for browsers without JS."""

from __future__ import annotations

import uuid
from itertools import groupby
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from accounts.permissions import Capability, require
from visits import selectors, services
from visits.checks import AnswerError, check_answer, describe_threshold, judge
from visits.models import AccessOutcome, AnswerType, Compliance
from visits.services.interviews import live_key
from visits.summaries import value_in_words
from visits.views.access import recordable_or_403, visit_or_404

PREFIX = "answer-"


def _rows(visit: Any) -> list[tuple[Any, list[dict[str, Any]]]]:
    rows = [{"indicator": indicator, "answer": answer, "rule": describe_threshold(indicator),
             "conflicts": [(c, _in_words(indicator, c)) for c in getattr(answer, "open_conflicts", [])],
             "saved": _in_words(indicator, answer) if answer else "",
             "reason": _reason(indicator, answer),
             "edit": uuid.uuid4(), "shown": _shown(indicator, answer),
             "options": [(o["value"], indicator.option_label(o["value"])) for o in indicator.options]}
            for indicator, answer in selectors.checklist_of(visit)]
    return [(theme, list(items)) for theme, items in groupby(rows, key=lambda r: r["indicator"].theme)]


def _reason(indicator: Any, answer: Any) -> str:
    """Why the saved answer is met or not, judged now in the reader's language: the reason stored with
    the answer is in the language of whoever saved or synchronised it, so it is never what is shown."""
    if answer is None:
        return ""
    return judge(indicator, answer.value, not_applicable=answer.not_applicable)[1]


def _shown(indicator: Any, answer: Any) -> str:
    """The answer (or a conflicting edit) as the input shows it ("yes"/"no", the number, the option)."""
    if answer is None or answer.value is None:
        return ""
    if indicator.answer_type == AnswerType.YES_NO:
        return "yes" if answer.value else "no"
    return str(answer.value)


def _in_words(indicator: Any, answer: Any) -> str:
    """The answer as a reader reads it: not applicable, yes/no, the option's label, the number in the
    locale's format with its unit; — if none."""
    if answer.not_applicable:
        return _("not applicable")
    shown = _shown(indicator, answer)
    if indicator.answer_type == AnswerType.YES_NO and shown:
        return _("yes") if shown == "yes" else _("no")
    if indicator.answer_type == AnswerType.CHOICE and shown:
        return indicator.option_label(shown)
    return value_in_words(indicator, answer.value) if shown else "—"


@never_cache
@login_required
def checklist(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Capability.VIEW_VISITS)
    visit = visit_or_404(request, pk)
    return render(request, "visits/checklist.html", {
        "visit": visit, "themes": _rows(visit), "recordable": selectors.can_record(request.user, visit),
        "focus": {t.pk for t in visit.focus_themes.all()}, "compliance": Compliance,
        "access_choices": [c for c in AccessOutcome.choices if c[0] != AccessOutcome.NOT_RECORDED],
        # The page seals interview notes to the visiting body's key before keeping them on the device.
        "seal_to": getattr(live_key(visit.organisation_id), "recipient", ""),
    })


@login_required
@require_GET
def check(request: HttpRequest, pk: int) -> HttpResponse:
    """The reason an answer is met, not met or refused, for the value being typed (htmx)."""
    visit = recordable_or_403(request, pk)
    code = request.GET.get("indicator", "")
    indicator = visit.catalogue.indicators.filter(code=code).first()
    if indicator is None:
        raise Http404(_("No such question."))
    raw = request.GET.get(PREFIX + code, "")
    try:
        checked = check_answer(indicator, raw, not_applicable=request.GET.get("na-" + code) == "on")
        context = {"compliance": checked.compliance, "reason": checked.reason, "refused": False}
    except AnswerError as error:
        context = {"compliance": "refused", "reason": str(error), "refused": True}
    return render(request, "visits/checklist.html#reason", {**context, "code": code})


@login_required
@require_POST
def save(request: HttpRequest, pk: int) -> HttpResponse:
    """The whole checklist posted at once (no JavaScript): each changed answer through the service.
    A second post of the same page is one checklist: every field carries its edit id."""
    visit = recordable_or_403(request, pk)
    refused, conflicts, saved = [], 0, 0
    for indicator, answer in selectors.checklist_of(visit):
        code = indicator.code
        raw = request.POST.get(PREFIX + code, "")
        not_applicable = request.POST.get("na-" + code) == "on"
        note = request.POST.get("note-" + code, "")
        if answer is None and not raw.strip() and not not_applicable and not note.strip():
            continue
        try:
            base = int(request.POST.get("version-" + code) or 0)
            result = services.save_answer(visit=visit, by=request.user, indicator=code, value=raw,
                                          not_applicable=not_applicable, note=note, base_version=base,
                                          device_id=request.POST.get("edit-" + code) or None)
        except (ValueError, ValidationError) as error:
            messages_of = error.messages if isinstance(error, ValidationError) else [_("Reload the page.")]
            refused.append(f"{code}: {' '.join(messages_of)}")
            continue
        except PermissionDenied:
            raise
        saved += result.outcome == services.Outcome.SAVED
        conflicts += result.outcome == services.Outcome.CONFLICT
    if refused:
        messages.error(request, _("Not saved: %(list)s") % {"list": "; ".join(refused)})
    if conflicts:
        messages.warning(request, _("Someone else changed some answers meanwhile: both versions are shown."))
    messages.success(request, _("Answers saved: %(n)s.") % {"n": saved})
    return redirect("visits:checklist", pk=visit.pk)


@login_required
@require_POST
def keep(request: HttpRequest, pk: int, code: str) -> HttpResponse:
    """Settle a conflict by keeping the saved answer."""
    visit = recordable_or_403(request, pk)
    answer = visit.answers.filter(indicator__code=code).select_related("indicator", "visit").first()
    if answer is None:
        raise Http404
    services.keep_answer(answer=answer, by=request.user)
    return redirect("visits:checklist", pk=visit.pk)


@require_http_methods(["GET"])
def service_worker(request: HttpRequest) -> HttpResponse:
    """The offline app's service worker, served under /visits/ so that it may control the visit pages."""
    path = settings.BASE_DIR / "static" / "visits" / "sw.js"
    response = HttpResponse(path.read_text(encoding="utf-8"), content_type="text/javascript; charset=utf-8")
    response["Cache-Control"] = "no-cache"
    response["Service-Worker-Allowed"] = "/visits/"
    return response
