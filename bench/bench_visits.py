"""Findings and follow-up over ten years of simulated visits: server time and query count; the visit report PDF.

Run: .venv/bin/python bench/bench_visits.py [--runs 20] [--years 10] [--database-url URL]

Loads the demo country (its facilities and organisations) into a temporary SQLite database (or
the given one, flushed first), the standards catalogue, then `years` of simulated visits written
with bulk inserts: about 500 visits a year, eight findings a visit (by theme and severity, a
third of the critical ones still open), ten recommendations a visit (5,000 a year) with their
responses (about a quarter accepted) and later checks. Then, as the NPM monitor through Django's
test client:

  log-in form            the baseline, measured in the same run
  national findings view visits:national (targets: <= 20 queries, median < 300 ms)
  findings list          the open critical findings, the list a figure links to (<= 15, < 300 ms)
  facility follow-up     visits:facility-follow-up of the facility with the most recommendations, its first
                         page of 50, open ones first (<= 15, < 300 ms)
  visit report PDF       a visit with 20 photos of 6 megapixels (target: median < 5 s, 5 runs)

The pages are requested in rounds, each once per round with the baseline among them, so a load that
comes and goes on a shared machine affects them alike. The table gives median and p90 time, the
multiple of the baseline and the query count; the script exits non-zero when a target is missed.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import random
import statistics
import sys
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import harness

VISITS_PER_YEAR = 500
FINDINGS_PER_VISIT = 8
RECOMMENDATIONS_PER_VISIT = 10
PHOTOS = 20
PDF_RUNS = 5
PAGE_QUERY_LIMIT = {"national findings view": 20, "findings list": 15, "facility follow-up": 15}
PAGE_TIME_LIMIT_MS = 300.0
PDF_TIME_LIMIT_MS = 5000.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    workdir = harness.django_on_scratch_database(prefix="cw-bench-visits-", database_url=args.database_url)
    import django
    from django.conf import settings
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from accounts.models import User
    from facilities.demo.loader import load_demo_country
    from visits.models import Finding, Recommendation, RecommendationStatus, Severity

    settings.VISITS_EVIDENCE_ROOT = workdir / "evidence"
    started = time.perf_counter()
    load_demo_country(months=12)
    monitor = User.objects.filter(organisation__code="npm", role="monitor").first()
    simulate(years=args.years, monitor=monitor)
    report_visit = visit_with_photos(monitor)
    load_seconds = time.perf_counter() - started

    client = Client()
    client.force_login(monitor)
    busiest = (Recommendation.objects.values("facility_id").order_by().annotate(n=django.db.models.Count("id"))
               .order_by("-n").first()["facility_id"])
    pages = [
        ("log-in form (baseline)", reverse("accounts:login"), Client(), args.runs),
        ("national findings view", reverse("visits:national"), client, args.runs),
        ("findings list", reverse("visits:finding-list") + "?severity=critical&open=on", client, args.runs),
        ("facility follow-up", reverse("visits:facility-follow-up", args=[busiest]), client, args.runs),
        ("visit report PDF", reverse("visits:report-pdf", args=[report_visit.pk]) + "?language=kk", client, PDF_RUNS),
    ]
    rows = measure_interleaved(pages)
    print(f"{connection.vendor}: {args.years} years, {Finding.objects.count():,} findings "
          f"({Finding.objects.filter(severity=Severity.CRITICAL).count():,} critical), "
          f"{Recommendation.objects.count():,} recommendations "
          f"({Recommendation.objects.filter(response=RecommendationStatus.ACCEPTED).count():,} accepted); "
          f"loaded in {load_seconds:.0f} s")
    missed = harness.print_page_table(rows, ok=target_met, label_width=26)
    return 1 if missed else 0


def target_met(row: dict[str, Any]) -> bool:
    if row["status"] != 200:
        return False
    if row["label"] == "visit report PDF":
        return row["median"] < PDF_TIME_LIMIT_MS
    if row["label"] in PAGE_QUERY_LIMIT:
        return row["queries"] <= PAGE_QUERY_LIMIT[row["label"]] and row["median"] < PAGE_TIME_LIMIT_MS
    return True


def measure_interleaved(pages: list[tuple[str, str, Any, int]]) -> list[dict[str, Any]]:
    """Each page once per round, the baseline included, so a load that comes and goes hits them alike."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _label, url, http, _runs in pages:
        http.get(url)  # warm caches and templates
    timings: dict[str, list[float]] = {label: [] for label, *_ in pages}
    last: dict[str, tuple[int, int]] = {}
    for round_ in range(max(runs for *_, runs in pages)):
        for label, url, http, runs in pages:
            if round_ >= runs:
                continue
            with CaptureQueriesContext(connection) as captured:
                t0 = time.perf_counter()
                response = http.get(url)
                len(response.content)
                timings[label].append((time.perf_counter() - t0) * 1000)
            last[label] = (response.status_code, len(captured))
    rows = []
    for label, *_ in pages:
        ordered = sorted(timings[label])
        rows.append({"label": label, "status": last[label][0], "median": statistics.median(ordered),
                     "p90": harness.percentile(ordered, 0.9), "queries": last[label][1]})
    return rows


