"""Evaluating the rules over stored registers and keeping the alerts in step with the findings."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from custody.models import Alert, AlertStatus, Detention
from custody.rules import catalogue, engine
from custody.services.evidence import evidence_of, record_of


@dataclass
class SyncResult:
    found: int = 0
    new: int = 0
    no_longer_found: int = 0


def _detentions(facility_ids: Iterable[int]) -> list[Detention]:
    ids = list(facility_ids)
    own = list(Detention.objects.filter(facility_id__in=ids).select_related("facility", "source")
               .prefetch_related("placements__unit"))
    persons = {d.person for d in own if d.person}
    # The same people's detentions elsewhere: a release and a new detention at another centre
    # within 24 hours continue the same term.
    others = []
    if persons:
        for start in range(0, len(persons), 500):
            chunk = sorted(persons)[start:start + 500]
            others.extend(Detention.objects.filter(person__in=chunk).exclude(facility_id__in=ids)
                          .select_related("facility", "source").prefetch_related("placements__unit"))
    return own + others


@transaction.atomic
def evaluate_facilities(*, facility_ids: Iterable[int], now: dt.datetime | None = None) -> SyncResult:
    """Run every rule over the registers of these facilities and bring their alerts up to date.

    A new finding becomes an open alert (and a notification job is queued once the transaction
    commits); a finding found again updates its evidence; an open alert whose finding is gone is
    marked no longer found, never deleted.
    """
    now = now or timezone.now()
    facility_ids = set(facility_ids)
    rules = catalogue.load()
    detentions = _detentions(facility_ids)
    by_key = {str(d.pk): d for d in detentions}
    findings = engine.evaluate([record_of(d) for d in detentions], now=now, rules=rules)
    result = SyncResult()
    wanted = {}
    for finding in findings:
        detention = by_key[finding.record]
        if detention.facility_id in facility_ids:
            wanted[f"{detention.facility_id}:{finding.key}"] = (finding, detention)
    existing = {a.key: a for a in Alert.objects.select_for_update().filter(facility_id__in=facility_ids)}
    new_alerts = []
    for key, (finding, detention) in wanted.items():
        rule = rules.by_code[finding.rule]
        other = by_key.get(finding.other) if finding.other else None
        evidence = [evidence_of(detention)] + ([evidence_of(other)] if other is not None else [])
        detail = {name: value for name, value in finding.detail}
        alert = existing.get(key)
        if alert is None:
            new_alerts.append(Alert(
                key=key, facility_id=detention.facility_id, rule=rule.code, rule_version=rule.version,
                severity=rule.severity, detention=detention, other=other, missing=finding.missing,
                detail=detail, evidence=evidence, involves_minor=finding.minor, first_found_at=now,
                last_found_at=now,
            ))
            continue
        changed = (alert.evidence != evidence or alert.detail != detail or alert.status != AlertStatus.OPEN
                   or alert.rule_version != rule.version)
        if changed:
            alert.evidence, alert.detail, alert.rule_version = evidence, detail, rule.version
            alert.status, alert.no_longer_found_at, alert.last_found_at = AlertStatus.OPEN, None, now
            alert.involves_minor = alert.involves_minor or finding.minor
            alert.save(update_fields=["evidence", "detail", "rule_version", "status", "no_longer_found_at",
                                      "last_found_at", "involves_minor"])
    Alert.objects.bulk_create(new_alerts, batch_size=500)
    gone = [a.pk for key, a in existing.items() if key not in wanted and a.status == AlertStatus.OPEN]
    if gone:
        Alert.objects.filter(pk__in=gone).update(status=AlertStatus.NO_LONGER_FOUND, no_longer_found_at=now)
    result.found, result.new, result.no_longer_found = len(wanted), len(new_alerts), len(gone)
    if new_alerts:
        from custody.tasks import notify_alerts

        transaction.on_commit(lambda: notify_alerts.enqueue())
    return result


def open_facilities() -> list[int]:
    """Facilities holding someone now, whose deadlines keep running (the periodic re-evaluation)."""
    held = Detention.objects.filter(Q(released_at__isnull=True) & Q(transferred_at__isnull=True))
    return sorted(set(held.values_list("facility_id", flat=True)))
