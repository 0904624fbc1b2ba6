"""Server time and SQL query count of the main registry pages on the demo country.

Run: .venv/bin/python bench/bench_pages.py [--runs 30] [--database-url URL]
Loads the demo country into a temporary SQLite database (or the given DATABASE_URL), then
requests each page through Django's test client as the NPM monitor, and prints a table of
median and p90 server time and the query count. Targets: at most 15 queries, median < 100 ms.
A trivial page (the log-in form) is measured in the same run as the baseline.
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

QUERY_LIMIT = 15
TIME_LIMIT_MS = 100.0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()

    workdir = tempfile.mkdtemp(prefix="cw-bench-")
    os.environ.setdefault("DATABASE_URL", args.database_url or f"sqlite:///{workdir}/bench.sqlite3")
    os.environ.setdefault("SECRET_KEY", "bench-only")
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "custodywatch.settings")
    os.environ["ALLOWED_HOSTS"] = "testserver"
    os.environ["SECURE_COOKIES"] = "0"
    os.environ["SECURE_SSL_REDIRECT"] = "0"
    os.environ["DATA_DIR"] = workdir  # collected static files (hashed names, as in production)

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext, setup_test_environment
    from django.urls import reverse

    from accounts.models import User
    from facilities.models import Facility, FacilityType

    setup_test_environment()
    call_command("collectstatic", "--no-input", verbosity=0)
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    call_command("load_demo_country", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    load_seconds = time.perf_counter() - started

    client = Client()
    monitor = User.objects.filter(organisation__code="npm", role="monitor").first()
    client.force_login(monitor)
    colony = Facility.objects.filter(type=FacilityType.COLONY_WOMEN).order_by("code").first()
    pages = [
        ("log-in form (baseline)", reverse("accounts:login"), Client()),
        ("overview", reverse("facilities:overview"), client),
        ("facility list, filtered", reverse("facilities:list") + "?type=colony_medium&overcrowded=on", client),
        ("facility list, search", reverse("facilities:list") + "?q=EC", client),
        ("facility profile", reverse("facilities:detail", args=[colony.pk]), client),
    ]

    rows = []
    for label, url, http in pages:
        http.get(url)  # warm caches and template loading
        timings, queries, status = [], 0, 0
        for _ in range(args.runs):
            with CaptureQueriesContext(connection) as captured:
                t0 = time.perf_counter()
                response = http.get(url)
                timings.append((time.perf_counter() - t0) * 1000)
            queries, status = len(captured), response.status_code
        rows.append((label, status, statistics.median(timings), _p90(timings), queries))

    baseline = rows[0][2]
    print(f"Demo country: {Facility.objects.count()} facilities, loaded in {load_seconds:.1f} s; "
          f"{args.runs} runs per page on {connection.vendor}.")
    header = f"{'page':<28} {'status':>6} {'median ms':>10} {'p90 ms':>8} {'x baseline':>10} {'queries':>8}  target"
    print(header)
    print("-" * len(header))
    failures = 0
    for label, status, median, p90, queries in rows:
        ok = status == 200 and queries <= QUERY_LIMIT and median < TIME_LIMIT_MS
        failures += not ok
        print(f"{label:<28} {status:>6} {median:>10.1f} {p90:>8.1f} {median / baseline:>10.1f} {queries:>8}  "
              f"{'met' if ok else 'MISSED'}")
    print(f"Targets: <= {QUERY_LIMIT} queries, median < {TIME_LIMIT_MS:.0f} ms per page.")
    return 1 if failures else 0


def _p90(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[int(0.9 * (len(ordered) - 1))]


if __name__ == "__main__":
    raise SystemExit(main())
