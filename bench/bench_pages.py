"""Server time and SQL query count of the main registry pages, on the demo country and on a national database.

Run: .venv/bin/python bench/bench_pages.py [--runs 30] [--database-url URL] [--size demo|national]
Without --size, both sizes run, each in its own process and its own temporary SQLite database
(or, with --database-url, that database, emptied first by migrate/flush):

  demo      the demo country: ~290 facilities, ~5,400 living units, five years of monthly counts
  national  the same country with ten years of monthly counts and the occupancy of every living
            unit recorded every month (~650,000 unit counts)

Each page is requested through Django's test client as the NPM monitor; the table shows median
and p90 server time and the query count. Targets: at most 15 queries whatever the size, median
< 100 ms. A trivial page (the log-in form) is measured in the same run as the baseline. Exits
non-zero when a target is missed.

Hook: `extra_rows(client)` below returns further rows measured with the same helper: the XLSX
export of a filtered list (target: median < 1 s) and of the whole registry, the workbook for people
and the re-importable one (target: median < 5 s), each read whole, 5 runs each, at most 15 queries.

Then the same pages through the production server: gunicorn started with `deploy/gunicorn.conf.py`
(DEBUG off, its workers warmed first) on loopback, timed to the last byte over HTTP with the test
client's session, the log-in form again as the baseline; same target (the query count shown is the
in-process one for the same page).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import harness

QUERY_LIMIT = 15
TIME_LIMIT_MS = 100.0
SIZES = {"demo": 60, "national": 120}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--database-url", default=None)
    parser.add_argument("--size", choices=sorted(SIZES), default=None)
    parser.add_argument("--json", action="store_true", help=argparse.SUPPRESS)  # a child's output
    args = parser.parse_args()
    if args.size is None:
        return _run_all(args)
    result = measure(args.size, args.runs, args.database_url)
    if args.json:
        print(json.dumps(result))
        return 0
    _print([result])
    return 1 if _failures([result]) else 0


def _run_all(args: argparse.Namespace) -> int:
    results = []
    for size in SIZES:
        command = [sys.executable, __file__, "--size", size, "--runs", str(args.runs), "--json"]
        if args.database_url:
            command += ["--database-url", args.database_url]
        done = subprocess.run(command, capture_output=True, text=True, check=False)
        if done.returncode != 0:
            print(done.stdout, done.stderr, file=sys.stderr)
            return 2
        results.append(json.loads(done.stdout.strip().splitlines()[-1]))
    _print(results)
    return 1 if _failures(results) else 0


def measure(size: str, runs: int, database_url: str | None) -> dict[str, Any]:
    harness.django_on_scratch_database(prefix="cw-bench-", database_url=database_url,
                                       allowed_hosts="testserver,127.0.0.1")
    from django.db import connection
    from django.test import Client
    from django.urls import reverse

    from accounts.models import User
    from facilities.demo.loader import load_demo_country
    from facilities.models import Facility, FacilityType, PopulationSnapshot, UnitOccupancy

    started = time.perf_counter()
    load_demo_country(months=SIZES[size])
    if size == "national":
        _record_every_months_occupancy()
    load_seconds = time.perf_counter() - started

    client = Client()
    client.force_login(User.objects.filter(organisation__code="npm", role="monitor").first())
    pretrial = (Facility.objects.filter(type=FacilityType.PRETRIAL).order_by("-design_capacity", "code").first())
    pages = [
        ("log-in form (baseline)", reverse("accounts:login"), Client()),
        ("overview", reverse("facilities:overview"), client),
        ("facility list, filtered", reverse("facilities:list") + "?type=colony_medium&overcrowded=on", client),
        ("facility list, by indicator",
         reverse("facilities:list") + "?detained=on&indicator=living_space&status=not_met", client),
        ("facility list, search", reverse("facilities:list") + "?q=EC", client),
        ("facility profile", reverse("facilities:detail", args=[pretrial.pk]), client),
    ]
    rows = [harness.measure_page(label, url, http, runs) for label, url, http in pages]
    rows += extra_rows(client)
    rows += production_rows(client, pages, runs, {row["label"]: row["queries"] for row in rows})
    return {
        "size": size, "vendor": connection.vendor, "runs": runs, "load_seconds": round(load_seconds, 1),
        "facilities": Facility.objects.count(), "units": sum(1 for _ in Facility.objects.values_list("units")),
        "snapshots": PopulationSnapshot.objects.count(), "unit_counts": UnitOccupancy.objects.count(),
        "rows": rows,
    }


# The exports: one workbook of the filtered list, and of the whole registry (people's and machines').
EXPORT_RUNS = 5
FILTERED_EXPORT_LIMIT_MS = 1000.0
WHOLE_EXPORT_LIMIT_MS = 5000.0


def extra_rows(client: Any) -> list[dict[str, Any]]:
    """The XLSX exports, measured like the pages (whole response read), with their own time targets."""
    from django.urls import reverse

    export = reverse("facilities:export")
    exports = [
        ("XLSX export, filtered", f"{export}?type=colony_medium&overcrowded=on", FILTERED_EXPORT_LIMIT_MS),
        ("XLSX export, whole registry", export, WHOLE_EXPORT_LIMIT_MS),
        ("XLSX for re-import, whole", f"{export}?format=xlsx-import", WHOLE_EXPORT_LIMIT_MS),
    ]
    return [{**harness.measure_page(label, url, client, EXPORT_RUNS), "time_limit_ms": limit}
            for label, url, limit in exports]


WARM_UP_REQUESTS = 16  # gunicorn.conf.py starts at most 8 workers


def production_rows(client: Any, pages: list[tuple[str, str, Any]], runs: int,
                    queries: dict[str, int]) -> list[dict[str, Any]]:
    """The same pages through the production server: gunicorn with `deploy/gunicorn.conf.py`, over
    HTTP on loopback, with the session the test client logged in (time to the last byte)."""
    import urllib.request

    port = harness.free_port()
    server = harness.start_gunicorn(port, {**os.environ, "DEBUG": "0"})
    cookie = f"sessionid={client.cookies['sessionid'].value}"
    try:
        harness.wait_until_listening(port, server)

        def get(url: str, logged_in: bool) -> tuple[int, float]:
            request = urllib.request.Request(f"http://127.0.0.1:{port}{url}",
                                             headers={"Cookie": cookie} if logged_in else {})
            t0 = time.perf_counter()
            with urllib.request.urlopen(request, timeout=30) as response:
                response.read()
                return response.status, (time.perf_counter() - t0) * 1000

        rows = []
        for label, url, http in pages:
            logged_in = http is client
            for _ in range(WARM_UP_REQUESTS):  # enough for every gunicorn worker to have served it once
                get(url, logged_in)
            timings, status = [], 0
            for _ in range(runs):
                status, ms = get(url, logged_in)
                timings.append(ms)
            rows.append({"label": f"{label}, via gunicorn", "status": status, "median": statistics.median(timings),
                         "p90": harness.percentile_lower(timings, 0.9), "queries": queries[label]})
        return rows
    except OSError:
        server.kill()
        raise RuntimeError(f"gunicorn failed: {server.communicate()[1][-3000:]}") from None
    finally:
        harness.stop(server)


def _record_every_months_occupancy() -> None:
    """Every unit's occupancy on every monthly count, as a national registry would hold it."""
    from django.db import transaction

    from facilities.models import PopulationSnapshot, UnitOccupancy

    latest_ids = set(PopulationSnapshot.objects.filter(facility__latest_snapshot__isnull=False)
                     .values_list("facility__latest_snapshot", flat=True))
    template: dict[int, list[tuple[int, int]]] = {}
    for facility_id, unit_id, occupants in UnitOccupancy.objects.values_list(
            "snapshot__facility_id", "unit_id", "occupants"):
        template.setdefault(facility_id, []).append((unit_id, occupants))
    batch = []
    with transaction.atomic():
        for snapshot_id, facility_id in PopulationSnapshot.objects.values_list("pk", "facility_id").iterator():
            if snapshot_id in latest_ids:
                continue
            batch += [UnitOccupancy(snapshot_id=snapshot_id, unit_id=unit, occupants=n)
                      for unit, n in template.get(facility_id, [])]
            if len(batch) >= 20_000:
                UnitOccupancy.objects.bulk_create(batch, batch_size=5_000)
                batch = []
        UnitOccupancy.objects.bulk_create(batch, batch_size=5_000)


def _failures(results: list[dict[str, Any]]) -> int:
    return sum(not _ok(row) for result in results for row in result["rows"])


def _ok(row: dict[str, Any]) -> bool:
    limit = row.get("time_limit_ms", TIME_LIMIT_MS)
    return row["status"] == 200 and row["queries"] <= QUERY_LIMIT and row["median"] < limit


def _print(results: list[dict[str, Any]]) -> None:
    for result in results:
        print(f"{result['size']}: {result['facilities']} facilities, {result['units']} living units, "
              f"{result['snapshots']:,} monthly counts, {result['unit_counts']:,} unit counts; "
              f"loaded in {result['load_seconds']} s; {result['runs']} runs per page on {result['vendor']}.")
        harness.print_page_table(result["rows"], ok=_ok, label_width=30, rule=True)
        print()
    print(f"Targets: <= {QUERY_LIMIT} queries whatever the size, median < {TIME_LIMIT_MS:.0f} ms per page; "
          f"the filtered export < {FILTERED_EXPORT_LIMIT_MS:.0f} ms and the whole registry's "
          f"< {WHOLE_EXPORT_LIMIT_MS / 1000:.0f} s ({EXPORT_RUNS} runs each).")


if __name__ == "__main__":
    raise SystemExit(main())
