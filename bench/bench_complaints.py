"""Benchmark of complaint intake through the production server.

    .venv/bin/python bench/bench_complaints.py [--seconds S] [--terminals N] [--postgres URL]

gunicorn with ``deploy/gunicorn.conf.py`` and the production settings (DEBUG off, the ledger's
sequencer thread in each worker) on a fresh database. ``--terminals`` simulated terminals
(threads, each its own keys, built on ``custodywatch_protocol.terminal`` alone) send sealed
complaints of 2 KiB, one packet each, back to back for ``--seconds``; each is counted when its
signed acknowledgement with a checked ledger inclusion proof is back. Reported: submissions/s,
p50 and p99 latency (packet out to verified acknowledgement). Baseline in the same run, on the
same server and client threads: a trivial view (a GET of the packet endpoint, refused with 405
by the same middleware and API stack, no database). Targets: >= 50 submissions/s, p99 < 500 ms.
Exits non-zero when a target is missed.

The same run then reports the two other parts of the complaint path, each in its own process and
table, as their own scripts print them (they stay runnable alone): the terminal's sealing and
receipt key derivation per complaint (``bench_terminal.py``) and the officer inbox at
``--complaints`` complaints, query counts and medians (``bench_complaints_inbox.py``, on SQLite and,
with ``--postgres``, on a fresh database of that server). Any part's miss fails the run.
"""

from __future__ import annotations

import argparse
import secrets
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

RATE_TARGET = 50.0
P99_TARGET_MS = 500.0


def _load(threads: int, seconds: float, work) -> tuple[int, list[float], float]:
    """Run ``work(i)`` (returns True when it counted) from ``threads`` threads for ``seconds``."""
    latencies: list[list[float]] = [[] for _ in range(threads)]
    counted = [0] * threads
    stop = time.perf_counter() + seconds

    def run(i: int) -> None:
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            if work(i):
                latencies[i].append((time.perf_counter() - t0) * 1000)
                counted[i] += 1

    started = time.perf_counter()
    pool = [threading.Thread(target=run, args=(i,)) for i in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    return sum(counted), [x for row in latencies for x in row], time.perf_counter() - started


def _suite(label: str, url: str, work_dir: Path, args: argparse.Namespace) -> list[tuple[str, str, str, bool]]:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.asymmetric.x25519 import X25519PrivateKey

    from complaints.testing import SimTerminal
    from complaints.tests.terminal_server import Server, post_to, poster
    from custodywatch_protocol import terminal as protocol

    server = Server(url, key_dir=work_dir / "keys", log=work_dir / "server.log", extra={
        "DJANGO_SETTINGS_MODULE": "custodywatch.settings", "SECRET_KEY": "bench-only", "SECURE_SSL_REDIRECT": "0",
        "DATA_DIR": str(work_dir), "LEDGER_SEQUENCER": "thread"})
    keys = [(Ed25519PrivateKey.generate(), X25519PrivateKey.generate()) for _ in range(args.terminals)]
    setups = server.setup([{"device": protocol.raw_public(d.public_key()).hex(),
                            "transport": protocol.raw_public(t.public_key()).hex()} for d, t in keys])
    sims = [SimTerminal.for_setup(s, device=d, transport=t) for s, (d, t) in zip(setups, keys, strict=True)]
    server.start()
    post = poster(server.port)
    try:
        def submit(i: int) -> bool:
            sim = sims[i]
            if not sim.pending:
                sim.complaint(secrets.token_bytes(2048))
            return sim.step(post).ack is not None

        def trivial(i: int) -> bool:
            import http.client

            connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            try:
                connection.request("GET", "/api/v1/complaints/terminal/packet")
                response = connection.getresponse()
                response.read()
                return response.status == 405
            finally:
                connection.close()

        _load(args.terminals, 1.0, submit)  # warm up every worker
        _load(args.terminals, 1.0, trivial)
        floor_n, floor_ms, floor_s = _load(args.terminals, args.seconds, trivial)
        done, ms, elapsed = _load(args.terminals, args.seconds, submit)
        assert post_to(server.port, b"")[0] == 400
    finally:
        server.kill()
    rate, floor_rate = done / elapsed, floor_n / floor_s
    p50, p99 = statistics.median(ms), _p(ms, 0.99)
    return [
        (f"{label}: trivial view (floor), requests/s", f"{floor_rate:.0f}", "", True),
        (f"{label}: trivial view p50 / p99 ms", f"{statistics.median(floor_ms):.1f} / {_p(floor_ms, 0.99):.1f}", "",
         True),
        (f"{label}: complaints acknowledged/s", f"{rate:.0f} ({done} in {elapsed:.0f} s)", f">= {RATE_TARGET:.0f}",
         rate >= RATE_TARGET),
        (f"{label}: complaint p50 ms", f"{p50:.1f}", "", True),
        (f"{label}: complaint p99 ms", f"{p99:.1f}", f"< {P99_TARGET_MS:.0f}", p99 < P99_TARGET_MS),
    ]


def _part(script: str, *options: str) -> bool:
    """Run another part's benchmark script; True when it met its targets."""
    print(f"\n{script} {' '.join(options)}".rstrip(), flush=True)
    command = [sys.executable, str(Path(__file__).parent / script), *options]
    return subprocess.run(command, check=False).returncode == 0


def _other_parts(args: argparse.Namespace) -> bool:
    met = _part("bench_terminal.py", "--rounds", str(args.rounds))
    inbox = ("--complaints", str(args.complaints))
    met &= _part("bench_complaints_inbox.py", *inbox)
    if args.postgres:
        url, drop = harness.fresh_database(args.postgres, "bench_complaints_inbox")
        try:
            met &= _part("bench_complaints_inbox.py", *inbox, "--database-url", url)
        finally:
            drop()
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--terminals", type=int, default=8)
    parser.add_argument("--postgres", default="", help="also on this PostgreSQL server (a fresh database in it)")
    parser.add_argument("--rounds", type=int, default=20, help="the terminal's operations, times each")
    parser.add_argument("--complaints", type=int, default=100_000, help="in the inbox part")
    parser.add_argument("--intake-only", action="store_true", help="leave out the terminal and inbox parts")
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="bench-complaints-"))
    rows = []
    try:
        (work / "db").mkdir()
        rows += _suite("SQLite", f"sqlite:///{work / 'db' / 'bench.sqlite3'}", work, args)
        if args.postgres:
            url, drop = harness.fresh_database(args.postgres, "bench_complaints")
            try:
                (work / "pg").mkdir()
                rows += _suite("PostgreSQL", url, work / "pg", args)
            finally:
                drop()
    finally:
        shutil.rmtree(work, ignore_errors=True)
    harness.print_boxed(rows, value=24, target=10, met=6)
    intake = harness.verdict(harness.missed_rows(rows))
    others = True if args.intake_only else _other_parts(args)
    return intake or (0 if others else 1)


if __name__ == "__main__":
    raise SystemExit(main())
