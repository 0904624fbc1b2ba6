"""Findings: proposed by the record, confirmed, merged, dismissed or added by monitors.

Every change is a keyword-only function with an explicit actor; it checks the actor's capability
and mandate, writes, logs the finding's new state to the ledger (`visit:finding`: a commitment,
never the text) and, for a critical finding, queues the same-day notices, all in one transaction.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.permissions import Capability, can
from ledger import interface as ledger
from visits.models import (
    FINDING_TRANSITIONS,
    Compliance,
    CriticalKind,
    Evidence,
    Finding,
    FindingOrigin,
    FindingStatus,
    Severity,
    Theme,
    Visit,
    VisitAction,
)
from visits.selectors import visits_for
from visits.services.common import audit, plain_text
from visits.summaries import stored_summary

ENTRY_KIND = "visit:finding"
SUMMARY_MAX = 4000
# The theme an obstruction of access belongs to (OPCAT art. 20: access to every place and person).
ACCESS_THEME = "complaints_inspections"
# Which kind of critical failure a critical indicator of a theme is, by default; the monitor may say otherwise.
CRITICAL_KIND_OF_THEME = {
    "children": CriticalKind.CHILDREN_WITH_ADULTS,
    "separation": CriticalKind.CHILDREN_WITH_ADULTS,
    "torture_prevention": CriticalKind.TORTURE,
    "force_restraints_isolation": CriticalKind.TORTURE,
    "complaints_inspections": CriticalKind.ACCESS_OBSTRUCTED,
}


def may_manage(user: Any, visit: Visit) -> bool:
    """Findings and recommendations of a visit are decided by its body and its team (visits_for),
    within the facility mandate."""
    return can(user, Capability.MANAGE_FINDINGS) and visits_for(user).filter(pk=visit.pk).exists()


def ensure_may_manage(*, by: Any, visit: Visit) -> None:
    """Refuse anyone without the capability, or a visit not of their body or team (or outside their mandate)."""
    if not may_manage(by, visit):
        raise PermissionDenied(_("Only the visiting body and its team decide on this visit's findings."))


def finding_record(finding: Finding) -> dict[str, Any]:
    """What the ledger commits to: the finding's state, its text by hash only in the salted record."""
    return {
        "id": finding.pk,
        "visit": finding.visit_id,
        "facility": finding.facility_id,
        "origin": finding.origin,
        "indicator": finding.indicator_id,
        "answer": finding.answer_id,
        "theme": finding.theme_id,
        "severity": finding.severity,
        "critical_kind": finding.critical_kind,
        "summary": finding.summary,
        "evidence": sorted(finding.evidence.values_list("sha256", flat=True)),
        "status": finding.status,
        "merged_into": finding.merged_into_id,
        "at": (finding.decided_at or finding.created_at).isoformat(),
        "by": finding.decided_by_id or finding.created_by_id,
    }


def _log(finding: Finding) -> None:
    ledger.record(kind=ENTRY_KIND, record=finding_record(finding), scope=finding.facility_id,
                  subject=f"visits.finding:{finding.pk}")


def _clean_summary(summary: Any) -> str:
    return plain_text(summary, field="summary", max_length=SUMMARY_MAX, required=True)


def _clean_severity(severity: str, critical_kind: str) -> tuple[str, str]:
    if severity not in Severity.values:
        raise ValidationError({"severity": _("Choose a severity from the list.")})
    if critical_kind and critical_kind not in CriticalKind.values:
        raise ValidationError({"critical_kind": _("Choose a kind of critical finding from the list.")})
    if severity == Severity.CRITICAL and not critical_kind:
        critical_kind = CriticalKind.OTHER
    if severity != Severity.CRITICAL and critical_kind:
        raise ValidationError({"critical_kind": _("Only a critical finding has a kind of critical failure.")})
    return severity, critical_kind


def _answer_summary(answer: Any) -> str:
    """The answer as given, in no language (code, value, unit key): pages and reports put it into words
    in the reader's language when they are drawn (visits.summaries)."""
    return stored_summary(answer.indicator, answer.value)[:SUMMARY_MAX]


