"""Benchmark of the custody rules engine over a national year of police custody registers.

Run: .venv/bin/python bench/bench_custody.py [--detentions N] [--events N] [--runs R]

A simulated year (custody.simulate: about 300,000 detentions in 200 police centres, each with its
moments and cell placements, 3% carrying a planted breach) is evaluated in full by every rule;
then single events (a moment recorded, a placement added) are applied to the indexed register one
at a time and each one's re-evaluation is timed. Targets: the full year in under 60 s; an
incremental event under 5 ms (median). The baseline, measured in the same run, is one pass that
reads every fact of every record (what any evaluation must at least do). Exits 1 on a miss.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import random
import statistics
import sys
import time
from pathlib import Path

import harness

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "custodywatch.settings")
os.environ.setdefault("SECRET_KEY", "bench-only-not-secret")

import django

django.setup()

from custody.rules import catalogue, engine  # noqa: E402
from custody.rules.facts import FACT_NAMES, MOMENT_NAMES, Placement  # noqa: E402
from custody.simulate import simulate  # noqa: E402

FULL_TARGET_S = 60.0
EVENT_TARGET_MS = 5.0


def baseline(records) -> float:
    start = time.perf_counter()
    names = (*FACT_NAMES, *MOMENT_NAMES)
    seen = 0
    for r in records:
        for name in names:
            if getattr(r, name) is not None:
                seen += 1
        for p in r.placements:
            seen += p.end is not None
    return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--detentions", type=int, default=300_000)
    parser.add_argument("--events", type=int, default=3_000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    centres = [f"TDC-{n:03d}" for n in range(200)]
    per_day = max(1, round(args.detentions / (365 * len(centres))))
    t = time.perf_counter()
    sim = simulate(centres=centres, days=365, per_day=per_day, breach_rate=0.03, seed=11)
    records = sim.records
    events_in_register = sum(sum(getattr(r, n) is not None for n in MOMENT_NAMES) + len(r.placements)
                             for r in records)
    print(f"simulated {len(records):,} detentions, {events_in_register:,} events in {time.perf_counter() - t:.1f} s")
    rules = catalogue.parse(catalogue.DEFAULT_FILE.read_text(encoding="utf-8"))
    now = dt.datetime(2027, 3, 1, tzinfo=dt.UTC)

    full, base, found = [], [], 0
    for _ in range(args.runs):
        base.append(baseline(records))
        start = time.perf_counter()
        found = len(engine.evaluate(records, now=now, rules=rules))
        full.append(time.perf_counter() - start)
    full_s, base_s = statistics.median(full), statistics.median(base)

    register = engine.Register(records, rules=rules)
    rnd = random.Random(5)
    keys = list(register.records)
    latencies = []
    for n in range(args.events):
        key = rnd.choice(keys)
        record = register.records[key]
        moment = (record.delivered_at or now) + dt.timedelta(hours=rnd.uniform(0, 30))
        start = time.perf_counter()
        if n % 3 == 0:
            register.apply(key, now=now, placement=Placement(cell=record.placements[0].cell if record.placements
                                                             else "x", start=moment))
        else:
            register.apply(key, now=now, **{rnd.choice(("family_notified_at", "lawyer_arrived_at",
                                                        "medical_exam_at", "released_at")): moment})
        latencies.append(time.perf_counter() - start)
    event_ms = statistics.median(latencies) * 1000
    p99_ms = harness.percentile(latencies, 0.99) * 1000

    rows = [
        ("full year, all rules", f"{len(records):,} detentions", f"{full_s:.1f} s",
         f"{len(records) / full_s:,.0f} records/s", f"< {FULL_TARGET_S:.0f} s", full_s < FULL_TARGET_S),
        ("baseline: read every fact once", f"{len(records):,} detentions", f"{base_s:.2f} s",
         f"{len(records) / base_s:,.0f} records/s", "", True),
        ("incremental event, median", f"{args.events:,} events", f"{event_ms:.2f} ms", f"p99 {p99_ms:.2f} ms",
         f"< {EVENT_TARGET_MS:.0f} ms", event_ms < EVENT_TARGET_MS),
    ]
    print(f"\n{'measure':34} {'size':>22} {'median':>10} {'rate':>22} {'target':>8}  ok")
    for name, size, median, rate, target, ok in rows:
        print(f"{name:34} {size:>22} {median:>10} {rate:>22} {target:>8}  {'yes' if ok else 'MISSED'}")
    print(f"\nfindings: {found:,}; planted breaches: {len(sim.planted):,}; full run is "
          f"{full_s / base_s:.1f}x the baseline pass")
    return 0 if all(row[-1] for row in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
