"""The officers' inbox at 100,000 complaints: server time and query count.

    .venv/bin/python bench/bench_complaints_inbox.py [--complaints 100000] [--runs 30] [--database-url URL]

A temporary SQLite database (or the one given, emptied first) gets the demo country and
``--complaints`` sealed complaints (one real age ciphertext, reused: the inbox never decrypts),
spread over its facilities and the last two years, sealed to the NPM and, a third of them, to the
prosecutor; those past "received" have the officers' classification and times. Each inbox page and
the statistics page (whose figures count the inbox's lists and all the complaints) is requested
through Django's test client as the NPM monitor with the key unlocked; the table shows median and
p90 server time and the query count. Baseline in the same run: the officer's alerts page (a list
of a few rows). Targets: median < 100 ms on every page, at most 12 queries on every inbox page and
20 on the statistics page. Exits non-zero when a target is missed. The machine's load average is
printed above the table: on a busy machine the figures are indicative only (compare them with the
baseline's).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import harness

TIME_LIMIT_MS = 100.0
QUERY_LIMIT = 12
STATISTICS_QUERY_LIMIT = 20


def _fill(count: int) -> None:
    import datetime as dt
    import random
    import uuid

    from django.db import transaction
    from django.utils import timezone

    from accounts.models import Organisation, OrganisationKind
    from complaints.models import Category, Complaint, Handling
    from complaints.models.recipient import inbox_copy
    from complaints.services.handling import hours_after_receipt
    from complaints.workspace_testing import install_key, seal_document
    from facilities.models import Facility

    npm = Organisation.objects.get(kind=OrganisationKind.NPM)
    prosecutor = Organisation.objects.filter(kind=OrganisationKind.PROSECUTOR).first()
    key, _identity = install_key(npm, slot=0)
    sealed = seal_document(public_keys=[key.public_key])
    facilities = list(Facility.objects.values_list("pk", flat=True))
    rng = random.Random(8)
    now = timezone.now()
    through = Complaint.recipients.through
    statuses = ["received"] * 3 + ["acknowledged", "under_review", "resolved", "rejected"]
    # One long write: the ledger's sequencer waits for its turn (lib.writer_turn) until it ends.
    with transaction.atomic():
        for start in range(0, count, 5000):
            batch = []
            for _i in range(min(5000, count - start)):
                received = now - dt.timedelta(minutes=rng.randint(0, 2 * 365 * 24 * 60))
                batch.append(Complaint(
                    id=uuid.uuid4(), facility_id=rng.choice(facilities), channel="letter", sealed=sealed.ciphertext,
                    sealed_sha256=sealed.sha256, size_bucket=sealed.bucket,
                    priority="urgent" if rng.random() < 0.1 else "standard", received_at=received,
                    status=rng.choice(statuses), acknowledge_by=received + dt.timedelta(days=3),
                ))
            Complaint.objects.bulk_create(batch)
            links = [through(complaint=c, organisation_id=npm.pk, **inbox_copy(c)) for c in batch]
            if prosecutor is not None:
                links += [through(complaint=c, organisation_id=prosecutor.pk, **inbox_copy(c)) for c in batch[::3]]
            through.objects.bulk_create(links)
            # What the officers recorded about the complaints past "received": the statistics count it.
            handled = []
            for c in batch:
                if c.status == "received":
                    continue
                acknowledged = c.received_at + dt.timedelta(minutes=rng.randint(30, 5 * 24 * 60))
                closed = (acknowledged + dt.timedelta(minutes=rng.randint(60, 60 * 24 * 60))
                          if c.status in ("resolved", "rejected") else None)
                handled.append(Handling(complaint=c, category=rng.choice(Category.values), classified_at=acknowledged,
                                        acknowledged_at=acknowledged, closed_at=closed,
                                        hours_to_acknowledge=hours_after_receipt(c, acknowledged),
                                        hours_to_close=hours_after_receipt(c, closed),
                                        rejection_reason="other" if c.status == "rejected" else ""))
            Handling.objects.bulk_create(handled)


def _measure(client, url: str, runs: int) -> dict:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.get(url)  # warm
    times = []
    for _i in range(runs):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    times.sort()
    return {"median": statistics.median(times), "p90": times[int(0.9 * (len(times) - 1))], "queries": len(queries)}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--complaints", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    harness.django_on_scratch_database(prefix="cw-bench-inbox-", database_url=args.database_url,
                                       LEDGER_KEY_DIR=tempfile.mkdtemp(prefix="cw-bench-keys-"))
    from django.db import connection
    from django.test import Client

    from accounts.models import User
    from complaints.workspace_testing import slot_identity, unlock_client
    from facilities.demo.loader import load_demo_country
    from facilities.models import Facility

    started = time.perf_counter()
    load_demo_country(months=12)
    _fill(args.complaints)
    if connection.vendor == "postgresql":
        # What autovacuum does to a table filled this fast, before the pages are measured:
        # statistics for the planner, and a visibility map so counts read the indexes alone.
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    load_seconds = time.perf_counter() - started
    officer = User.objects.filter(organisation__kind="npm", role="monitor").first()
    # _fill installed the NPM's test key in slot 0; its identity opens the session as unlock would.
    identity = slot_identity(0)
    client = unlock_client(Client(), officer, [identity])
    facility = Facility.objects.order_by("pk").first()
    pages = [
        ("alerts (baseline)", "/complaints/alerts/"),
        ("inbox, first page", "/complaints/"),
        ("inbox, open and urgent", "/complaints/?open=on&priority=urgent"),
        ("inbox, overdue", "/complaints/?overdue=on"),
        ("inbox, one facility", f"/complaints/?facility={facility.code}"),
        ("inbox, one region, page 20", f"/complaints/?region={facility.region.code}&page=20"),
        ("inbox, status resolved", "/complaints/?status=resolved"),
        ("statistics", "/complaints/statistics/"),
    ]
    rows = [(label, _measure(client, url, args.runs)) for label, url in pages]
    load = " ".join(f"{n:.2f}" for n in os.getloadavg())
    print(f"{args.complaints:,} complaints on {connection.vendor}, loaded in {load_seconds:.0f} s; "
          f"{args.runs} runs each; load average {load}")
    print(f"{'page':32} {'median ms':>10} {'p90 ms':>8} {'queries':>8}  target")
    failed = False
    for label, row in rows:
        baseline = label.endswith("(baseline)")
        queries = STATISTICS_QUERY_LIMIT if label == "statistics" else QUERY_LIMIT
        ok = baseline or (row["median"] < TIME_LIMIT_MS and row["queries"] <= queries)
        failed |= not ok
        target = "baseline" if baseline else ("met" if ok else "MISSED")
        print(f"{label:32} {row['median']:10.1f} {row['p90']:8.1f} {row['queries']:8d}  {target}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