def propose_findings(*, visit: Visit, by: Any) -> list[Finding]:
    """Propose a finding for each non-compliant answer and for an obstructed entry; returns the new ones.

    Safe to call again: an answer already proposed, or an entry already found obstructed, adds nothing.
    """
    ensure_may_manage(by=by, visit=visit)
    now = timezone.now()
    made: list[Finding] = []
    with transaction.atomic():
        proposed = set(Finding.objects.filter(visit=visit, answer__isnull=False).values_list("answer_id", flat=True))
        answers = (visit.answers.filter(compliance=Compliance.NOT_MET).exclude(pk__in=proposed)
                   .select_related("indicator__theme"))
        evidence_by_indicator: dict[int, list[Evidence]] = {}
        for item in Evidence.objects.filter(visit=visit, indicator__isnull=False):
            evidence_by_indicator.setdefault(item.indicator_id, []).append(item)
        for answer in answers:
            indicator = answer.indicator
            critical_kind = (CRITICAL_KIND_OF_THEME.get(indicator.theme.key, CriticalKind.OTHER)
                             if indicator.severity == Severity.CRITICAL else "")
            finding = Finding.objects.create(
                visit=visit, facility_id=visit.facility_id, origin=FindingOrigin.ANSWER, indicator=indicator,
                answer=answer, theme=indicator.theme, severity=indicator.severity, critical_kind=critical_kind,
                summary=_answer_summary(answer), created_at=now, created_by=by,
            )
            finding.evidence.set(evidence_by_indicator.get(indicator.pk, []))
            made.append(finding)
        if visit.access_obstructed and not Finding.objects.filter(visit=visit, origin=FindingOrigin.ACCESS).exists():
            made.append(Finding.objects.create(
                visit=visit, facility_id=visit.facility_id, origin=FindingOrigin.ACCESS,
                theme=theme_of(visit, ACCESS_THEME), severity=Severity.CRITICAL,
                critical_kind=CriticalKind.ACCESS_OBSTRUCTED, summary=_access_summary(visit),
                created_at=now, created_by=by,
            ))
        for finding in made:
            _log(finding)
        if made:
            audit(visit=visit, by=by, action=VisitAction.FINDING_PROPOSED, findings=[f.pk for f in made])
    return made


def theme_of(visit: Visit, key: str) -> Theme:
    theme = Theme.objects.filter(catalogue_id=visit.catalogue_id, key=key).first()
    if theme is None:
        theme = Theme.objects.filter(catalogue_id=visit.catalogue_id).order_by("position").first()
    if theme is None:
        raise ValidationError({"theme": _("The visit's catalogue has no themes.")})
    return theme


def _access_summary(visit: Visit) -> str:
    text = f"OPCAT art. 20: access {visit.get_access_display()}"
    if visit.access_delay_minutes is not None:
        text += f", {visit.access_delay_minutes} min"
    if visit.access_details:
        text += f". {visit.access_details}"
    return text[:SUMMARY_MAX]


def _transition(finding: Finding, status: str) -> None:
    if status not in FINDING_TRANSITIONS[finding.status]:
        raise ValidationError({"status": _("A finding that is %(current)s cannot become %(new)s.") % {
            "current": FindingStatus(finding.status).label.lower(), "new": FindingStatus(status).label.lower()}})


def _locked(finding: Finding) -> Finding:
    return Finding.objects.select_for_update().select_related("visit", "theme").get(pk=finding.pk)


def confirm_finding(*, finding: Finding, by: Any, severity: str | None = None, critical_kind: str | None = None,
                    summary: str | None = None) -> Finding:
    """Confirm a proposed finding (its severity, kind and wording may be corrected on the way)."""
    with transaction.atomic():
        finding = _locked(finding)
        ensure_may_manage(by=by, visit=finding.visit)
        _transition(finding, FindingStatus.CONFIRMED)
        severity = severity or finding.severity
        critical_kind = finding.critical_kind if critical_kind is None else critical_kind
        # A finding judged less than critical on confirmation loses its kind of critical failure.
        severity, critical_kind = _clean_severity(severity, critical_kind if severity == Severity.CRITICAL else "")
        finding.severity, finding.critical_kind = severity, critical_kind
        if summary is not None:
            finding.summary = _clean_summary(summary)
        finding.status, finding.decided_at, finding.decided_by = FindingStatus.CONFIRMED, timezone.now(), by
        finding.save()
        _log(finding)
        audit(visit=finding.visit, by=by, action=VisitAction.FINDING_CONFIRMED, finding=finding.pk,
              severity=finding.severity)
        _queue_critical_notice(finding)
    return finding


