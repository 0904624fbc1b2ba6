"""The custody dashboard, the alert lists its figures link to, and one alert with its evidence."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_GET

from accounts.permissions import Capability, require
from custody import selectors
from custody.grounds import CellException, TermGround
from custody.models import AlertStatus, Detention, Severity
from custody.rules import catalogue
from custody.rules.checks import ground_hours
from custody.rules.facts import FACT_NAMES, MOMENT_NAMES

PAGE_SIZE = 100

DETAIL_LABELS = {
    "held_hours": _("held, hours"), "limit_hours": _("limit, hours"), "until": _("counted until"),
    "sanction_after_hours": _("sanction after, hours"), "later_by_hours": _("later by, hours"),
    "after_hours": _("after, hours"), "gap_hours": _("hours between release and new detention"),
    "cell": _("cell"), "from": _("from"), "lines": _("register lines"),
    "ground": _("ground stated in the register"), "allowed_hours": _("allowed on that ground, hours"),
    "ordinary_hours": _("ordinary term, hours"), "cells": _("cells"),
}
# The facts shown by their label rather than their value (the grounds of a claimed exception).
LABELLED = {"term_ground": dict(TermGround.choices), "cell_exception": dict(CellException.choices)}
UNTIL_LABELS = {"sanction": _("the court sanction"), "release": _("the release"), "transfer": _("the transfer"),
                "still_held": _("now (still held)")}


def _rule_title(code: str) -> str:
    rule = catalogue.load().by_code.get(code)
    return rule.title_in(get_language() or "en") if rule else code


def _when(value: Any) -> str:
    moment = parse_datetime(value) if isinstance(value, str) else None
    if moment is None:
        return str(value)
    return formats.date_format(timezone.localtime(moment), "SHORT_DATETIME_FORMAT")


def _field_label(name: str) -> str:
    try:
        return str(Detention._meta.get_field(name).verbose_name)
    except Exception:
        return name


def _fact(name: str, value: Any) -> Any:
    if name in MOMENT_NAMES:
        return _when(value)
    return LABELLED.get(name, {}).get(value, value)


def claimed_exceptions(facts: dict[str, Any]) -> list[str]:
    """What a register line claims as a lawful exception, in words a monitor checks against the
    case file: "72 h allowed: ground ..." (the hours the rules in force give that ground)."""
    out = []
    ground = facts.get("term_ground")
    if ground:
        label = LABELLED["term_ground"].get(ground, ground)
        hours = ground_hours(catalogue.load(), ground)
        if hours is None:
            out.append(_("Ground stated, not counted by the rules in force: %(ground)s") % {"ground": label})
        else:
            out.append(_("%(hours)s h allowed: ground %(ground)s") % {
                "hours": formats.number_format(hours), "ground": label})
    if facts.get("cell_exception"):
        out.append(_("May share a cell with minors: ground %(ground)s") % {
            "ground": LABELLED["cell_exception"].get(facts["cell_exception"], facts["cell_exception"])})
    return out


def _link(**params: Any) -> str:
    f = selectors.AlertFilter(**params)
    return reverse("custody:alerts") + "?" + urlencode(f.params())


@login_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.VIEW_CUSTODY_ALERTS)
    figures = selectors.dashboard(request.user)
    severities = dict(Severity.choices)
    context = {
        "total": figures["total"], "total_url": _link(),
        "minors": figures["minors"], "minors_url": _link(minors=True),
        "by_severity": [{"label": severities.get(r["severity"], r["severity"]), "n": r["n"],
                         "url": _link(severity=r["severity"])} for r in figures["by_severity"]],
        "by_rule": [{"label": _rule_title(r["rule"]), "n": r["n"], "url": _link(rule=r["rule"])}
                    for r in figures["by_rule"]],
        "by_facility": [{"label": r["facility__code"], "n": r["n"], "url": _link(facility=r["facility"])}
                        for r in figures["by_facility"]],
    }
    return render(request, "custody/dashboard.html", context)


def _filter_from(request: HttpRequest) -> selectors.AlertFilter:
    get = request.GET
    try:
        facility = int(get.get("facility", "") or 0)
    except ValueError:
        facility = 0
    status = get.get("status", AlertStatus.OPEN)
    status = "" if status == "all" or status not in AlertStatus.values else status
    severity = get.get("severity", "")
    rule = get.get("rule", "")
    return selectors.AlertFilter(
        facility=facility if 0 < facility < 2**62 else None,
        rule=rule if rule in catalogue.load().by_code else "",
        severity=severity if severity in Severity.values else "",
        status=status, minors=get.get("minors") == "1",
    )


@login_required
@require_GET
def alert_list(request: HttpRequest) -> HttpResponse:
    require(request.user, Capability.VIEW_CUSTODY_ALERTS)
    f = _filter_from(request)
    alerts = selectors.filtered(request.user, f)
    page = Paginator(alerts, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"alert": a, "title": _rule_title(a.rule)} for a in page.object_list]
    return render(request, "custody/alert_list.html", {"page": page, "rows": rows, "count": page.paginator.count,
                                                       "filter": f, "query": urlencode(f.params())})


@login_required
@require_GET
def alert_detail(request: HttpRequest, pk: int) -> HttpResponse:
    require(request.user, Capability.VIEW_CUSTODY_ALERTS)
    alert = selectors.custody_for(request.user).filter(pk=pk).first()
    if alert is None:
        raise Http404
    rule = catalogue.load().by_code.get(alert.rule)
    detail = []
    for key, value in alert.detail.items():
        if key == "until" and value in UNTIL_LABELS:
            value = UNTIL_LABELS[value]
        elif key == "ground":
            value = LABELLED["term_ground"].get(value) or LABELLED["cell_exception"].get(value, value)
        elif key in ("from", "until"):
            value = _when(value)
        detail.append((DETAIL_LABELS.get(key, key), value))
    evidence = []
    for line in alert.evidence:
        facts = [(_field_label(name), _fact(name, line["facts"][name]))
                 for name in (*FACT_NAMES, *MOMENT_NAMES) if name in line["facts"]]
        placements = [{"cell": p["cell"], "from": _when(p["from"]), "until": _when(p["until"]) if p["until"] else "",
                       "line": p["line"]} for p in line.get("placements", [])]
        evidence.append({"line": line, "facts": facts, "placements": placements,
                         "claims": claimed_exceptions(line["facts"])})
    return render(request, "custody/alert_detail.html", {
        "alert": alert, "rule": rule, "title": _rule_title(alert.rule), "detail": detail, "evidence": evidence,
        "basis": rule.basis_in(get_language() or "en") if rule else "",
        "missing": _field_label(alert.missing) if alert.missing else "",
        "claims": [claim for item in evidence for claim in item["claims"]],
    })