def simulate(*, years: int, monitor: Any) -> None:
    """Ten years of visits, findings, recommendations, responses and checks, in bulk (one transaction)."""
    from django.db import transaction
    from django.utils import timezone

    from facilities.models import Facility
    from visits.models import (
        Addressee,
        Finding,
        FindingOrigin,
        FindingStatus,
        Recommendation,
        RecommendationStatus,
        Statement,
        StatementKind,
        Theme,
        Visit,
        VisitStatus,
    )
    from visits.standards import load_catalogue

    rng = random.Random(2026)
    catalogue = load_catalogue().catalogue
    themes = list(Theme.objects.filter(catalogue=catalogue))
    facilities = list(Facility.objects.values_list("pk", flat=True))
    today = timezone.localdate()
    start = today - dt.timedelta(days=365 * years)
    severities = ["critical"] * 1 + ["high"] * 3 + ["medium"] * 4 + ["low"] * 2
    responses = ([RecommendationStatus.ACCEPTED] * 27 + [RecommendationStatus.PARTLY_ACCEPTED] * 20
                 + [RecommendationStatus.REJECTED] * 23 + [""] * 30)
    with transaction.atomic():
        visits = Visit.objects.bulk_create([
            Visit(facility_id=rng.choice(facilities), organisation_id=monitor.organisation_id, catalogue=catalogue,
                  planned_on=start + dt.timedelta(days=rng.randrange(365 * years)), status=VisitStatus.COMPLETED,
                  device_id=uuid.uuid4(), created_by=monitor)
            for _ in range(VISITS_PER_YEAR * years)], batch_size=2000)
        visits = list(Visit.objects.filter(catalogue=catalogue).order_by("pk"))
        findings = []
        for visit in visits:
            at = timezone.make_aware(dt.datetime.combine(visit.planned_on, dt.time(12)))
            for _ in range(FINDINGS_PER_VISIT):
                severity = rng.choice(severities)
                findings.append(Finding(
                    visit_id=visit.pk, facility_id=visit.facility_id, origin=FindingOrigin.MONITOR,
                    theme=rng.choice(themes), severity=severity,
                    critical_kind="other" if severity == "critical" else "",
                    summary="Simulated finding", status=FindingStatus.CONFIRMED, created_at=at, created_by=monitor,
                    decided_at=at, decided_by=monitor))
        Finding.objects.bulk_create(findings, batch_size=2000)
        by_visit: dict[int, list[Finding]] = {}
        for finding in Finding.objects.filter(visit__catalogue=catalogue).only("pk", "visit_id", "facility_id"):
            by_visit.setdefault(finding.visit_id, []).append(finding)
        recommendations = []
        for visit in visits:
            issued = timezone.make_aware(dt.datetime.combine(visit.planned_on + dt.timedelta(days=10), dt.time(9)))
            for n in range(RECOMMENDATIONS_PER_VISIT):
                finding = by_visit[visit.pk][n % FINDINGS_PER_VISIT]
                response = rng.choice(responses)
                age = (today - visit.planned_on).days
                status = response or RecommendationStatus.AWAITING_RESPONSE
                closed = None
                if age > 365 and rng.random() < 0.5:
                    status = rng.choice(RecommendationStatus.verdicts())
                    closed = issued + dt.timedelta(days=300) if status == RecommendationStatus.IMPLEMENTED else None
                recommendations.append(Recommendation(
                    finding_id=finding.pk, visit_id=visit.pk, facility_id=visit.facility_id,
                    addressee=rng.choice(Addressee.values), text="Simulated recommendation",
                    response_due=visit.planned_on + dt.timedelta(days=60), status=status, response=response,
                    issued_at=issued, issued_by=monitor,
                    responded_at=issued + dt.timedelta(days=30) if response else None, closed_at=closed))
        Recommendation.objects.bulk_create(recommendations, batch_size=2000)
        Statement.objects.bulk_create([
            Statement(recommendation_id=r.pk, kind=StatementKind.RESPONSE, status=r.response,
                      text="Simulated response", author=monitor, organisation_id=monitor.organisation_id,
                      at=r.responded_at)
            for r in Recommendation.objects.exclude(response="").only("pk", "response", "responded_at")
        ], batch_size=2000)


def visit_with_photos(monitor: Any) -> Any:
    """A visit with confirmed findings, recommendations and 20 camera-sized photos (6 megapixels)."""
    import hashlib

    from django.core.files.base import ContentFile
    from PIL import Image

    from visits.models import Evidence, EvidenceKind, Finding, Visit

    visit = Visit.objects.filter(findings__isnull=False).order_by("-planned_on").first()
    for n in range(PHOTOS):
        image = Image.effect_noise((3000, 2000), 30 + n).convert("RGB")
        out = io.BytesIO()
        image.save(out, "JPEG", quality=85)
        data = out.getvalue()
        item = Evidence(visit=visit, kind=EvidenceKind.PHOTO, content_type="image/jpeg", size=len(data),
                        sha256=hashlib.sha256(data).hexdigest(), description=f"Cell {n + 1}",
                        device_id=uuid.uuid4(), by=monitor)
        item.file.save(f"photo-{n}.jpg", ContentFile(data), save=False)
        item.save()
    assert Finding.objects.filter(visit=visit).exists()
    return visit


if __name__ == "__main__":
    raise SystemExit(main())
