"""Benchmark of the ledger's write path: the outbox, the sequencer, services and an import beside them.

    .venv/bin/python bench/bench_ledger_write.py [--postgres URL] [--seconds S] [--import-rows N]

Prints one table of medians (each figure the median of ``--repeat`` runs where it is cheap enough)
and exits non-zero when a target is missed:

* **appends sustained**: four producer threads write records through ``ledger.interface.record_many``
  (200 per transaction, each its own commitment and salt) for ``--seconds`` while a sequencer in
  another process (``run_sequencer``) drains them; the rate is of entries *in the log*, measured
  from the first write until the last record is sequenced. Target >= 20,000 entries/s. Baseline
  in the same run: ``append_entries`` of the same number of ready entries, 4,096 per transaction
  (the log's own append limit, with no outbox and no commitments).
* **registry changes through the service path**: ``facilities.services.update_facility`` from
  four threads, each change waited for with ``wait_for_index`` (the web process's sequencer
  thread), reporting changes/s and the latency from the service's commit to the index. Target:
  p99 latency to index < 1 s. Baseline in the same run: the same calls with ``LEDGER_SEQUENCER=inline``
  (the entry appended inside the service's own transaction under the log lock, as before the outbox).
* **appends while an import runs**: ``import_file`` of ``--import-rows`` population rows (50,000)
  through the services, while two other writers keep recording a registry change each; their
  wait (time for one service call) at p99 must stay <= 1 s. Baseline: the same writers with no import.

Runs on a temporary SQLite file, and also on PostgreSQL with ``--postgres URL`` (a server you
provide; a throw-away database is created in it and dropped).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import harness
from harness import percentile as _p

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

APPEND_TARGET = 20_000
LATENCY_TARGET = 1.0
WAIT_TARGET = 1.0


def _django(url: str, key_dir: str, sequencer: str = "thread") -> None:
    os.environ.update({
        "DATABASE_URL": url, "DJANGO_SETTINGS_MODULE": "custodywatch.settings", "DEBUG": "1",
        "LEDGER_KEY_DIR": key_dir, "LEDGER_SEQUENCER": sequencer, "SECURE_SSL_REDIRECT": "0",
    })
    import django

    django.setup()


# ---------------------------------------------------------------------------------------------
# Parts (each in a process of its own)


def part_migrate(url: str, key_dir: str) -> dict:
    _django(url, key_dir, "process")
    from django.core.management import call_command

    from facilities.demo.loader import load_demo_country

    call_command("migrate", verbosity=0)
    load_demo_country()
    return {}


def part_appends(url: str, key_dir: str, seconds: float) -> dict:
    _django(url, key_dir, "process")
    from django.db import connections, transaction

    from ledger import interface, selectors
    from ledger.models import Record

    # The sequencer in a process of its own, as `manage.py run_sequencer` runs it.
    seq = subprocess.Popen(
        [sys.executable, str(ROOT / "manage.py"), "run_sequencer", "--poll", "0.05"],
        env={**os.environ}, stdout=subprocess.DEVNULL, cwd=ROOT,
    )
    start_size = selectors.log_size()
    start_records = Record.objects.count()
    stop = threading.Event()
    written = [0] * 4
    tx_times: list[float] = []

    def producer(n: int) -> None:
        i = 0
        try:
            while not stop.is_set():
                t0 = time.perf_counter()
                with transaction.atomic():
                    interface.record_many(kind="segment", items=[
                        interface.Item(record={"camera": f"cam-{n}-{i + k}", "seq": i + k, "sha256": "0" * 64},
                                       scope=None, subject=f"bench:{n}:{i + k}")
                        for k in range(200)
                    ])
                tx_times.append(time.perf_counter() - t0)
                i += 200
                written[n] += 200
        finally:
            connections.close_all()

    time.sleep(1.0)  # let the sequencer process start
    t0 = time.perf_counter()
    threads = [threading.Thread(target=producer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    time.sleep(seconds)
    stop.set()
    for t in threads:
        t.join()
    total = sum(written)
    while Record.objects.filter(index__isnull=True).exists():
        time.sleep(0.01)
    elapsed = time.perf_counter() - t0
    seq.terminate()
    seq.wait(30)
    assert Record.objects.count() - start_records == total
    assert selectors.log_size() - start_size == total
    return {"rate": total / elapsed, "write_rate": total / seconds, "entries": total,
            "tx_p99_ms": _p(tx_times, 0.99) * 1000}


def part_raw_append(url: str, key_dir: str, entries: int) -> dict:
    _django(url, key_dir, "process")
    import hashlib

    from ledger.encoding import encode_entry
    from ledger.services import append_entries

    prepared = [encode_entry(kind="segment", payload={"time": "2026-12-02T05Z",
                                                      "commitment": hashlib.sha256(b"%d" % i).hexdigest()})
                for i in range(entries)]
    t0 = time.perf_counter()
    for start in range(0, entries, 4096):
        append_entries(entries=prepared[start:start + 4096])
    return {"rate": entries / (time.perf_counter() - t0)}


def part_service(url: str, key_dir: str, mode: str, changes: int) -> dict:
    _django(url, key_dir, mode)
    from django.db import connections

    from facilities import services
    from facilities.audit import subject_of
    from facilities.models import Facility, RegistryChange
    from ledger import interface
    from ledger.sequencer import close_default_sequencer

    facilities = list(Facility.objects.order_by("pk")[:8])
    latencies: list[float] = []
    calls: list[float] = []
    per_thread = changes // 4

    def writer(n: int) -> None:
        try:
            mine = facilities[n::4]
            for i in range(per_thread):
                facility = mine[i % len(mine)]
                t0 = time.perf_counter()
                services.update_facility(facility=facility, by=None, design_capacity=1000 + i % 2 + n * 10)
                t1 = time.perf_counter()
                change = RegistryChange.objects.filter(facility=facility).latest("pk")
                while interface.index_of(kind="registry:change", subject=subject_of(change)) is None:
                    time.sleep(0.002)
                latencies.append(time.perf_counter() - t1)
                calls.append(t1 - t0)
        finally:
            connections.close_all()

    t0 = time.perf_counter()
    threads = [threading.Thread(target=writer, args=(n,)) for n in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - t0
    close_default_sequencer(10)
    return {"rate": 4 * per_thread / elapsed, "latency_p50": _p(latencies, 0.5), "latency_p99": _p(latencies, 0.99),
            "call_p50_ms": _p(calls, 0.5) * 1000}


def part_import(url: str, key_dir: str, rows: int, with_import: bool, seconds: float) -> dict:
    _django(url, key_dir, "thread")
    import datetime as dt

    from django.db import connections
    from django.db.models import Q

    from facilities import services
    from facilities.models import Facility, PopulationSnapshot
    from facilities.transfer.formats import Limits
    from facilities.transfer.importer import import_file
    from ledger.sequencer import close_default_sequencer, start_sequencer

    start_sequencer()
    # New counts of the past year: a count may be neither in the future nor older than its
    # facility, and a day a facility has already reported is left out (the import would merge the
    # two, and an earlier breakdown could exceed the new total).
    first_day = dt.date.today() - dt.timedelta(days=366)
    in_use = Q(opened_on__isnull=True) | Q(opened_on__lte=first_day)
    codes = list(Facility.objects.filter(in_use).order_by("pk").values_list("code", flat=True))
    reported = set(PopulationSnapshot.objects.filter(date__gte=first_day)
                   .values_list("facility__code", "date"))
    others = list(Facility.objects.order_by("-pk")[:2])
    lines = ["facility_code,date,total"]
    day = first_day
    while len(lines) <= rows:
        lines += [f"{code},{day.isoformat()},{100 + len(lines) % 50}" for code in codes
                  if (code, day) not in reported]
        day += dt.timedelta(days=1)
    data = ("\n".join(lines[: rows + 1]) + "\n").encode()
    waits: list[float] = []
    stop = threading.Event()
    outcome: dict = {}

    def importer() -> None:
        try:
            limits = Limits(max_bytes=len(data) + 1, max_rows=rows + 10)
            t0 = time.perf_counter()
            report = import_file(data=data, filename="population.csv", by=None, dataset="population", limits=limits)
            outcome.update(applied=report.applied, seconds=time.perf_counter() - t0,
                           problems=[str(p) for p in report.problems[:3]])
        finally:
            stop.set()
            connections.close_all()

    def writer(n: int) -> None:
        try:
            facility, i = others[n], 0
            while not stop.is_set():
                t0 = time.perf_counter()
                services.update_facility(facility=facility, by=None, design_capacity=2000 + i % 2)
                waits.append(time.perf_counter() - t0)
                i += 1
                time.sleep(0.01)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(2)]
    if with_import:
        threads.append(threading.Thread(target=importer))
    else:
        threading.Timer(seconds, stop.set).start()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    close_default_sequencer(60)
    return {"p50": _p(waits, 0.5), "p99": _p(waits, 0.99), "max": max(waits), "writes": len(waits), **outcome}


# ---------------------------------------------------------------------------------------------


def _run(part: str, *args: object) -> dict:
    return harness.run_part(__file__, part, *args)


def _suite(label: str, url: str, args: argparse.Namespace, key_dir: str) -> list[tuple[str, str, str, bool]]:
    rows: list[tuple[str, str, str, bool]] = []
    print(f"{label}: migrating and loading the demo country ...", flush=True)
    _run("migrate", url, key_dir)
    print(f"{label}: appends through the outbox ({args.seconds:.0f} s x {args.repeat}) ...", flush=True)
    appends = [_run("appends", url, key_dir, args.seconds) for _ in range(args.repeat)]
    rate = statistics.median(a["rate"] for a in appends)
    raw = statistics.median(
        _run("raw_append", url, key_dir, appends[0]["entries"])["rate"] for _ in range(args.repeat)
    )
    rows.append((f"{label}: appends sustained, 4 writers, record_many 200/tx -> log", f"{rate:,.0f} /s",
                 f">= {APPEND_TARGET:,} /s", rate >= APPEND_TARGET))
    write_rate = statistics.median(a["write_rate"] for a in appends)
    rows.append((f"{label}:   writers' rate into the outbox", f"{write_rate:,.0f} /s", "", True))
    rows.append((f"{label}:   baseline: append_entries, ready entries, 4,096/tx", f"{raw:,.0f} /s", "", True))
    print(f"{label}: registry changes through the service path ...", flush=True)
    outbox = [_run("service", url, key_dir, "thread", args.changes) for _ in range(args.repeat)]
    inline = [_run("service", url, key_dir, "inline", args.changes) for _ in range(args.repeat)]
    p99 = statistics.median(o["latency_p99"] for o in outbox)
    rows.append((f"{label}: service path, update_facility + wait_for_index, 4 threads",
                 f"{statistics.median(o['rate'] for o in outbox):,.0f} /s", "(report)", True))
    rows.append((f"{label}:   latency commit -> index, p50 / p99",
                 f"{statistics.median(o['latency_p50'] for o in outbox) * 1000:,.0f} / {p99 * 1000:,.0f} ms",
                 f"p99 < {LATENCY_TARGET * 1000:.0f} ms", p99 < LATENCY_TARGET))
    rows.append((f"{label}:   baseline: entry appended in the service's transaction",
                 f"{statistics.median(o['rate'] for o in inline):,.0f} /s", "", True))
    print(f"{label}: other writers while an import of {args.import_rows:,} rows runs ...", flush=True)
    quiet = _run("import", url, key_dir, args.import_rows, 0, 10)
    busy = _run("import", url, key_dir, args.import_rows, 1, 0)
    ok = bool(busy.get("applied")) and busy["p99"] <= WAIT_TARGET
    rows.append((f"{label}: other writers' wait during the import, p50 / p99",
                 f"{busy['p50'] * 1000:,.0f} / {busy['p99'] * 1000:,.0f} ms", f"p99 <= {WAIT_TARGET * 1000:.0f} ms",
                 ok))
    rows.append((f"{label}:   (the import: {busy.get('seconds', 0):,.0f} s, applied {busy.get('applied')}; "
                 f"{busy['writes']} other writes, max {busy['max'] * 1000:,.0f} ms)", "", "", True))
    rows.append((f"{label}:   baseline: the same writers without an import, p50 / p99",
                 f"{quiet['p50'] * 1000:,.0f} / {quiet['p99'] * 1000:,.0f} ms", "", True))
    if busy.get("problems"):
        print("import problems:", busy["problems"])
    return rows


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--part", nargs="+")
    parser.add_argument("--postgres", default="")
    parser.add_argument("--no-sqlite", action="store_true")
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--changes", type=int, default=400)
    parser.add_argument("--import-rows", type=int, default=50_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    if args.part:
        name, *values = args.part
        fn = {"migrate": part_migrate, "appends": part_appends, "raw_append": part_raw_append,
              "service": part_service, "import": part_import}[name]
        converted = [float(v) if v.replace(".", "", 1).isdigit() and "." in v else
                     int(v) if v.isdigit() else v for v in values]
        print(json.dumps(fn(*converted)))
        return 0
    if not args.postgres and os.environ.get("DATABASE_URL", "").startswith("postgres"):
        args.postgres = os.environ["DATABASE_URL"]  # e.g. under scripts/with-postgres
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="bench-write-"))
    rows = []
    try:
        if not args.no_sqlite:
            # The ledger refuses a key directory inside the SQLite database's directory: keep it beside.
            (work / "db").mkdir()
            rows += _suite("SQLite", f"sqlite:///{work / 'db' / 'write.sqlite3'}", args, str(work / "keys"))
        if args.postgres:
            url, drop = harness.fresh_database(args.postgres, "bench_write")
            try:
                rows += _suite("PostgreSQL", url, args, str(work / "keys-pg"))
            finally:
                drop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    print()
    harness.print_boxed(rows, value=22, target=18, met=8)
    print(f"total run time {time.perf_counter() - started:.0f} s")
    return harness.verdict(harness.missed_rows(rows))


if __name__ == "__main__":
    raise SystemExit(main())