def dismiss_finding(*, finding: Finding, by: Any) -> Finding:
    """Dismiss a proposed finding that the monitors judge not to be one (it stays on record as dismissed)."""
    with transaction.atomic():
        finding = _locked(finding)
        ensure_may_manage(by=by, visit=finding.visit)
        _transition(finding, FindingStatus.DISMISSED)
        finding.status, finding.decided_at, finding.decided_by = FindingStatus.DISMISSED, timezone.now(), by
        finding.save()
        _log(finding)
        audit(visit=finding.visit, by=by, action=VisitAction.FINDING_DISMISSED, finding=finding.pk)
    return finding


def merge_findings(*, findings: list[Finding], into: Finding, by: Any) -> Finding:
    """Merge findings of the same visit into one confirmed finding, which takes their evidence.

    The target is confirmed if it was only proposed; a merged finding keeps its row, pointing at the target.
    """
    with transaction.atomic():
        target = _locked(into)
        ensure_may_manage(by=by, visit=target.visit)
        others = [_locked(f) for f in findings if f.pk != target.pk]
        if not others:
            raise ValidationError({"findings": _("Choose at least one other finding to merge.")})
        if any(f.visit_id != target.visit_id for f in others):
            raise ValidationError({"findings": _("Only findings of the same visit can be merged.")})
        if target.status not in (FindingStatus.PROPOSED, FindingStatus.CONFIRMED):
            raise ValidationError({"into": _("Merge into a proposed or confirmed finding.")})
        now = timezone.now()
        gravest = min([target, *others], key=lambda f: list(Severity.values).index(f.severity))
        for other in others:
            _transition(other, FindingStatus.MERGED)
            target.evidence.add(*other.evidence.all())
            other.status, other.merged_into, other.decided_at, other.decided_by = FindingStatus.MERGED, target, now, by
            other.save()
            _log(other)
        if gravest is not target:
            target.severity, target.critical_kind = gravest.severity, gravest.critical_kind
        was_confirmed = target.status == FindingStatus.CONFIRMED
        target.status, target.decided_at, target.decided_by = FindingStatus.CONFIRMED, now, by
        target.save()
        _log(target)
        audit(visit=target.visit, by=by, action=VisitAction.FINDING_MERGED, finding=target.pk,
              merged=[o.pk for o in others])
        if not was_confirmed or gravest is not target:
            _queue_critical_notice(target)
    return target


def add_finding(*, visit: Visit, by: Any, theme: Theme, severity: str, summary: str, critical_kind: str = "",
                origin: str = FindingOrigin.MONITOR, evidence: list[Evidence] | tuple = ()) -> Finding:
    """A finding the monitors add themselves (an observation, an interview): confirmed at once."""
    ensure_may_manage(by=by, visit=visit)
    errors: dict[str, str] = {}
    try:
        summary = _clean_summary(summary)
    except ValidationError as error:
        errors.update(error.message_dict)
    try:
        severity, critical_kind = _clean_severity(severity, critical_kind)
    except ValidationError as error:
        errors.update(error.message_dict)
    if theme is None or theme.catalogue_id != visit.catalogue_id:
        errors["theme"] = _("Choose a theme of the visit's catalogue.")
    if any(item.visit_id != visit.pk for item in evidence):
        errors["evidence"] = _("Evidence must come from the same visit.")
    if errors:
        raise ValidationError({k: [v] if isinstance(v, str) else v for k, v in errors.items()})
    now = timezone.now()
    with transaction.atomic():
        finding = Finding.objects.create(
            visit=visit, facility_id=visit.facility_id, origin=origin, theme=theme, severity=severity,
            critical_kind=critical_kind, summary=summary, status=FindingStatus.CONFIRMED,
            created_at=now, created_by=by, decided_at=now, decided_by=by,
        )
        finding.evidence.set(evidence)
        _log(finding)
        audit(visit=visit, by=by, action=VisitAction.FINDING_ADDED, finding=finding.pk, origin=origin,
              severity=severity)
        _queue_critical_notice(finding)
    return finding


def _queue_critical_notice(finding: Finding) -> None:
    """Queue the same-day notices of a confirmed critical finding, in the caller's transaction."""
    if finding.status == FindingStatus.CONFIRMED and finding.severity == Severity.CRITICAL:
        from visits.tasks import notify_critical_finding

        notify_critical_finding.enqueue(finding_id=finding.pk)
